//! The runs trained in this browser: a list kept in local storage (settings, curves and samples,
//! no weights), ticked runs compared on one chart with their settings side by side, and run
//! files to export and import.

use js_sys::Date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::browser::{after_next_paint, read_file, save_file};
use super::compare_runs::Comparison;
use super::run::RunState;
use crate::format;
use crate::session::history::{KEPT_RUNS, MAX_RUNS_FILE_BYTES, RunRecord, Runs};

/// Where the list is kept: local storage holds a few megabytes, plenty for runs without weights.
const STORAGE_KEY: &str = "gptlab-runs";

#[component]
pub fn RunHistory(state: RunState) -> impl IntoView {
    // Read once the page has drawn: the kept runs can be megabytes of JSON.
    let runs = RwSignal::new(Runs::default());
    after_next_paint(move || runs.set(stored_runs()));
    let selected = RwSignal::new(Vec::<String>::new());
    let compared = RwSignal::new(Vec::<String>::new());
    let note = RwSignal::new(None::<String>);
    let keep = move |dropped: usize| {
        note.set(store(&runs.get_untracked()).err().or_else(|| {
            (dropped > 0)
                .then(|| format!("the oldest {dropped} run(s) were dropped: the page keeps {KEPT_RUNS}"))
        }));
    };
    Effect::new(move || {
        if let Some(mut record) = state.ended.get() {
            record.ended_at_ms = Date::now();
            let mut dropped = 0;
            runs.update(|r| dropped = r.add(record));
            keep(dropped);
        }
    });
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        spawn_local(async move {
            let bytes = read_file(&file, MAX_RUNS_FILE_BYTES as u64).await.map_err(|e| e.to_string());
            let mut imported = Err(String::new());
            runs.update(|r| imported = bytes.and_then(|b| r.import(&b).map_err(|e| e.to_string())));
            match imported {
                Ok((_, dropped)) => keep(dropped),
                Err(error) => note.set(Some(format!("{}: {error}", file.name()))),
            }
        });
    };
    let export = move |_| {
        let ids = selected.get_untracked();
        let ids = if ids.is_empty() {
            runs.with_untracked(|r| r.runs.iter().map(|r| r.id.clone()).collect())
        } else {
            ids
        };
        if let Err(error) = save_file(
            runs.with_untracked(|r| r.export(&ids)).as_bytes(),
            "gptlab-runs.json",
            "application/json",
        ) {
            note.set(Some(error.to_string()));
        }
    };
    let clear = move |_| {
        runs.set(Runs::default());
        selected.set(Vec::new());
        compared.set(Vec::new());
        keep(0);
    };
    let toggle =
        move |id: String, on: bool| selected.update(|s| if on { s.push(id) } else { s.retain(|x| *x != id) });
    view! {
        <section class="runs">
            <h3>"Your runs"</h3>
            <p class="about">"Every run trained here is kept in this browser (settings, curves and samples; not the weights). Tick two or more to compare them."</p>
            <ol data-testid="runs" class="run-list">
                {move || runs.get().runs.into_iter().rev().map(|run| {
                    let id = run.id.clone();
                    view! {
                        <li data-run-id=run.id.clone()>
                            <label>
                                <input type="checkbox" data-testid="run-select"
                                    prop:checked={let id = id.clone(); move || selected.with(|s| s.contains(&id))}
                                    on:change=move |ev| toggle(id.clone(), event_target_checked(&ev)) />
                                " " {describe(&run)}
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <div class="run-actions">
                <button data-testid="compare-runs" on:click=move |_| compared.set(selected.get_untracked())
                    prop:disabled=move || selected.with(Vec::is_empty)>"Compare"</button>
                <button data-testid="export-runs" on:click=export prop:disabled=move || runs.with(|r| r.runs.is_empty())>
                    "Export runs"</button>
                <label>"Import runs " <input data-testid="import-runs" type="file" accept=".json" on:change=import /></label>
                <button data-testid="clear-runs" on:click=clear>"Clear runs"</button>
            </div>
            {move || note.get().map(|n| view! { <p class="note" data-testid="runs-note">{n}</p> })}
            {move || {
                // Drawn again when the runs compared change, not when another run is added.
                let ids = compared.get();
                let chosen: Vec<RunRecord> =
                    runs.with_untracked(|r| ids.iter().filter_map(|id| r.get(id).cloned()).collect());
                (!chosen.is_empty()).then(|| view! { <Comparison runs=chosen /> })
            }}
        </section>
    }
}

/// A run in one line: what it trained on and how it ended.
fn describe(run: &RunRecord) -> String {
    let m = &run.model;
    let loss = run.final_validation_loss().or(run.final_loss()).map_or("–".into(), |l| format!("{l:.3}"));
    format!(
        "{} · {} · {} layers × {} wide · {} steps · loss {loss} · {:.0} tokens/s · {} · {}",
        run.dataset,
        run.tokenizer,
        m.n_layer,
        m.n_embd,
        run.steps,
        run.tokens_per_second(),
        run.device,
        format::duration_ms(run.trained_seconds * 1e3),
    )
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The kept runs; none when there are none yet or they cannot be read.
fn stored_runs() -> Runs {
    let json = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok()?);
    json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default()
}

fn store(runs: &Runs) -> Result<(), String> {
    let storage =
        local_storage().ok_or("this browser keeps no local storage: runs last until the tab closes")?;
    let json = serde_json::to_string(runs).map_err(|e| e.to_string())?;
    storage
        .set_item(STORAGE_KEY, &json)
        .map_err(|_| "the browser's storage is full: runs were not kept".to_string())
}
