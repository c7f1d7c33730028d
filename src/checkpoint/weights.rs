//! A checkpoint's weights (and a saved run's optimizer moments): written from the device, and
//! read back into a model that is checked tensor by tensor.

use std::collections::{BTreeMap, HashMap};

use burn::prelude::*;
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use serde::Serialize;

use super::params::{self, Naming, ParamReader, ParamWriter};
use super::{
    CheckpointError, CheckpointInfo, FORMAT_VERSION, KEY_MODEL, KEY_TOKENIZER, KEY_TRAINING, KEY_VERSION,
    check_file_backs, check_tokenizer_fits, read_info,
};
use crate::model::{Gpt, read_floats};
use crate::train::{Moments, moments};

/// Steps the saved optimizer moments have seen.
const KEY_OPTIMIZER_TIME: &str = "gptlab.optimizer_time";
const MOMENT_1: &str = "optimizer.moment_1.";
const MOMENT_2: &str = "optimizer.moment_2.";

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
pub(super) async fn write_safetensors(
    tensors: Vec<(String, Vec<usize>, Tensor<1>)>,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, CheckpointError> {
    let mut bytes = Vec::with_capacity(tensors.len());
    for (name, shape, tensor) in tensors {
        let values = read_floats(tensor).await.map_err(CheckpointError::ReadBack)?;
        bytes.push((name, shape, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()));
    }
    let views = bytes.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("shape matches data");
        (name.clone(), view)
    });
    safetensors::serialize(views, Some(metadata)).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))
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

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("metadata serialises to JSON")
}
