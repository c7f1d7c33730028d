//! What the page can try before a run starts, on a trainer built as the run's start builds it
//! (a fresh model of the settings, or the loaded model to fine-tune): the learning-rate range
//! test, one step per `Session::step` so that other commands (a stop) come in between, and a
//! few timed steps for the time planner.

use super::effects::Effects;
use super::protocol::{Command, Event, Phase, RunSpec};
use super::run::PROGRESS_EVERY_MS;
use super::{Session, SessionError};
use crate::checkpoint::{self, CheckpointInfo};
use crate::data::Corpus;
use crate::model::{Gpt, read_floats};
use crate::tokenize::Tokenizer;
use crate::train::{self, LrCurve, LrFinder, LrRange, MeasuredSpeed, StepShape, TrainError, Trainer};

/// What a run of a `RunSpec` trains.
pub(super) struct RunStart {
    pub shape: StepShape,
    pub tokenizer: Tokenizer,
    pub corpus: Corpus,
    /// The loaded model it fine-tunes.
    pub base: Option<(Gpt, CheckpointInfo)>,
}

/// A range test under way.
pub(super) struct Finding {
    /// Built for the test and dropped after it; the test trains a copy of its model even so.
    trainer: Trainer,
    finder: LrFinder,
    curve: LrCurve,
    last_report_ms: f64,
}

impl Session {
    /// What a run of `spec` trains: its sizes and tokenizer, or the loaded model's when it
    /// fine-tunes; refused where a step would not fit the GPU the user chose.
    pub(super) fn run_start(&self, spec: RunSpec) -> Result<RunStart, SessionError> {
        if self.phase().is_some_and(Phase::busy) {
            return Err(SessionError::RunUnderWay);
        }
        let RunSpec { model, train, tokenizer, corpus, fine_tune } = spec;
        let base = match (fine_tune, &self.loaded) {
            (false, _) => None,
            (true, Some(loaded)) => Some(loaded.clone()),
            (true, None) => return Err(SessionError::NothingToFineTune),
        };
        let (model, tokenizer) = match &base {
            Some((_, info)) => (info.model.clone(), info.tokenizer.clone()),
            None => (model, tokenizer),
        };
        self.check_fits(&model, &train)?;
        Ok(RunStart { shape: StepShape { model, train }, tokenizer, corpus, base })
    }

    /// The trainer a run of `start` begins with, on the session's device.
    pub(super) async fn trainer_for(&self, start: &RunStart) -> Result<Trainer, SessionError> {
        let encode = |text: &str| start.tokenizer.encode(text);
        let (train, validation) = (encode(&start.corpus.train)?, encode(&start.corpus.validation)?);
        let shape = &start.shape;
        let mut trainer =
            Trainer::new(&shape.model, shape.train.clone(), train, validation, &self.device()?)?;
        if let Some((weights, info)) = &start.base {
            // The loaded weights, moved onto the trainer's autodiff device by a round trip
            // through the checkpoint format; the optimizer starts afresh.
            let bytes = checkpoint::save(weights, info).await?;
            let (weights, _) = checkpoint::load(&bytes, trainer.device())?;
            trainer.restore(weights, Default::default(), 0);
        }
        Ok(trainer)
    }

    /// Starts the learning-rate range test for the run `spec` would start.
    pub(super) async fn find_learning_rate(
        &mut self,
        spec: RunSpec,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let trainer = self.trainer_for(&self.run_start(spec)?).await?;
        let finder = LrFinder::new(&trainer, LrRange::default());
        let finding = Finding { trainer, finder, curve: LrCurve::default(), last_report_ms: fx.now_ms() };
        fx.post(Event::LearningRates { curve: LrCurve::default(), suggestion: None, done: false });
        self.finding = Some(finding);
        Ok(())
    }

    pub(super) fn finding(&self) -> bool {
        self.finding.is_some()
    }

    /// The range test's next step: its loss read back and recorded, reported every tenth of a
    /// second, and the whole curve with its suggestion once the range is done or the loss blew up.
    pub(super) async fn find_next(&mut self, fx: &mut impl Effects) {
        let Some(finding) = self.finding.as_mut() else { return };
        let Some((learning_rate, loss)) = finding.finder.step(&finding.trainer) else {
            return self.stop_finding(fx);
        };
        let loss = match read_floats(loss).await {
            Ok(values) => values[0],
            Err(reason) => {
                fx.post(Event::Error { message: SessionError::LostDevice(reason).to_string() });
                return self.stop_finding(fx);
            }
        };
        let now = fx.now_ms();
        if !finding.curve.record(learning_rate, loss) {
            return self.stop_finding(fx);
        }
        if now - finding.last_report_ms >= PROGRESS_EVERY_MS {
            finding.last_report_ms = now;
            fx.post(Event::LearningRates { curve: finding.curve.clone(), suggestion: None, done: false });
        }
    }

    /// Ends the range test, if one is under way, with the curve so far and its suggestion.
    pub(super) fn stop_finding(&mut self, fx: &mut impl Effects) {
        if let Some(Finding { curve, .. }) = self.finding.take() {
            let suggestion = curve.suggested_rate();
            fx.post(Event::LearningRates { curve, suggestion, done: true });
        }
    }

    /// Times a few training steps of the run `spec` would start, on the session's device, and
    /// posts the speed for the time planner.
    pub(super) async fn measure_speed(
        &mut self,
        spec: RunSpec,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let RunStart { shape, .. } = self.run_start(spec)?;
        shape.model.validate().map_err(TrainError::from)?;
        let backend = self.backend.clone().ok_or(SessionError::NoDevice)?;
        let tokens_per_second = train::tokens_per_second(&backend.device, &shape, || fx.now_ms())
            .await
            .map_err(SessionError::LostDevice)?;
        let StepShape { model, train } = shape;
        let device = backend.info.label;
        fx.post(Event::Speed(MeasuredSpeed {
            model,
            batch_size: train.batch_size,
            tokens_per_second,
            device,
        }));
        Ok(())
    }
}

/// Commands after which a range test under way no longer answers the page's question: they
/// start, resume or replace the model it was trying.
pub(super) fn ends_finding(command: &Command) -> bool {
    matches!(
        command,
        Command::Train(_)
            | Command::ResumeSaved
            | Command::FindLearningRate(_)
            | Command::Load { .. }
            | Command::ImportGpt2 { .. }
    )
}
