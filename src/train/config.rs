use serde::{Deserialize, Serialize};

use crate::model::GptConfig;

/// How a run trains. Stored in the checkpoint beside the model config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Sequences per step; each is `block_size` tokens long.
    pub batch_size: usize,
    pub max_steps: usize,
    /// A time budget: the run ends after this many minutes of training (or at `max_steps`).
    /// The trainer has no clock; whoever runs the loop enforces it.
    #[serde(default)]
    pub max_minutes: Option<f64>,
    /// Peak learning rate, reached after `warmup_steps`, then cosine-decayed to `min_learning_rate`.
    pub learning_rate: f64,
    pub min_learning_rate: f64,
    pub warmup_steps: usize,
    /// AdamW's decoupled weight decay (PyTorch's default; burn's default is 1e-4).
    pub weight_decay: f32,
    /// Gradients are scaled down so that their global L2 norm is at most this.
    #[serde(default)]
    pub max_grad_norm: Option<f32>,
    /// Validation loss is averaged over this many fixed batches.
    pub eval_batches: usize,
    /// Steps between two validation losses (the last step is always evaluated).
    #[serde(default = "default_eval_interval")]
    pub eval_interval: usize,
    /// Seeds the init, the batch order and nothing else: same seed, same device, same run.
    pub seed: u64,
}

fn default_eval_interval() -> usize {
    50
}

/// Named sizes, from a quick demo to nanoGPT's Shakespeare model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Small enough for a software GPU: a few seconds on a laptop.
    Tiny,
    /// The tutorial GPT: 4 layers, 4 heads, 128 wide, context 64.
    Tutorial,
    /// Near nanoGPT's Shakespeare model (6 layers, 6 heads, 384 wide, context 256): for real GPUs.
    Small,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Tiny, Preset::Tutorial, Preset::Small];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Tutorial => "tutorial",
            Preset::Small => "small",
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
            Preset::Small => {
                config.with_n_layer(6).with_n_head(6).with_n_embd(384).with_block_size(256).with_dropout(0.2)
            }
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
            max_grad_norm: Some(1.0),
            max_minutes: None,
            eval_batches: 4,
            eval_interval: 100,
            seed: 1337,
        };
        match self {
            Preset::Tiny => TrainConfig {
                batch_size: 8,
                max_steps: 200,
                learning_rate: 1e-2,
                warmup_steps: 4,
                eval_batches: 2,
                eval_interval: 40,
                ..base
            },
            Preset::Tutorial => TrainConfig { batch_size: 16, max_steps: 600, eval_interval: 120, ..base },
            // nanoGPT's Shakespeare settings, with a shorter run.
            Preset::Small => TrainConfig {
                batch_size: 32,
                max_steps: 2000,
                learning_rate: 1e-3,
                min_learning_rate: 1e-4,
                warmup_steps: 100,
                weight_decay: 0.1,
                eval_batches: 8,
                eval_interval: 250,
                ..base
            },
        }
    }
}
