//! The page: the run's settings as signals, the training worker, and the panels that show them.

use leptos::prelude::*;

use super::attention::AttentionPanel;
use super::browser::url_param;
use super::chart::LossChart;
use super::checkpoint::CheckpointPanel;
use super::controls::{Controls, SavedRunOffer};
use super::dataset::DatasetPanel;
use super::header::Header;
use super::link;
use super::lr_finder::LrFinder;
use super::planner::Planner;
use super::results::{BeforeAfter, Stats};
use super::run::RunState;
use super::runs::RunHistory;
use super::settings::{ModelSettings, TrainingSettings};
use super::share::SharePanel;
use super::step::Step;
use super::studio::SamplingTool;
use super::tokenizer::TokenizerPanel;
use super::training::Commands;
use crate::data::arithmetic;
use crate::data::hub::Endpoints;
use crate::model::GptConfig;
use crate::session::protocol::{BackendChoice, Command, RunSpec};
use crate::tokenize::Tokenizer;
use crate::train::{Preset, TrainConfig};

#[component]
pub fn App() -> impl IntoView {
    let choice = BackendChoice::from_param(url_param("backend").as_deref());
    let preset = url_param("preset").and_then(|p| Preset::from_name(&p)).unwrap_or(Preset::Tutorial);
    let model = RwSignal::new(preset.model(256));
    let training = RwSignal::new(initial_training(preset));
    let tokenizer = RwSignal::new(Tokenizer::Bytes);
    let builtin = StoredValue::new(arithmetic::corpus(preset.training().seed, 4));
    let corpus = RwSignal::new(builtin.get_value());
    let loading_data = RwSignal::new(false);
    // `?hf_hub=` and `?hf_viewer=` point a page on this machine at another Hub (tests use a local one).
    let (endpoints, endpoints_note) =
        Endpoints::for_page(&link::page_host(), url_param("hf_hub"), url_param("hf_viewer"));
    let endpoints = StoredValue::new(endpoints);
    let saved_run = RwSignal::new(None);

    let state = RunState::new();
    let commands = Commands::start(Command::Init { backend: choice }, move |e| state.apply(e));
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

    // Settings and Train answer while the engine is still arriving: commands sent before the
    // training worker is ready wait for it (web/training.rs).
    let busy = Signal::derive(move || state.phase.get().busy());
    let preparing_or_busy = Signal::derive(move || busy.get() || loading_data.get());
    // The model as Train builds it: the settings' sizes and the tokenizer's vocabulary. Memos, so
    // the settings and the planner redraw only when a size changes.
    let vocab_size = Memo::new(move |_| tokenizer.with(Tokenizer::vocab_size));
    let sized_model = Memo::new(move |_| GptConfig { vocab_size: vocab_size.get(), ..model.get() });
    // The run that Train starts; the learning-rate finder and the planner try it first.
    let spec = move || RunSpec {
        model: sized_model.get_untracked(),
        train: training.get_untracked(),
        tokenizer: tokenizer.get_untracked(),
        corpus: corpus.get_untracked(),
        fine_tune: fine_tune.get_untracked() && state.loaded.with_untracked(Option::is_some),
    };
    let train = move || {
        let spec = spec();
        state.error.set(None);
        saved_run.set(None);
        commands.send(Command::Train(Box::new(spec)));
    };

    view! {
        <Header state=state choice=choice />
        <main>
            {endpoints_note.map(|note| view! { <p class="note" data-testid="endpoints-note">{note}</p> })}
            <SavedRunOffer state=state commands=commands busy=busy offer=saved_run />
            <div class="setup">
                <Step number=1 title="Data" about="The text the model learns from: the built-in sums, a file of yours, or a dataset from the Hugging Face Hub.">
                    <DatasetPanel corpus=corpus builtin=builtin tokenizer=tokenizer endpoints=endpoints loading=loading_data
                        busy=busy error=state.error />
                </Step>
                <Step number=2 title="Tokenizer" about="How text becomes the numbers the model reads: one per byte, or word pieces learned from the data.">
                    <TokenizerPanel tokenizer=tokenizer corpus=corpus endpoints=endpoints n_embd=Signal::derive(move || model.with(|m| m.n_embd))
                        preparing=loading_data
                        busy=preparing_or_busy state=state commands=commands />
                </Step>
                <Step number=3 title="Model" about="How big the GPT is: more layers and width can learn more, and take longer per step.">
                    <ModelSettings model=model training=training vocab_size=vocab_size busy=busy initial=preset />
                </Step>
                <Step number=4 title="Train" about="Each step shows the model a batch of text and nudges every weight to predict the next token a little better.">
                    <TrainingSettings training=training busy=busy />
                    <Controls state=state commands=commands train=train can_train=Signal::derive(move || !preparing_or_busy.get()) />
                    <Stats state=state />
                    {move || state.error.get().map(|message| view! {
                        <p data-testid="error" class="error" role="alert">{message}</p>
                    })}
                    <LrFinder state=state commands=commands training=training spec=spec busy=preparing_or_busy />
                    <Planner state=state commands=commands model=sized_model training=training spec=spec
                        busy=preparing_or_busy />
                </Step>
            </div>
            <div class="results">
                <Step number=5 title="Compare" about="The loss falls as the model learns; the samples show what it wrote before training and what it writes now.">
                    <LossChart train=state.train_losses validation=state.validation_losses max_steps=state.max_steps />
                    <BeforeAfter state=state />
                    <RunHistory state=state />
                    <SamplingTool state=state commands=commands />
                    <AttentionPanel state=state commands=commands />
                </Step>
                <Step number=6 title="Share" about="Keep the trained model as a file, load one back, or send it to the Hugging Face Hub.">
                    <CheckpointPanel state=state commands=commands fine_tune=fine_tune busy=busy />
                    <SharePanel state=state endpoints=endpoints commands=commands busy=busy />
                </Step>
            </div>
        </main>
    }
}

/// The preset's training settings with the URL's overrides: `?steps=N`, and `?lr=` (a test's
/// way to make training diverge).
fn initial_training(preset: Preset) -> TrainConfig {
    let mut training = preset.training();
    if let Some(steps) = url_param("steps").and_then(|s| s.parse::<usize>().ok()).filter(|&s| s > 0) {
        training.max_steps = steps;
    }
    if let Some(lr) = url_param("lr").and_then(|s| s.parse::<f64>().ok()) {
        training.learning_rate = lr;
    }
    training
}
