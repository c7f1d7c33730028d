//! The worker that trains: it owns the device, the model and the optimizer, and answers the
//! page's commands between training steps, so the page's thread only draws.

use burn::prelude::*;
use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::backend::{self, BackendChoice};
use super::browser::{now_ms, sleep_ms};
use super::lab::{Command, Event, Phase, RunSpec, Sample, SampleSettings, decode, encode};
use super::storage;
use crate::checkpoint::{self, CheckpointInfo, HfGpt2, History, TrainingState};
use crate::data::{Corpus, Prompts, arithmetic};
use crate::model::Gpt;
use crate::sample::{Generator, SampleConfig, generate, next_token_logits, softmax};
use crate::tokenize::Tokenizer;
use crate::train::{StepOutput, Trainer, check_buffer_limit};

/// Longest stretch of training between two looks at the page's messages.
const SLICE_MS: f64 = 50.0;
/// Least time between two progress messages: the page redraws on each. The losses are read
/// back as often, or every `READ_EVERY_STEPS` steps if sooner.
const PROGRESS_EVERY_MS: f64 = 100.0;
const READ_EVERY_STEPS: usize = 16;
/// Next-token candidates shown.
const CANDIDATES: usize = 8;

/// Runs in the worker: takes the page's commands and serves them until the page goes away.
pub fn serve_lab() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (sender, commands) = mpsc::unbounded();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(message) = decode::<Command>(&event.data()) {
            let _ = sender.unbounded_send(message);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    spawn_local(
        Worker { scope: scope.clone(), device: None, max_buffer_bytes: None, run: None, loaded: None }
            .serve(commands),
    );
    let _ = scope.post_message(&"ready".into());
}

struct Worker {
    scope: DedicatedWorkerGlobalScope,
    device: Option<Device>,
    max_buffer_bytes: Option<u64>,
    run: Option<Run>,
    /// A checkpoint the user loaded (or a GPT-2 imported), to sample from or fine-tune.
    loaded: Option<(Gpt, CheckpointInfo)>,
}

/// A training run and what the page has been told of it.
struct Run {
    trainer: Trainer,
    tokenizer: Tokenizer,
    corpus: Corpus,
    history: History,
    phase: Phase,
    /// When the current stretch of training began: `(time, step)`, for tokens/s and time left.
    clock: (f64, usize),
    /// Milliseconds trained before the current stretch (pauses do not count).
    trained_before_ms: f64,
    unsent: Vec<(usize, f32)>,
    /// Steps whose loss and gradient norm are still on the device.
    unread: Vec<(usize, StepOutput)>,
    last_read_ms: f64,
    last_progress_ms: f64,
    corpus_saved: bool,
    last_autosave: Option<usize>,
}

type Message = (Command, Option<Vec<u8>>);

impl Worker {
    async fn serve(mut self, mut commands: UnboundedReceiver<Message>) {
        let mut slice_started = now_ms();
        loop {
            let command = if self.training() {
                commands.try_recv().ok() // None: nothing new
            } else {
                match commands.next().await {
                    Some(command) => Some(command),
                    None => return,
                }
            };
            if let Some((command, bytes)) = command {
                // What the command saves or shows counts every step taken so far.
                if self.run.as_ref().is_some_and(|run| !run.unread.is_empty())
                    && let Some(grad_norm) = self.read_losses().await
                {
                    self.progress(grad_norm);
                }
                if let Err(message) = self.handle(command, bytes).await {
                    self.post(&Event::Error { message }, None);
                }
            }
            if self.training() {
                self.step().await;
                if now_ms() - slice_started > SLICE_MS {
                    sleep_ms(0).await; // a macrotask boundary: the page's messages arrive
                    slice_started = now_ms();
                }
            }
        }
    }

    fn training(&self) -> bool {
        self.run.as_ref().is_some_and(|run| run.phase == Phase::Training)
    }

    fn post(&self, event: &Event, bytes: Option<&[u8]>) {
        let _ = self.scope.post_message(&encode(event, bytes));
    }

    fn set_phase(&mut self, phase: Phase) {
        if let Some(run) = &mut self.run {
            run.phase = phase;
        }
        self.post(&Event::Phase(phase), None);
    }

