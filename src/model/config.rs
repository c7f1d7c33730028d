use serde::{Deserialize, Serialize};

/// Every size of the model; the checkpoint stores it so a file rebuilds the same network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GptConfig {
    /// Distinct tokens: 256 for the byte tokenizer.
    pub vocab_size: usize,
    /// Longest sequence the model reads: the size of the position table.
    #[serde(default = "defaults::block_size")]
    pub block_size: usize,
    #[serde(default = "defaults::n_layer")]
    pub n_layer: usize,
    #[serde(default = "defaults::n_head")]
    pub n_head: usize,
    /// Width of the residual stream; each head gets `n_embd / n_head` of it.
    #[serde(default = "defaults::n_embd")]
    pub n_embd: usize,
    /// 0.0 suits the small data sets a tab trains on; raise it when the model overfits.
    #[serde(default)]
    pub dropout: f64,
}

/// The sizes a config has unless told otherwise (and that an older file may leave out).
mod defaults {
    pub fn block_size() -> usize {
        64
    }
    pub fn n_layer() -> usize {
        4
    }
    pub fn n_head() -> usize {
        4
    }
    pub fn n_embd() -> usize {
        128
    }
}

/// A config that cannot build a model, said in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("the embedding width ({n_embd}) must divide evenly by the number of heads ({n_head})")]
    HeadsDoNotDivide { n_embd: usize, n_head: usize },
    #[error("dropout must be in [0, 1), got {0}")]
    Dropout(f64),
}

impl GptConfig {
    /// The default sizes for a vocabulary of `vocab_size` tokens.
    pub fn new(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            block_size: defaults::block_size(),
            n_layer: defaults::n_layer(),
            n_head: defaults::n_head(),
            n_embd: defaults::n_embd(),
            dropout: 0.0,
        }
    }

    pub fn with_block_size(self, block_size: usize) -> Self {
        Self { block_size, ..self }
    }

    pub fn with_n_layer(self, n_layer: usize) -> Self {
        Self { n_layer, ..self }
    }

    pub fn with_n_head(self, n_head: usize) -> Self {
        Self { n_head, ..self }
    }

    pub fn with_n_embd(self, n_embd: usize) -> Self {
        Self { n_embd, ..self }
    }

    pub fn with_dropout(self, dropout: f64) -> Self {
        Self { dropout, ..self }
    }

    /// Checks the invariants `init` relies on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sizes = [
            ("vocab_size", self.vocab_size),
            ("block_size", self.block_size),
            ("n_layer", self.n_layer),
            ("n_head", self.n_head),
            ("n_embd", self.n_embd),
        ];
        if let Some((name, _)) = sizes.iter().find(|(_, size)| *size == 0) {
            return Err(ConfigError::Zero(name));
        }
        if !self.n_embd.is_multiple_of(self.n_head) {
            return Err(ConfigError::HeadsDoNotDivide { n_embd: self.n_embd, n_head: self.n_head });
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ConfigError::Dropout(self.dropout));
        }
        Ok(())
    }

    /// Parameters of the model this config builds (the head is tied to the token embedding).
    /// Saturates rather than overflows: a config read from an untrusted file may be absurd.
    pub fn param_count(&self) -> usize {
        let d = self.n_embd;
        let embeddings = self.vocab_size.saturating_add(self.block_size).saturating_mul(d);
        // Per layer: two LayerNorms (4d), attention (3d² + 3d, then d² + d) and the MLP
        // (4d² + 4d, then 4d² + d).
        let per_layer = d.saturating_mul(d).saturating_mul(12).saturating_add(d.saturating_mul(13));
        let final_layer_norm = d.saturating_mul(2);
        embeddings.saturating_add(self.n_layer.saturating_mul(per_layer)).saturating_add(final_layer_norm)
    }
}
