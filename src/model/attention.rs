use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use super::GptConfig;
use super::init::{linear, residual_std};

/// One layer's cached keys and values, each `[batch, n_head, t_cached, head_size]`.
pub type KeysValues = (Tensor<4>, Tensor<4>);

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
        let (q, k, v) = self.qkv(x);
        self.project(self.attend(q, k, v))
    }

    /// Like `forward` for positions that follow the cached ones: their keys and values are
    /// appended to `cache`, and their queries see the cache as well as each other, causally.
    ///
    /// # Shapes
    /// - x: `[batch, new, n_embd]` -> `[batch, new, n_embd]`
    pub fn forward_cached(&self, x: Tensor<3>, cache: &mut Option<KeysValues>) -> Tensor<3> {
        let (q, k, v) = self.qkv(x);
        let (k, v) = match cache.take() {
            Some((k_old, v_old)) => (Tensor::cat(vec![k_old, k], 2), Tensor::cat(vec![v_old, v], 2)),
            None => (k, v),
        }; // [b, nh, t_cached + new, hs]
        *cache = Some((k.clone(), v.clone()));
        // Generation never drops out, so burn's attention serves: one fused kernel where the
        // backend has one, instead of a matmul, a mask, a softmax and a matmul. Its causal mask
        // aligns the last query with the last key, as here; one new token sees every position.
        let new = q.dims()[2];
        let options = AttentionModuleOptions { is_causal: new > 1, ..Default::default() };
        let y = attention(q, k, v, None, None, options); // [b, nh, new, hs]
        self.project(y)
    }

    /// Queries, keys and values, split into heads, each `[batch, n_head, seq, head_size]`.
    fn qkv(&self, x: Tensor<3>) -> (Tensor<4>, Tensor<4>, Tensor<4>) {
        let [b, t, c] = x.dims();
        let (nh, hs) = (self.n_head, c / self.n_head);
        let qkv = self.c_attn.forward(x); // [b, t, 3c]
        let head = |i: usize| {
            qkv.clone().narrow(2, i * c, c).reshape([b, t, nh, hs]).swap_dims(1, 2) // [b, nh, t, hs]
        };
        (head(0), head(1), head(2))
    }

    /// Each position's attention over itself and the positions before it, with dropout on the
    /// attention weights while training.
    ///
    /// # Shapes
    /// - q, k, v: `[batch, n_head, seq, head_size]` -> `[batch, n_head, seq, head_size]`
    fn attend(&self, q: Tensor<4>, k: Tensor<4>, v: Tensor<4>) -> Tensor<4> {
        let [b, nh, t, hs] = q.dims();
        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((hs as f64).sqrt()); // [b, nh, t, t]
        // tril_mask is true above the diagonal: the future positions to hide.
        let future =
            Tensor::<2, Bool>::tril_mask([t, t], 0, &scores.device()).unsqueeze::<4>().expand([b, nh, t, t]);
        let weights = softmax(scores.mask_fill(future, -1e9), 3);
        self.dropout.forward(weights).matmul(v)
    }

    /// The heads side by side again, projected back into the residual stream.
    ///
    /// # Shapes
    /// - y: `[batch, n_head, seq, head_size]` -> `[batch, seq, n_embd]`
    fn project(&self, y: Tensor<4>) -> Tensor<3> {
        let [b, nh, t, hs] = y.dims();
        let y = y.swap_dims(1, 2).reshape([b, t, nh * hs]);
        self.dropout.forward(self.c_proj.forward(y))
    }
}