    async fn handle(&mut self, command: Command, bytes: Option<Vec<u8>>) -> Result<(), String> {
        match command {
            Command::Init { backend } => {
                let chosen = backend::select(BackendChoice::from_param(Some(backend))).await;
                self.device = Some(chosen.device);
                self.max_buffer_bytes = chosen.info.max_buffer_bytes;
                self.post(&Event::Ready(chosen.info), None);
            }
            Command::Train(spec) => self.start(*spec).await?,
            Command::ResumeSaved => self.resume().await?,
            Command::Pause if self.training() => {
                if let Some(run) = &mut self.run {
                    run.trained_before_ms = run.trained_ms();
                }
                self.set_phase(Phase::Paused);
                self.autosave().await;
            }
            Command::Continue => {
                if let Some(run) = self.run.as_mut().filter(|run| run.phase == Phase::Paused) {
                    run.clock = (now_ms(), run.trainer.step_count());
                    self.set_phase(Phase::Training);
                }
            }
            Command::Stop => {
                if self.run.as_ref().is_some_and(|run| matches!(run.phase, Phase::Training | Phase::Paused)) {
                    self.finish(Phase::Stopped).await?;
                }
            }
            Command::Generate { prompt, settings } => self.generate(&prompt, settings).await?,
            Command::NextTokens { prompt } => self.next_tokens(prompt).await?,
            Command::Load { file_name } => {
                let bytes = bytes.unwrap_or_default();
                let loaded =
                    checkpoint::load(&bytes, &self.device()?).map_err(|e| format!("{file_name}: {e}"))?;
                self.show_loaded(&file_name, loaded, Some(bytes)).await?
            }
            Command::ImportGpt2 { model_id, config_json, tokenizer_json } => {
                let files =
                    HfGpt2 { model_safetensors: bytes.unwrap_or_default(), config_json, tokenizer_json };
                let imported = checkpoint::import_gpt2(&files, &model_id, &self.device()?)
                    .map_err(|e| format!("the model {model_id}: {e}"))?;
                self.show_loaded(&model_id, imported, None).await?
            }
            Command::ExportGpt2 => self.export_gpt2().await?,
            Command::Pause => {}
        }
        Ok(())
    }

    fn device(&self) -> Result<Device, String> {
        self.device.clone().ok_or_else(|| "the device is not chosen yet".to_string())
    }

    async fn start(&mut self, spec: RunSpec) -> Result<(), String> {
        self.run = None;
        if let Some(limit) = self.max_buffer_bytes {
            check_buffer_limit(&spec.model, spec.train.batch_size, limit).map_err(|e| e.to_string())?;
        }
        let RunSpec { model, train, tokenizer, corpus, fine_tune } = spec;
        let base = match (fine_tune, &self.loaded) {
            (false, _) => None,
            (true, Some((model, info))) => Some((model.clone(), info.clone())),
            (true, None) => return Err("load a checkpoint or a Hub model first to fine-tune it".into()),
        };
        let (model, tokenizer) = match &base {
            Some((_, info)) => (info.model.clone(), info.tokenizer.clone()),
            None => (model, tokenizer),
        };
        let encode = |text: &str| tokenizer.encode(text).map_err(|e| e.to_string());
        let mut trainer =
            Trainer::new(&model, train, encode(&corpus.train)?, encode(&corpus.validation)?, &self.device()?)
                .map_err(|e| e.to_string())?;
        if let Some((weights, info)) = base {
            // The loaded weights, moved onto the trainer's autodiff device by a round trip
            // through the checkpoint format; the optimizer starts afresh.
            let bytes = checkpoint::save(&weights, &info).await.map_err(|e| e.to_string())?;
            let (weights, _) = checkpoint::load(&bytes, trainer.device()).map_err(|e| e.to_string())?;
            trainer.restore(weights, Default::default(), 0);
        }
        let max_steps = trainer.config().max_steps;
        self.post(&Event::Started { step: 0, max_steps, history: History::default() }, None);
        self.run = Some(Run::new(trainer, tokenizer, corpus, History::default(), false));
        self.set_phase(Phase::SamplingBefore);
        let before = self.sample_prompts().await;
        self.post(&Event::Samples { after: false, samples: before? }, None);
        self.set_phase(Phase::Training);
        Ok(())
    }

