//! A training run and its bookkeeping: the trainer, the chart, and the clocks that decide when
//! to read losses back, when to report, and when the time budget is spent.

use crate::checkpoint::{self, CheckpointError, CheckpointInfo, History, RunIdentity, TrainingState};
use crate::data::Corpus;
use crate::data::clean::CleanSettings;
use crate::model::Gpt;
use crate::tokenize::Tokenizer;
use crate::train::{StepShape, Trainer, Unread};

use super::history::RunRecord;
use super::protocol::{Phase, Sample};

/// Least time between two progress reports: the page redraws on each. Losses are read back as
/// often, or every `READ_EVERY_STEPS` steps if sooner: a read-back waits for the device, so
/// until one is due the next step queues behind the last.
pub const PROGRESS_EVERY_MS: f64 = 100.0;
pub const READ_EVERY_STEPS: usize = 16;

pub struct Run {
    pub trainer: Trainer,
    pub tokenizer: Tokenizer,
    pub corpus: Corpus,
    pub history: History,
    pub phase: Phase,
    /// When the current stretch of training began, `(time, step)`; `None` while paused.
    stretch: Option<(f64, usize)>,
    /// Milliseconds trained before the current stretch (pauses do not count).
    trained_before_ms: f64,
    /// Losses read back but not yet reported.
    pub unsent: Vec<(usize, f32)>,
    /// Steps whose loss and gradient norm are still on the device.
    pub unread: Unread,
    pub last_read_ms: f64,
    pub last_progress_ms: f64,
    /// The store holds this run's corpus.
    pub corpus_saved: bool,
    /// The step of the last autosave.
    pub last_autosave: Option<usize>,
    /// The run's id and its corpus's hash, under which it is saved.
    pub identity: RunIdentity,
    /// What a GPU's kernels are prepared for to take the run's steps.
    pub shape: StepShape,
    /// The samples before training, for the run's record.
    pub before: Vec<Sample>,
    /// The model before its first step, for attention maps before and after training: one more
    /// copy of the weights. `None` for a resumed run.
    pub untrained: Option<Gpt>,
}

impl Run {
    pub fn new(
        trainer: Trainer,
        tokenizer: Tokenizer,
        corpus: Corpus,
        history: History,
        identity: RunIdentity,
    ) -> Self {
        let shape = StepShape { model: trainer.model_config().clone(), train: trainer.config().clone() };
        Self {
            shape,
            trainer,
            tokenizer,
            corpus,
            history,
            phase: Phase::Idle,
            stretch: None,
            trained_before_ms: 0.0,
            unsent: Vec::new(),
            unread: Unread::default(),
            last_read_ms: 0.0,
            last_progress_ms: 0.0,
            corpus_saved: false,
            last_autosave: None,
            identity,
            before: Vec::new(),
            untrained: None,
        }
    }

    pub fn step(&self) -> usize {
        self.trainer.step_count()
    }

    /// Training starts (or starts again after a pause) at `now`.
    pub fn start_clock(&mut self, now: f64) {
        self.stretch = Some((now, self.step()));
    }

    /// Training pauses at `now`: the time until then counts, the pause does not.
    pub fn stop_clock(&mut self, now: f64) {
        self.trained_before_ms = self.trained_ms(now);
        self.stretch = None;
    }

    pub fn trained_ms(&self, now: f64) -> f64 {
        self.trained_before_ms + self.stretch.map_or(0.0, |(started, _)| now - started)
    }

    pub fn out_of_time(&self, now: f64) -> bool {
        self.trainer.config().max_minutes.is_some_and(|m| self.trained_ms(now) >= m * 60e3)
    }

    /// Whether the step just taken ends the run: its last step, or its time is up.
    pub fn last_step(&self, now: f64) -> bool {
        self.step() >= self.trainer.config().max_steps || self.out_of_time(now)
    }

    /// Whether the step just taken is evaluated (and autosaved): every `eval_interval` steps
    /// and the last.
    pub fn evaluates(&self) -> bool {
        let config = self.trainer.config();
        self.step().is_multiple_of(config.eval_interval.max(1)) || self.step() >= config.max_steps
    }

    /// Whether to read the losses back now rather than queue another step behind them.
    pub fn read_due(&self, now: f64, evaluate: bool, last: bool) -> bool {
        evaluate
            || last
            || self.unread.len() >= READ_EVERY_STEPS
            || now - self.last_read_ms >= PROGRESS_EVERY_MS
    }

    /// Tokens per second over the current stretch, and seconds until the run ends.
    pub fn rates(&self, now: f64) -> (f64, f64) {
        let (started, first_step) = self.stretch.unwrap_or((now, self.step()));
        let seconds = ((now - started) / 1000.0).max(1e-3);
        let steps = self.step().saturating_sub(first_step).max(1) as f64;
        let tokens_per_second = steps * self.trainer.tokens_per_step() as f64 / seconds;
        (tokens_per_second, self.seconds_left(now, seconds / steps))
    }

    /// Until `max_steps` at `seconds_per_step`, or the time budget runs out, whichever is first.
    fn seconds_left(&self, now: f64, seconds_per_step: f64) -> f64 {
        let config = self.trainer.config();
        let by_steps = seconds_per_step * config.max_steps.saturating_sub(self.step()) as f64;
        let by_time =
            config.max_minutes.map_or(f64::INFINITY, |m| (m * 60.0 - self.trained_ms(now) / 1e3).max(0.0));
        by_steps.min(by_time)
    }

    /// The run as `checkpoint::save_run` writes it, to resume from: weights, moments and chart.
    pub async fn save(&self) -> Result<Vec<u8>, CheckpointError> {
        checkpoint::save_run(&self.trainer.model(), self.trainer.moments(), &self.info()).await
    }

    /// The run as the page keeps it once it has ended (see `history`), trained on `device`,
    /// with the samples after training.
    pub fn record(&self, device: &str, after: Vec<Sample>, now: f64) -> RunRecord {
        RunRecord {
            id: self.identity.id.clone(),
            ended_at_ms: 0.0,
            model: self.trainer.model_config().clone(),
            train: self.trainer.config().clone(),
            tokenizer: self.tokenizer.describe(),
            dataset: self.corpus.name.clone(),
            device: device.into(),
            extra: self.corpus.cleaning.as_ref().map(CleanSettings::summary).unwrap_or_default(),
            steps: self.step(),
            trained_seconds: self.trained_ms(now) / 1e3,
            tokens_per_step: self.trainer.tokens_per_step(),
            validation_tokens: self.trainer.validation_token_count(),
            validation_bytes: self.corpus.validation.len(),
            history: self.history.clone(),
            before: self.before.clone(),
            after,
        }
    }

    /// The run as a checkpoint describes it.
    pub fn info(&self) -> CheckpointInfo {
        let config = self.trainer.config();
        CheckpointInfo {
            model: self.trainer.model_config().clone(),
            tokenizer: self.tokenizer.clone(),
            training: TrainingState {
                step: self.step(),
                recent_losses: self.history.train.iter().rev().take(10).rev().map(|p| p.1).collect(),
                validation_loss: self.history.validation.last().map(|p| p.1),
                dataset: self.corpus.name.clone(),
                seed: config.seed,
                prompts: Some(self.corpus.prompts.clone()),
                config: Some(config.clone()),
                history: self.history.clone(),
                run: Some(self.identity.clone()),
                cleaning: self.corpus.cleaning.clone(),
            },
        }
    }
}
