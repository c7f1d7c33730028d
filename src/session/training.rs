//! The run's rules: start, resume, step, evaluate, read back, report, autosave, pause, finish.

use std::sync::atomic::{AtomicU64, Ordering};

use super::effects::Effects;
use super::protocol::{Event, Phase, RunSpec};
use super::run::{PROGRESS_EVERY_MS, Run};
use super::trials::RunStart;
use super::{Session, SessionError, card};
use crate::checkpoint::{self, History, RunIdentity};
use crate::data::Corpus;
use crate::model::{GptConfig, read_floats};
use crate::train::{StepShape, TrainConfig, Trainer, check_buffer_limit};

impl Session {
    /// Starts a new run: a fresh model, or the loaded one to fine-tune. Samples the prompts
    /// before the first step.
    pub(super) async fn start(&mut self, spec: RunSpec, fx: &mut impl Effects) -> Result<(), SessionError> {
        let start = self.run_start(spec)?;
        self.start_device(&start.shape, fx);
        let trainer = self.trainer_for(&start).await?;
        let RunStart { tokenizer, corpus, .. } = start;
        if !fx.acquire().await {
            return Err(SessionError::AnotherTab);
        }
        let identity = new_identity(&corpus, fx.now_ms());
        self.run = None;
        let max_steps = trainer.config().max_steps;
        fx.post(Event::Started { step: 0, max_steps, history: History::default() });
        let mut run = Run::new(trainer, tokenizer, corpus, History::default(), identity);
        run.untrained = Some(run.trainer.model());
        self.run = Some(run);
        self.set_phase(Phase::SamplingBefore, fx);
        let before = self.sample_prompts().await?;
        if let Some(run) = self.run.as_mut() {
            run.before = before.clone();
        }
        fx.post(Event::Samples { after: false, samples: before });
        if let Some(accuracy) = self.held_out_accuracy().await? {
            fx.post(Event::Accuracy { after: false, accuracy });
        }
        self.train_from_here(fx);
        Ok(())
    }

    /// Continues the autosaved run where it stopped, with its settings, corpus and chart.
    pub(super) async fn resume(&mut self, fx: &mut impl Effects) -> Result<(), SessionError> {
        if self.phase().is_some_and(Phase::busy) {
            return Err(SessionError::RunUnderWay);
        }
        let saved = fx.load().await.map_err(|e| SessionError::SavedRun(e.to_string()))?;
        let saved = saved.ok_or(SessionError::NoSavedRun)?;
        let unusable = |e: &dyn std::fmt::Display| SessionError::SavedRun(e.to_string());
        let info = checkpoint::read_info(&saved.checkpoint).map_err(|e| unusable(&e))?;
        // The store gives back the corpus the save names; it must be the one the run trained on.
        let identity = match info.training.run.clone() {
            Some(identity) if identity.corpus_hash != saved.corpus.hash() => {
                return Err(SessionError::CorpusMismatch);
            }
            Some(identity) => identity,
            None => new_identity(&saved.corpus, fx.now_ms()), // saved before runs had ids
        };
        let config = info.training.config.clone().ok_or_else(|| unusable(&"it has no training settings"))?;
        self.check_fits(&info.model, &config)?;
        self.start_device(&StepShape { model: info.model.clone(), train: config.clone() }, fx);
        let encode = |text: &str| info.tokenizer.encode(text).map_err(|e| unusable(&e));
        let (train, validation) = (encode(&saved.corpus.train)?, encode(&saved.corpus.validation)?);
        let mut trainer = Trainer::new(&info.model, config, train, validation, &self.device()?)
            .map_err(|e| unusable(&e))?;
        let (model, moments) =
            checkpoint::load_run(&saved.checkpoint, trainer.device()).map_err(|e| unusable(&e))?;
        let step = info.training.step;
        trainer.restore(model, moments, step);
        if !fx.acquire().await {
            return Err(SessionError::AnotherTab);
        }
        let history = info.training.history.clone();
        let max_steps = trainer.config().max_steps;
        fx.post(Event::Started { step, max_steps, history: history.clone() });
        let mut run = Run::new(trainer, info.tokenizer, saved.corpus, history, identity);
        run.corpus_saved = true;
        run.last_autosave = Some(step);
        self.run = Some(run);
        if step >= max_steps {
            return self.finish(Phase::Done, fx).await;
        }
        self.train_from_here(fx);
        Ok(())
    }

