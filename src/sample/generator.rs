use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{SampleConfig, SampleError, check_prompt, device_of, pick, read_last, token_row};
use crate::model::{Gpt, KvCache};

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
