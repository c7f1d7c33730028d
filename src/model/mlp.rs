use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::silu;

use super::init::{linear, residual_std};
use super::{Family, GptConfig};

/// The feed-forward half of a block: widen, a nonlinearity, project back. GPT-2's widens 4x and
/// takes a GELU (its tanh form); Llama's is SwiGLU (Shazeer 2020): two projections, one gated by
/// the SiLU of the other, `down(silu(gate(x)) * up(x))`.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Widens: to `mlp_hidden` (GPT-2), or to SwiGLU's gate and up projections side by side,
    /// in one matmul.
    c_fc: Linear,
    /// Projects back into the residual stream (SwiGLU's down projection).
    c_proj: Linear,
    gated: bool,
    dropout: Dropout,
}

impl Mlp {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        let (d, hidden, bias) = (config.n_embd, config.mlp_hidden(), config.has_biases());
        Self {
            c_fc: linear(d, config.mlp_fc_width(), 0.02, bias, device),
            c_proj: linear(hidden, d, residual_std(config), bias, device),
            gated: config.family == Family::Llama,
            dropout: DropoutConfig::new(config.dropout).init(),
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let h = self.c_fc.forward(x); // [b, t, hidden], or [b, t, 2 * hidden] when gated
        let h = if self.gated {
            let hidden = h.dims()[2] / 2;
            silu(h.clone().narrow(2, 0, hidden)) * h.narrow(2, hidden, hidden) // [b, t, hidden]
        } else {
            gelu_tanh(h)
        };
        self.dropout.forward(self.c_proj.forward(h))
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
