use burn::nn::{LayerNorm, LayerNormConfig, RmsNorm, RmsNormConfig};
use burn::prelude::*;

use super::{Family, GptConfig};

/// RMSNorm's epsilon, added to the mean square before its root (written to the Llama export's
/// `rms_norm_eps`). LayerNorm keeps burn's (and GPT-2's) 1e-5.
pub const RMS_NORM_EPSILON: f64 = 1e-5;

/// The normalisation before each half of a block and before the head. Both kinds keep their
/// scale in `gamma`, and a parameter's path skips the variant (see `ParamPath`), so either
/// family's checkpoint names it `h.0.ln_1.gamma`.
#[derive(Module, Debug)]
pub enum Norm {
    /// GPT-2's: each position's vector centred and scaled to unit variance, then `gamma * x + beta`.
    Layer(LayerNorm),
    /// Llama's: scaled by its root mean square only, then `gamma * x`: no centring, no bias.
    Rms(RmsNorm),
}

impl Norm {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        match config.family {
            Family::Gpt2 => Norm::Layer(LayerNormConfig::new(config.n_embd).init(device)),
            Family::Llama => {
                Norm::Rms(RmsNormConfig::new(config.n_embd).with_epsilon(RMS_NORM_EPSILON).init(device))
            }
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        match self {
            Norm::Layer(norm) => norm.forward(x),
            Norm::Rms(norm) => norm.forward(x),
        }
    }
}