    async fn resume(&mut self) -> Result<(), String> {
        let (bytes, corpus_json) = storage::load_run().await.ok_or("no saved run was found")?;
        let saved = |e: &dyn std::fmt::Display| format!("the saved run cannot be resumed: {e}");
        let info = checkpoint::read_info(&bytes).map_err(|e| saved(&e))?;
        let config = info.training.config.clone().ok_or_else(|| saved(&"it has no training settings"))?;
        let corpus: Corpus = serde_json::from_str(&corpus_json).map_err(|e| saved(&e))?;
        let encode = |text: &str| info.tokenizer.encode(text).map_err(|e| e.to_string());
        let mut trainer = Trainer::new(
            &info.model,
            config,
            encode(&corpus.train)?,
            encode(&corpus.validation)?,
            &self.device()?,
        )
        .map_err(|e| saved(&e))?;
        let (model, _) = checkpoint::load(&bytes, trainer.device()).map_err(|e| saved(&e))?;
        let moments = checkpoint::load_moments(&bytes, trainer.device()).map_err(|e| saved(&e))?;
        let step = info.training.step;
        trainer.restore(model, moments, step);
        let history = info.training.history.clone();
        let max_steps = trainer.config().max_steps;
        self.post(&Event::Started { step, max_steps, history: history.clone() }, None);
        let mut run = Run::new(trainer, info.tokenizer, corpus, history, true);
        run.last_autosave = Some(step);
        self.run = Some(run);
        if step >= max_steps {
            return self.finish(Phase::Done).await;
        }
        self.set_phase(Phase::Training);
        Ok(())
    }

    async fn step(&mut self) {
        let Some(run) = self.run.as_mut() else { return };
        let output = run.trainer.step();
        let step = run.trainer.step_count();
        run.unread.push((step, output));
        let config = run.trainer.config().clone();
        let evaluate = step % config.eval_interval.max(1) == 0 || step == config.max_steps;
        let out_of_time = config.max_minutes.is_some_and(|m| run.trained_ms() >= m * 60e3);
        let last = step >= config.max_steps || out_of_time;
        // A read-back waits for the device to finish: until one is due, the next step is queued
        // behind this one instead.
        let due = evaluate
            || last
            || run.unread.len() >= READ_EVERY_STEPS
            || now_ms() - run.last_read_ms >= PROGRESS_EVERY_MS;
        if !due {
            return;
        }
        let Some(grad_norm) = self.read_losses().await else { return };
        let Some(run) = self.run.as_mut() else { return };
        if evaluate || last || now_ms() - run.last_progress_ms > PROGRESS_EVERY_MS {
            self.progress(grad_norm);
        }
        if evaluate {
            let Some(run) = self.run.as_mut() else { return };
            match read_floats(run.trainer.validation_loss()).await.as_deref() {
                // The autosave below holds these weights: only if they evaluate to a number.
                Ok([loss]) if !loss.is_finite() => {
                    return self.fail(format!(
                        "the validation loss became {loss} at step {step}: training diverged and was \
                         stopped; the last good autosave is kept. Try a lower learning rate."
                    ));
                }
                Ok([loss]) => {
                    run.history.validation.push((step, *loss));
                    self.post(&Event::Validation { step, loss: *loss }, None);
                }
                _ => return self.fail(lost_device(None)),
            }
            self.autosave().await;
        }
        if last && let Err(message) = self.finish(Phase::Done).await {
            self.fail(message);
        }
    }

    /// Reads back the losses and gradient norms of the steps not read yet, in one transfer, and
    /// adds them to the history. Returns the last gradient norm; None when there was nothing to
    /// read or the run failed (a loss that is not a number, or a lost device).
    async fn read_losses(&mut self) -> Option<f32> {
        let run = self.run.as_mut()?;
        let unread = std::mem::take(&mut run.unread);
        if unread.is_empty() {
            return None;
        }
        let values = unread.iter().flat_map(|(_, out)| [out.loss.clone(), out.grad_norm.clone()]);
        let read = read_floats(Tensor::cat(values.collect(), 0)).await;
        let values = match read {
            Ok(values) if values.len() == 2 * unread.len() => values,
            other => {
                self.fail(lost_device(other.err()));
                return None;
            }
        };
        let run = self.run.as_mut()?;
        run.last_read_ms = now_ms();
        for ((step, _), pair) in unread.iter().zip(values.chunks(2)) {
            let loss = pair[0];
            if !loss.is_finite() {
                let kept = run.last_autosave.map_or("no autosave was made yet".into(), |s| {
                    format!("the last good autosave (step {s}) is kept")
                });
                self.fail(format!(
                    "the loss became {loss} at step {step}: training diverged and was stopped; {kept}. \
                     Try a lower learning rate or a smaller model."
                ));
                return None;
            }
            run.history.train.push((*step, loss));
            run.unsent.push((*step, loss));
        }
        values.last().copied()
    }

