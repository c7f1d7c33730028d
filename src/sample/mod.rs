//! Text from a model: the prompt goes through once, then one token per forward pass with the
//! keys and values of earlier positions cached; the last position's logits are read back
//! asynchronously (a browser cannot block on the GPU) and a token is drawn on the CPU. The next
//! word is found by following the likeliest tokens to the end of a word.

mod distribution;
mod generator;
mod words;

use burn::prelude::*;

use crate::model::Gpt;

pub use distribution::{distribution, pick, softmax};
pub use generator::Generator;
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

/// Continues `prompt` and returns only the new tokens.
pub async fn generate(model: &Gpt, prompt: &[u32], config: &SampleConfig) -> Result<Vec<u32>, SampleError> {
    let mut generator = Generator::new(model, prompt, config.clone())?;
    let mut new_tokens = Vec::new();
    while let Some(token) = generator.next_token().await? {
        new_tokens.push(token);
    }
    Ok(new_tokens)
}

/// Next-token logits after `prompt` (cropped to the model's context), e.g. to show the
/// probabilities of what comes next.
pub async fn next_token_logits(model: &Gpt, prompt: &[u32]) -> Result<Vec<f32>, SampleError> {
    check_prompt(model, prompt)?;
    let context = &prompt[prompt.len().saturating_sub(model.block_size())..];
    read_last(model.forward(token_row(context, &device_of(model)))).await
}

/// A prompt the model can read: not empty, and every id one it embeds (an id past the embedding
/// would read out of bounds on a GPU).
fn check_prompt(model: &Gpt, prompt: &[u32]) -> Result<(), SampleError> {
    if prompt.is_empty() {
        return Err(SampleError::EmptyPrompt);
    }
    let vocab_size = model.vocab_size();
    match prompt.iter().find(|&&id| id as usize >= vocab_size) {
        Some(&id) => Err(SampleError::TokenOutOfRange { id, vocab_size }),
        None => Ok(()),
    }
}

fn device_of(model: &Gpt) -> Device {
    model.devices().into_iter().next().unwrap_or_default()
}

/// One row of token ids, `[1, seq]`.
fn token_row(tokens: &[u32], device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = tokens.iter().map(|&id| id as i64).collect();
    Tensor::from_data(TensorData::new(ids, [1, tokens.len()]), device)
}

/// Reads back the logits of the last position only: `[1, seq, vocab]` -> `vocab` floats.
async fn read_last(logits: Tensor<3>) -> Result<Vec<f32>, SampleError> {
    let [_, t, vocab] = logits.dims();
    let last = logits.narrow(1, t - 1, 1).reshape([vocab]);
    let data = last.into_data_async().await.map_err(|e| SampleError::ReadBack(format!("{e:?}")))?;
    data.try_to_vec::<f32>().map_err(|e| SampleError::ReadBack(format!("{e:?}")))
}
