//! One `.safetensors` file per checkpoint: the weights as F32 tensors named by their module path
//! (`h.0.attn.c_attn.weight`), and in the metadata the model config, the tokenizer and the
//! training state, each as JSON under a `gptlab.*` key, plus a format version. A saved run (an
//! autosave) also holds AdamW's moments, as `optimizer.moment_1.<path>` and `optimizer.moment_2.<path>`.

mod gpt2;
mod limits;
mod params;

use std::collections::{BTreeMap, HashMap};

use burn::prelude::*;
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};

use crate::data::Prompts;
pub use crate::data::models::HfGpt2;
use crate::format;
use crate::model::{Gpt, GptConfig};
use crate::tokenize::Tokenizer;
use crate::train::{Moments, TrainConfig, moments};
pub use gpt2::{
    check_files as check_gpt2_files, export as export_gpt2, import as import_gpt2, zip as zip_gpt2,
};
pub use limits::{MAX_CHART_POINTS, MAX_HEADER_BYTES, MAX_NAME_BYTES, MAX_PROMPT_BYTES, MAX_PROMPTS};
use params::{Naming, ParamReader, ParamWriter};

/// Bumped when a change would make older readers misread a file.
pub const FORMAT_VERSION: u32 = 1;

const KEY_VERSION: &str = "gptlab.format_version";
const KEY_MODEL: &str = "gptlab.model";
const KEY_TOKENIZER: &str = "gptlab.tokenizer";
const KEY_TRAINING: &str = "gptlab.training";
/// Steps the saved optimizer moments have seen.
const KEY_OPTIMIZER_TIME: &str = "gptlab.optimizer_time";
const MOMENT_1: &str = "optimizer.moment_1.";
const MOMENT_2: &str = "optimizer.moment_2.";

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
    #[error("reading the weights back from the GPU failed: {0}")]
    ReadBack(String),
    #[error("the checkpoint holds {found}; the page takes at most {limit}")]
    OverLimit { found: String, limit: String },
}

/// Serialises `model` and `info` into the bytes of a `.safetensors` file.
pub async fn save(model: &Gpt, info: &CheckpointInfo) -> Result<Vec<u8>, CheckpointError> {
    let mut writer = ParamWriter::default();
    model.visit(&mut writer);
    serialize(writer.params, info, None).await
}

/// Serialises a run to continue later: the checkpoint plus the optimizer's moments by path.
pub async fn save_run(
    model: &Gpt,
    moments: &BTreeMap<String, Moments>,
    info: &CheckpointInfo,
) -> Result<Vec<u8>, CheckpointError> {
    let mut writer = ParamWriter::default();
    model.visit(&mut writer);
    let mut tensors = writer.params;
    for (path, state) in moments {
        let m = &state.momentum;
        for (prefix, moment) in [(MOMENT_1, &m.moment_1), (MOMENT_2, &m.moment_2)] {
            tensors.push((format!("{prefix}{path}"), moment.dims().to_vec(), moment.clone()));
        }
    }
    let time = moments.values().map(|s| s.momentum.time).max().unwrap_or(0);
    serialize(tensors, info, Some(time)).await
}

async fn serialize(
    tensors: Vec<(String, Vec<usize>, Tensor<1>)>,
    info: &CheckpointInfo,
    optimizer_time: Option<usize>,
) -> Result<Vec<u8>, CheckpointError> {
    let mut metadata = HashMap::from([
        (KEY_VERSION.to_string(), FORMAT_VERSION.to_string()),
        (KEY_MODEL.to_string(), to_json(&info.model)),
        (KEY_TOKENIZER.to_string(), to_json(&info.tokenizer)),
        (KEY_TRAINING.to_string(), to_json(&info.training)),
    ]);
    if let Some(time) = optimizer_time {
        metadata.insert(KEY_OPTIMIZER_TIME.to_string(), time.to_string());
    }
    write_safetensors(tensors, metadata).await
}

