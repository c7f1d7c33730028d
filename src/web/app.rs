use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::backend::BackendChoice;
use super::browser::{read_file, reload_with_param, url_param};
use super::chart::LossChart;
use super::dataset::DatasetPanel;
use super::lab::{Command, Lab, Phase, RunSpec, Sample};
use super::run::RunState;
use super::settings::{ModelSettings, TrainingSettings};
use super::share::SharePanel;
use super::storage;
use super::studio::SamplingTool;
use super::tokenizer::TokenizerPanel;
use crate::checkpoint;
use crate::data::arithmetic;
use crate::data::hub::Endpoints;
use crate::model::GptConfig;
use crate::tokenize::Tokenizer;
use crate::train::{Preset, check_buffer_limit};

#[component]
pub fn App() -> impl IntoView {
    let choice = BackendChoice::from_param(url_param("backend"));
    let preset = url_param("preset").and_then(|p| Preset::from_name(&p)).unwrap_or(Preset::Tutorial);
    let steps = url_param("steps").and_then(|s| s.parse::<usize>().ok()).filter(|&s| s > 0);
    let model = RwSignal::new(preset.model(256));
    let training = RwSignal::new(preset.training());
    if let Some(steps) = steps {
        training.update(|t| t.max_steps = steps);
    }
    // A test-only way to make training diverge: `?lr=1e9`.
    if let Some(lr) = url_param("lr").and_then(|s| s.parse::<f64>().ok()) {
        training.update(|t| t.learning_rate = lr);
    }
    let state = RunState::new();
    let tokenizer = RwSignal::new(Tokenizer::Bytes);
    let builtin = StoredValue::new(arithmetic::corpus(preset.training().seed, 4));
    let corpus = RwSignal::new(builtin.get_value());
    let loading_data = RwSignal::new(false);
    // `?hf_hub=` and `?hf_viewer=` point the page at another Hub (tests use a local one).
    let defaults = Endpoints::default();
    let endpoints = StoredValue::new(Endpoints {
        hub: url_param("hf_hub").unwrap_or(defaults.hub),
        viewer: url_param("hf_viewer").unwrap_or(defaults.viewer),
    });
    // The saved run the page offers to resume: its step and a description.
    let saved_run = RwSignal::new(None::<(usize, String)>);
    spawn_local(async move { saved_run.set(describe_saved_run().await) });

    // A run that failed leaves its last good autosave: offer it again.
    Effect::new(move || {
        if state.phase.get() == Phase::Failed {
            spawn_local(async move { saved_run.set(describe_saved_run().await) });
        }
    });

    let lab: StoredValue<Option<Lab>, LocalStorage> = StoredValue::new_local(None);
    match Lab::start(Command::Init { backend: choice.param().into() }, move |event, bytes| {
        state.apply(event, bytes)
    }) {
        Ok(started) => lab.set_value(Some(started)),
        Err(message) => state.error.set(Some(format!("the training worker could not start: {message}"))),
    }
    let send = move |command: Command| lab.with_value(|lab| lab.as_ref().map(|lab| lab.send(&command, None)));
    let send_bytes = move |command: Command, bytes: Option<Vec<u8>>| {
        lab.with_value(|lab| lab.as_ref().map(|lab| lab.send(&command, bytes.as_deref())));
    };
    // A loaded model brings its sizes and tokenizer: training then fine-tunes it, unless the
    // user unticks that.
    let fine_tune = RwSignal::new(false);
    Effect::new(move || {
        if let Some(loaded) = state.loaded.get() {
            model.set(loaded.model);
            tokenizer.set(loaded.tokenizer);
            fine_tune.set(true);
        }
    });

    let ready = move || state.device.with(Option::is_some);
    let busy = move || !ready() || state.phase.get().busy();
    let start = move |_| {
        let spec = RunSpec {
            model: GptConfig {
                vocab_size: tokenizer.with_untracked(Tokenizer::vocab_size),
                ..model.get_untracked()
            },
            train: training.get_untracked(),
            tokenizer: tokenizer.get_untracked(),
            corpus: corpus.get_untracked(),
            fine_tune: fine_tune.get_untracked() && state.loaded.with_untracked(Option::is_some),
        };
        let limit = state.device.with_untracked(|d| d.as_ref().and_then(|d| d.max_buffer_bytes));
        if let Some(Err(e)) = limit.map(|limit| check_buffer_limit(&spec.model, spec.train.batch_size, limit))
        {
            state.error.set(Some(e.to_string()));
            return;
        }
        if let Err(e) = spec.model.validate() {
            state.error.set(Some(format!("invalid model: {e}")));
            return;
        }
        state.error.set(None);
        saved_run.set(None);
        send(Command::Train(Box::new(spec)));
    };
    let resume_saved = move |_| {
        saved_run.set(None);
        state.error.set(None);
        send(Command::ResumeSaved);
    };
    let load = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = ev.target().expect("change event has a target").unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value(""); // picking the same file again fires `change` again
        spawn_local(async move {
            match read_file(&file).await {
                Ok(bytes) => {
                    state.error.set(None);
                    // The worker hands the file back to download once it has loaded.
                    send_bytes(Command::Load { file_name: file.name() }, Some(bytes));
                }
                Err(message) => state.error.set(Some(message)),
            }
        });
    };
    let vocab_size = Signal::derive(move || tokenizer.with(Tokenizer::vocab_size));

    view! {
        <header>
            <h1>"gptlab"</h1>
            <p class="tagline">"Train a small GPT on your own GPU, in this tab."</p>
            <p class="backend">
                "Device: " <strong data-testid="backend">{move || state.device.with(|d| d.as_ref().map_or("looking for a GPU…".to_string(), |d| d.label.clone()))}</strong>
                {move || state.device.with(|d| d.as_ref().and_then(|d| d.note.clone())).map(|note| view! { <span class="note">" — " {note}</span> })}
                " "
                <select data-testid="backend-choice" on:change=move |ev| reload_with_param("backend", &event_target_value(&ev))>
                    {[BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu].map(|c| view! {
                        <option value=c.param() selected={c == choice}>{c.param()}</option>
                    }).collect_view()}
                </select>
            </p>
            {move || state.device.with(|d| d.as_ref().and_then(|d| d.remembered_kernels)).map(|remembered| view! {
                <p class="note" data-testid="kernel-cache">{kernel_cache_note(remembered)}</p>
            })}
        </header>
        <main>
            {move || saved_run.get().filter(|_| !busy()).map(|(_, description)| view! {
                <p class="saved-run">"A saved run: " {description} " "
                    <button data-testid="resume-run" on:click=resume_saved>"Resume run"</button>
                </p>
            })}
            <ModelSettings model=model training=training vocab_size=vocab_size busy=Signal::derive(busy) initial=preset />
            <TrainingSettings training=training busy=Signal::derive(busy) />
            <section class="controls">
                <button data-testid="train" prop:disabled=move || busy() || loading_data.get() on:click=start>"Train"</button>
                <button data-testid="pause" prop:disabled=move || state.phase.get() != Phase::Training
                    on:click=move |_| { send(Command::Pause); }>"Pause"</button>
                <button data-testid="resume" prop:disabled=move || state.phase.get() != Phase::Paused
                    on:click=move |_| { send(Command::Continue); }>"Resume"</button>
                <button data-testid="stop" prop:disabled=move || !matches!(state.phase.get(), Phase::Training | Phase::Paused)
                    on:click=move |_| { send(Command::Stop); }>"Stop"</button>
                <span class="phase" data-testid="phase">{move || phase_text(state.phase.get())}</span>
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
            <SamplingTool state=state send=send />
            <section class="checkpoint">
                {move || state.download.get().map(|d| view! {
                    <a data-testid="download-checkpoint" href=d.url download={d.file_name.clone()}>
                        "Download checkpoint (" {d.file_name.clone()} ")"
                    </a>
                })}
                <label>"Load a checkpoint "
                    <input data-testid="load-checkpoint" type="file" accept=".safetensors" prop:disabled=busy on:change=load />
                </label>
                {move || state.loaded.get().map(|loaded| view! {
                    <p data-testid="model-card" class="loaded">"Loaded " {loaded.description}</p>
                    <label>
                        <input data-testid="fine-tune" type="checkbox" prop:checked=move || fine_tune.get()
                            prop:disabled=busy on:change=move |ev| fine_tune.set(event_target_checked(&ev)) />
                        " Train fine-tunes this model (its sizes and tokenizer)"
                    </label>
                })}
            </section>
            <SharePanel state=state endpoints=endpoints send=send_bytes busy=Signal::derive(busy) />
            {move || state.error.get().map(|message| view! {
                <p data-testid="error" class="error" role="alert">{message}</p>
            })}
        </main>
    }
}