    fn progress(&mut self, grad_norm: f32) {
        let Some(run) = self.run.as_mut() else { return };
        let step = run.trainer.step_count();
        let (started, first_step) = run.clock;
        let seconds = ((now_ms() - started) / 1000.0).max(1e-3);
        let steps = step.saturating_sub(first_step).max(1) as f64;
        let event = Event::Progress {
            step,
            losses: std::mem::take(&mut run.unsent),
            learning_rate: run.trainer.learning_rate(),
            grad_norm,
            tokens_per_second: steps * run.trainer.tokens_per_step() as f64 / seconds,
            seconds_left: run.seconds_left(seconds / steps),
        };
        run.last_progress_ms = now_ms();
        self.post(&event, None);
    }

    fn fail(&mut self, message: String) {
        self.post(&Event::Error { message }, None);
        self.set_phase(Phase::Failed);
    }

    /// Samples after training, offers the checkpoint and saves the run one last time.
    async fn finish(&mut self, phase: Phase) -> Result<(), String> {
        self.set_phase(Phase::SamplingAfter);
        let after = self.sample_prompts().await?;
        self.post(&Event::Samples { after: true, samples: after }, None);
        self.set_phase(Phase::Saving);
        let run = self.run.as_ref().ok_or("no run")?;
        let step = run.trainer.step_count();
        let model = run.trainer.model();
        let bytes = checkpoint::save(&model, &run.info()).await.map_err(|e| e.to_string())?;
        let m = model_name(&run.info());
        self.post(
            &Event::Checkpoint { file_name: format!("gptlab-{m}-step{step}.safetensors") },
            Some(&bytes),
        );
        self.autosave().await;
        self.set_phase(phase);
        Ok(())
    }

    /// Saves weights, moments, step and chart to the browser's storage. A failure is reported
    /// and training goes on.
    async fn autosave(&mut self) {
        let Some(run) = self.run.as_mut() else { return };
        let step = run.trainer.step_count();
        if run.last_autosave == Some(step) && run.corpus_saved {
            return;
        }
        let saved = match checkpoint::save_run(&run.trainer.model(), run.trainer.moments(), &run.info()).await
        {
            Ok(bytes) => {
                let corpus =
                    (!run.corpus_saved).then(|| serde_json::to_string(&run.corpus).unwrap_or_default());
                storage::save_run(&bytes, corpus.as_deref()).await
            }
            Err(e) => Err(e.to_string()),
        };
        match saved {
            Ok(()) => {
                run.corpus_saved = true;
                run.last_autosave = Some(step);
                self.post(&Event::Autosaved { step }, None);
            }
            Err(e) => self.post(&Event::Error { message: format!("autosave failed: {e}") }, None),
        }
    }

    /// The model to sample: the run's, else a loaded checkpoint's.
    fn sampler(&self) -> Result<(Gpt, Tokenizer), String> {
        match (&self.run, &self.loaded) {
            (Some(run), _) => Ok((run.trainer.model(), run.tokenizer.clone())),
            (None, Some((model, info))) => Ok((model.clone(), info.tokenizer.clone())),
            (None, None) => Err("train a model or load a checkpoint first".into()),
        }
    }

    /// The data's prompts with fixed settings, so before, after and loaded compare.
    async fn sample_prompts(&self) -> Result<Vec<Sample>, String> {
        let (model, tokenizer) = self.sampler()?;
        let prompts = self.run.as_ref().map(|run| run.corpus.prompts.clone()).unwrap_or_else(default_prompts);
        sample_prompts(&model, &tokenizer, &prompts).await
    }

