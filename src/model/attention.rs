use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::GptConfig;
use super::block::linear;

/// Multi-head self-attention in which a position sees only itself and the positions before it.
#[derive(Module, Debug)]
pub struct CausalSelfAttention {
    /// Query, key and value projections for all heads, in one matmul.
    c_attn: Linear,
    /// Output projection back into the residual stream.
    c_proj: Linear,
    dropout: Dropout,
    n_head: usize,
}

impl CausalSelfAttention {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        let d = config.n_embd;
        Self {
            c_attn: linear(d, 3 * d, 0.02, device),
            c_proj: linear(d, d, residual_std(config), device),
            dropout: DropoutConfig::new(config.dropout).init(),
            n_head: config.n_head,
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, c] = x.dims();
        let (nh, hs) = (self.n_head, c / self.n_head);
        let qkv = self.c_attn.forward(x); // [b, t, 3c]
        let head = |i: usize| {
            qkv.clone().narrow(2, i * c, c).reshape([b, t, nh, hs]).swap_dims(1, 2) // [b, nh, t, hs]
        };
        let (q, k, v) = (head(0), head(1), head(2));

        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((hs as f64).sqrt()); // [b, nh, t, t]
        // tril_mask is true strictly above the diagonal: the future positions to hide.
        let future =
            Tensor::<2, Bool>::tril_mask([t, t], 0, &scores.device()).unsqueeze::<4>().expand([b, nh, t, t]);
        let weights = softmax(scores.mask_fill(future, -1e9), 3);
        let y = self.dropout.forward(weights).matmul(v); // [b, nh, t, hs]
        let y = y.swap_dims(1, 2).reshape([b, t, c]); // heads side by side again
        self.dropout.forward(self.c_proj.forward(y))
    }
}

/// GPT-2 scales the init of projections into the residual stream by 1/sqrt(2 * n_layer),
/// so the stream's variance does not grow with depth.
pub(super) fn residual_std(config: &GptConfig) -> f64 {
    0.02 / ((2 * config.n_layer) as f64).sqrt()
}
