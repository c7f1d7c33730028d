use gptlab::data::arithmetic::{self, Op, Problem, number_words};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, learning_rate};

#[test]
fn numbers_are_spelled_as_the_data_set_writes_them() {
    let cases = [(0, "zero"), (13, "thirteen"), (40, "forty"), (56, "fifty six"), (105, "one hundred five")];
    for (n, words) in cases {
        assert_eq!(number_words(n), words);
    }
}

#[test]
fn problems_read_as_sentences_with_correct_answers() {
    let p = Problem { a: 7, op: Op::Times, b: 8 };
    assert_eq!(p.line(), "seven times eight equals fifty six\n");
    let p = Problem { a: 2, op: Op::Plus, b: 3 };
    assert_eq!(p.prompt(), "two plus three equals");
    assert_eq!(p.completion(), " five\n");
    assert!(arithmetic::all_problems().iter().all(|p| p.op != Op::Minus || p.a >= p.b));
}

#[test]
fn validation_problems_never_appear_in_training_text() {
    let (train, validation) = arithmetic::split(7);
    assert!(!validation.is_empty());
    assert!(validation.iter().all(|p| !train.contains(p)));
    assert_eq!(train.len() + validation.len(), arithmetic::all_problems().len());
    let corpus = arithmetic::corpus(7, 2);
    for p in &validation {
        assert!(!corpus.train.contains(&format!("\n{}", p.line())), "{p:?} leaked");
        assert!(corpus.validation.contains(&p.line()));
    }
    assert_eq!(arithmetic::split(7), arithmetic::split(7), "same seed, same split");
}

#[test]
fn byte_tokens_round_trip_any_text() {
    let text = "two plus three equals five — 五 🚀";
    let ids = Tokenizer::Bytes.encode(text).unwrap();
    assert_eq!(ids.len(), text.len());
    assert_eq!(Tokenizer::Bytes.decode(&ids), text);
}

#[test]
fn learning_rate_warms_up_then_decays_to_the_minimum() {
    let config = TrainConfig { warmup_steps: 10, max_steps: 110, ..Preset::Tutorial.training() };
    let (peak, min) = (config.learning_rate, config.min_learning_rate);
    assert!((learning_rate(0, &config) - peak / 10.0).abs() < 1e-12);
    assert!((learning_rate(9, &config) - peak).abs() < 1e-12);
    assert!((learning_rate(10, &config) - peak).abs() < 1e-12);
    assert!((learning_rate(60, &config) - (peak + min) / 2.0).abs() < 1e-9);
    assert!((learning_rate(110, &config) - min).abs() < 1e-12);
    assert!(learning_rate(30, &config) > learning_rate(31, &config));
}

#[test]
fn presets_are_found_by_name() {
    assert_eq!(Preset::from_name("tiny"), Some(Preset::Tiny));
    assert_eq!(Preset::from_name("tutorial"), Some(Preset::Tutorial));
    assert_eq!(Preset::from_name("huge"), None);
    let tutorial = Preset::Tutorial.model(256);
    assert_eq!((tutorial.n_layer, tutorial.n_head, tutorial.n_embd, tutorial.block_size), (4, 4, 128, 64));
}

#[test]
fn demo_prompts_are_trained_problems_one_per_operation() {
    let (train, _) = arithmetic::split(1337);
    let prompts = arithmetic::demo_prompts(1337);
    assert_eq!(prompts.len(), 3);
    for (prompt, op) in prompts.iter().zip(["plus", "times", "minus"]) {
        assert!(prompt.contains(op), "{prompt}");
        assert!(train.iter().any(|p| &p.prompt() == prompt), "{prompt} is not a training problem");
    }
}