    async fn generate(&mut self, prompt: &str, settings: SampleSettings) -> Result<(), String> {
        let (model, tokenizer) = self.sampler()?;
        let ids = tokenizer.encode(prompt).map_err(|e| e.to_string())?;
        let config = SampleConfig {
            max_new_tokens: settings.max_tokens,
            temperature: settings.temperature,
            top_k: settings.top_k,
            top_p: settings.top_p,
            seed: settings.seed,
            stop_token: None,
        };
        let mut generator = Generator::new(&model, &ids, config).map_err(|e| e.to_string())?;
        let mut tokens = Vec::new();
        while let Some(token) = generator.next_token().await.map_err(|e| e.to_string())? {
            tokens.push(token);
            self.post(&Event::Generation { text: tokenizer.decode(&tokens), done: false }, None);
        }
        self.post(&Event::Generation { text: tokenizer.decode(&tokens), done: true }, None);
        Ok(())
    }

    async fn next_tokens(&mut self, prompt: String) -> Result<(), String> {
        let (model, tokenizer) = self.sampler()?;
        let ids = tokenizer.encode(&prompt).map_err(|e| e.to_string())?;
        let logits = next_token_logits(&model, &ids).await.map_err(|e| e.to_string())?;
        let mut ranked: Vec<(usize, f32)> = softmax(&logits).into_iter().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let candidates =
            ranked.into_iter().take(CANDIDATES).map(|(id, p)| (tokenizer.decode(&[id as u32]), p)).collect();
        self.post(&Event::Candidates { prompt, candidates }, None);
        Ok(())
    }

    /// Shows a loaded model: its card, then its samples of the prompts it was trained with.
    /// `file` is what to offer for download again: the checkpoint file as it was picked.
    async fn show_loaded(
        &mut self,
        name: &str,
        (model, info): (Gpt, CheckpointInfo),
        file: Option<Vec<u8>>,
    ) -> Result<(), String> {
        if self.run.as_ref().is_some_and(|run| run.phase.busy()) {
            return Err("stop the run before loading a model".into());
        }
        self.run = None;
        let description = model_card(name, &info);
        let loaded =
            Event::Loaded { description, model: info.model.clone(), tokenizer: info.tokenizer.clone() };
        self.post(&loaded, None);
        self.post(&Event::Phase(Phase::SamplingAfter), None);
        // Files from before other data sets were asked the arithmetic prompts.
        let prompts = info
            .training
            .prompts
            .clone()
            .unwrap_or_else(|| arithmetic::corpus(info.training.seed, 1).prompts);
        let samples = sample_prompts(&model, &info.tokenizer, &prompts).await?;
        self.post(&Event::Samples { after: true, samples }, None);
        let bytes = match file {
            Some(bytes) => bytes,
            None => checkpoint::save(&model, &info).await.map_err(|e| e.to_string())?,
        };
        let file_name = if name.ends_with(".safetensors") {
            name.to_string()
        } else {
            format!("gptlab-{}.safetensors", name.replace('/', "-"))
        };
        self.loaded = Some((model, info));
        self.post(&Event::Checkpoint { file_name }, Some(&bytes));
        self.post(&Event::Phase(Phase::Done), None);
        Ok(())
    }

    /// The current model (the run's, else the loaded one) as a zip in the Hub's GPT-2 layout.
    async fn export_gpt2(&self) -> Result<(), String> {
        let (model, info) = match (&self.run, &self.loaded) {
            (Some(run), _) => (run.trainer.model(), run.info()),
            (None, Some((model, info))) => (model.clone(), info.clone()),
            (None, None) => return Err("train a model or load one first".into()),
        };
        let files = checkpoint::export_gpt2(&model, &info).await.map_err(|e| e.to_string())?;
        let file_name = format!("gptlab-{}-gpt2.zip", model_name(&info));
        self.post(&Event::Export { file_name }, Some(&checkpoint::zip_gpt2(&files)));
        Ok(())
    }
}

