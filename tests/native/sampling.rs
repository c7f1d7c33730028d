use gptlab::sample::{SampleConfig, SampleError, generate, pick};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{seeded_model, small_config};

fn sampling(seed: u64) -> SampleConfig {
    SampleConfig { max_new_tokens: 12, temperature: 1.0, seed, stop_token: None }
}

#[test]
fn same_seed_gives_the_same_sample() {
    let model = seeded_model(&small_config(), 5);
    let prompt = [116, 119, 111]; // "two"
    let a = pollster::block_on(generate(&model, &prompt, &sampling(42))).unwrap();
    let b = pollster::block_on(generate(&model, &prompt, &sampling(42))).unwrap();
    let c = pollster::block_on(generate(&model, &prompt, &sampling(43))).unwrap();
    assert_eq!(a.len(), 12);
    assert_eq!(a, b);
    assert_ne!(a, c, "a different seed should draw different tokens from an untrained model");
}

#[test]
fn generation_runs_past_the_context_by_cropping() {
    let config = small_config();
    let model = seeded_model(&config, 6);
    let long = SampleConfig { max_new_tokens: config.block_size * 2, ..sampling(1) };
    let out = pollster::block_on(generate(&model, &[65; 10], &long)).unwrap();
    assert_eq!(out.len(), config.block_size * 2);
}

#[test]
fn an_empty_prompt_is_an_error() {
    let model = seeded_model(&small_config(), 7);
    assert_eq!(pollster::block_on(generate(&model, &[], &sampling(1))), Err(SampleError::EmptyPrompt));
}

#[test]
fn zero_temperature_picks_the_largest_logit() {
    let mut rng = StdRng::seed_from_u64(0);
    assert_eq!(pick(&[0.1, 3.0, -2.0, 2.9], 0.0, &mut rng), 1);
}

#[test]
fn sampling_follows_the_softmax_distribution() {
    let logits = [0.0f32, (2.0f32).ln(), (3.0f32).ln(), f32::NEG_INFINITY]; // p = 1/6, 2/6, 3/6, 0
    let mut rng = StdRng::seed_from_u64(9);
    let mut counts = [0usize; 4];
    let n = 60_000;
    for _ in 0..n {
        counts[pick(&logits, 1.0, &mut rng) as usize] += 1;
    }
    assert_eq!(counts[3], 0, "a token of probability 0 was drawn");
    for (i, expected) in [1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0].iter().enumerate() {
        let observed = counts[i] as f64 / n as f64;
        assert!((observed - expected).abs() < 0.01, "token {i}: {observed} vs {expected}");
    }
}
