use rand::RngExt;
use rand::rngs::StdRng;

use super::SampleConfig;

/// Probabilities from logits; subtracting the largest first keeps `exp` from overflowing.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    scaled_softmax(logits, 1.0).into_iter().map(|p| p as f32).collect()
}

/// The tokens that may be drawn and their probabilities (summing to 1), most likely first:
/// 1) softmax(logits / temperature); temperature <= 0 gives the arg max alone
/// 2) keep the `top_k` most likely
/// 3) then the fewest most likely whose probability together reaches `top_p`
///
/// At least one token always stays.
pub fn distribution(
    logits: &[f32],
    temperature: f32,
    top_k: Option<usize>,
    top_p: Option<f32>,
) -> Vec<(u32, f64)> {
    let argmax = || {
        let best = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1));
        vec![(best.map_or(0, |(i, _)| i as u32), 1.0)]
    };
    if temperature <= 0.0 {
        return argmax();
    }
    let probs = scaled_softmax(logits, temperature);
    let mut kept: Vec<(u32, f64)> =
        probs.into_iter().enumerate().filter(|&(_, p)| p > 0.0).map(|(i, p)| (i as u32, p)).collect();
    kept.sort_by(|a, b| b.1.total_cmp(&a.1)); // stable: ties keep the lower id first
    if let Some(k) = top_k {
        kept.truncate(k.max(1));
    }
    if let Some(top_p) = top_p {
        let total: f64 = kept.iter().map(|&(_, p)| p).sum();
        let mut cumulative = 0.0;
        let reaches = kept.iter().position(|&(_, p)| {
            cumulative += p;
            cumulative >= top_p as f64 * total
        });
        kept.truncate(reaches.map_or(kept.len(), |i| i + 1));
    }
    if kept.is_empty() {
        return argmax(); // NaN logits leave nothing to draw from
    }
    let total: f64 = kept.iter().map(|&(_, p)| p).sum();
    kept.into_iter().map(|(id, p)| (id, p / total)).collect()
}

/// Draws a token from `distribution(logits, ..)` with the config's temperature, top-k and top-p.
pub fn pick(logits: &[f32], config: &SampleConfig, rng: &mut StdRng) -> u32 {
    let choices = distribution(logits, config.temperature, config.top_k, config.top_p);
    let mut threshold = rng.random::<f64>();
    for &(id, p) in &choices {
        if threshold < p {
            return id;
        }
        threshold -= p;
    }
    choices[choices.len() - 1].0 // rounding left a sliver past the last probability
}

/// softmax(logits / temperature) in f64, so that small probabilities keep their digits.
fn scaled_softmax(logits: &[f32], temperature: f32) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let t = temperature as f64;
    let weights: Vec<f64> = logits.iter().map(|&l| ((l as f64 - max) / t).exp()).collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}
