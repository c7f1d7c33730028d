//! Hugging Face's Llama layout, for the export: the weights by the names
//! `transformers.LlamaForCausalLM` gives them, and its `config.json`.

use burn::prelude::*;
use serde::Serialize;

use super::params::Named;
use crate::model::{GptConfig, RMS_NORM_EPSILON, ROPE_THETA};
use crate::tokenize::Tokenizer;

/// The Hub's tensors for gptlab's Llama parameters (`ParamWriter`'s): renamed, each linear
/// weight turned from burn's `[in, out]` to PyTorch's `[out, in]`, and the fused ones split:
/// `c_attn` into the query, key and value projections, `c_fc` into the gate and up projections.
/// The rotary layout needs no permutation: gptlab pairs a head's halves as transformers does.
pub(super) fn hub_tensors(params: Vec<Named>, config: &GptConfig) -> Vec<Named> {
    let (d, hidden, vocab) = (config.n_embd, config.mlp_hidden(), config.vocab_size);
    let kv = config.kv_heads() * config.head_size();
    let mut tensors = Vec::new();
    for (path, shape, values) in params {
        // `h.3.attn.c_proj.weight` is layer 3's `attn.c_proj.weight`.
        let (prefix, name) = match path.strip_prefix("h.").and_then(|p| p.split_once('.')) {
            Some((layer, name)) => (format!("model.layers.{layer}."), name),
            None => (String::new(), path.as_str()),
        };
        let mut plain = |hub: &str| tensors.push((format!("{prefix}{hub}"), shape.clone(), values.clone()));
        match name {
            "wte.weight" => plain("model.embed_tokens.weight"),
            "ln_f.gamma" => plain("model.norm.weight"),
            "ln_1.gamma" => plain("input_layernorm.weight"),
            "ln_2.gamma" => plain("post_attention_layernorm.weight"),
            _ => {
                let parts: &[(&str, usize)] = match name {
                    "attn.c_attn.weight" => &[
                        ("self_attn.q_proj.weight", d),
                        ("self_attn.k_proj.weight", kv),
                        ("self_attn.v_proj.weight", kv),
                    ],
                    "attn.c_proj.weight" => &[("self_attn.o_proj.weight", d)],
                    "mlp.c_fc.weight" => &[("mlp.gate_proj.weight", hidden), ("mlp.up_proj.weight", hidden)],
                    "mlp.c_proj.weight" => &[("mlp.down_proj.weight", d)],
                    "lm_head.weight" => &[("lm_head.weight", vocab)],
                    _ => unreachable!("a Llama has no parameter {path}"),
                };
                tensors.extend(split_linear(&prefix, values, &shape, parts));
            }
        }
    }
    tensors
}

/// A linear weight `[in, out]` (flattened) cut by output columns into `parts` of the given
/// widths, each transposed to PyTorch's `[width, in]`.
fn split_linear(prefix: &str, values: Tensor<1>, shape: &[usize], parts: &[(&str, usize)]) -> Vec<Named> {
    let [d_in, d_out] = [shape[0], shape[1]];
    assert_eq!(parts.iter().map(|(_, width)| width).sum::<usize>(), d_out, "the parts fill the layer");
    let weight = values.reshape([d_in, d_out]);
    let mut start = 0;
    let mut split = Vec::new();
    for &(name, width) in parts {
        let part = weight.clone().narrow(1, start, width).transpose(); // [width, d_in]
        split.push((format!("{prefix}{name}"), vec![width, d_in], part.reshape([width * d_in])));
        start += width;
    }
    split
}

/// A Llama `config.json` as transformers' `LlamaConfig` reads it.
#[derive(Serialize)]
struct LlamaConfig {
    model_type: &'static str,
    architectures: [&'static str; 1],
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    num_key_value_heads: usize,
    head_dim: usize,
    max_position_embeddings: usize,
    hidden_act: &'static str,
    rms_norm_eps: f64,
    rope_theta: f64,
    attention_bias: bool,
    mlp_bias: bool,
    tie_word_embeddings: bool,
    attention_dropout: f64,
    initializer_range: f64,
    /// The tokenizer's `<|endoftext|>` where it has one.
    bos_token_id: Option<u32>,
    eos_token_id: Option<u32>,
    torch_dtype: &'static str,
}

pub(super) fn config_json(model: &GptConfig, tokenizer: &Tokenizer) -> String {
    let end_of_text = tokenizer.token_id("<|endoftext|>");
    let config = LlamaConfig {
        model_type: "llama",
        architectures: ["LlamaForCausalLM"],
        vocab_size: model.vocab_size,
        hidden_size: model.n_embd,
        intermediate_size: model.mlp_hidden(),
        num_hidden_layers: model.n_layer,
        num_attention_heads: model.n_head,
        num_key_value_heads: model.kv_heads(),
        head_dim: model.head_size(),
        max_position_embeddings: model.block_size,
        hidden_act: "silu",
        rms_norm_eps: RMS_NORM_EPSILON,
        rope_theta: ROPE_THETA,
        attention_bias: false,
        mlp_bias: false,
        tie_word_embeddings: false,
        attention_dropout: model.dropout,
        initializer_range: 0.02,
        bos_token_id: end_of_text,
        eos_token_id: end_of_text,
        torch_dtype: "float32",
    };
    serde_json::to_string_pretty(&config).expect("config serialises")
}
