//! The export in the Hub's layout of the model's family (GPT-2's or Llama's): `model.safetensors`,
//! `config.json` and `tokenizer.json`, as transformers' `from_pretrained` reads them, in one zip.

use std::collections::HashMap;
use std::io::{Cursor, Write};

use burn::prelude::*;

use super::params::ParamWriter;
use super::weights::{to_json, write_safetensors};
use super::{CheckpointError, CheckpointInfo, HfFiles, KEY_TRAINING, gpt2, llama};
use crate::model::{Family, Gpt};

/// Writes `model` in the Hub's layout of its family. The safetensors metadata says `format: pt`,
/// as transformers requires, and keeps gptlab's training state so an import shows the same card.
pub async fn export(model: &Gpt, info: &CheckpointInfo) -> Result<HfFiles, CheckpointError> {
    let tokenizer_json = info
        .tokenizer
        .to_hf_json()
        .map_err(|e| CheckpointError::Unexportable(format!("its tokenizer cannot be written: {e}")))?;
    let mut writer = ParamWriter::default();
    model.visit(&mut writer);
    let (tensors, config_json) = match info.model.family {
        Family::Gpt2 => (gpt2::hub_tensors(writer.params), gpt2::config_json(&info.model, &info.tokenizer)),
        Family::Llama => {
            (llama::hub_tensors(writer.params, &info.model), llama::config_json(&info.model, &info.tokenizer))
        }
    };
    let metadata = HashMap::from([
        ("format".to_string(), "pt".to_string()),
        (KEY_TRAINING.to_string(), to_json(&info.training)),
    ]);
    let model_safetensors = write_safetensors(tensors, metadata).await?;
    Ok(HfFiles { model_safetensors, config_json, tokenizer_json })
}

/// The three files in one zip, stored uncompressed: float weights barely compress.
pub fn zip(files: &HfFiles) -> Vec<u8> {
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
