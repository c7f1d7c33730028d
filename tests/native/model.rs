use burn::prelude::*;
use gptlab::model::{ConfigError, GptConfig};

use super::{floats, seeded_model, small_config, tokens};

#[test]
fn logits_have_one_row_per_position_and_one_column_per_token() {
    let config = small_config();
    let model = seeded_model(&config, 1);
    let device = Device::flex();
    let input = Tensor::<2, Int>::zeros([3, 10], &device);
    assert_eq!(model.forward(input).dims(), [3, 10, 256]);
}

#[test]
fn changing_a_later_token_never_changes_earlier_logits() {
    assert_causal(&small_config(), 2);
}

/// Changing token t of a sequence never changes the logits before t, and does change t's own.
pub fn assert_causal(config: &GptConfig, seed: u64) {
    let model = seeded_model(config, seed);
    let device = Device::flex();
    let a: Vec<i64> = (0..16).map(|i| (i * 7 + 3) % 256).collect();
    for changed in [0usize, 5, 15] {
        let mut b = a.clone();
        b[changed] = (b[changed] + 100) % 256;
        let la = floats(model.forward(tokens(&a, &device)));
        let lb = floats(model.forward(tokens(&b, &device)));
        let before = changed * 256; // logits of positions < changed
        assert_eq!(la[..before], lb[..before], "token {changed} leaked into earlier positions");
        assert_ne!(la[before..], lb[before..], "token {changed} should change its own logits");
    }
}

#[test]
fn param_count_matches_the_built_model() {
    for config in [small_config(), GptConfig::new(256)] {
        let model = seeded_model(&config, 3);
        assert_eq!(model.num_params(), config.param_count());
    }
}

#[test]
fn invalid_configs_are_refused_with_a_reason() {
    let bad = GptConfig::new(256).with_n_embd(30).with_n_head(4);
    assert_eq!(bad.validate(), Err(ConfigError::HeadsDoNotDivide { n_embd: 30, n_head: 4 }));
    assert_eq!(GptConfig::new(256).with_n_layer(0).validate(), Err(ConfigError::Zero("n_layer")));
    assert!(GptConfig::new(256).with_dropout(1.0).validate().is_err());
}

#[test]
#[should_panic(expected = "block size is only 16")]
fn a_sequence_longer_than_the_context_is_refused() {
    let model = seeded_model(&small_config(), 4);
    model.forward(Tensor::<2, Int>::zeros([1, 17], &Device::flex()));
}

/// Feeds `ids` through `forward_cached` in chunks of the given sizes and checks every chunk's
/// logits against `forward` on the whole sequence so far.
pub fn check_cache_against_full_recompute(config: &GptConfig, seed: u64, ids: &[i64], chunks: &[usize]) {
    let model = seeded_model(config, seed);
    let device = Device::flex();
    let mut cache = model.new_cache();
    let mut end = 0;
    for &n in chunks {
        let cached = floats(model.forward_cached(tokens(&ids[end..end + n], &device), &mut cache));
        end += n;
        assert_eq!(cache.len(), end);
        let full = floats(model.forward(tokens(&ids[..end], &device)));
        let new_rows = &full[(end - n) * 256..]; // the last n positions
        let diff = cached.iter().zip(new_rows).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(diff < 1e-4, "positions {}..{end}: cached logits differ by {diff}", end - n);
    }
}

#[test]
fn cached_logits_match_a_full_recompute_token_by_token() {
    let ids: Vec<i64> = (0..16).map(|i| (i * 37 + 11) % 256).collect();
    let mut chunks = vec![5]; // the prompt in one go, its future masked
    chunks.extend([1; 11]); // then one token per call
    check_cache_against_full_recompute(&small_config(), 8, &ids, &chunks);
}

#[test]
fn cached_logits_match_when_several_tokens_follow_a_filled_cache() {
    let ids: Vec<i64> = (0..16).map(|i| (i * 53 + 2) % 256).collect();
    check_cache_against_full_recompute(&small_config(), 9, &ids, &[1, 4, 3, 1, 7]);
}

#[test]
fn the_cache_keeps_each_row_of_a_batch_apart() {
    let config = small_config();
    let model = seeded_model(&config, 10);
    let device = Device::flex();
    let rows = |ids: Vec<i64>, t: usize| Tensor::<2, Int>::from_data(TensorData::new(ids, [2, t]), &device);
    let mut cache = model.new_cache();
    model.forward_cached(rows(vec![1, 2, 3, 4, 5, 6], 3), &mut cache);
    let cached = floats(model.forward_cached(rows(vec![7, 8], 1), &mut cache)); // [2, 1, vocab]
    let full = floats(model.forward(rows(vec![1, 2, 3, 7, 4, 5, 6, 8], 4))); // [2, 4, vocab]
    let last_rows = [&full[3 * 256..4 * 256], &full[7 * 256..]].concat();
    let diff = cached.iter().zip(&last_rows).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(diff < 1e-4, "batched cached logits differ by {diff}");
}

#[test]
#[should_panic(expected = "block size is only 16")]
fn the_cache_refuses_to_grow_past_the_context() {
    let model = seeded_model(&small_config(), 11);
    let device = Device::flex();
    let mut cache = model.new_cache();
    model.forward_cached(Tensor::<2, Int>::zeros([1, 12], &device), &mut cache);
    model.forward_cached(Tensor::<2, Int>::zeros([1, 5], &device), &mut cache);
}

/// The model's GELU is GPT-2's tanh form, values and gradients, written another way for speed.
#[test]
fn the_gelu_is_gpt2s_tanh_approximation() {
    let device = Device::flex().autodiff();
    let values: Vec<f32> = (-600..=600).map(|i| i as f32 / 50.0).collect();
    let input =
        || Tensor::<1>::from_data(TensorData::new(values.clone(), [values.len()]), &device).require_grad();
    let (x, reference_x) = (input(), input());
    let ours = gptlab::model::gelu_tanh(x.clone());
    let reference = burn::tensor::activation::gelu_approximate(reference_x.clone());
    let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
        for ((a, b), v) in a.iter().zip(&b).zip(&values) {
            assert!((a - b).abs() <= 1e-6 + 1e-5 * b.abs(), "{what} at {v}: {a} vs {b}");
        }
    };
    close(floats(ours.clone().inner()), floats(reference.clone().inner()), "gelu");
    let (g, reference_g) = (ours.sum().backward(), reference.sum().backward());
    close(floats(x.grad(&g).unwrap()), floats(reference_x.grad(&reference_g).unwrap()), "gradient");
}
