//! The Llama-style family (RMSNorm, rotary positions, SwiGLU, grouped-query attention, no
//! biases, an untied head): the behaviours GPT-2's tests ask of the model, its checkpoint, and
//! its Hugging Face export checked by an independent numpy Llama (and transformers, where
//! installed).

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::data::arithmetic;
use gptlab::model::{ConfigError, Family, GptConfig};
use gptlab::sample::{SampleConfig, generate, next_token_logits};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};
use safetensors::SafeTensors;

use super::checkpoint::param_bits;
use super::learning::{assert_initial_loss_is_uniform, assert_overfits_one_batch};
use super::model::{assert_causal, check_cache_against_full_recompute};
use super::reference::{check_export, logits};
use super::{seeded_model, small_config};

const REFERENCE: &str = "tests/python/llama_reference.py";

/// 4 query heads sharing 2 key/value heads, each head 8 wide.
fn llama_config() -> GptConfig {
    small_config().with_family(Family::Llama).with_n_head(4).with_n_kv_head(2)
}

fn info(config: &GptConfig) -> CheckpointInfo {
    CheckpointInfo {
        model: config.clone(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState { step: 3, dataset: "arithmetic".into(), ..Default::default() },
    }
}

fn worst_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn changing_a_later_token_never_changes_earlier_logits() {
    assert_causal(&llama_config(), 31);
}

/// Rotary angles are the only position signal: without them attention would not see the order
/// of earlier tokens, and "ABC" and "BAC" would give the same logits after "C".
#[test]
fn rotary_positions_tell_the_order_of_earlier_tokens() {
    let model = seeded_model(&llama_config(), 32);
    let (abc, bac) = (logits(&model, &[65, 66, 67]), logits(&model, &[66, 65, 67]));
    assert!(worst_difference(&abc[2], &bac[2]) > 1e-4, "the order of A and B went unseen");
}

/// A trainer on the built-in arithmetic, with the tiny preset's settings and batches of 4.
fn arithmetic_trainer(config: &GptConfig) -> Trainer {
    let train = TrainConfig { batch_size: 4, ..Preset::Tiny.training() };
    let corpus = arithmetic::corpus(1, 2);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    Trainer::new(config, train, tokens(&corpus.train), tokens(&corpus.validation), &Device::flex()).unwrap()
}

#[test]
fn initial_loss_is_close_to_uniform_over_the_vocabulary() {
    assert_initial_loss_is_uniform(&llama_config());
}

#[test]
fn a_tiny_llama_overfits_a_single_batch() {
    assert_overfits_one_batch(&llama_config());
}

#[test]
fn a_checkpoint_round_trip_is_bit_exact_and_keeps_the_family() {
    let config = llama_config();
    let model = seeded_model(&config, 33);
    let bytes = pollster::block_on(checkpoint::save(&model, &info(&config))).unwrap();
    let (loaded, loaded_info) = checkpoint::load(&bytes, &Device::flex()).unwrap();
    assert_eq!(loaded_info, info(&config));
    let metadata = SafeTensors::read_metadata(&bytes).unwrap().1.metadata().clone().unwrap();
    assert!(metadata["gptlab.model"].contains(r#""family":"llama""#), "{}", metadata["gptlab.model"]);
    assert_eq!(param_bits(&loaded), param_bits(&model));
    let ids = [1, 2, 3, 4, 200];
    assert_eq!(logits(&loaded, &ids), logits(&model, &ids));
}

#[test]
fn a_llama_checkpoint_names_its_tensors_by_module_path() {
    let config = llama_config();
    let bytes = pollster::block_on(checkpoint::save(&seeded_model(&config, 34), &info(&config))).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.retain(|n| n.starts_with("h.0.") || !n.starts_with("h."));
    names.sort();
    let expected = [
        "h.0.attn.c_attn.weight",
        "h.0.attn.c_proj.weight",
        "h.0.ln_1.gamma",
        "h.0.ln_2.gamma",
        "h.0.mlp.c_fc.weight",
        "h.0.mlp.c_proj.weight",
        "lm_head.weight",
        "ln_f.gamma",
        "wte.weight",
    ];
    assert_eq!(names, expected, "no biases, no position table, an untied head");
    // 4 query heads and 2 key and 2 value heads of 8; SwiGLU's gate and up, 96 wide each.
    assert_eq!(file.tensor("h.0.attn.c_attn.weight").unwrap().shape(), [32, (4 + 2 + 2) * 8]);
    assert_eq!(file.tensor("h.0.mlp.c_fc.weight").unwrap().shape(), [32, 2 * 96]);
}

/// The cached keys are turned once, at their own positions, and the new queries at theirs.
#[test]
fn cached_logits_match_a_full_recompute() {
    let ids: Vec<i64> = (0..16).map(|i| (i * 37 + 11) % 256).collect();
    // Two query heads per key head, four, and one each (no grouping).
    for n_kv_head in [2, 1, 4] {
        let config = llama_config().with_n_kv_head(n_kv_head);
        check_cache_against_full_recompute(&config, 35, &ids, &[5, 1, 1, 4, 3, 1, 1]);
    }
}

/// Greedy generation through the KV cache picks the tokens a full forward pass over the whole
/// context picks, also past the context, where the window slides.
#[test]
fn generation_with_the_cache_equals_generation_by_full_forward_passes() {
    let model = seeded_model(&llama_config(), 36);
    let prompt: Vec<u32> = b"two plus".iter().map(|&b| u32::from(b)).collect();
    let config = SampleConfig { max_new_tokens: 20, temperature: 0.0, ..SampleConfig::default() };
    let cached = pollster::block_on(generate(&model, &prompt, &config)).unwrap();
    let mut context = prompt.clone();
    for _ in 0..20 {
        let logits = pollster::block_on(next_token_logits(&model, &context)).unwrap();
        let best = (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b])).unwrap();
        context.push(best as u32);
    }
    assert_eq!(cached, context[prompt.len()..], "20 tokens from a context of 16");
}

#[test]
fn grouped_query_attention_trains_with_fewer_parameters() {
    let full = llama_config().with_n_kv_head(4);
    for n_kv_head in [2, 1] {
        let shared = full.clone().with_n_kv_head(n_kv_head);
        let model = seeded_model(&shared, 37);
        assert_eq!(model.num_params(), shared.param_count());
        // In each of 2 layers, each key/value head fewer saves a key and a value projection of
        // 8 × 32 weights each.
        let fewer = 2 * (4 - n_kv_head) * 2 * 8 * 32;
        assert_eq!(full.param_count() - shared.param_count(), fewer, "{n_kv_head} key/value heads");
        let mut trainer = arithmetic_trainer(&shared);
        let first = trainer.step().loss.into_scalar::<f32>();
        let mut loss = first;
        for _ in 0..30 {
            loss = trainer.step().loss.into_scalar::<f32>();
        }
        assert!(loss < first - 1.0, "{n_kv_head} key/value heads: loss {first} -> {loss}");
    }
}

#[test]
fn param_count_matches_the_built_model() {
    for config in [llama_config(), GptConfig::new(256).with_family(Family::Llama), Preset::Small.model(300)] {
        let config = config.with_family(Family::Llama);
        assert_eq!(seeded_model(&config, 38).num_params(), config.param_count(), "{config:?}");
    }
}

#[test]
fn configs_a_family_cannot_build_are_refused_with_a_reason() {
    let gpt2_sharing = small_config().with_n_head(4).with_n_kv_head(2);
    assert_eq!(gpt2_sharing.validate(), Err(ConfigError::Gpt2SharesNoHeads));
    let uneven = llama_config().with_n_kv_head(3);
    assert_eq!(uneven.validate(), Err(ConfigError::KvHeadsDoNotDivide { n_head: 4, n_kv_head: 3 }));
    let odd = llama_config().with_n_embd(36).with_n_head(4).with_n_kv_head(4);
    assert_eq!(odd.validate(), Err(ConfigError::OddHeadSize(9)));
    assert_eq!(llama_config().with_n_kv_head(0).validate(), Err(ConfigError::Zero("n_kv_head")));
}

/// Files from before there were families say nothing of one: they are GPT-2s.
#[test]
fn a_config_without_a_family_is_gpt2() {
    let old = r#"{"vocab_size":256,"block_size":16,"n_layer":2,"n_head":2,"n_embd":32,"dropout":0.0}"#;
    let config: GptConfig = serde_json::from_str(old).unwrap();
    assert_eq!(config, small_config());
    assert_eq!(config.family, Family::Gpt2);
    assert_eq!(config.kv_heads(), 2);
}

#[test]
fn an_export_gives_the_logits_of_an_independent_numpy_llama() {
    let config = llama_config().with_block_size(32);
    let model = seeded_model(&config, 39);
    let texts = [&b"two plus three equals"[..], b"\nsix times one", &[0, 255, 7, 128]];
    println!("{}", check_export(REFERENCE, &model, &info(&config), &texts));
}

/// A trained model, whose weights are far from their init, with one key/value head for all.
#[test]
fn a_trained_export_with_one_key_value_head_gives_numpy_s_logits() {
    let config = llama_config().with_n_kv_head(1).with_block_size(32);
    let mut trainer = arithmetic_trainer(&config);
    for _ in 0..20 {
        trainer.step();
    }
    let texts = [&b"nine minus four equals"[..], b"one plus one"];
    println!("{}", check_export(REFERENCE, &trainer.model(), &info(&config), &texts));
}
