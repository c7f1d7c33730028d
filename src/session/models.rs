//! Models from elsewhere and to elsewhere: a checkpoint file, a GPT-2 from the Hub, and the
//! export in the Hub's layout of the model's family.

use super::card::{model_card, model_name};
use super::effects::Effects;
use super::protocol::{Event, Phase};
use super::sampling::sample_prompts;
use super::{Session, SessionError};
use crate::checkpoint::{self, CheckpointInfo, HfGpt2};
use crate::data::arithmetic;
use crate::model::Gpt;

impl Session {
    /// Loads a checkpoint file and shows it; the file is offered for download again as it came.
    pub(super) async fn load(
        &mut self,
        file_name: String,
        bytes: Vec<u8>,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let loaded = checkpoint::load(&bytes, &self.device()?)
            .map_err(|error| SessionError::Unloadable { name: file_name.clone(), error })?;
        self.show_loaded(&file_name, loaded, Some(bytes), fx).await
    }

    /// Imports a GPT-2 in the Hub's layout and shows it.
    pub(super) async fn import_gpt2(
        &mut self,
        model_id: &str,
        files: &HfGpt2,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let imported = checkpoint::import_gpt2(files, model_id, &self.device()?)
            .map_err(|error| SessionError::Unloadable { name: format!("the model {model_id}"), error })?;
        self.show_loaded(model_id, imported, None, fx).await
    }

    /// Shows a loaded model: its card, then its samples of the prompts it was trained with.
    /// `file` is what to offer for download: the checkpoint file as it came, if it came as one.
    async fn show_loaded(
        &mut self,
        name: &str,
        (model, info): (Gpt, CheckpointInfo),
        file: Option<Vec<u8>>,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        if self.phase().is_some_and(Phase::busy) {
            return Err(SessionError::RunUnderWay);
        }
        self.run = None;
        let description = model_card(name, &info);
        fx.post(Event::Loaded { description, model: info.model.clone(), tokenizer: info.tokenizer.clone() });
        fx.post(Event::Phase(Phase::SamplingAfter));
        // Files from before other data sets were asked the arithmetic prompts.
        let prompts = info
            .training
            .prompts
            .clone()
            .unwrap_or_else(|| arithmetic::corpus(info.training.seed, 1).prompts);
        let samples = sample_prompts(&model, &info.tokenizer, &prompts).await?;
        fx.post(Event::Samples { after: true, samples });
        let bytes = match file {
            Some(bytes) => bytes,
            None => checkpoint::save(&model, &info).await?,
        };
        let file_name = if name.ends_with(".safetensors") {
            name.to_string()
        } else {
            format!("gptlab-{}.safetensors", name.replace('/', "-"))
        };
        self.loaded = Some((model, info));
        fx.post(Event::Checkpoint { file_name, bytes });
        fx.post(Event::Phase(Phase::Done));
        Ok(())
    }

    /// The current model (the run's, else the loaded one) as a zip in the Hub's layout of its
    /// family: GPT-2's or Llama's.
    pub(super) async fn export_hf(&self, fx: &mut impl Effects) -> Result<(), SessionError> {
        let (model, info) = self.current_model()?;
        let files = checkpoint::export_hf(&model, &info).await?;
        let file_name = format!("gptlab-{}-{}.zip", model_name(&info), info.model.family.name());
        fx.post(Event::Export { file_name, bytes: checkpoint::zip_hf(&files) });
        Ok(())
    }
}
