//! Text from a model: one forward pass per new token, the last position's logits read back
//! asynchronously (a browser cannot block on the GPU) and a token drawn on the CPU.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::model::Gpt;

/// How to draw a continuation. The same settings, model and prompt always give the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleConfig {
    pub max_new_tokens: usize,
    /// 0 picks the most likely token every time; higher values flatten the distribution.
    pub temperature: f32,
    pub seed: u64,
    /// Generation ends after this token (a newline for line-shaped data).
    pub stop_token: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    #[error("the prompt is empty: type at least one character")]
    EmptyPrompt,
    #[error("reading the model's output back failed: {0}")]
    ReadBack(String),
}

/// Continues `prompt` and returns only the new tokens.
pub async fn generate(model: &Gpt, prompt: &[u32], config: &SampleConfig) -> Result<Vec<u32>, SampleError> {
    if prompt.is_empty() {
        return Err(SampleError::EmptyPrompt);
    }
    let device = model.devices().into_iter().next().unwrap_or_default();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut tokens = prompt.to_vec();
    for _ in 0..config.max_new_tokens {
        let logits = last_logits(model, &tokens, &device).await?;
        let next = pick(&logits, config.temperature, &mut rng);
        tokens.push(next);
        if Some(next) == config.stop_token {
            break;
        }
    }
    Ok(tokens.split_off(prompt.len()))
}

/// Next-token logits after `tokens` (cropped to the model's context).
async fn last_logits(model: &Gpt, tokens: &[u32], device: &Device) -> Result<Vec<f32>, SampleError> {
    let context = &tokens[tokens.len().saturating_sub(model.block_size())..];
    let t = context.len();
    let ids: Vec<i64> = context.iter().map(|&id| id as i64).collect();
    let input = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, t]), device);
    let logits = model.forward(input); // [1, t, vocab]
    let vocab = logits.dims()[2];
    let last = logits.narrow(1, t - 1, 1).reshape([vocab]);
    let data = last.into_data_async().await.map_err(|e| SampleError::ReadBack(format!("{e:?}")))?;
    data.try_to_vec::<f32>().map_err(|e| SampleError::ReadBack(format!("{e:?}")))
}

/// Draws a token from `softmax(logits / temperature)`; the arg max when temperature is 0.
pub fn pick(logits: &[f32], temperature: f32, rng: &mut StdRng) -> u32 {
    let argmax = || {
        let best = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1));
        best.map_or(0, |(i, _)| i as u32)
    };
    if temperature <= 0.0 {
        return argmax();
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = logits.iter().map(|&l| (((l - max) / temperature) as f64).exp()).collect();
    let mut threshold = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (i, w) in weights.iter().enumerate() {
        if threshold < *w {
            return i as u32;
        }
        threshold -= w;
    }
    argmax() // rounding left a sliver past the last weight
}
