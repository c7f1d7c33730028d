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
    let config = small_config();
    let model = seeded_model(&config, 2);
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
