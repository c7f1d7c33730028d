//! Hugging Face's GPT-2 layout: `model.safetensors`, `config.json` and `tokenizer.json`, as
//! `transformers.GPT2LMHeadModel.from_pretrained` reads them. gptlab's blocks are GPT-2's (pre-LN,
//! tanh GELU, LayerNorm epsilon 1e-5, tied head, Conv1D-style `[in, out]` weights), so the
//! tensors map one to one: only their names differ.

use std::collections::HashMap;
use std::io::{Cursor, Write};

use burn::prelude::*;
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use super::params::{Naming, ParamReader, ParamWriter, widened_values};
use super::{
    CheckpointError, CheckpointInfo, KEY_TRAINING, TrainingState, parse, to_json, write_safetensors,
};
use crate::data::models::HfGpt2;
use crate::model::{Gpt, GptConfig};
use crate::tokenize::Tokenizer;

/// The part of a GPT-2 `config.json` that decides the network, with transformers' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Gpt2Config {
    #[serde(default)]
    model_type: String,
    #[serde(default)]
    architectures: Vec<String>,
    vocab_size: usize,
    n_positions: usize,
    n_embd: usize,
    n_layer: usize,
    n_head: usize,
    /// The MLP's width; `None` means 4 × n_embd.
    #[serde(default)]
    n_inner: Option<usize>,
    #[serde(default = "gelu_new")]
    activation_function: String,
    #[serde(default = "epsilon")]
    layer_norm_epsilon: f64,
    #[serde(default = "yes")]
    tie_word_embeddings: bool,
    #[serde(default = "yes")]
    scale_attn_weights: bool,
    #[serde(default)]
    scale_attn_by_inverse_layer_idx: bool,
    #[serde(default)]
    resid_pdrop: f64,
    #[serde(default)]
    embd_pdrop: f64,
    #[serde(default)]
    attn_pdrop: f64,
    /// GPT-2's `<|endoftext|>` where the tokenizer has it; transformers otherwise assumes 50256.
    #[serde(default)]
    bos_token_id: Option<u32>,
    #[serde(default)]
    eos_token_id: Option<u32>,
}

fn gelu_new() -> String {
    "gelu_new".into()
}
fn epsilon() -> f64 {
    1e-5
}
fn yes() -> bool {
    true
}

impl Gpt2Config {
    fn of(model: &GptConfig, tokenizer: &Tokenizer) -> Self {
        let end_of_text = tokenizer.token_id("<|endoftext|>");
        Self {
            model_type: "gpt2".into(),
            architectures: vec!["GPT2LMHeadModel".into()],
            vocab_size: model.vocab_size,
            n_positions: model.block_size,
            n_embd: model.n_embd,
            n_layer: model.n_layer,
            n_head: model.n_head,
            n_inner: None,
            activation_function: gelu_new(),
            layer_norm_epsilon: epsilon(),
            tie_word_embeddings: true,
            scale_attn_weights: true,
            scale_attn_by_inverse_layer_idx: false,
            resid_pdrop: model.dropout,
            embd_pdrop: model.dropout,
            attn_pdrop: model.dropout,
            bos_token_id: end_of_text,
            eos_token_id: end_of_text,
        }
    }

    /// The gptlab model with the same network, or what about this one gptlab cannot run.
    fn to_model(&self) -> Result<GptConfig, String> {
        let unlike = |what: String| Err(format!("it {what}, unlike gptlab's GPT-2 blocks"));
        if !self.model_type.is_empty() && self.model_type != "gpt2" {
            return Err(format!("its model_type is {:?}, not \"gpt2\"", self.model_type));
        }
        if !matches!(self.activation_function.as_str(), "gelu_new" | "gelu_pytorch_tanh") {
            return unlike(format!(
                "uses the {:?} activation, not GPT-2's tanh GELU",
                self.activation_function
            ));
        }
        if self.n_inner.is_some_and(|n| n != 4 * self.n_embd) {
            return unlike(format!("has an MLP {} wide, not 4 × {}", self.n_inner.unwrap_or(0), self.n_embd));
        }
        if (self.layer_norm_epsilon - epsilon()).abs() > 1e-9 {
            return unlike(format!("has LayerNorm epsilon {}, not 1e-5", self.layer_norm_epsilon));
        }
        if !self.tie_word_embeddings {
            return unlike("has an output head of its own, not tied to the token embedding".into());
        }
        if !self.scale_attn_weights || self.scale_attn_by_inverse_layer_idx {
            return unlike("scales attention other than by 1/sqrt(head size)".into());
        }
        let model = GptConfig::new(self.vocab_size)
            .with_block_size(self.n_positions)
            .with_n_layer(self.n_layer)
            .with_n_head(self.n_head)
            .with_n_embd(self.n_embd);
        model.validate().map_err(|e| e.to_string())?;
        Ok(model)
    }
}

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

/// The model and tokenizer a Hub GPT-2's `config.json` and `tokenizer.json` describe, if gptlab
/// can run them: checked before its weights are downloaded, so a model it cannot run costs no
/// download.
pub fn check_files(
    config_json: &str,
    tokenizer_json: &str,
    source: &str,
) -> Result<(GptConfig, Tokenizer), CheckpointError> {
    let config: Gpt2Config = serde_json::from_str(config_json)
        .map_err(|e| CheckpointError::NotGpt2(format!("its config.json is unreadable: {e}")))?;
    let model = config.to_model().map_err(CheckpointError::NotGpt2)?;
    let tokenizer = Tokenizer::from_json(tokenizer_json.as_bytes(), &format!("tokenizer.json of {source}"))
        .map_err(|e| CheckpointError::NotGpt2(format!("its tokenizer.json: {e}")))?;
    super::check_tokenizer_fits(&tokenizer, &model)?;
    Ok((model, tokenizer))
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
