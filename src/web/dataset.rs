//! Choosing the data: the built-in arithmetic, a Hugging Face dataset (picked in `hub_picker`,
//! then how much of it to take), or a local text file. Downloads show their progress, can be
//! cancelled, and are cached by the browser.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::browser::{read_file, yield_to_browser};
use super::cancel::Canceller;
use super::cleaning::CleaningPanel;
use super::data_summary::{CacheLine, DataSummary};
use super::hub_picker::HubPicker;
use super::job_worker::{self, JobError, JobHandle};
use crate::data::choices::Choices;
use crate::data::hub::Endpoints;
use crate::data::take::{Amount, Progress};
use crate::data::{Corpus, MAX_TEXT_BYTES};
use crate::format;
use crate::session::protocol::TakeRequest;
use crate::tokenize::Tokenizer;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Megabytes,
    Rows,
}

#[component]
pub fn DatasetPanel(
    corpus: RwSignal<Corpus>,
    /// The built-in data, to go back to.
    builtin: StoredValue<Corpus>,
    tokenizer: RwSignal<Tokenizer>,
    endpoints: StoredValue<Endpoints>,
    /// True while a download runs; the page does not train meanwhile.
    loading: RwSignal<bool>,
    #[prop(into)] busy: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let choices = RwSignal::new(Choices::default());
    let size = RwSignal::new(1.0_f64);
    let unit = RwSignal::new(Unit::Megabytes);
    let progress = RwSignal::new(None::<Progress>);
    let status = RwSignal::new(String::new());
    let cancel = Canceller::new();

    let load = move |_| {
        let Some(source) = choices.with_untracked(Choices::source) else { return };
        let validation = choices.with_untracked(Choices::validation_split);
        let amount = match unit.get_untracked() {
            Unit::Megabytes => Amount::Bytes((size.get_untracked().max(0.001) * 1e6) as u64),
            Unit::Rows => Amount::Rows(size.get_untracked().max(1.0) as usize),
        };
        error.set(None);
        loading.set(true);
        progress.set(Some(Progress::default()));
        status.set(format!("downloading {}…", source.describe()));
        let request =
            TakeRequest { endpoints: endpoints.get_value(), source, validation_split: validation, amount };
        spawn_local(async move {
            // Downloaded and decoded in a worker: a large Parquet file never holds up the page.
            let started = |handle: JobHandle| cancel.set(move || handle.cancel());
            let taken = job_worker::take_corpus(request, started, |p| progress.set(Some(p))).await;
            cancel.clear();
            status.set(String::new());
            match taken {
                Ok(taken) => corpus.set(taken),
                Err(JobError::Cancelled) => status.set("cancelled; the data in use is unchanged".into()),
                Err(e) => error.set(Some(e.to_string())),
            }
            loading.set(false);
        });
    };

    let disabled = Signal::derive(move || busy.get() || loading.get());
    view! {
        <div class="dataset">
            <p class="in-use">"In use: " <b>{move || corpus.with(|c| c.name.clone())}</b>
                " " <button data-testid="dataset-builtin" prop:disabled=disabled
                    on:click=move |_| corpus.set(builtin.get_value())>"use the built-in arithmetic"</button>
            </p>
            <HubPicker choices=choices endpoints=endpoints status=status error=error disabled=disabled />
            <p class="take">
                <label>"take "
                    <input data-testid="dataset-size" type="number" min="0" step="any" prop:value=move || size.get()
                        prop:disabled=disabled
                        on:input=move |ev| if let Ok(v) = event_target_value(&ev).parse() { size.set(v) } />
                </label>
                <select data-testid="dataset-size-unit" aria-label="unit of the amount to take" prop:disabled=disabled on:change=move |ev| {
                    unit.set(if event_target_value(&ev) == "rows" { Unit::Rows } else { Unit::Megabytes })
                }>
                    <option value="mb">"MB"</option>
                    <option value="rows">"rows"</option>
                </select>
                " "
                <button data-testid="load-dataset" on:click=load
                    prop:disabled=move || disabled.get() || choices.with(|c| c.source().is_none())>"Load"</button>
                <button data-testid="dataset-cancel" prop:disabled=move || !cancel.active()
                    on:click=move |_| cancel.cancel()>"Cancel"</button>
                <LocalFile corpus=corpus error=error disabled=disabled />
            </p>
            <DownloadProgress progress=progress status=status />
            <DataSummary corpus=corpus tokenizer=tokenizer />
            <CleaningPanel corpus=corpus loading=loading disabled=disabled error=error />
            <CacheLine loading=loading error=error disabled=disabled />
        </div>
    }
}

/// A text file from the user's disk, a line per row.
#[component]
fn LocalFile(
    corpus: RwSignal<Corpus>,
    error: RwSignal<Option<String>>,
    disabled: Signal<bool>,
) -> impl IntoView {
    let open = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        spawn_local(async move {
            yield_to_browser().await;
            let text = read_file(&file, MAX_TEXT_BYTES).await.map_err(|e| e.to_string()).and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", file.name()))
            });
            match text {
                Ok(text) if text.trim().is_empty() => {
                    error.set(Some(format!("{} holds no text", file.name())))
                }
                Ok(text) => {
                    error.set(None);
                    corpus.set(Corpus::from_text(file.name(), &text));
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    view! {
        <label>" or a local text file "
            <input data-testid="dataset-file" type="file" accept=".txt,text/plain" prop:disabled=disabled on:change=open />
        </label>
    }
}

#[component]
fn DownloadProgress(progress: RwSignal<Option<Progress>>, status: RwSignal<String>) -> impl IntoView {
    view! {
        <p class="progress">
            {move || progress.get().map(|p| view! {
                <progress data-testid="dataset-progress" max=p.total_bytes.unwrap_or(0).max(p.bytes).max(1)
                    value=p.bytes></progress>
                " " {format!("{} downloaded, {} rows", format::bytes(p.bytes), p.rows)}
            })}
            " " <span class="status">{move || status.get()}</span>
        </p>
    }
}
