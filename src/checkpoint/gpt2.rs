//! Hugging Face's GPT-2 layout: `model.safetensors`, `config.json` and `tokenizer.json`, as
//! `transformers.GPT2LMHeadModel.from_pretrained` reads them. gptlab's blocks are GPT-2's (pre-LN,
//! tanh GELU, LayerNorm epsilon 1e-5, tied head, Conv1D-style `[in, out]` weights), so the
//! tensors map one to one: only their names differ.

use std::collections::HashMap;
use std::io::{Cursor, Write};

use burn::prelude::*;
use safetensors::SafeTensors;

use super::gpt2_config::{Gpt2Config, check_files};
use super::params::{Naming, ParamReader, ParamWriter, widened_values};
use super::weights::{to_json, write_safetensors};
use super::{CheckpointError, CheckpointInfo, KEY_TRAINING, TrainingState, parse};
use crate::data::models::HfGpt2;
use crate::model::Gpt;

/// The Hub's name for a gptlab parameter path: `h.0.ln_1.gamma` is `transformer.h.0.ln_1.weight`.
fn hub_name(path: &str) -> String {
    let name = match path.rsplit_once('.') {
        Some((module, "gamma")) => format!("{module}.weight"),
        Some((module, "beta")) => format!("{module}.bias"),
        _ => path.to_string(),
    };
    format!("transformer.{name}")
}

/// Buffers GPT-2 files may hold beside the parameters: the causal masks older transformers
/// saved, and the head, which is checked to be the tied embedding.
fn not_a_parameter(name: &str) -> bool {
    name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias") || name == "lm_head.weight"
}

/// Writes `model` in the Hub's GPT-2 layout. The safetensors metadata says `format: pt`, as
/// transformers requires, and keeps gptlab's training state so an import shows the same card.
pub async fn export(model: &Gpt, info: &CheckpointInfo) -> Result<HfGpt2, CheckpointError> {
    let tokenizer_json = info
        .tokenizer
        .to_hf_json()
        .map_err(|e| CheckpointError::NotGpt2(format!("its tokenizer cannot be written: {e}")))?;
    let mut writer = ParamWriter::default();
    model.visit(&mut writer);
    let tensors = writer.params.into_iter().map(|(path, shape, t)| (hub_name(&path), shape, t)).collect();
    let metadata = HashMap::from([
        ("format".to_string(), "pt".to_string()),
        (KEY_TRAINING.to_string(), to_json(&info.training)),
    ]);
    let model_safetensors = write_safetensors(tensors, metadata).await?;
    let config_json = serde_json::to_string_pretty(&Gpt2Config::of(&info.model, &info.tokenizer))
        .expect("config serialises");
    Ok(HfGpt2 { model_safetensors, config_json, tokenizer_json })
}

/// The three files in one zip, stored uncompressed: float weights barely compress.
pub fn zip(files: &HfGpt2) -> Vec<u8> {
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let entries = [
        ("model.safetensors", files.model_safetensors.as_slice()),
        ("config.json", files.config_json.as_bytes()),
        ("tokenizer.json", files.tokenizer_json.as_bytes()),
    ];
    for (name, bytes) in entries {
        archive.start_file(name, options).expect("writing to memory cannot fail");
        archive.write_all(bytes).expect("writing to memory cannot fail");
    }
    archive.finish().expect("writing to memory cannot fail").into_inner()
}

/// Reads a GPT-2 from the Hub's three files (`source` names it on the page). Every tensor is
/// checked against `config.json` before use; what gptlab cannot run is refused with the reason.
pub fn import(
    files: &HfGpt2,
    source: &str,
    device: &Device,
) -> Result<(Gpt, CheckpointInfo), CheckpointError> {
    let (model, tokenizer) = check_files(&files.config_json, &files.tokenizer_json, source)?;
    let bytes = &files.model_safetensors;
    // Half precision is the smallest the file may hold: refuse a config it cannot back.
    super::check_file_backs(&model, bytes, 2)?;
    super::limits::check_header(bytes)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::NotSafetensors(e.to_string()))?;
    // GPT2LMHeadModel's files prefix the names with `transformer.`; GPT2Model's do not.
    let prefixed = file.names().iter().any(|n| n.starts_with("transformer."));
    let name_in_file = move |path: &str| {
        let name = hub_name(path);
        if prefixed { name } else { name["transformer.".len()..].to_string() }
    };
    let mut reader =
        ParamReader::new(&file, Naming { name_in_file: Box::new(name_in_file), not_a_parameter }, device);
    let gpt = Gpt::new(&model, device).map(&mut reader);
    reader.finish().map_err(CheckpointError::Mismatch)?;
    check_head_is_tied(&file, prefixed)?;
    let metadata = SafeTensors::read_metadata(bytes).ok().and_then(|(_, h)| h.metadata().clone());
    let training =
        metadata.and_then(|m| parse::<TrainingState>(&m, KEY_TRAINING).ok()).unwrap_or_else(|| {
            TrainingState { dataset: format!("imported from {source}"), ..Default::default() }
        });
    super::limits::check_training(&training)?;
    Ok((gpt, CheckpointInfo { model, tokenizer, training }))
}

/// A file that stores `lm_head.weight` must store the token embedding there again.
fn check_head_is_tied(file: &SafeTensors, prefixed: bool) -> Result<(), CheckpointError> {
    let Ok(head) = file.tensor("lm_head.weight") else { return Ok(()) };
    let wte = file.tensor(if prefixed { "transformer.wte.weight" } else { "wte.weight" });
    let same = wte.is_ok_and(|wte| widened_values(&wte).ok() == widened_values(&head).ok());
    if same {
        Ok(())
    } else {
        Err(CheckpointError::NotGpt2(
            "its lm_head.weight differs from the token embedding; gptlab ties them".into(),
        ))
    }
}
