//! The attention view: every layer's and head's weights are each position's distribution over
//! itself and the positions before it, for both families; per-token losses agree with the
//! training loss; the session answers a prompt with maps before and after training.

use burn::prelude::*;
use gptlab::model::{Family, Gpt, GptConfig};
use gptlab::session::protocol::{AttentionMaps, Command, Event};
use gptlab::train::cross_entropy;

use super::world::*;
use super::{floats, seeded_model, small_config, tokens};

const IDS: [i64; 9] = [116, 119, 111, 32, 112, 108, 117, 115, 32]; // "two plus "

/// 4 query heads sharing 2 key/value heads.
fn llama_config() -> GptConfig {
    small_config().with_family(Family::Llama).with_n_head(4).with_n_kv_head(2)
}

/// Checks every row of every map: a distribution (sums to 1) over positions up to its own.
fn assert_causal_distributions(maps: &AttentionMaps) {
    for layer in 0..maps.n_layer {
        for head in 0..maps.n_head {
            for row in 0..maps.seq {
                let weights = maps.row(layer, head, row);
                let sum: f32 = weights.iter().sum();
                assert!((sum - 1.0).abs() < 1e-5, "layer {layer} head {head} row {row} sums to {sum}");
                assert!(weights[..=row].iter().all(|&w| w > 0.0), "{weights:?}");
                assert!(
                    weights[row + 1..].iter().all(|&w| w == 0.0),
                    "row {row} sees the future: {weights:?}"
                );
            }
        }
    }
}

/// The model's maps for `IDS`, flattened as the session sends them.
fn maps_of(model: &Gpt, config: &GptConfig) -> AttentionMaps {
    let maps = model.attention_maps(tokens(&IDS, &Device::flex()));
    assert_eq!(maps.len(), config.n_layer);
    for map in &maps {
        assert_eq!(map.dims(), [1, config.n_head, IDS.len(), IDS.len()]);
    }
    let weights = floats(Tensor::cat(maps, 0));
    AttentionMaps { n_layer: config.n_layer, n_head: config.n_head, seq: IDS.len(), weights }
}

#[test]
fn attention_rows_sum_to_one_and_are_zero_above_the_diagonal_in_both_families() {
    for config in [small_config(), llama_config()] {
        let model = seeded_model(&config, 11);
        assert_causal_distributions(&maps_of(&model, &config));
    }
}

#[test]
fn grouped_query_heads_that_share_keys_still_look_differently() {
    let config = llama_config();
    let maps = maps_of(&seeded_model(&config, 12), &config);
    // Heads 0 and 1 read key head 0; their own queries make their maps differ.
    let last = IDS.len() - 1;
    assert_ne!(maps.row(0, 0, last), maps.row(0, 1, last));
}

#[test]
fn per_token_losses_average_to_the_training_loss_of_the_sequence() {
    for config in [small_config(), llama_config()] {
        let model = seeded_model(&config, 13);
        let device = Device::flex();
        let per_token = floats(model.token_losses(tokens(&IDS, &device)));
        assert_eq!(per_token.len(), IDS.len() - 1);
        let n = IDS.len() - 1;
        let inputs = tokens(&IDS[..n], &device);
        let loss = floats(cross_entropy(model.forward(inputs), tokens(&IDS[1..], &device)))[0];
        let mean = per_token.iter().sum::<f32>() / n as f32;
        assert!((mean - loss).abs() < 1e-5, "mean {mean} against the loss {loss}");
    }
}

#[test]
fn the_session_shows_a_prompts_attention_before_and_after_training_and_a_lines_losses() {
    let mut world = World::default();
    let mut session = new_session(&mut world);
    send(&mut session, &mut world, Command::Attention { prompt: "two plus".into() });
    assert_eq!(errors(&world.take_events()), ["train a model or load a checkpoint first"]);

    let mut session = started(&mut world, training(20, 20));
    run_to_end(&mut session, &mut world);
    world.take_events();
    send(&mut session, &mut world, Command::Attention { prompt: "two plus".into() });
    let events = world.take_events();
    let Some(Event::Attention(view)) = events.first() else { panic!("{:?}", events.iter().map(outline)) };
    assert_eq!(view.tokens.concat(), "two plus");
    let before = view.before.as_ref().expect("the run kept its untrained model");
    for maps in [&view.now, before] {
        assert_eq!((maps.n_layer, maps.n_head, maps.seq), (2, 2, 8));
        assert_causal_distributions(maps);
    }
    assert_ne!(view.now.weights, before.weights, "training changed where tokens look");
    let line = view.line.as_ref().expect("the run's validation line");
    assert!(!line.tokens.is_empty());
    assert!(line.tokens.iter().all(|(_, loss)| loss.is_finite() && *loss >= 0.0), "{line:?}");
}
