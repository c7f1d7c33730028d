//! Hugging Face's GPT-2 `config.json`, and what a Hub model must be for gptlab to run it: checked
//! from its small files before its weights are downloaded.

use serde::{Deserialize, Serialize};

use super::CheckpointError;
use crate::model::GptConfig;
use crate::tokenize::Tokenizer;

/// The part of a GPT-2 `config.json` that decides the network, with transformers' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Gpt2Config {
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
    #[cfg(feature = "engine")] // only the export writes a config
    pub(super) fn of(model: &GptConfig, tokenizer: &Tokenizer) -> Self {
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
    let tokenizer = Tokenizer::from_hub(tokenizer_json.as_bytes(), source)
        .map_err(|e| CheckpointError::NotGpt2(format!("its tokenizer.json: {e}")))?;
    super::check_tokenizer_fits(&tokenizer, &model)?;
    Ok((model, tokenizer))
}