/// The autosaved run, if there is one: its step and a line describing it.
async fn describe_saved_run() -> Option<(usize, String)> {
    let info = checkpoint::read_info(&storage::saved_checkpoint().await?).ok()?;
    let training = &info.training;
    let max_steps = training.config.as_ref()?.max_steps;
    let m = &info.model;
    Some((
        training.step,
        format!(
            "step {} of {max_steps}, {} layers × {} wide, on {}",
            training.step, m.n_layer, m.n_embd, training.dataset
        ),
    ))
}

#[component]
fn Stats(state: RunState) -> impl IntoView {
    let last = |series: RwSignal<Vec<(usize, f32)>>| move || series.with(|l| l.last().map(|p| p.1));
    let (loss, validation) = (last(state.train_losses), last(state.validation_losses));
    let time_left = move || state.seconds_left.get().map(|s| format!("{s:.0} s left")).unwrap_or_default();
    view! {
        <section class="stats">
            <span>"step " <b data-testid="step">{move || state.step.get()}</b> " / " {move || state.max_steps.get()}</span>
            <span>"loss " <b data-testid="loss">{move || loss().map(|l| format!("{l:.4}")).unwrap_or_default()}</b></span>
            <span>"validation " <b data-testid="val-loss">{move || validation().map_or("–".into(), |l| format!("{l:.4}"))}</b>
                " (perplexity " <b data-testid="perplexity">{move || validation().map_or("–".into(), |l| format!("{:.1}", l.exp()))}</b> ")"</span>
            <span>"learning rate " <b data-testid="lr">{move || format!("{:.2e}", state.learning_rate.get())}</b></span>
            <span>"gradient norm " <b data-testid="grad-norm">{move || format!("{:.3}", state.grad_norm.get())}</b></span>
            <span><b data-testid="tokens-per-second">{move || format!("{:.0}", state.tokens_per_second.get())}</b> " tokens/s"</span>
            <progress data-testid="progress" max={move || state.max_steps.get().max(1)} value={move || state.step.get()}></progress>
            <span class="eta">{time_left}</span>
            <span class="autosaved" data-testid="autosaved">{move || state.autosaved_step.get().map(|s| format!("autosaved at step {s}"))}</span>
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
        Phase::Paused => "paused",
        Phase::SamplingAfter => "sampling…",
        Phase::Saving => "writing the checkpoint…",
        Phase::Done => "done",
        Phase::Stopped => "stopped",
        Phase::Failed => "failed",
    }
}

/// What the page says of the GPU kernels autotune chose on earlier visits.
fn kernel_cache_note(remembered: u64) -> String {
    match remembered {
        0 => "The first steps try several GPU kernels for each operation (slow once); this browser \
              remembers the fastest for later runs."
            .into(),
        n => format!("{n} GPU kernel choices remembered from earlier runs: no tuning needed for them."),
    }
}
