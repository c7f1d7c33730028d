use burn::module::Initializer;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::attention::KeysValues;
use super::init::linear;
use super::norm::Norm;
use super::rotary::Rotary;
use super::{Block, Family, GptConfig};

/// The whole decoder, of either family. Field names follow GPT-2's (`wte`, `wpe`, `h`, `ln_f`),
/// so checkpoint tensor names read like Hugging Face's `transformer.*` ones.
#[derive(Module, Debug)]
pub struct Gpt {
    /// Token embedding; also the output head where there is no `lm_head` (GPT-2's tying).
    wte: Embedding,
    /// Learned position embedding (GPT-2); a Llama's attention turns by position instead.
    wpe: Option<Embedding>,
    drop: Dropout,
    h: Vec<Block>,
    ln_f: Norm,
    /// A Llama's own output head, `[n_embd, vocab_size]`, without bias.
    lm_head: Option<Linear>,
    block_size: usize,
}

impl Gpt {
    /// A freshly initialised model. Call `device.seed(..)` first for a reproducible init.
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        config.validate().expect("an invalid GptConfig reached Gpt::new");
        let embedding = |n: usize| {
            EmbeddingConfig::new(n, config.n_embd)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 0.02 })
                .init(device)
        };
        let llama = config.family == Family::Llama;
        let wte = embedding(config.vocab_size);
        let wpe = (!llama).then(|| embedding(config.block_size));
        // One table of angles, shared by every layer (a clone shares the tensor).
        let rotary = llama.then(|| Rotary::new(config, device));
        Self {
            wte,
            wpe,
            drop: DropoutConfig::new(config.dropout).init(),
            h: (0..config.n_layer).map(|_| Block::new(config, rotary.clone(), device)).collect(),
            ln_f: Norm::new(config, device),
            lm_head: llama.then(|| linear(config.n_embd, config.vocab_size, 0.02, false, device)),
            block_size: config.block_size,
        }
    }

    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Token ids it embeds: `0..vocab_size`.
    pub fn vocab_size(&self) -> usize {
        self.wte.weight.dims()[0]
    }

    /// An empty cache for `forward_cached`, one slot per layer.
    pub fn new_cache(&self) -> KvCache {
        KvCache { layers: vec![None; self.h.len()] }
    }

    /// Next-token logits at every position.
    ///
    /// # Shapes
    /// - tokens: `[batch, seq]` with `seq <= block_size`
    /// - output: `[batch, seq, vocab_size]`
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let x = self.embed(tokens, 0);
        let x = self.h.iter().fold(x, |x, block| block.forward(x));
        self.head(x)
    }

    /// Next-token logits of only the new tokens, which follow the `cache.len()` positions already
    /// in `cache`; their keys and values are appended to it. Generation feeds the prompt once,
    /// then one token per call, instead of the whole context every time.
    ///
    /// # Shapes
    /// - tokens: `[batch, new]` with `cache.len() + new <= block_size`
    /// - output: `[batch, new, vocab_size]`
    pub fn forward_cached(&self, tokens: Tensor<2, Int>, cache: &mut KvCache) -> Tensor<3> {
        assert_eq!(cache.layers.len(), self.h.len(), "the cache was made for another model");
        let x = self.embed(tokens, cache.len());
        let layers = self.h.iter().zip(&mut cache.layers);
        let x = layers.fold(x, |x, (block, kv)| block.forward_cached(x, kv));
        self.head(x)
    }

    /// Each layer's attention weights for `tokens`, first layer first: where each position
    /// looks. For inspection only; training never calls it.
    ///
    /// # Shapes
    /// - tokens: `[batch, seq]` with `seq <= block_size`
    /// - output: `n_layer` tensors `[batch, n_head, seq, seq]`
    pub fn attention_maps(&self, tokens: Tensor<2, Int>) -> Vec<Tensor<4>> {
        let mut x = self.embed(tokens, 0);
        let mut maps = Vec::with_capacity(self.h.len());
        for block in &self.h {
            maps.push(block.attention_weights(x.clone()));
            x = block.forward(x);
        }
        maps
    }

    /// The cross-entropy of each next token: how surprised the model is by token `i + 1` after
    /// reading tokens `0..=i`. Their mean is the training loss of the sequence.
    ///
    /// # Shapes
    /// - tokens: `[batch, seq]` with `2 <= seq <= block_size + 1`
    /// - output: `[batch, seq - 1]`
    pub fn token_losses(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let [b, t] = tokens.dims();
        let inputs = tokens.clone().narrow(1, 0, t - 1); // [b, t - 1]
        let targets = tokens.narrow(1, 1, t - 1).unsqueeze_dim::<3>(2); // [b, t - 1, 1]
        let log_probs = log_softmax(self.forward(inputs), 2); // [b, t - 1, vocab]
        log_probs.gather(2, targets).reshape([b, t - 1]).neg()
    }

    /// Token embeddings of tokens at positions `start..start + seq`, plus their positions'
    /// where positions are learned.
    fn embed(&self, tokens: Tensor<2, Int>, start: usize) -> Tensor<3> {
        let end = start + tokens.dims()[1];
        assert!(
            end <= self.block_size,
            "Cannot forward sequence of length {end}, block size is only {}",
            self.block_size
        );
        let device = tokens.device();
        let x = self.wte.forward(tokens); // [b, t, c]
        let x = match &self.wpe {
            Some(wpe) => {
                // From host data: burn's fusion builds `arange` from kernels of its own.
                let positions = (start as i64..end as i64).collect::<Vec<_>>();
                let positions =
                    Tensor::<1, Int>::from_data(TensorData::new(positions, [end - start]), &device); // [t]
                x + wpe.forward(positions.unsqueeze()) // [b, t, c]
            }
            None => x,
        };
        self.drop.forward(x)
    }

    /// The final norm, then the head: a Llama's own, or the token embedding (tied).
    ///
    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, vocab_size]`
    fn head(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.ln_f.forward(x);
        match &self.lm_head {
            Some(lm_head) => lm_head.forward(x), // [b, t, vocab]
            None => x.matmul(self.wte.weight.val().transpose().unsqueeze::<3>()), // [b, t, vocab]
        }
    }
}

/// The keys and values of every layer for the positions seen so far, so that a new token
/// costs a forward of one position rather than of the whole context.
#[derive(Debug, Clone)]
pub struct KvCache {
    /// Per layer, keys and values `[batch, n_kv_head, t_cached, head_size]`; None before the first call.
    layers: Vec<Option<KeysValues>>,
}

impl KvCache {
    /// The number of positions cached.
    pub fn len(&self) -> usize {
        match self.layers.first() {
            Some(Some((k, _))) => k.dims()[2],
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
