use crate::checkpoint::CheckpointError;
use crate::sample::SampleError;
use crate::tokenize::TokenizerError;
use crate::train::TrainError;

use super::store::StoreError;

/// Why a command could not be carried out, or why a run ended early: each message is what the
/// page shows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error("the device is not chosen yet")]
    NoDevice,
    #[error("train a model or load a checkpoint first")]
    NoModel,
    #[error("load a checkpoint or a Hub model first to fine-tune it")]
    NothingToFineTune,
    #[error("a run is under way: stop it first")]
    RunUnderWay,
    #[error(
        "another tab of this page is training: stop or finish the run there first (tabs share the \
         saved runs, and the GPU)"
    )]
    AnotherTab,
    #[error("no saved run was found")]
    NoSavedRun,
    #[error("the saved run cannot be resumed: {0}")]
    SavedRun(String),
    #[error("the saved run cannot be resumed: the data stored with it is not the data it trained on")]
    CorpusMismatch,
    /// A file or model, named, that does not load.
    #[error("{name}: {error}")]
    Unloadable { name: String, error: CheckpointError },
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    #[error(transparent)]
    Sample(#[from] SampleError),
    #[error("autosave failed: {0}")]
    Autosave(StoreError),
    #[error(
        "the loss became {loss} at step {step}: training diverged and was stopped; {}. Try a lower \
         learning rate or a smaller model.",
        kept_save(*.last_save)
    )]
    Diverged { loss: f32, step: usize, last_save: Option<usize> },
    #[error(
        "the validation loss became {loss} at step {step}: training diverged and was stopped; {}. \
         Try a lower learning rate.",
        kept_save(*.last_save)
    )]
    ValidationDiverged { loss: f32, step: usize, last_save: Option<usize> },
    #[error(
        "reading from the device failed ({0}): the GPU may have been lost or reset. Reload the page \
         and resume the run from its last autosave."
    )]
    LostDevice(String),
}

fn kept_save(step: Option<usize>) -> String {
    step.map_or("no autosave was made yet".into(), |s| format!("the last good autosave (step {s}) is kept"))
}
