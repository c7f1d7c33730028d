use serde::{Deserialize, Serialize};

use crate::model::GptConfig;

/// How a run trains. Stored in the checkpoint beside the model config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Sequences per step; each is `block_size` tokens long.
    pub batch_size: usize,
    pub max_steps: usize,
    /// Peak learning rate, reached after `warmup_steps`, then cosine-decayed to `min_learning_rate`.
    pub learning_rate: f64,
    pub min_learning_rate: f64,
    pub warmup_steps: usize,
    /// AdamW's decoupled weight decay (PyTorch's default; burn's default is 1e-4).
    pub weight_decay: f32,
    /// Validation loss is averaged over this many fixed batches.
    pub eval_batches: usize,
    /// Seeds the init, the batch order and nothing else: same seed, same device, same run.
    pub seed: u64,
}

/// Named sizes, from a quick demo to the tutorial GPT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Small enough for a software GPU: a few seconds on a laptop.
    Tiny,
    /// The tutorial GPT: 4 layers, 4 heads, 128 wide, context 64.
    Tutorial,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Tiny, Preset::Tutorial];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Tutorial => "tutorial",
        }
    }

    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn model(self, vocab_size: usize) -> GptConfig {
        let config = GptConfig::new(vocab_size);
        match self {
            Preset::Tiny => config.with_n_layer(2).with_n_head(2).with_n_embd(32).with_block_size(48),
            Preset::Tutorial => config.with_n_layer(4).with_n_head(4).with_n_embd(128).with_block_size(64),
        }
    }

    pub fn training(self) -> TrainConfig {
        let base = TrainConfig {
            batch_size: 16,
            max_steps: 600,
            learning_rate: 3e-3,
            min_learning_rate: 3e-4,
            warmup_steps: 20,
            weight_decay: 0.01,
            eval_batches: 4,
            seed: 1337,
        };
        match self {
            Preset::Tiny => TrainConfig {
                batch_size: 8,
                max_steps: 200,
                learning_rate: 1e-2,
                warmup_steps: 4,
                eval_batches: 2,
                ..base
            },
            Preset::Tutorial => TrainConfig { batch_size: 16, max_steps: 600, ..base },
        }
    }
}
