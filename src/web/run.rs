//! One training run as the page sees it: the signals it shows, and the async work that fills them.

use burn::prelude::*;
use leptos::prelude::*;

use super::browser::{now_ms, object_url, revoke_object_url, yield_to_browser};
use crate::checkpoint::{self, CheckpointInfo, TrainingState};
use crate::data::{Corpus, Prompts, arithmetic};
use crate::model::Gpt;
use crate::sample::{SampleConfig, generate};
use crate::tokenize::Tokenizer;
use crate::train::{Preset, TrainConfig, Trainer, check_buffer_limit};

/// How the page samples: the same settings every time, so before, after and loaded compare.
/// Where the data's answers end at the end of their line, so does a sample.
fn sampling(tokenizer: &Tokenizer, prompts: &Prompts) -> SampleConfig {
    let newline = tokenizer.encode("\n").ok().filter(|ids| ids.len() == 1).map(|ids| ids[0]);
    let (max_new_tokens, stop_token) = if prompts.stop_at_newline { (16, newline) } else { (48, None) };
    SampleConfig { max_new_tokens, temperature: 0.8, seed: 7, stop_token, ..Default::default() }
}

/// Longest stretch of work between two chances for the page to repaint.
const FRAME_BUDGET_MS: f64 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    SamplingBefore,
    Training,
    SamplingAfter,
    Saving,
    Done,
    Stopped,
    Failed,
}

impl Phase {
    pub fn busy(self) -> bool {
        matches!(self, Phase::SamplingBefore | Phase::Training | Phase::SamplingAfter | Phase::Saving)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub prompt: String,
    pub text: String,
}

/// A downloadable checkpoint: an object URL and the file name to save it under.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub url: String,
    pub file_name: String,
}

/// Everything the page shows about a run. Each field is a signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct RunState {
    pub phase: RwSignal<Phase>,
    pub step: RwSignal<usize>,
    pub max_steps: RwSignal<usize>,
    pub train_losses: RwSignal<Vec<(usize, f32)>>,
    pub validation_losses: RwSignal<Vec<(usize, f32)>>,
    pub tokens_per_second: RwSignal<f64>,
    pub seconds_left: RwSignal<Option<f64>>,
    pub before: RwSignal<Vec<Sample>>,
    pub after: RwSignal<Vec<Sample>>,
    pub download: RwSignal<Option<Download>>,
    /// What the loaded checkpoint says about itself.
    pub loaded: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
    pub stop_requested: RwSignal<bool>,
}

impl RunState {
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Idle),
            step: RwSignal::new(0),
            max_steps: RwSignal::new(0),
            train_losses: RwSignal::new(Vec::new()),
            validation_losses: RwSignal::new(Vec::new()),
            tokens_per_second: RwSignal::new(0.0),
            seconds_left: RwSignal::new(None),
            before: RwSignal::new(Vec::new()),
            after: RwSignal::new(Vec::new()),
            download: RwSignal::new(None),
            loaded: RwSignal::new(None),
            error: RwSignal::new(None),
            stop_requested: RwSignal::new(false),
        }
    }

    fn reset(&self, max_steps: usize) {
        self.step.set(0);
        self.max_steps.set(max_steps);
        self.train_losses.set(Vec::new());
        self.validation_losses.set(Vec::new());
        self.tokens_per_second.set(0.0);
        self.seconds_left.set(None);
        self.before.set(Vec::new());
        self.after.set(Vec::new());
        self.loaded.set(None);
        self.error.set(None);
        self.stop_requested.set(false);
    }

    fn offer_download(&self, bytes: &[u8], file_name: String) -> Result<(), String> {
        let url = object_url(bytes, "application/octet-stream")?;
        if let Some(old) = self.download.get_untracked() {
            revoke_object_url(&old.url);
        }
        self.download.set(Some(Download { url, file_name }));
        Ok(())
    }
}

/// Trains a fresh model of `preset` reading `tokenizer`'s tokens of `corpus`, samples before and
/// after, and offers the checkpoint. Errors end up in `state.error`; nothing here
/// panics on bad luck.
pub async fn train(
    state: RunState,
    device: Device,
    max_buffer_bytes: Option<u64>,
    preset: Preset,
    tokenizer: Tokenizer,
    corpus: Corpus,
    steps: Option<usize>,
) {
    let config = TrainConfig { max_steps: steps.unwrap_or(preset.training().max_steps), ..preset.training() };
    state.reset(config.max_steps);
    state.phase.set(Phase::SamplingBefore);
    yield_to_browser().await; // finish handling the click before the first long piece of work
    finish(state, run(state, &device, max_buffer_bytes, preset, tokenizer, corpus, config).await);
}

/// Shows how a run or a load ended: its final phase, or its error.
fn finish(state: RunState, outcome: Result<Phase, String>) {
    match outcome {
        Ok(phase) => state.phase.set(phase),
        Err(message) => {
            state.error.set(Some(message));
            state.phase.set(Phase::Failed);
        }
    }
}