    /// Refuses a model whose training step needs a buffer larger than the GPU the user chose
    /// allows, before anything is allocated: a fresh run, a fine-tuned model and a resumed run
    /// alike. (Without that choice such a run stays on the CPU.)
    pub(super) fn check_fits(&self, model: &GptConfig, train: &TrainConfig) -> Result<(), SessionError> {
        match self.pinned_gpu().and_then(|gpu| gpu.info.max_buffer_bytes) {
            Some(limit) => Ok(check_buffer_limit(model, train.batch_size, limit)?),
            None => Ok(()),
        }
    }

    fn train_from_here(&mut self, fx: &mut impl Effects) {
        if let Some(run) = &mut self.run {
            run.start_clock(fx.now_ms());
        }
        self.set_phase(Phase::Training, fx);
    }

    pub(super) async fn pause(&mut self, fx: &mut impl Effects) {
        if !self.training() {
            return;
        }
        if let Some(run) = &mut self.run {
            run.stop_clock(fx.now_ms());
        }
        self.restart_timing();
        self.set_phase(Phase::Paused, fx);
        self.autosave(fx).await;
    }

    pub(super) fn continue_run(&mut self, fx: &mut impl Effects) {
        if self.phase() == Some(Phase::Paused) {
            self.train_from_here(fx);
        }
    }

    /// One training step, then whatever is due after it: reading losses back, reporting,
    /// evaluating and autosaving, finishing.
    pub(super) async fn train_step(&mut self, fx: &mut impl Effects) {
        let Some(run) = self.run.as_mut().filter(|run| run.phase == Phase::Training) else { return };
        let output = run.trainer.step();
        run.unread.push(run.step(), output);
        let now = fx.now_ms();
        let (step, evaluate, last) = (run.step(), run.evaluates(), run.last_step(now));
        if !run.read_due(now, evaluate, last) || !self.read_losses(false, fx).await {
            return;
        }
        if evaluate && !self.evaluate(step, fx).await {
            return;
        }
        if !last {
            if evaluate {
                self.autosave(fx).await;
            }
        } else if let Err(error) = self.finish(Phase::Done, fx).await {
            self.fail(error, fx);
        }
    }

    /// Reads back the losses and gradient norms of the steps not read yet, in one transfer, and
    /// adds them to the chart; reports progress when it is due or `report` asks. False when the
    /// run failed: a loss that is not a number, or a lost device.
    pub(super) async fn read_losses(&mut self, report: bool, fx: &mut impl Effects) -> bool {
        let Some(run) = self.run.as_mut() else { return true };
        let Some((steps, values)) = run.unread.take() else { return true };
        let values = match read_floats(values).await {
            Ok(values) => values,
            Err(reason) => {
                self.lost_device(reason, fx).await;
                return false;
            }
        };
        let now = fx.now_ms();
        run.last_read_ms = now;
        for (step, pair) in steps.iter().zip(values.chunks(2)) {
            let loss = pair[0];
            if !loss.is_finite() {
                let last_save = run.last_autosave;
                self.fail(SessionError::Diverged { loss, step: *step, last_save }, fx);
                return false;
            }
            run.history.train.push((*step, loss));
            run.unsent.push((*step, loss));
        }
        let grad_norm = values.last().copied().unwrap_or_default();
        if report || now - run.last_progress_ms >= PROGRESS_EVERY_MS || run.evaluates() || run.last_step(now)
        {
            self.report(grad_norm, now, fx);
        }
        true
    }

