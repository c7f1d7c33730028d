use burn::prelude::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::backend::{self, BackendChoice};
use super::browser::{read_file, reload_with_param, url_param};
use super::chart::LossChart;
use super::dataset::DatasetPanel;
use super::run::{self, Phase, RunState, Sample};
use super::tokenizer::TokenizerPanel;
use crate::data::arithmetic;
use crate::data::hub::Endpoints;
use crate::tokenize::Tokenizer;
use crate::train::Preset;

#[component]
pub fn App() -> impl IntoView {
    let choice = BackendChoice::from_param(url_param("backend"));
    let preset =
        RwSignal::new(url_param("preset").and_then(|p| Preset::from_name(&p)).unwrap_or(Preset::Tutorial));
    let steps = url_param("steps").and_then(|s| s.parse::<usize>().ok()).filter(|&s| s > 0);
    let device: StoredValue<Option<Device>, LocalStorage> = StoredValue::new_local(None);
    let max_buffer_bytes = StoredValue::new(None::<u64>);
    let backend_label = RwSignal::new("looking for a GPU…".to_string());
    let backend_note = RwSignal::new(None::<String>);
    let ready = RwSignal::new(false);
    let state = RunState::new();
    let tokenizer = RwSignal::new(Tokenizer::Bytes);
    let builtin = StoredValue::new(arithmetic::corpus(preset.get_untracked().training().seed, 4));
    let corpus = RwSignal::new(builtin.get_value());
    let loading_data = RwSignal::new(false);
    // `?hf_hub=` and `?hf_viewer=` point the page at another Hub (tests use a local one).
    let defaults = Endpoints::default();
    let endpoints = StoredValue::new(Endpoints {
        hub: url_param("hf_hub").unwrap_or(defaults.hub),
        viewer: url_param("hf_viewer").unwrap_or(defaults.viewer),
    });

    spawn_local(async move {
        let chosen = backend::select(choice).await;
        backend_label.set(chosen.label);
        backend_note.set(chosen.note);
        device.set_value(Some(chosen.device));
        max_buffer_bytes.set_value(chosen.max_buffer_bytes);
        ready.set(true);
    });

    let busy = move || !ready.get() || state.phase.get().busy();
    let start = move |_| {
        if let Some(device) = device.get_value() {
            let (preset, tokenizer, corpus) =
                (preset.get_untracked(), tokenizer.get_untracked(), corpus.get_untracked());
            let limit = max_buffer_bytes.get_value();
            spawn_local(run::train(state, device, limit, preset, tokenizer, corpus, steps));
        }
    };
    let load = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = ev.target().expect("change event has a target").unchecked_into();
        let (Some(file), Some(device)) = (input.files().and_then(|f| f.get(0)), device.get_value()) else {
            return;
        };
        input.set_value(""); // picking the same file again fires `change` again
        spawn_local(async move {
            match read_file(&file).await {
                Ok(bytes) => run::load(state, device, bytes, file.name()).await,
                Err(message) => state.error.set(Some(message)),
            }
        });
    };
    let vocab_size = move || tokenizer.with(Tokenizer::vocab_size);
    let params = move || preset.get().model(vocab_size()).param_count();
    let tokens_per_step = move || {
        let p = preset.get();
        p.training().batch_size * p.model(vocab_size()).block_size
    };

    view! {
        <header>
            <h1>"gptlab"</h1>
            <p class="tagline">"Train a small GPT on your own GPU, in this tab."</p>
            <p class="backend">
                "Device: " <strong data-testid="backend">{move || backend_label.get()}</strong>
                {move || backend_note.get().map(|note| view! { <span class="note">" — " {note}</span> })}
                " "
                <select data-testid="backend-choice" on:change=move |ev| reload_with_param("backend", &event_target_value(&ev))>
                    {[BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu].map(|c| view! {
                        <option value=c.param() selected={c == choice}>{c.param()}</option>
                    }).collect_view()}
                </select>
            </p>
        </header>
        <main>
            <section class="setup">
                <label>"Model "
                    <select data-testid="preset" prop:disabled=busy on:change=move |ev| {
                        if let Some(p) = Preset::from_name(&event_target_value(&ev)) { preset.set(p) }
                    }>
                        {Preset::ALL.map(|p| view! {
                            <option value=p.name() selected=move || preset.get() == p>{p.name()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <span class="params" data-tokens-per-step=tokens_per_step>
                    {move || format!("{} parameters, {} tokens per step", params(), tokens_per_step())}
                </span>
                <button data-testid="train" prop:disabled=move || busy() || loading_data.get() on:click=start>"Train"</button>
                <button data-testid="stop" prop:disabled={move || state.phase.get() != Phase::Training}
                    on:click=move |_| state.stop_requested.set(true)>"Stop"</button>
                <span class="phase">{move || phase_text(state.phase.get())}</span>
            </section>
            <DatasetPanel corpus=corpus builtin=builtin tokenizer=tokenizer endpoints=endpoints loading=loading_data
                busy=Signal::derive(busy) error=state.error />
            <TokenizerPanel tokenizer=tokenizer corpus=corpus endpoints=endpoints preparing=loading_data busy=Signal::derive(move || busy() || loading_data.get())
                error=state.error />
            <Stats state=state />
            <LossChart train=state.train_losses validation=state.validation_losses max_steps=state.max_steps />
            <section class="samples">
                <SampleColumn title="Before training" testid="before-samples" samples=state.before />
                <SampleColumn title="After training" testid="after-samples" samples=state.after />
            </section>
            <section class="checkpoint">
                {move || state.download.get().map(|d| view! {
                    <a data-testid="download-checkpoint" href=d.url download={d.file_name.clone()}>
                        "Download checkpoint (" {d.file_name.clone()} ")"
                    </a>
                })}
                <label>"Load a checkpoint "
                    <input data-testid="load-checkpoint" type="file" accept=".safetensors" prop:disabled=busy on:change=load />
                </label>
                {move || state.loaded.get().map(|text| view! { <p class="loaded">"Loaded " {text}</p> })}
            </section>
            {move || state.error.get().map(|message| view! {
                <p data-testid="error" class="error" role="alert">{message}</p>
            })}
        </main>
    }
}

#[component]
fn Stats(state: RunState) -> impl IntoView {
    let last_loss =
        move || state.train_losses.with(|l| l.last().map(|p| format!("{:.4}", p.1)).unwrap_or_default());
    let last_validation = move || {
        state
            .validation_losses
            .with(|l| l.last().map(|p| format!("{:.4}", p.1)).unwrap_or_else(|| "–".into()))
    };
    let time_left = move || state.seconds_left.get().map(|s| format!("{s:.0} s left")).unwrap_or_default();
    view! {
        <section class="stats">
            <span>"step " <b data-testid="step">{move || state.step.get()}</b> " / " {move || state.max_steps.get()}</span>
            <span>"loss " <b data-testid="loss">{last_loss}</b></span>
            <span>"validation " <b data-testid="val-loss">{last_validation}</b></span>
            <span><b data-testid="tokens-per-second">{move || format!("{:.0}", state.tokens_per_second.get())}</b> " tokens/s"</span>
            <progress data-testid="progress" max={move || state.max_steps.get().max(1)} value={move || state.step.get()}></progress>
            <span class="eta">{time_left}</span>
        </section>
    }
}

#[component]
fn SampleColumn(title: &'static str, testid: &'static str, samples: RwSignal<Vec<Sample>>) -> impl IntoView {
    view! {
        <div class="column" data-testid=testid>
            <h2>{title}</h2>
            {move || samples.get().into_iter().map(|s| view! {
                <p data-testid="sample" class="sample"><span class="prompt">{s.prompt}</span>{s.text}</p>
            }).collect_view()}
        </div>
    }
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::Idle => "",
        Phase::SamplingBefore => "sampling the untrained model…",
        Phase::Training => "training…",
        Phase::SamplingAfter => "sampling…",
        Phase::Saving => "writing the checkpoint…",
        Phase::Done => "done",
        Phase::Stopped => "stopped",
        Phase::Failed => "failed",
    }
}
