use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{SampleConfig, SampleError, pick};
use crate::model::{Gpt, KvCache, read_floats};

/// Draws a continuation one token at a time, so a caller can show each as it comes.
pub struct Generator {
    /// A clone: parameters are shared handles, and an owned generator can live in a task.
    model: Gpt,
    device: Device,
    config: SampleConfig,
    rng: StdRng,
    /// The prompt, then every token drawn.
    tokens: Vec<u32>,
    prompt_len: usize,
    /// Keys and values of `tokens[fed - cache.len()..fed]`.
    cache: KvCache,
    /// How many of `tokens` the model has seen.
    fed: usize,
}

impl Generator {
    pub fn new(model: &Gpt, prompt: &[u32], config: SampleConfig) -> Result<Self, SampleError> {
        check_prompt(model, prompt)?;
        Ok(Self {
            model: model.clone(),
            device: device_of(model),
            rng: StdRng::seed_from_u64(config.seed),
            config,
            tokens: prompt.to_vec(),
            prompt_len: prompt.len(),
            cache: model.new_cache(),
            fed: 0,
        })
    }

    /// The next token, or None once `max_new_tokens` are out or the stop token was drawn.
    pub async fn next_token(&mut self) -> Result<Option<u32>, SampleError> {
        let drawn = self.tokens.len() - self.prompt_len;
        let stopped = drawn > 0 && self.tokens.last().copied() == self.config.stop_token;
        if drawn >= self.config.max_new_tokens || stopped {
            return Ok(None);
        }
        let logits = self.next_logits().await?;
        let token = pick(&logits, &self.config, &mut self.rng);
        self.tokens.push(token);
        Ok(Some(token))
    }

    /// Feeds the tokens the model has not seen (the prompt, then the last one drawn) and reads
    /// back the logits after the last.
    async fn next_logits(&mut self) -> Result<Vec<f32>, SampleError> {
        let block_size = self.model.block_size();
        let mut start = self.fed;
        if self.cache.len() + (self.tokens.len() - start) > block_size {
            // The window slides: every position embedding shifts, so the cached keys and values
            // no longer hold. Run the last block_size tokens again from an empty cache.
            self.cache = self.model.new_cache();
            start = self.tokens.len().saturating_sub(block_size);
        }
        let input = token_row(&self.tokens[start..], &self.device); // [1, new]
        let logits = self.model.forward_cached(input, &mut self.cache); // [1, new, vocab]
        self.fed = self.tokens.len();
        read_last(logits).await
    }
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
pub fn check_prompt(model: &Gpt, prompt: &[u32]) -> Result<(), SampleError> {
    if prompt.is_empty() {
        return Err(SampleError::EmptyPrompt);
    }
    let vocab_size = model.vocab_size();
    match prompt.iter().find(|&&id| id as usize >= vocab_size) {
        Some(&id) => Err(SampleError::TokenOutOfRange { id, vocab_size }),
        None => Ok(()),
    }
}

/// The device the model's weights live on.
pub fn device_of(model: &Gpt) -> Device {
    model.devices().into_iter().next().unwrap_or_default()
}

/// One row of token ids, `[1, seq]`.
pub fn token_row(tokens: &[u32], device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = tokens.iter().map(|&id| id as i64).collect();
    Tensor::from_data(TensorData::new(ids, [1, tokens.len()]), device)
}

/// Reads back the logits of the last position only: `[1, seq, vocab]` -> `vocab` floats.
async fn read_last(logits: Tensor<3>) -> Result<Vec<f32>, SampleError> {
    let [_, t, vocab] = logits.dims();
    read_floats(logits.narrow(1, t - 1, 1).reshape([vocab])).await.map_err(SampleError::ReadBack)
}
