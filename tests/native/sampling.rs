use burn::prelude::*;
use gptlab::model::Gpt;
use gptlab::sample::{
    Generator, SampleConfig, SampleError, distribution, generate, next_token_logits, pick, softmax,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{floats, seeded_model, small_config};

fn sampling(seed: u64) -> SampleConfig {
    SampleConfig { max_new_tokens: 12, temperature: 1.0, seed, ..Default::default() }
}

/// p = 0.1, 0.2, 0.3, 0.4 and 0 for the last token.
fn one_to_four() -> [f32; 5] {
    [1.0f32.ln(), 2.0f32.ln(), 3.0f32.ln(), 4.0f32.ln(), f32::NEG_INFINITY]
}

fn assert_close(got: &[(u32, f64)], expected: &[(u32, f64)]) {
    assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
    for (&(id, p), &(want_id, want_p)) in got.iter().zip(expected) {
        assert!(id == want_id && (p - want_p).abs() < 1e-6, "{got:?} vs {expected:?}");
    }
}

/// Generation the slow way: the whole cropped context through `forward` for every token.
fn generate_without_cache(model: &Gpt, prompt: &[u32], config: &SampleConfig) -> Vec<u32> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut tokens = prompt.to_vec();
    for _ in 0..config.max_new_tokens {
        let context = &tokens[tokens.len().saturating_sub(model.block_size())..];
        let ids: Vec<i64> = context.iter().map(|&id| id as i64).collect();
        let input = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, context.len()]), &Device::flex());
        let logits = floats(model.forward(input)); // [1, t, vocab], flattened
        let next = pick(&logits[logits.len() - 256..], config, &mut rng);
        tokens.push(next);
        if Some(next) == config.stop_token {
            break;
        }
    }
    tokens.split_off(prompt.len())
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
fn generation_with_the_cache_draws_the_tokens_a_full_recompute_draws() {
    let config = small_config();
    let model = seeded_model(&config, 6);
    let prompt = [65, 66, 67, 68, 69];
    let long = config.block_size * 5 / 2; // past the context, so the window crops
    for settings in [
        SampleConfig { max_new_tokens: long, ..sampling(1) },
        SampleConfig { max_new_tokens: long, top_k: Some(20), top_p: Some(0.9), ..sampling(2) },
        SampleConfig { max_new_tokens: long, temperature: 0.0, ..sampling(3) },
    ] {
        let cached = pollster::block_on(generate(&model, &prompt, &settings)).unwrap();
        assert_eq!(cached.len(), long);
        assert_eq!(cached, generate_without_cache(&model, &prompt, &settings), "{settings:?}");
    }
}

#[test]
fn a_prompt_longer_than_the_context_is_cropped() {
    let config = small_config();
    let model = seeded_model(&config, 12);
    let long_prompt: Vec<u32> = (0..40).map(|i| (i * 7) % 256).collect();
    let settings = SampleConfig { max_new_tokens: 20, ..sampling(4) };
    let cached = pollster::block_on(generate(&model, &long_prompt, &settings)).unwrap();
    assert_eq!(cached, generate_without_cache(&model, &long_prompt, &settings));
}

#[test]
fn the_generator_streams_the_tokens_generate_returns_and_ends_after_the_stop_token() {
    let model = seeded_model(&small_config(), 13);
    let prompt = [104, 105];
    let all = pollster::block_on(generate(&model, &prompt, &sampling(5))).unwrap();
    let mut generator = Generator::new(&model, &prompt, sampling(5)).unwrap();
    let mut streamed = Vec::new();
    while let Some(token) = pollster::block_on(generator.next_token()).unwrap() {
        streamed.push(token);
    }
    assert_eq!(streamed, all);

    let stop = SampleConfig { stop_token: Some(all[3]), ..sampling(5) };
    let first_stop = all.iter().position(|&t| t == all[3]).unwrap();
    let mut generator = Generator::new(&model, &prompt, stop).unwrap();
    for &expected in &all[..=first_stop] {
        assert_eq!(pollster::block_on(generator.next_token()), Ok(Some(expected)));
    }
    assert_eq!(pollster::block_on(generator.next_token()), Ok(None), "nothing comes after the stop token");
    assert_eq!(pollster::block_on(generator.next_token()), Ok(None));
}

#[test]
fn an_empty_prompt_is_an_error() {
    let model = seeded_model(&small_config(), 7);
    assert_eq!(pollster::block_on(generate(&model, &[], &sampling(1))), Err(SampleError::EmptyPrompt));
    assert!(Generator::new(&model, &[], sampling(1)).is_err());
    assert_eq!(pollster::block_on(next_token_logits(&model, &[])), Err(SampleError::EmptyPrompt));
}

#[test]
fn next_token_logits_are_the_last_row_of_forward_on_the_cropped_prompt() {
    let model = seeded_model(&small_config(), 14);
    let prompt: Vec<u32> = (0..20).collect(); // 4 more than the context
    let logits = pollster::block_on(next_token_logits(&model, &prompt)).unwrap();
    let context: Vec<i64> = (4..20).collect();
    let full = floats(model.forward(super::tokens(&context, &Device::flex())));
    assert_eq!(logits, full[full.len() - 256..]);
}