    fn report(&mut self, grad_norm: f32, now: f64, fx: &mut impl Effects) {
        let Some(run) = self.run.as_mut() else { return };
        let (tokens_per_second, seconds_left) = run.rates(now);
        fx.post(Event::Progress {
            step: run.step(),
            losses: std::mem::take(&mut run.unsent),
            learning_rate: run.trainer.learning_rate(),
            grad_norm,
            tokens_per_second,
            seconds_left,
        });
        run.last_progress_ms = now;
    }

    /// The validation loss at `step`. False when the run failed: the autosave that follows an
    /// evaluation keeps only weights that evaluate to a number.
    async fn evaluate(&mut self, step: usize, fx: &mut impl Effects) -> bool {
        let Some(run) = self.run.as_mut() else { return false };
        match read_floats(run.trainer.validation_loss()).await.map(|values| values[0]) {
            Ok(loss) if loss.is_finite() => {
                run.history.validation.push((step, loss));
                fx.post(Event::Validation { step, loss });
                true
            }
            Ok(loss) => {
                let last_save = run.last_autosave;
                self.fail(SessionError::ValidationDiverged { loss, step, last_save }, fx);
                false
            }
            Err(reason) => {
                self.lost_device(reason, fx).await;
                false
            }
        }
    }

    /// Samples after training, offers the checkpoint and saves the run one last time.
    pub(super) async fn finish(&mut self, phase: Phase, fx: &mut impl Effects) -> Result<(), SessionError> {
        self.set_phase(Phase::SamplingAfter, fx);
        let after = self.sample_prompts().await?;
        fx.post(Event::Samples { after: true, samples: after.clone() });
        if let Some(accuracy) = self.held_out_accuracy().await? {
            fx.post(Event::Accuracy { after: true, accuracy });
        }
        self.set_phase(Phase::Saving, fx);
        let run = self.run.as_ref().ok_or(SessionError::NoModel)?;
        let info = run.info();
        let bytes = checkpoint::save(&run.trainer.model(), &info).await?;
        let file_name = format!("gptlab-{}-step{}.safetensors", card::model_name(&info), run.step());
        fx.post(Event::Checkpoint { file_name, bytes });
        self.autosave(fx).await;
        if let Some(run) = &self.run {
            let device = self.backend.as_ref().map_or("", |b| b.info.label.as_str());
            fx.post(Event::RunEnded(Box::new(run.record(device, after, fx.now_ms()))));
        }
        self.set_phase(phase, fx);
        Ok(())
    }

    /// Saves weights, moments, step and chart to the run store. A failure is reported and
    /// training goes on.
    async fn autosave(&mut self, fx: &mut impl Effects) {
        let Some(run) = self.run.as_mut() else { return };
        if run.last_autosave == Some(run.step()) && run.corpus_saved {
            return;
        }
        match run.save().await {
            Ok(bytes) => self.keep_save(bytes, fx).await,
            Err(e) => fx.post(Event::Error {
                message: SessionError::Autosave(super::StoreError(e.to_string())).to_string(),
            }),
        }
    }

    /// Stores `bytes`, the run as it stands (`checkpoint::save_run`), as the run's save.
    pub(super) async fn keep_save(&mut self, bytes: Vec<u8>, fx: &mut impl Effects) {
        let Some(run) = self.run.as_mut() else { return };
        let step = run.step();
        let saved = fx.save(&run.identity, &bytes, (!run.corpus_saved).then_some(&run.corpus)).await;
        match saved {
            Ok(()) => {
                run.corpus_saved = true;
                run.last_autosave = Some(step);
                fx.post(Event::Autosaved { step });
            }
            Err(e) => fx.post(Event::Error { message: SessionError::Autosave(e).to_string() }),
        }
    }
}

/// A new run's identity: its corpus's hash, and an id from that, the time and a counter, unique
/// among the runs of a browser (one tab trains at a time).
fn new_identity(corpus: &Corpus, now_ms: f64) -> RunIdentity {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let corpus_hash = corpus.hash();
    let seed = format!("{corpus_hash} {now_ms} {}", RUNS.fetch_add(1, Ordering::Relaxed));
    RunIdentity { id: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(seed.as_bytes())), corpus_hash }
}
