use std::f64::consts::LN_2;
use std::ops::ControlFlow;

use gptlab::tokenize::{Comparison, Tokenizer, bits_per_byte, bytes_per_token, compare};

use super::tokenize::TWO_LINES;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

fn gpt2_style_fixture() -> Tokenizer {
    Tokenizer::from_json(include_bytes!("../fixtures/tokenizer-gpt2-style.json"), "fixture").unwrap()
}

fn compared(tokenizers: &[(&str, &Tokenizer)], text: &str, sample: &str) -> Vec<Comparison> {
    let done = compare(tokenizers, text, sample, 16, |_| ControlFlow::Continue(())).unwrap();
    done.continue_value().expect("nothing stops it")
}

#[test]
fn bits_per_byte_of_the_byte_tokenizer_is_the_loss_over_ln_2() {
    let text = "any text at all, ✓";
    assert_eq!(bytes_per_token(&Tokenizer::Bytes, text).unwrap(), 1.0);
    assert!(close(bits_per_byte(1.5, text.len(), text.len()), 1.5 / LN_2));
}

#[test]
fn bits_per_byte_of_a_bpe_counts_its_merged_tokens() {
    // "t", "he", "Ġa", "Ġthe": 4 tokens for 9 bytes.
    assert_eq!(bytes_per_token(&gpt2_style_fixture(), "the a the").unwrap(), 9.0 / 4.0);
    assert!(close(bits_per_byte(2.0, 4, 9), 2.0 * 4.0 / (9.0 * LN_2)));
}

#[test]
fn bits_per_byte_of_a_word_tokenizer_counts_its_words() {
    let words = Tokenizer::train_words(TWO_LINES, 100).unwrap();
    assert_eq!(bytes_per_token(&words, TWO_LINES).unwrap(), 34.0 / 9.0);
    assert!(close(bits_per_byte(3.0, 9, 34), 3.0 * 9.0 / (34.0 * LN_2)));
}

#[test]
fn words_missing_from_the_training_text_are_unknown_tokens() {
    let words = Tokenizer::train_words("the cat sat on the mat\n", 100).unwrap();
    // "the", " dog", " sat", " on", " the", " rug", "\n": " dog" and " rug" are new.
    let [held_out] = &compared(&[("words", &words)], "the dog sat on the rug\n", "")[..] else {
        panic!("one comparison")
    };
    assert_eq!(held_out.tokens, 7);
    assert_eq!(held_out.unknown_rate, 2.0 / 7.0);
}

#[test]
fn compare_counts_tokens_vocabularies_and_embeddings_of_each_tokenizer() {
    let words = Tokenizer::train_words(TWO_LINES, 100).unwrap();
    let chars = Tokenizer::train_chars(TWO_LINES).unwrap();
    let tokenizers = [("bytes", &Tokenizer::Bytes), ("characters", &chars), ("words", &words)];
    let rows = compared(&tokenizers, TWO_LINES, "two plus");
    let column = |f: fn(&Comparison) -> f64| rows.iter().map(f).collect::<Vec<_>>();
    assert_eq!(column(|r| r.vocab_size as f64), [256.0, 14.0, 8.0]);
    assert_eq!(column(|r| r.tokens as f64), [34.0, 32.0, 9.0]);
    // 32 characters: bytes count ✓ thrice.
    assert_eq!(column(|r| r.tokens_per_1000_chars), [1062.5, 1000.0, 281.25]);
    assert_eq!(column(|r| r.embedding_params as f64), [256.0 * 16.0, 14.0 * 16.0, 8.0 * 16.0]);
    assert_eq!(column(|r| r.unknown_rate), [0.0, 0.0, 0.0]);
    // Once each: "two", " three", " ✓", "three", " two".
    assert_eq!(rows[2].rare_rate, 5.0 / 9.0);
    let sample: Vec<&str> = rows[2].sample.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(sample, ["two", " plus"]);
    assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["bytes", "characters", "words"]);
}

/// About 300 KB with blank and indented lines, so the pieces it is encoded in meet both.
fn long_text() -> String {
    (0..6000u32).map(|i| format!("{i} plus {} is many\n\n  indented {i}\n", i * 7)).collect()
}

#[test]
fn compare_counts_the_tokens_of_the_whole_text_though_it_encodes_it_in_pieces() {
    let text = long_text();
    let bpe = Tokenizer::train_bpe(&text, 400).unwrap();
    let words = Tokenizer::train_words(&text, 1000).unwrap();
    let tokenizers = [("bpe", &bpe), ("words", &words)];
    for (row, (_, tokenizer)) in compared(&tokenizers, &text, "").iter().zip(tokenizers) {
        assert_eq!(row.tokens, tokenizer.encode(&text).unwrap().len(), "{}", row.name);
    }
}

#[test]
fn compare_reports_rising_progress_to_the_end_and_stops_when_told() {
    let text = long_text();
    let tokenizers = [("bytes", &Tokenizer::Bytes), ("bytes again", &Tokenizer::Bytes)];
    let mut shares = Vec::new();
    let report = |share| {
        shares.push(share);
        ControlFlow::Continue(())
    };
    assert!(compare(&tokenizers, &text, "", 16, report).unwrap().is_continue());
    assert!(shares.len() > 2 && shares.is_sorted() && shares.last() == Some(&1.0), "{shares:?}");

    let mut calls = 0;
    let stop_at_once = |_| {
        calls += 1;
        ControlFlow::Break(())
    };
    assert!(compare(&tokenizers, &text, "", 16, stop_at_once).unwrap().is_break());
    assert_eq!(calls, 1);
}
