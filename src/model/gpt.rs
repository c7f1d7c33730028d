use burn::module::Initializer;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::prelude::*;

use super::attention::KeysValues;
use super::{Block, GptConfig};

/// The whole decoder. Field names follow GPT-2's (`wte`, `wpe`, `h`, `ln_f`), so checkpoint
/// tensor names read like Hugging Face's `transformer.*` ones.
#[derive(Module, Debug)]
pub struct Gpt {
    /// Token embedding, also the output head (weight tying, as GPT-2).
    wte: Embedding,
    /// Learned position embedding.
    wpe: Embedding,
    drop: Dropout,
    h: Vec<Block>,
    ln_f: LayerNorm,
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
        Self {
            wte: embedding(config.vocab_size),
            wpe: embedding(config.block_size),
            drop: DropoutConfig::new(config.dropout).init(),
            h: (0..config.n_layer).map(|_| Block::new(config, device)).collect(),
            ln_f: LayerNormConfig::new(config.n_embd).init(device),
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

    /// Token plus position embeddings of tokens at positions `start..start + seq`.
    fn embed(&self, tokens: Tensor<2, Int>, start: usize) -> Tensor<3> {
        let end = start + tokens.dims()[1];
        assert!(
            end <= self.block_size,
            "Cannot forward sequence of length {end}, block size is only {}",
            self.block_size
        );
        let positions = Tensor::<1, Int>::arange(start as i64..end as i64, &tokens.device()); // [t]
        let x = self.wte.forward(tokens) + self.wpe.forward(positions.unsqueeze()); // [b, t, c]
        self.drop.forward(x)
    }

    /// The final LayerNorm, then the tied head.
    ///
    /// # Shapes
    /// - x: `[batch, seq, n_embd]` -> `[batch, seq, vocab_size]`
    fn head(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.ln_f.forward(x);
        let head = self.wte.weight.val().transpose().unsqueeze::<3>(); // [1, c, vocab]
        x.matmul(head) // [b, t, vocab]
    }
}

/// The keys and values of every layer for the positions seen so far, so that a new token
/// costs a forward of one position rather than of the whole context.
#[derive(Debug, Clone)]
pub struct KvCache {
    /// Per layer, keys and values `[batch, n_head, t_cached, head_size]`; None before the first call.
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
