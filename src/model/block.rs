use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;

use super::GptConfig;
use super::attention::{CausalSelfAttention, KeysValues};
use super::init::{linear, residual_std};

/// The feed-forward half of a block: widen 4x, GELU (GPT-2's tanh form), project back.
#[derive(Module, Debug)]
pub struct Mlp {
    c_fc: Linear,
    c_proj: Linear,
    dropout: Dropout,
}

impl Mlp {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        let d = config.n_embd;
        Self {
            c_fc: linear(d, 4 * d, 0.02, device),
            c_proj: linear(4 * d, d, residual_std(config), device),
            dropout: DropoutConfig::new(config.dropout).init(),
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = gelu_tanh(self.c_fc.forward(x)); // [b, t, 4 * n_embd]
        self.dropout.forward(self.c_proj.forward(x))
    }
}

/// GPT-2's GELU, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))`, written as the identical
/// `x / (1 + exp(-z))` with `z = 2 sqrt(2/pi) x (1 + 0.044715 x²)`. burn's `gelu_approximate`
/// takes a `tanh` and a `powf` per element, which the CPU backend computes one scalar at a time:
/// they were a third of a training step. This form is a handful of multiplies and one `exp`.
/// `-z` is capped where `exp` still fits in an f32: an infinite denominator would make the
/// gradient `0 · inf`, NaN, for inputs below about -10, where GELU's gradient is zero anyway.
pub fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const TWO_SQRT_2_OVER_PI: f64 = 2.0 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2;
    const MINUS_Z_CAP: f64 = 80.0; // e^80 ≈ 5.5e34, below f32::MAX ≈ 3.4e38
    let minus_z =
        x.clone() * ((x.clone() * x.clone()) * (-TWO_SQRT_2_OVER_PI * 0.044715) - TWO_SQRT_2_OVER_PI);
    x / (minus_z.clamp_max(MINUS_Z_CAP).exp() + 1.0)
}

/// One transformer block, pre-LayerNorm: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
#[derive(Module, Debug)]
pub struct Block {
    ln_1: LayerNorm,
    attn: CausalSelfAttention,
    ln_2: LayerNorm,
    mlp: Mlp,
}

impl Block {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        Self {
            ln_1: LayerNormConfig::new(config.n_embd).init(device),
            attn: CausalSelfAttention::new(config, device),
            ln_2: LayerNormConfig::new(config.n_embd).init(device),
            mlp: Mlp::new(config, device),
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = x.clone() + self.attn.forward(self.ln_1.forward(x));
        x.clone() + self.mlp.forward(self.ln_2.forward(x))
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
