//! A training run as the page sees it: signals that the worker's events fill.

use leptos::prelude::*;

use super::browser::{object_url, revoke_object_url, save_file};
use crate::data::arithmetic::Accuracy;
use crate::model::GptConfig;
use crate::sample::NextWord;
use crate::session::history::RunRecord;
use crate::session::protocol::{AttentionView, DeviceInfo, Event, GpuReport, Phase, Sample, SplitText};
use crate::tokenize::Tokenizer;
use crate::train::{LrCurve, MeasuredSpeed};

/// A downloadable checkpoint: an object URL and the file name to save it under.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub url: String,
    pub file_name: String,
}

/// A model loaded from a file, a link or the Hub.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// Its model card in one line.
    pub description: String,
    pub model: GptConfig,
    pub tokenizer: Tokenizer,
}

/// The learning-rate range test as the page last heard of it.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningRates {
    pub curve: LrCurve,
    /// Once `done`: the rate it suggests, if the loss fell.
    pub suggestion: Option<f64>,
    pub done: bool,
}

/// Everything the page shows about a run. Each field is a signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct RunState {
    /// The device the steps run on.
    pub device: RwSignal<Option<DeviceInfo>>,
    pub gpu: RwSignal<Option<GpuReport>>,
    pub phase: RwSignal<Phase>,
    pub step: RwSignal<usize>,
    pub max_steps: RwSignal<usize>,
    pub train_losses: RwSignal<Vec<(usize, f32)>>,
    pub validation_losses: RwSignal<Vec<(usize, f32)>>,
    pub learning_rate: RwSignal<f64>,
    pub grad_norm: RwSignal<f32>,
    pub tokens_per_second: RwSignal<f64>,
    pub seconds_left: RwSignal<Option<f64>>,
    pub autosaved_step: RwSignal<Option<usize>>,
    pub before: RwSignal<Vec<Sample>>,
    pub after: RwSignal<Vec<Sample>>,
    /// Exact answers to held-out problems, before and after training (built-in arithmetic only).
    pub accuracy_before: RwSignal<Option<Accuracy>>,
    pub accuracy_after: RwSignal<Option<Accuracy>>,
    pub download: RwSignal<Option<Download>>,
    pub learning_rates: RwSignal<Option<LearningRates>>,
    /// The last training speed measured, for the time planner.
    pub speed: RwSignal<Option<MeasuredSpeed>>,
    /// The loaded checkpoint (or imported model): its card, sizes and tokenizer.
    pub loaded: RwSignal<Option<Loaded>>,
    /// The sampling tool's text, and whether it is still coming.
    pub generation: RwSignal<(String, bool)>,
    pub candidates: RwSignal<Vec<(String, f32)>>,
    pub words: RwSignal<Vec<NextWord>>,
    /// The attention maps last asked for, with the validation line's per-token losses.
    pub attention: RwSignal<Option<AttentionView>>,
    pub error: RwSignal<Option<String>>,
    /// The record of the run that ended last, for the list of runs.
    pub ended: RwSignal<Option<RunRecord>>,
    /// The token view's last answer from the engine: a text and its tokens.
    pub tokens: RwSignal<Option<SplitText>>,
    /// How many tokenizers the token view has shown the engine: the number the answers of the
    /// one it shows now carry.
    pub tokenizers_shown: RwSignal<u32>,
}

impl RunState {
    pub fn new() -> Self {
        Self {
            device: RwSignal::new(None),
            gpu: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            step: RwSignal::new(0),
            max_steps: RwSignal::new(0),
            train_losses: RwSignal::new(Vec::new()),
            validation_losses: RwSignal::new(Vec::new()),
            learning_rate: RwSignal::new(0.0),
            grad_norm: RwSignal::new(0.0),
            tokens_per_second: RwSignal::new(0.0),
            seconds_left: RwSignal::new(None),
            autosaved_step: RwSignal::new(None),
            before: RwSignal::new(Vec::new()),
            after: RwSignal::new(Vec::new()),
            accuracy_before: RwSignal::new(None),
            accuracy_after: RwSignal::new(None),
            download: RwSignal::new(None),
            learning_rates: RwSignal::new(None),
            speed: RwSignal::new(None),
            loaded: RwSignal::new(None),
            generation: RwSignal::new((String::new(), false)),
            candidates: RwSignal::new(Vec::new()),
            words: RwSignal::new(Vec::new()),
            attention: RwSignal::new(None),
            error: RwSignal::new(None),
            ended: RwSignal::new(None),
            tokens: RwSignal::new(None),
            tokenizers_shown: RwSignal::new(0),
        }
    }

