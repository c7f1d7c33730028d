//! GPT-2's initialisation, shared by the attention and MLP layers of both families.

use burn::module::Initializer;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use super::GptConfig;

/// A linear layer with GPT-2's init: weights from N(0, std), biases (where it has them) zero
/// (burn's `LinearConfig` would draw the bias from the weight initializer).
pub(super) fn linear(d_in: usize, d_out: usize, std: f64, bias: bool, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(d_in, d_out)
        .with_bias(bias)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device);
    if bias {
        // Lazy, like the weights: a model about to be loaded never fills its biases.
        layer.bias = Some(Initializer::Zeros.init([d_out], device));
    }
    layer
}

/// GPT-2 scales the init of projections into the residual stream by 1/sqrt(2 * n_layer),
/// so the stream's variance does not grow with depth.
pub(super) fn residual_std(config: &GptConfig) -> f64 {
    0.02 / ((2 * config.n_layer) as f64).sqrt()
}
