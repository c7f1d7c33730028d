use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use super::GptConfig;
use super::init::{linear, residual_std};
use super::rotary::Rotary;

/// One layer's cached keys and values, each `[batch, n_kv_head, t_cached, head_size]`; the keys
/// already turned by their positions where the model is rotary.
pub type KeysValues = (Tensor<4>, Tensor<4>);

/// Multi-head self-attention in which a position sees only itself and the positions before it.
/// With grouped-query attention (Llama's `n_kv_head < n_head`) each key and value head serves
/// `n_head / n_kv_head` query heads: fewer parameters, and a smaller cache.
#[derive(Module, Debug)]
pub struct CausalSelfAttention {
    /// Query, key and value projections in one matmul: `n_head` query heads, then `n_kv_head`
    /// key heads and as many value heads.
    c_attn: Linear,
    /// Output projection back into the residual stream.
    c_proj: Linear,
    /// Llama turns queries and keys by their positions; GPT-2 adds learned positions instead.
    rotary: Option<Rotary>,
    dropout: Dropout,
    n_head: usize,
    n_kv_head: usize,
}

impl CausalSelfAttention {
    pub fn new(config: &GptConfig, rotary: Option<Rotary>, device: &Device) -> Self {
        let (d, hs, bias) = (config.n_embd, config.head_size(), config.has_biases());
        let qkv = (config.n_head + 2 * config.kv_heads()) * hs;
        Self {
            c_attn: linear(d, qkv, 0.02, bias, device),
            c_proj: linear(d, d, residual_std(config), bias, device),
            rotary,
            dropout: DropoutConfig::new(config.dropout).init(),
            n_head: config.n_head,
            n_kv_head: config.kv_heads(),
        }
    }

    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, n_embd]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let (q, k, v) = self.qkv(x, 0);
        self.project(self.attend(q, k, v))
    }

    /// Like `forward` for positions that follow the cached ones: their keys and values are
    /// appended to `cache`, and their queries see the cache as well as each other, causally.
    ///
    /// # Shapes
    /// - x: `[batch, new, n_embd]` -> `[batch, new, n_embd]`
    pub fn forward_cached(&self, x: Tensor<3>, cache: &mut Option<KeysValues>) -> Tensor<3> {
        let start = cache.as_ref().map_or(0, |(k, _)| k.dims()[2]);
        let (q, k, v) = self.qkv(x, start);
        let (k, v) = match cache.take() {
            Some((k_old, v_old)) => (Tensor::cat(vec![k_old, k], 2), Tensor::cat(vec![v_old, v], 2)),
            None => (k, v),
        }; // [b, n_kv, t_cached + new, hs]
        *cache = Some((k.clone(), v.clone()));
        // Generation never drops out, so burn's attention serves: one fused kernel where the
        // backend has one, instead of a matmul, a mask, a softmax and a matmul. Its causal mask
        // aligns the last query with the last key, as here; one new token sees every position.
        let [b, nh, new, hs] = q.dims();
        let group = self.n_head / self.n_kv_head;
        let y = if new == 1 && group > 1 {
            // One new token: the query heads that share a key head read it as the rows of one
            // attention, so the cache is not copied once per query head at every token.
            let q = q.reshape([b, self.n_kv_head, group, hs]);
            attention(q, k, v, None, None, Default::default()).reshape([b, nh, 1, hs])
        } else {
            let options = AttentionModuleOptions { is_causal: new > 1, ..Default::default() };
            attention(q, self.repeat_kv(k), self.repeat_kv(v), None, None, options)
        }; // [b, nh, new, hs]
        self.project(y)
    }

    /// Queries `[batch, n_head, seq, head_size]`, keys and values `[batch, n_kv_head, seq,
    /// head_size]`, of positions `start..start + seq`; queries and keys turned by their
    /// positions where the model is rotary.
    fn qkv(&self, x: Tensor<3>, start: usize) -> (Tensor<4>, Tensor<4>, Tensor<4>) {
        let [b, t, c] = x.dims();
        let (nh, nkv, hs) = (self.n_head, self.n_kv_head, c / self.n_head);
        let qkv = self.c_attn.forward(x); // [b, t, (nh + 2 nkv) hs]
        let heads = |first: usize, n: usize| {
            qkv.clone().narrow(2, first * hs, n * hs).reshape([b, t, n, hs]).swap_dims(1, 2) // [b, n, t, hs]
        };
        let (q, k, v) = (heads(0, nh), heads(nh, nkv), heads(nh + nkv, nkv));
        match &self.rotary {
            Some(rotary) => (rotary.rotate(q, start), rotary.rotate(k, start), v),
            None => (q, k, v),
        }
    }

    /// Each key or value head repeated for the query heads it serves (Hugging Face's
    /// `repeat_kv`: query head `h` reads key head `h / (n_head / n_kv_head)`).
    ///
    /// # Shapes
    /// - x: `[batch, n_kv_head, seq, head_size]` -> `[batch, n_head, seq, head_size]`
    fn repeat_kv(&self, x: Tensor<4>) -> Tensor<4> {
        let group = self.n_head / self.n_kv_head;
        if group == 1 {
            return x;
        }
        let [b, nkv, t, hs] = x.dims();
        x.unsqueeze_dim::<5>(2).expand([b, nkv, group, t, hs]).reshape([b, nkv * group, t, hs])
    }

    /// Each position's attention over itself and the positions before it, with dropout on the
    /// attention weights while training.
    ///
    /// # Shapes
    /// - q: `[batch, n_head, seq, head_size]`, k, v: `[batch, n_kv_head, seq, head_size]`
    /// - output: `[batch, n_head, seq, head_size]`
    fn attend(&self, q: Tensor<4>, k: Tensor<4>, v: Tensor<4>) -> Tensor<4> {
        let weights = self.probabilities(q, k); // [b, nh, t, t]
        self.dropout.forward(weights).matmul(self.repeat_kv(v))
    }

    /// Where each position looks: every query head's attention weights, as `forward` computes
    /// them (no dropout), for the page's heatmaps. Row `i` holds position `i`'s weights over
    /// positions `0..=i`; they sum to 1, and those above the diagonal are 0.
    ///
    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, n_head, seq, seq]`
    pub fn weights(&self, x: Tensor<3>) -> Tensor<4> {
        let (q, k, _) = self.qkv(x, 0);
        self.probabilities(q, k)
    }

    /// The softmax of the scaled query-key scores, the future masked out.
    ///
    /// # Shapes
    /// - q: `[batch, n_head, seq, head_size]`, k: `[batch, n_kv_head, seq, head_size]`
    /// - output: `[batch, n_head, seq, seq]`
    fn probabilities(&self, q: Tensor<4>, k: Tensor<4>) -> Tensor<4> {
        let [_, _, t, hs] = q.dims();
        let k = self.repeat_kv(k); // [b, nh, t, hs]
        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((hs as f64).sqrt()); // [b, nh, t, t]
        // Made per layer: one made per forward and shared by the layers costs two more kernels,
        // as burn's fusion joins a tensor still needed later differently (BENCHMARKS.md).
        let future = hide_future(t, &scores.device()).unsqueeze::<4>(); // [1, 1, t, t]
        softmax(scores + future, 3)
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

/// What hides each position's future from it, added to the attention scores: 0 where query `i`
/// may look (keys `0..=i`), -1e9 above the diagonal.
///
/// Built on the host and uploaded, then added, which burn's fusion joins to the scores' scaling.
/// burn's `tril_mask` and `mask_fill` ran integer and mask kernels of their own on a GPU at every
/// step (its `arange` there is a fill, a cumulative sum and arithmetic): nine more kernels for
/// the page to compile before the first GPU step (BENCHMARKS.md).
///
/// # Shapes
/// - output: `[seq, seq]`
fn hide_future(seq: usize, device: &Device) -> Tensor<2> {
    let bias = (0..seq * seq).map(|i| if i % seq > i / seq { -1e9 } else { 0.0 }).collect::<Vec<f32>>();
    Tensor::from_data(TensorData::new(bias, [seq, seq]), device)
}