#[test]
fn zero_temperature_picks_the_largest_logit() {
    let mut rng = StdRng::seed_from_u64(0);
    let greedy = SampleConfig { temperature: 0.0, ..Default::default() };
    assert_eq!(pick(&[0.1, 3.0, -2.0, 2.9], &greedy, &mut rng), 1);
}

#[test]
fn the_distribution_keeps_the_top_k_then_the_top_p_and_renormalises() {
    let logits = one_to_four();
    let full = [(3, 0.4), (2, 0.3), (1, 0.2), (0, 0.1)]; // the zero-probability token is left out
    assert_close(&distribution(&logits, 1.0, None, None), &full);
    assert_close(&distribution(&logits, 1.0, Some(2), None), &[(3, 4.0 / 7.0), (2, 3.0 / 7.0)]);
    // 0.4, 0.7, 0.9: the first three are the fewest that reach 0.8
    assert_close(
        &distribution(&logits, 1.0, None, Some(0.8)),
        &[(3, 4.0 / 9.0), (2, 3.0 / 9.0), (1, 2.0 / 9.0)],
    );
    // top-k first (4/7, 3/7), then top-p over what is left: 4/7 < 0.6 <= 1
    assert_close(&distribution(&logits, 1.0, Some(2), Some(0.6)), &[(3, 4.0 / 7.0), (2, 3.0 / 7.0)]);
    // temperature 2 takes square roots of the odds
    let roots = [2.0, 3f64.sqrt(), 2f64.sqrt(), 1.0];
    let sum: f64 = roots.iter().sum();
    let expected: Vec<(u32, f64)> = (0..4).map(|i| (3 - i as u32, roots[i] / sum)).collect();
    assert_close(&distribution(&logits, 2.0, None, None), &expected);
}

#[test]
fn a_tiny_top_p_keeps_only_the_arg_max() {
    let logits = [0.5, 2.0, 1.9, -1.0];
    assert_eq!(distribution(&logits, 1.0, None, Some(1e-6)), vec![(1, 1.0)]);
    let settings = SampleConfig { top_p: Some(1e-6), ..Default::default() };
    let mut rng = StdRng::seed_from_u64(3);
    assert!((0..200).all(|_| pick(&logits, &settings, &mut rng) == 1));
}

#[test]
fn top_k_of_one_draws_what_zero_temperature_draws() {
    let logits = [0.5, 2.0, 1.9, -1.0];
    assert_eq!(distribution(&logits, 1.0, Some(1), None), distribution(&logits, 0.0, None, None));
    let model = seeded_model(&small_config(), 15);
    let top_1 = SampleConfig { max_new_tokens: 20, top_k: Some(1), ..sampling(8) };
    let greedy = SampleConfig { max_new_tokens: 20, temperature: 0.0, ..sampling(9) };
    let a = pollster::block_on(generate(&model, &[1, 2, 3], &top_1)).unwrap();
    assert_eq!(a, pollster::block_on(generate(&model, &[1, 2, 3], &greedy)).unwrap());
}

#[test]
fn top_k_and_top_p_never_pick_outside_the_allowed_set() {
    let logits: Vec<f32> = (0..12).map(|i| ((i * 5) % 12) as f32 * 0.4).collect();
    for (top_k, top_p) in [(Some(3), None), (None, Some(0.5)), (Some(5), Some(0.7)), (Some(1), Some(0.99))] {
        let settings = SampleConfig { top_k, top_p, ..Default::default() };
        let allowed: Vec<u32> = distribution(&logits, 1.0, top_k, top_p).iter().map(|&(id, _)| id).collect();
        assert!(allowed.len() <= top_k.unwrap_or(12));
        for seed in 0..500 {
            let token = pick(&logits, &settings, &mut StdRng::seed_from_u64(seed));
            assert!(allowed.contains(&token), "{token} outside {allowed:?} for {top_k:?}, {top_p:?}");
        }
    }
}

#[test]
fn draws_follow_the_distribution() {
    let logits = one_to_four();
    for (top_k, top_p) in [(None, None), (Some(3), None), (None, Some(0.8)), (Some(3), Some(0.5))] {
        let settings = SampleConfig { top_k, top_p, ..Default::default() };
        let mut rng = StdRng::seed_from_u64(9);
        let mut counts = [0usize; 5];
        let n = 20_000;
        for _ in 0..n {
            counts[pick(&logits, &settings, &mut rng) as usize] += 1;
        }
        let mut expected = [0.0; 5];
        for (id, p) in distribution(&logits, 1.0, top_k, top_p) {
            expected[id as usize] = p;
        }
        for (id, (&count, want)) in counts.iter().zip(expected).enumerate() {
            let observed = count as f64 / n as f64;
            assert!((observed - want).abs() < 0.015, "token {id}: {observed} vs {want}, {top_k:?} {top_p:?}");
            assert!(want > 0.0 || count == 0, "token {id} was drawn outside the distribution");
        }
    }
}

#[test]
fn softmax_sums_to_one_even_for_huge_logits() {
    for logits in [vec![1.0f32, 2.0, 3.0], vec![1000.0, 999.0, -1000.0, 0.0], vec![-3e38, 3e38, 88.0]] {
        let probs = softmax(&logits);
        assert!(probs.iter().all(|p| p.is_finite() && *p >= 0.0), "{probs:?}");
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{probs:?}");
    }
    let probs = softmax(&[1000.0, 999.0]);
    assert!((probs[0] / probs[1] - std::f32::consts::E).abs() < 1e-4, "{probs:?}");
}