/// What a loaded model is and how it was trained, in one line.
fn model_card(name: &str, info: &CheckpointInfo) -> String {
    let (m, t) = (&info.model, &info.training);
    let losses = match (t.recent_losses.last(), t.validation_loss) {
        (Some(train), Some(validation)) => format!("; last loss {train:.3}, validation {validation:.3}"),
        (Some(train), None) => format!("; last loss {train:.3}"),
        _ => String::new(),
    };
    // A model imported from elsewhere has no training record of gptlab's.
    let history =
        if t.step == 0 { t.dataset.clone() } else { format!("trained {} steps on {}", t.step, t.dataset) };
    format!(
        "{name}: {} layers, {} heads, {} wide, context {}, {} parameters, tokenizer {}; {history}{losses}",
        m.n_layer,
        m.n_head,
        m.n_embd,
        m.block_size,
        m.param_count(),
        info.tokenizer.describe(),
    )
}

impl Run {
    fn new(
        trainer: Trainer,
        tokenizer: Tokenizer,
        corpus: Corpus,
        history: History,
        corpus_saved: bool,
    ) -> Self {
        let clock = (now_ms(), trainer.step_count());
        Self {
            trainer,
            tokenizer,
            corpus,
            history,
            phase: Phase::Idle,
            clock,
            trained_before_ms: 0.0,
            unsent: Vec::new(),
            unread: Vec::new(),
            last_read_ms: 0.0,
            last_progress_ms: 0.0,
            corpus_saved,
            last_autosave: None,
        }
    }

    /// Until `max_steps` at `seconds_per_step`, or the time budget runs out, whichever comes first.
    fn seconds_left(&self, seconds_per_step: f64) -> f64 {
        let config = self.trainer.config();
        let by_steps = seconds_per_step * config.max_steps.saturating_sub(self.trainer.step_count()) as f64;
        let by_time =
            config.max_minutes.map_or(f64::INFINITY, |m| (m * 60.0 - self.trained_ms() / 1e3).max(0.0));
        by_steps.min(by_time)
    }

    fn trained_ms(&self) -> f64 {
        self.trained_before_ms + now_ms() - self.clock.0
    }

    fn info(&self) -> CheckpointInfo {
        let config = self.trainer.config();
        CheckpointInfo {
            model: self.trainer.model_config().clone(),
            tokenizer: self.tokenizer.clone(),
            training: TrainingState {
                step: self.trainer.step_count(),
                recent_losses: self.history.train.iter().rev().take(10).rev().map(|p| p.1).collect(),
                validation_loss: self.history.validation.last().map(|p| p.1),
                dataset: self.corpus.name.clone(),
                seed: config.seed,
                prompts: Some(self.corpus.prompts.clone()),
                config: Some(config.clone()),
                history: self.history.clone(),
            },
        }
    }
}

fn model_name(info: &CheckpointInfo) -> String {
    format!("{}x{}", info.model.n_layer, info.model.n_embd)
}

fn default_prompts() -> Prompts {
    arithmetic::corpus(0, 1).prompts
}

/// The same prompts and the same sampling seed every time, so the columns compare. Where the
/// data's answers end at the end of their line, so does a sample.
async fn sample_prompts(
    model: &Gpt,
    tokenizer: &Tokenizer,
    prompts: &Prompts,
) -> Result<Vec<Sample>, String> {
    let newline = tokenizer.encode("\n").ok().filter(|ids| ids.len() == 1).map(|ids| ids[0]);
    let (max_new_tokens, stop_token) = if prompts.stop_at_newline { (16, newline) } else { (48, None) };
    let config = SampleConfig { max_new_tokens, temperature: 0.8, seed: 7, stop_token, ..Default::default() };
    let mut samples = Vec::with_capacity(prompts.inputs.len());
    for input in &prompts.inputs {
        let ids = tokenizer.encode(input).map_err(|e| e.to_string())?;
        let tokens = generate(model, &ids, &config).await.map_err(|e| e.to_string())?;
        samples.push(Sample { prompt: input.trim_start().to_string(), text: tokenizer.decode(&tokens) });
    }
    Ok(samples)
}

async fn read_floats(tensor: Tensor<1>) -> Result<Vec<f32>, String> {
    let data = tensor.into_data_async().await.map_err(|e| format!("{e:?}"))?;
    data.try_to_vec::<f32>().map_err(|e| format!("{e:?}"))
}

fn lost_device(reason: Option<String>) -> String {
    format!(
        "reading from the device failed{}: the GPU may have been lost or reset. Reload the page and \
         resume the run from its last autosave.",
        reason.map(|r| format!(" ({r})")).unwrap_or_default()
    )
}
