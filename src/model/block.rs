use burn::prelude::*;

use super::GptConfig;
use super::attention::{CausalSelfAttention, KeysValues};
use super::mlp::Mlp;
use super::norm::Norm;
use super::rotary::Rotary;

/// One transformer block, pre-norm: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`. Its parts
/// follow the family: LayerNorm or RMSNorm, learned or rotary positions, GELU or SwiGLU.
#[derive(Module, Debug)]
pub struct Block {
    ln_1: Norm,
    attn: CausalSelfAttention,
    ln_2: Norm,
    mlp: Mlp,
}

impl Block {
    pub fn new(config: &GptConfig, rotary: Option<Rotary>, device: &Device) -> Self {
        Self {
            ln_1: Norm::new(config, device),
            attn: CausalSelfAttention::new(config, rotary, device),
            ln_2: Norm::new(config, device),
            mlp: Mlp::new(config, device),
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = x.clone() + self.attn.forward(self.ln_1.forward(x));
        x.clone() + self.mlp.forward(self.ln_2.forward(x))
    }

    /// This block's attention weights for `x`, the input of its `forward`.
    ///
    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, n_head, seq, seq]`
    pub fn attention_weights(&self, x: Tensor<3>) -> Tensor<4> {
        self.attn.weights(self.ln_1.forward(x))
    }

    /// `forward` for positions after the ones in `cache`, whose keys and values it extends.
    ///
    /// # Shapes
    /// - x: `[batch, new, n_embd]` -> `[batch, new, n_embd]`
    pub fn forward_cached(&self, x: Tensor<3>, cache: &mut Option<KeysValues>) -> Tensor<3> {
        let x = x.clone() + self.attn.forward_cached(self.ln_1.forward(x), cache);
        x.clone() + self.mlp.forward(self.ln_2.forward(x))
    }
}
