use serde::{Deserialize, Serialize};

/// Which decoder the sizes build: the same controls size either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// GPT-2: LayerNorm, a learned position table, a 4x GELU MLP, biases, and the output head
    /// tied to the token embedding. Files from before there were families are GPT-2s.
    #[default]
    Gpt2,
    /// Llama: RMSNorm, rotary positions, a SwiGLU MLP, grouped-query attention, no biases, and
    /// an output head of its own (untied, as Hugging Face's Llama defaults to: with a small
    /// vocabulary it costs few parameters, and the export is then a plain `LlamaForCausalLM`).
    Llama,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Gpt2, Family::Llama];

    /// The name a checkpoint, a file name and the page's select use.
    pub fn name(self) -> &'static str {
        match self {
            Family::Gpt2 => "gpt2",
            Family::Llama => "llama",
        }
    }

    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Family::Gpt2 => "GPT-2",
            Family::Llama => "Llama-style",
        }
    }
}

/// Every size of the model; the checkpoint stores it so a file rebuilds the same network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GptConfig {
    #[serde(default)]
    pub family: Family,
    /// Distinct tokens: 256 for the byte tokenizer.
    pub vocab_size: usize,
    /// Longest sequence the model reads: the size of the position table (of the rotary
    /// angles in a Llama).
    #[serde(default = "defaults::block_size")]
    pub block_size: usize,
    #[serde(default = "defaults::n_layer")]
    pub n_layer: usize,
    /// Query heads.
    #[serde(default = "defaults::n_head")]
    pub n_head: usize,
    /// Key and value heads, each shared by `n_head / n_kv_head` query heads (grouped-query
    /// attention, Llama only); `None` is one per query head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_kv_head: Option<usize>,
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
    #[error("the heads ({n_head}) must be a multiple of the key/value heads ({n_kv_head})")]
    KvHeadsDoNotDivide { n_head: usize, n_kv_head: usize },
    #[error("a GPT-2 has one key/value head per head: grouped-query attention is Llama's")]
    Gpt2SharesNoHeads,
    #[error("rotary positions turn pairs of a head's values: its size ({0}) must be even")]
    OddHeadSize(usize),
    #[error("dropout must be in [0, 1), got {0}")]
    Dropout(f64),
}

impl GptConfig {
    /// The default sizes for a vocabulary of `vocab_size` tokens.
    pub fn new(vocab_size: usize) -> Self {
        Self {
            family: Family::Gpt2,
            vocab_size,
            block_size: defaults::block_size(),
            n_layer: defaults::n_layer(),
            n_head: defaults::n_head(),
            n_kv_head: None,
            n_embd: defaults::n_embd(),
            dropout: 0.0,
        }
    }

    /// The same sizes in `family`; a GPT-2 has one key/value head per head, so it drops any
    /// grouping.
    pub fn with_family(self, family: Family) -> Self {
        let n_kv_head = if family == Family::Gpt2 { None } else { self.n_kv_head };
        Self { family, n_kv_head, ..self }
    }

    pub fn with_n_kv_head(self, n_kv_head: usize) -> Self {
        Self { n_kv_head: Some(n_kv_head), ..self }
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
            ("n_kv_head", self.kv_heads()),
            ("n_embd", self.n_embd),
        ];
        if let Some((name, _)) = sizes.iter().find(|(_, size)| *size == 0) {
            return Err(ConfigError::Zero(name));
        }
        if !self.n_embd.is_multiple_of(self.n_head) {
            return Err(ConfigError::HeadsDoNotDivide { n_embd: self.n_embd, n_head: self.n_head });
        }
        let n_kv_head = self.kv_heads();
        if !self.n_head.is_multiple_of(n_kv_head) {
            return Err(ConfigError::KvHeadsDoNotDivide { n_head: self.n_head, n_kv_head });
        }
        if self.family == Family::Gpt2 && n_kv_head != self.n_head {
            return Err(ConfigError::Gpt2SharesNoHeads);
        }
        if self.family == Family::Llama && !self.head_size().is_multiple_of(2) {
            return Err(ConfigError::OddHeadSize(self.head_size()));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ConfigError::Dropout(self.dropout));
        }
        Ok(())
    }

    /// GPT-2's linear layers add biases; Llama's do not.
    pub fn has_biases(&self) -> bool {
        self.family == Family::Gpt2
    }

    /// Key and value heads: `n_kv_head`, or one per query head.
    pub fn kv_heads(&self) -> usize {
        self.n_kv_head.unwrap_or(self.n_head)
    }

    /// Each head's share of the width.
    pub fn head_size(&self) -> usize {
        self.n_embd / self.n_head.max(1)
    }

    /// The MLP's hidden width. GPT-2 widens 4x. SwiGLU has three matrices to GPT-2's two, so
    /// Llama widens by 2/3 of that, 8/3 x, for the same parameters; rounded up to a multiple of
    /// 32 (Llama rounds to 256, too coarse at these widths) so matmul kernels tile it evenly.
    pub fn mlp_hidden(&self) -> usize {
        match self.family {
            Family::Gpt2 => self.n_embd.saturating_mul(4),
            Family::Llama => self.n_embd.saturating_mul(8).div_ceil(3).div_ceil(32).saturating_mul(32),
        }
    }

    /// The MLP's first projection's width: the hidden width, twice for SwiGLU's gate and up
    /// projections side by side.
    pub fn mlp_fc_width(&self) -> usize {
        match self.family {
            Family::Gpt2 => self.mlp_hidden(),
            Family::Llama => self.mlp_hidden().saturating_mul(2),
        }
    }

    /// Parameters of the model this config builds. Saturates rather than overflows: a config
    /// read from an untrusted file may be absurd.
    pub fn param_count(&self) -> usize {
        let mul = |factors: &[usize]| factors.iter().fold(1usize, |p, &n| p.saturating_mul(n));
        let add = |terms: &[usize]| terms.iter().fold(0usize, |s, &n| s.saturating_add(n));
        let (d, v, gpt2) = (self.n_embd, self.vocab_size, self.family == Family::Gpt2);
        // A linear layer's weights, and its biases where the family has them.
        let linear = |d_in: usize, d_out: usize| add(&[mul(&[d_in, d_out]), if gpt2 { d_out } else { 0 }]);
        // LayerNorm's scale and shift, RMSNorm's scale.
        let norm = if gpt2 { mul(&[2, d]) } else { d };
        let qkv = add(&[d, mul(&[2, self.kv_heads(), self.head_size()])]);
        let attention = add(&[linear(d, qkv), linear(d, d)]);
        let mlp = add(&[linear(d, self.mlp_fc_width()), linear(self.mlp_hidden(), d)]);
        let block = add(&[mul(&[2, norm]), attention, mlp]);
        // The token embedding; GPT-2's position table, or Llama's own head; the final norm.
        let second_table = if gpt2 { self.block_size } else { v };
        let outside = add(&[mul(&[v, d]), mul(&[second_table, d]), norm]);
        add(&[mul(&[self.n_layer, block]), outside])
    }
}