    /// There is a model to sample or look inside: a run's (from its first step) or a loaded one.
    pub fn has_model(&self) -> bool {
        matches!(self.phase.get(), Phase::Training | Phase::Paused | Phase::Done | Phase::Stopped)
            || self.loaded.with(Option::is_some)
    }

    /// Shows what the worker reports.
    pub fn apply(&self, event: Event) {
        match event {
            Event::Device(device) => self.device.set(Some(device)),
            Event::Gpu(report) => self.gpu.set(Some(report)),
            Event::Started { step, max_steps, history } => {
                self.step.set(step);
                self.max_steps.set(max_steps);
                self.train_losses.set(history.train);
                self.validation_losses.set(history.validation);
                self.tokens_per_second.set(0.0);
                self.seconds_left.set(None);
                self.before.set(Vec::new());
                self.after.set(Vec::new());
                self.accuracy_before.set(None);
                self.accuracy_after.set(None);
                self.loaded.set(None);
                self.attention.set(None); // another model
                self.error.set(None);
            }
            Event::Phase(phase) => self.phase.set(phase),
            Event::Samples { after, samples } => {
                if after {
                    self.after.set(samples)
                } else {
                    self.before.set(samples)
                }
            }
            Event::Accuracy { after, accuracy } => {
                let shown = if after { self.accuracy_after } else { self.accuracy_before };
                shown.set(Some(accuracy));
            }
            Event::Progress { step, losses, learning_rate, grad_norm, tokens_per_second, seconds_left } => {
                self.train_losses.update(|l| l.extend(losses));
                self.step.set(step);
                self.learning_rate.set(learning_rate);
                self.grad_norm.set(grad_norm);
                self.tokens_per_second.set(tokens_per_second);
                self.seconds_left.set(Some(seconds_left));
            }
            Event::Validation { step, loss } => self.validation_losses.update(|l| l.push((step, loss))),
            Event::Autosaved { step } => self.autosaved_step.set(Some(step)),
            Event::Checkpoint { file_name, bytes } => self.offer_download(&bytes, file_name),
            Event::Loaded { description, model, tokenizer } => {
                self.loaded.set(Some(Loaded { description, model, tokenizer }));
                self.attention.set(None);
                self.after.set(Vec::new());
                self.accuracy_before.set(None);
                self.accuracy_after.set(None);
            }
            Event::Export { file_name, bytes } => {
                if let Err(error) = save_file(&bytes, &file_name, "application/zip") {
                    self.error.set(Some(error.to_string()));
                }
            }
            Event::LearningRates { curve, suggestion, done } => {
                self.learning_rates.set(Some(LearningRates { curve, suggestion, done }))
            }
            Event::Speed(speed) => self.speed.set(Some(speed)),
            Event::Generation { text, done } => self.generation.set((text, !done)),
            Event::Candidates { candidates, .. } => {
                self.candidates.set(candidates);
                self.words.set(Vec::new()); // this prompt's words follow
            }
            Event::Words { words, .. } => self.words.set(words),
            Event::Attention(view) => self.attention.set(Some(*view)),
            Event::RunEnded(record) => self.ended.set(Some(*record)),
            Event::Tokens(split) => self.tokens.set(Some(split)),
            Event::Error { message } => self.error.set(Some(message)),
        }
    }

    fn offer_download(&self, bytes: &[u8], file_name: String) {
        match object_url(bytes, "application/octet-stream") {
            Ok(url) => {
                if let Some(old) = self.download.get_untracked() {
                    revoke_object_url(&old.url);
                }
                self.download.set(Some(Download { url, file_name }));
            }
            Err(error) => self.error.set(Some(error.to_string())),
        }
    }
}