/// Reads `tensors` back from the device and writes them, as F32, into a safetensors file.
async fn write_safetensors(
    tensors: Vec<(String, Vec<usize>, Tensor<1>)>,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, CheckpointError> {
    let mut bytes = Vec::with_capacity(tensors.len());
    for (name, shape, tensor) in tensors {
        let data = tensor.into_data_async().await;
        let data = data.map_err(|e| CheckpointError::ReadBack(format!("{e:?}")))?;
        let values = data.try_to_vec::<f32>().map_err(|e| CheckpointError::ReadBack(format!("{e:?}")))?;
        bytes.push((name, shape, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()));
    }
    let views = bytes.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("shape matches data");
        (name.clone(), view)
    });
    safetensors::serialize(views, Some(metadata)).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))
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

/// Rebuilds the model a checkpoint holds, on `device`. Every tensor is checked against the
/// model its config describes: a missing, extra or misshapen tensor is an error, not a panic.
pub fn load(bytes: &[u8], device: &Device) -> Result<(Gpt, CheckpointInfo), CheckpointError> {
    let info = read_info(bytes)?;
    info.model.validate().map_err(|e| CheckpointError::BadModel(e.to_string()))?;
    check_tokenizer_fits(&info.tokenizer, &info.model)?;
    check_file_backs(&info.model, bytes, size_of::<f32>())?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))?;
    let mut reader = ParamReader::new(&file, Naming::gptlab(), device);
    let model = Gpt::new(&info.model, device).map(&mut reader);
    reader.finish().map_err(CheckpointError::Mismatch)?;
    Ok((model, info))
}

/// A saved run's model and optimizer moments (what `save_run` wrote), on `device`.
pub fn load_run(bytes: &[u8], device: &Device) -> Result<(Gpt, BTreeMap<String, Moments>), CheckpointError> {
    let (model, _) = load(bytes, device)?;
    Ok((model, load_moments(bytes, device)?))
}

/// The optimizer moments a saved run holds, keyed by parameter path, on `device`. A file saved
/// without them (a shared checkpoint) gives none: the optimizer then starts afresh.
pub fn load_moments(bytes: &[u8], device: &Device) -> Result<BTreeMap<String, Moments>, CheckpointError> {
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))?;
    let Some(time) = header.metadata().as_ref().and_then(|m| m.get(KEY_OPTIMIZER_TIME)) else {
        return Ok(BTreeMap::new());
    };
    let time: usize = time.parse().map_err(|_| CheckpointError::BadMetadata {
        key: KEY_OPTIMIZER_TIME,
        reason: format!("{time:?} is not a number"),
    })?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))?;
    let read = |name: String| -> Result<Tensor<1>, CheckpointError> {
        let view =
            file.tensor(&name).map_err(|_| CheckpointError::Mismatch(format!("missing tensor {name}")))?;
        let values =
            params::f32_values(&view).map_err(|p| CheckpointError::Mismatch(format!("{name} {p}")))?;
        let size = values.len();
        Ok(Tensor::from_data(TensorData::new(values, [size]), device))
    };
    let mut loaded = BTreeMap::new();
    for name in file.names() {
        if let Some(path) = name.strip_prefix(MOMENT_1) {
            let state = moments(time, read(name.to_string())?, read(format!("{MOMENT_2}{path}"))?);
            loaded.insert(path.to_string(), state);
        }
    }
    Ok(loaded)
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
fn check_file_backs(model: &GptConfig, bytes: &[u8], bytes_per_value: usize) -> Result<(), CheckpointError> {
    let needed = model.param_count().saturating_mul(bytes_per_value);
    if needed > bytes.len() {
        return Err(CheckpointError::BadModel(format!(
            "its model has {} parameters ({}) but the file is only {}",
            model.param_count(),
            format::bytes(needed as u64),
            format::bytes(bytes.len() as u64)
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

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("metadata serialises to JSON")
}