async fn run(
    state: RunState,
    device: &Device,
    max_buffer_bytes: Option<u64>,
    preset: Preset,
    tokenizer: Tokenizer,
    corpus: Corpus,
    config: TrainConfig,
) -> Result<Phase, String> {
    let model_config = preset.model(tokenizer.vocab_size());
    if let Some(limit) = max_buffer_bytes {
        check_buffer_limit(&model_config, config.batch_size, limit).map_err(|e| e.to_string())?;
    }
    let mut trainer = Trainer::new(
        &model_config,
        config.clone(),
        tokenizer.encode(&corpus.train).map_err(|e| e.to_string())?,
        tokenizer.encode(&corpus.validation).map_err(|e| e.to_string())?,
        device,
    )
    .map_err(|e| e.to_string())?;
    state.before.set(sample_prompts(&trainer.model(), &tokenizer, &corpus.prompts).await?);

    state.phase.set(Phase::Training);
    let eval_every = config.max_steps.div_ceil(5).max(1);
    let started = now_ms();
    let mut last_yield = started;
    while trainer.step_count() < config.max_steps && !state.stop_requested.get_untracked() {
        let loss = read_scalar(trainer.step().loss).await?;
        let step = trainer.step_count();
        if !loss.is_finite() {
            return Err(format!(
                "the loss became {loss} at step {step}: training diverged and was stopped. \
                 Try a lower learning rate or a smaller model."
            ));
        }
        state.train_losses.update(|l| l.push((step, loss)));
        if step % eval_every == 0 || step == config.max_steps {
            let validation = read_scalar(trainer.validation_loss()).await?;
            state.validation_losses.update(|l| l.push((step, validation)));
        }
        let elapsed_s = (now_ms() - started) / 1000.0;
        state.step.set(step);
        state.tokens_per_second.set((step * trainer.tokens_per_step()) as f64 / elapsed_s.max(1e-3));
        state.seconds_left.set(Some(elapsed_s / step as f64 * (config.max_steps - step) as f64));
        if now_ms() - last_yield > FRAME_BUDGET_MS {
            yield_to_browser().await;
            last_yield = now_ms();
        }
    }
    let stopped = trainer.step_count() < config.max_steps;

    state.phase.set(Phase::SamplingAfter);
    let model = trainer.model();
    state.after.set(sample_prompts(&model, &tokenizer, &corpus.prompts).await?);

    state.phase.set(Phase::Saving);
    let info = CheckpointInfo {
        model: model_config,
        tokenizer,
        training: TrainingState {
            step: trainer.step_count(),
            recent_losses: state
                .train_losses
                .with_untracked(|l| l.iter().rev().take(10).rev().map(|p| p.1).collect()),
            validation_loss: state.validation_losses.with_untracked(|l| l.last().map(|p| p.1)),
            dataset: corpus.name,
            seed: config.seed,
            prompts: Some(corpus.prompts),
            ..Default::default()
        },
    };
    let bytes = checkpoint::save(&model, &info).await.map_err(|e| e.to_string())?;
    state.offer_download(
        &bytes,
        format!("gptlab-{}-step{}.safetensors", preset.name(), trainer.step_count()),
    )?;
    Ok(if stopped { Phase::Stopped } else { Phase::Done })
}

/// Loads a checkpoint file and samples the fixed prompts from it, into the "after" column.
pub async fn load(state: RunState, device: Device, bytes: Vec<u8>, file_name: String) {
    state.error.set(None);
    yield_to_browser().await;
    let result = async {
        let (model, info) = checkpoint::load(&bytes, &device).map_err(|e| format!("{file_name}: {e}"))?;
        let m = &info.model;
        state.loaded.set(Some(format!(
            "{file_name}: {} layers, {} heads, {} wide, context {}, {} parameters, tokenizer {}; \
             trained {} steps on {}",
            m.n_layer,
            m.n_head,
            m.n_embd,
            m.block_size,
            m.param_count(),
            info.tokenizer.describe(),
            info.training.step,
            info.training.dataset
        )));
        state.phase.set(Phase::SamplingAfter);
        // Files from before other data sets were asked the arithmetic prompts.
        let prompts = info
            .training
            .prompts
            .clone()
            .unwrap_or_else(|| arithmetic::corpus(info.training.seed, 1).prompts);
        state.after.set(sample_prompts(&model, &info.tokenizer, &prompts).await?);
        state.offer_download(&bytes, file_name.clone())?;
        Ok(Phase::Done)
    }
    .await;
    finish(state, result);
}

/// The same prompts (the data's) and the same sampling seed before and after training, and
/// after loading, so the columns compare.
async fn sample_prompts(
    model: &Gpt,
    tokenizer: &Tokenizer,
    prompts: &Prompts,
) -> Result<Vec<Sample>, String> {
    let config = sampling(tokenizer, prompts);
    let mut samples = Vec::with_capacity(prompts.inputs.len());
    for input in &prompts.inputs {
        let ids = tokenizer.encode(input).map_err(|e| e.to_string())?;
        let tokens = generate(model, &ids, &config).await.map_err(|e| e.to_string())?;
        samples.push(Sample { prompt: input.trim_start().to_string(), text: tokenizer.decode(&tokens) });
        yield_to_browser().await;
    }
    Ok(samples)
}

async fn read_scalar(tensor: Tensor<1>) -> Result<f32, String> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| format!("reading a result back from the device failed: {e:?}"))?;
    data.try_to_vec::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .ok_or_else(|| "the device returned an empty result".to_string())
}
