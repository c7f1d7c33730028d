use burn::module::Initializer;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::prelude::*;

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

    /// Next-token logits at every position.
    ///
    /// # Shapes
    /// - tokens: `[batch, seq]` with `seq <= block_size`
    /// - output: `[batch, seq, vocab_size]`
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [_, t] = tokens.dims();
        assert!(
            t <= self.block_size,
            "Cannot forward sequence of length {t}, block size is only {}",
            self.block_size
        );
        let positions = Tensor::<1, Int>::arange(0..t as i64, &tokens.device()).unsqueeze::<2>(); // [1, t]
        let x = self.wte.forward(tokens) + self.wpe.forward(positions); // [b, t, c]
        let x = self.h.iter().fold(self.drop.forward(x), |x, block| block.forward(x));
        let x = self.ln_f.forward(x);
        let head = self.wte.weight.val().transpose().unsqueeze::<3>(); // [1, c, vocab]
        x.matmul(head) // [b, t, vocab]
    }
}
