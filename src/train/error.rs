use crate::format;
use crate::model::ConfigError;

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("invalid model: {0}")]
    Config(#[from] ConfigError),
    #[error("the {split} text has {tokens} tokens; one training window needs {needed}")]
    TooLittleData { split: &'static str, tokens: usize, needed: usize },
    #[error("the {split} text has token id {id}, but the model embeds only ids 0 to {}", vocab_size.saturating_sub(1))]
    TokenOutOfRange { split: &'static str, id: u32, vocab_size: usize },
    #[error(
        "a training step needs a {} buffer for its {what} ({shape} numbers), more than this GPU allows \
         for one buffer ({}); choose a smaller {shrink}",
        format::bytes(*needed), format::bytes(*limit)
    )]
    BufferTooLarge { needed: u64, limit: u64, what: &'static str, shape: String, shrink: &'static str },
}
