//! Hugging Face's GPT-2 layout: `model.safetensors`, `config.json` and `tokenizer.json`, as
//! `transformers.GPT2LMHeadModel.from_pretrained` reads them. gptlab's GPT-2 blocks are GPT-2's
//! (pre-LN, tanh GELU, LayerNorm epsilon 1e-5, tied head, Conv1D-style `[in, out]` weights), so
//! the tensors map one to one: only their names differ.

use burn::prelude::*;
use safetensors::SafeTensors;

use super::gpt2_config::{Gpt2Config, check_files};
use super::params::{Named, Naming, ParamReader, widened_values};
use super::{CheckpointError, CheckpointInfo, KEY_TRAINING, TrainingState, parse};
use crate::data::models::HfGpt2;
use crate::model::{Gpt, GptConfig};
use crate::tokenize::Tokenizer;

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

/// The Hub's tensors for gptlab's GPT-2 parameters (`ParamWriter`'s): the same tensors, renamed.
pub(super) fn hub_tensors(params: Vec<Named>) -> Vec<Named> {
    params.into_iter().map(|(path, shape, t)| (hub_name(&path), shape, t)).collect()
}

/// A GPT-2 `config.json` as transformers' `GPT2Config` reads it.
pub(super) fn config_json(model: &GptConfig, tokenizer: &Tokenizer) -> String {
    serde_json::to_string_pretty(&Gpt2Config::of(model, tokenizer)).expect("config serialises")
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
