//! One `.safetensors` file per checkpoint: the weights as F32 tensors named by their module path
//! (`h.0.attn.c_attn.weight`), and in the metadata the model config, the tokenizer and the
//! training state, each as JSON under a `gptlab.*` key, plus a format version. A saved run (an
//! autosave) also holds AdamW's moments, as `optimizer.moment_1.<path>` and `optimizer.moment_2.<path>`.
//!
//! What a file says about itself (`read_info`) is plain data that the page's interface reads
//! too; the weights need the engine.

#[cfg(feature = "engine")]
mod gpt2;
mod gpt2_config;
#[cfg(feature = "engine")]
mod hf;
mod limits;
#[cfg(feature = "engine")]
mod llama;
#[cfg(feature = "engine")]
mod params;
#[cfg(feature = "engine")]
mod weights;

use std::collections::HashMap;

use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use crate::data::Prompts;
use crate::data::clean::CleanSettings;
pub use crate::data::models::HfGpt2;
/// A model's three files in a Hub layout: GPT-2's (which the import reads) or Llama's.
pub type HfFiles = HfGpt2;
use crate::model::GptConfig;
use crate::tokenize::Tokenizer;
use crate::train::TrainConfig;
#[cfg(feature = "engine")]
pub use gpt2::import as import_gpt2;
pub use gpt2_config::check_files as check_gpt2_files;
#[cfg(feature = "engine")]
pub use hf::{export as export_hf, zip as zip_hf};
pub use limits::{MAX_CHART_POINTS, MAX_HEADER_BYTES, MAX_NAME_BYTES, MAX_PROMPT_BYTES, MAX_PROMPTS};
#[cfg(feature = "engine")]
pub use weights::{load, load_moments, load_run, save, save_run};

/// Bumped when a change would make older readers misread a file.
pub const FORMAT_VERSION: u32 = 1;

const KEY_VERSION: &str = "gptlab.format_version";
const KEY_MODEL: &str = "gptlab.model";
const KEY_TOKENIZER: &str = "gptlab.tokenizer";
const KEY_TRAINING: &str = "gptlab.training";

/// Where training stood when the file was written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingState {
    pub step: usize,
    /// The most recent training losses, oldest first.
    pub recent_losses: Vec<f32>,
    pub validation_loss: Option<f32>,
    pub dataset: String,
    pub seed: u64,
    /// What the page asked the model before and after training. Absent in files from before
    /// data sets other than the built-in one, which used the arithmetic prompts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<Prompts>,
    /// How the run trains, so a saved run continues with the same settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<TrainConfig>,
    /// The loss chart so far, so a resumed run continues the same curve.
    #[serde(default, skip_serializing_if = "History::is_empty")]
    pub history: History,
    /// Which run wrote an autosave, and the corpus it trains on: a resume checks the corpus the
    /// store gives back against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunIdentity>,
    /// The cleaning steps the training text went through, and their settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaning: Option<CleanSettings>,
}

/// A run's id, and the hash of its corpus (`Corpus::hash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    pub id: String,
    pub corpus_hash: String,
}

/// Every `(step, loss)` point of a run's chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub train: Vec<(usize, f32)>,
    pub validation: Vec<(usize, f32)>,
}

impl History {
    pub fn is_empty(&self) -> bool {
        self.train.is_empty() && self.validation.is_empty()
    }
}

/// Everything in a checkpoint besides the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointInfo {
    pub model: GptConfig,
    pub tokenizer: Tokenizer,
    pub training: TrainingState,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    #[error("this is not a safetensors file ({0})")]
    NotSafetensors(String),
    #[error("this safetensors file was not written by gptlab (it has no {KEY_VERSION} metadata)")]
    Foreign,
    #[error("this checkpoint has format version {0}; this page reads versions up to {FORMAT_VERSION}")]
    TooNew(u32),
    #[error("the checkpoint's {key} metadata is unreadable: {reason}")]
    BadMetadata { key: &'static str, reason: String },
    #[error("the checkpoint describes a model that cannot be built: {0}")]
    BadModel(String),
    #[error("the checkpoint's tensors do not fit its model: {0}")]
    Mismatch(String),
    #[error("this is not a GPT-2 model gptlab can run: {0}")]
    NotGpt2(String),
    #[error("the model cannot be exported: {0}")]
    Unexportable(String),
    #[error("reading the weights back from the GPU failed: {0}")]
    ReadBack(String),
    #[error("the checkpoint holds {found}; the page takes at most {limit}")]
    OverLimit { found: String, limit: String },
}

/// Reads the metadata of a checkpoint without touching its weights.
pub fn read_info(bytes: &[u8]) -> Result<CheckpointInfo, CheckpointError> {
    limits::check_header(bytes)?;
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))?;
    let metadata = header.metadata().as_ref().ok_or(CheckpointError::Foreign)?;
    let version = metadata.get(KEY_VERSION).ok_or(CheckpointError::Foreign)?;
    let version: u32 = version.parse().map_err(|_| CheckpointError::BadMetadata {
        key: KEY_VERSION,
        reason: format!("{version:?} is not a number"),
    })?;
    if version > FORMAT_VERSION {
        return Err(CheckpointError::TooNew(version));
    }
    let training = parse(metadata, KEY_TRAINING)?;
    limits::check_training(&training)?;
    Ok(CheckpointInfo {
        model: parse(metadata, KEY_MODEL)?,
        tokenizer: parse(metadata, KEY_TOKENIZER)?,
        training,
    })
}

/// A tokenizer must not make ids the model has no embedding for: its largest id, not its count
/// of tokens, which a gap in the ids makes smaller. (A model may have more rows than its
/// tokenizer has ids: the Hub's models often pad the vocabulary.)
fn check_tokenizer_fits(tokenizer: &Tokenizer, model: &GptConfig) -> Result<(), CheckpointError> {
    let needed = tokenizer.vocab_size();
    if needed > model.vocab_size {
        return Err(CheckpointError::BadModel(format!(
            "its tokenizer makes token id {} but its model embeds only ids 0 to {}",
            needed - 1,
            model.vocab_size.saturating_sub(1)
        )));
    }
    Ok(())
}

/// A model is built before its tensors are read: refuse a config that the file's bytes cannot
/// hold at `bytes_per_value`, so a lying header cannot make the page allocate gigabytes.
#[cfg(feature = "engine")]
fn check_file_backs(model: &GptConfig, bytes: &[u8], bytes_per_value: usize) -> Result<(), CheckpointError> {
    let needed = model.param_count().saturating_mul(bytes_per_value);
    if needed > bytes.len() {
        return Err(CheckpointError::BadModel(format!(
            "its model has {} parameters ({}) but the file is only {}",
            model.param_count(),
            crate::format::bytes(needed as u64),
            crate::format::bytes(bytes.len() as u64)
        )));
    }
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(
    metadata: &HashMap<String, String>,
    key: &'static str,
) -> Result<T, CheckpointError> {
    let text =
        metadata.get(key).ok_or_else(|| CheckpointError::BadMetadata { key, reason: "missing".into() })?;
    serde_json::from_str(text).map_err(|e| CheckpointError::BadMetadata { key, reason: e.to_string() })
}
