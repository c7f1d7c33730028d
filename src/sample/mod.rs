//! Text from a model: the prompt goes through once, then one token per forward pass with the
//! keys and values of earlier positions cached; the last position's logits are read back
//! asynchronously (a browser cannot block on the GPU) and a token is drawn on the CPU. The next
//! word is found by following the likeliest tokens to the end of a word.

mod distribution;
#[cfg(feature = "engine")]
mod generator;
mod words;

pub use distribution::{distribution, pick, softmax};
#[cfg(feature = "engine")]
pub use generator::{Generator, check_prompt, device_of, generate, next_token_logits, token_row};
pub use words::{NextWord, WordSearch, next_words};

/// How to draw a continuation. The same settings, model and prompt always give the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleConfig {
    pub max_new_tokens: usize,
    /// 0 picks the most likely token every time; higher values flatten the distribution.
    pub temperature: f32,
    /// Draw only among the k most likely tokens (None: all of them).
    pub top_k: Option<usize>,
    /// Draw only among the most likely tokens that together reach this probability (None: all).
    pub top_p: Option<f32>,
    pub seed: u64,
    /// Generation ends after this token (a newline for line-shaped data).
    pub stop_token: Option<u32>,
}

impl Default for SampleConfig {
    /// The model's own distribution, untruncated: what it learned, mistakes and all.
    fn default() -> Self {
        Self { max_new_tokens: 200, temperature: 1.0, top_k: None, top_p: None, seed: 0, stop_token: None }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    #[error("the prompt is empty: type at least one character")]
    EmptyPrompt,
    #[error("the prompt has token id {id}, but the model embeds only ids 0 to {}", vocab_size.saturating_sub(1))]
    TokenOutOfRange { id: u32, vocab_size: usize },
    #[error("reading the model's output back failed: {0}")]
    ReadBack(String),
}
