//! The session itself: its state, and the command dispatch that the other files extend.

use burn::prelude::*;

use super::effects::{Backend, Effects};
use super::error::SessionError;
use super::gpu;
use super::protocol::{Command, Event, Phase, SplitText};
use super::run::Run;
use super::sampling::Generation;
use super::trials::{Finding, ends_finding};
use crate::checkpoint::CheckpointInfo;
use crate::model::Gpt;
use crate::tokenize::Tokenizer;

/// The device, the run and the loaded model, and the rules that move them along.
#[derive(Default)]
pub struct Session {
    /// The device the steps run on.
    pub(super) backend: Option<Backend>,
    /// The GPU beside it: opening, warming up, measured, in use or lost.
    pub(super) gpu: gpu::Gpu,
    pub(super) run: Option<Run>,
    /// A checkpoint the user loaded (or a GPT-2 imported), to sample from or fine-tune.
    pub(super) loaded: Option<(Gpt, CheckpointInfo)>,
    /// The sampling tool's text, drawn a token per `step`.
    pub(super) generation: Option<Generation>,
    /// A learning-rate range test, a step per `step`.
    pub(super) finding: Option<Finding>,
    /// The tokenizer the page's token view shows, and the page's number for it.
    token_view: (Tokenizer, u32),
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// Work is under way (a run training, text being generated, a learning-rate range test):
    /// the driver should call `step` until this turns false, looking for commands in between.
    pub fn working(&self) -> bool {
        self.generation.is_some() || self.finding() || self.training()
    }

    /// A run is training.
    pub fn training(&self) -> bool {
        self.phase() == Some(Phase::Training)
    }

    /// One piece of work: the next token of the generation under way, else the range test's
    /// next step, else a training step.
    pub async fn step(&mut self, fx: &mut impl Effects) {
        if self.generation.is_some() {
            self.generate_next(fx).await;
        } else if self.finding() {
            self.find_next(fx).await;
        } else {
            self.train_step(fx).await;
            self.consider_gpu(fx).await;
        }
    }

    pub(super) fn phase(&self) -> Option<Phase> {
        self.run.as_ref().map(|run| run.phase)
    }

    /// Carries out one command. A command that fails posts `Event::Error` and leaves the session
    /// as it was, unless the failure ended the run.
    pub async fn handle(&mut self, command: Command, fx: &mut impl Effects) {
        // What the command saves or shows counts every step taken so far; the token view's
        // commands touch no model, and typing must not make a GPU run wait on a read-back.
        if command.reads_the_run() {
            self.read_losses(true, fx).await;
        }
        if let Err(error) = self.dispatch(command, fx).await {
            fx.post(Event::Error { message: error.to_string() });
        }
    }

    async fn dispatch(&mut self, command: Command, fx: &mut impl Effects) -> Result<(), SessionError> {
        if ends_finding(&command) {
            self.stop_finding(fx);
        }
        match command {
            Command::Init { backend } => self.open_devices(backend, fx).await,
            Command::Train(spec) => self.start(*spec, fx).await?,
            Command::ResumeSaved => self.resume(fx).await?,
            Command::Pause => self.pause(fx).await,
            Command::Continue => self.continue_run(fx),
            Command::Stop => {
                if matches!(self.phase(), Some(Phase::Training | Phase::Paused)) {
                    self.finish(Phase::Stopped, fx).await?;
                }
            }
            Command::Generate { prompt, settings } => self.generate(&prompt, settings)?,
            Command::StopGenerating => self.stop_generating(fx),
            Command::NextTokens { prompt } => self.next_tokens(prompt, fx).await?,
            Command::Attention { prompt } => self.attention(prompt, fx).await?,
            Command::Load { file_name, bytes } => self.load(file_name, bytes, fx).await?,
            Command::ImportGpt2 { model_id, config_json, tokenizer_json, model_safetensors } => {
                let files = crate::checkpoint::HfGpt2 { model_safetensors, config_json, tokenizer_json };
                self.import_gpt2(&model_id, &files, fx).await?
            }
            Command::ExportHf => self.export_hf(fx).await?,
            Command::FindLearningRate(spec) => self.find_learning_rate(*spec, fx).await?,
            Command::StopFindingLearningRate => self.stop_finding(fx),
            Command::MeasureSpeed(spec) => self.measure_speed(*spec, fx).await?,
            Command::ShowTokenizer { tokenizer, number } => self.token_view = (tokenizer, number),
            Command::SplitTokens { text } => {
                let (tokenizer, tokenizer_number) = &self.token_view;
                let pieces = tokenizer.pieces(&text).map_err(|e| e.to_string());
                fx.post(Event::Tokens(SplitText { text, pieces, tokenizer_number: *tokenizer_number }));
            }
        }
        Ok(())
    }

    pub(super) fn device(&self) -> Result<Device, SessionError> {
        self.backend.as_ref().map(|b| b.device.clone()).ok_or(SessionError::NoDevice)
    }

    pub(super) fn set_phase(&mut self, phase: Phase, fx: &mut impl Effects) {
        if let Some(run) = &mut self.run {
            run.phase = phase;
            if !phase.busy() {
                fx.release(); // the run has ended: another tab may train
            }
        }
        fx.post(Event::Phase(phase));
    }

    /// Ends the run on an error it cannot go on from.
    pub(super) fn fail(&mut self, error: SessionError, fx: &mut impl Effects) {
        fx.post(Event::Error { message: error.to_string() });
        self.set_phase(Phase::Failed, fx);
    }

    /// The model to sample or export: the run's, else a loaded one's.
    pub(super) fn current_model(&self) -> Result<(Gpt, CheckpointInfo), SessionError> {
        match (&self.run, &self.loaded) {
            (Some(run), _) => Ok((run.trainer.model(), run.info())),
            (None, Some((model, info))) => Ok((model.clone(), info.clone())),
            (None, None) => Err(SessionError::NoModel),
        }
    }
}
