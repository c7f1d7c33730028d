//! The next-word search: on hand-made distributions whose answers are known exactly, and on a
//! real model that learned one sentence.

use burn::prelude::*;
use gptlab::sample::{NextWord, WordSearch, next_token_logits, next_words, softmax};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};
use pollster::block_on;

use super::small_config;

/// A vocabulary of short texts, a token each, and a distribution given by the text so far.
struct Toy {
    vocab: &'static [&'static str],
    /// (text so far, [(next token's text, probability)]).
    table: &'static [(&'static str, &'static [(&'static str, f32)])],
}

impl Toy {
    fn text(&self, ids: &[u32]) -> String {
        ids.iter().map(|&id| self.vocab[id as usize]).collect()
    }

    fn id(&self, token: &str) -> u32 {
        self.vocab.iter().position(|&t| t == token).expect("a token of the vocabulary") as u32
    }

    fn probabilities(&self, ids: &[u32]) -> Vec<f32> {
        let text = self.text(ids);
        let (_, next) =
            self.table.iter().find(|(t, _)| *t == text).unwrap_or_else(|| panic!("{text:?} expanded"));
        let mut probabilities = vec![0.0; self.vocab.len()];
        for &(token, p) in *next {
            probabilities[self.id(token) as usize] = p;
        }
        probabilities
    }

    /// The search's words, and how many distributions it asked for.
    fn words(&self, search: &WordSearch, end: Option<u32>) -> (Vec<NextWord>, usize) {
        let mut asked = 0;
        let next = async |ids: &[u32]| {
            asked += 1;
            Ok::<_, ()>(self.probabilities(ids))
        };
        let words = block_on(next_words(search, end, |ids| self.text(ids), next)).unwrap();
        (words, asked)
    }
}

fn assert_words(got: &[NextWord], expected: &[(&str, f32, bool)]) {
    let got: Vec<(&str, f32, bool)> =
        got.iter().map(|w| (w.text.as_str(), w.probability, w.complete)).collect();
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(g.0 == e.0 && (g.1 - e.1).abs() < 1e-6 && g.2 == e.2, "{got:?} vs {expected:?}");
    }
}

/// Bytes as a byte tokenizer sees them: a space, then "five" or "four", then a line end.
const LETTERS: Toy = Toy {
    vocab: &[" ", "f", "i", "v", "e", "o", "u", "r", "\n"],
    table: &[
        ("", &[(" ", 1.0)]),
        (" ", &[("f", 1.0)]),
        (" f", &[("i", 0.6), ("o", 0.4)]),
        (" fi", &[("v", 1.0)]),
        (" fiv", &[("e", 1.0)]),
        (" five", &[("\n", 0.9), (" ", 0.1)]),
        (" fo", &[("u", 1.0)]),
        (" fou", &[("r", 1.0)]),
        (" four", &[("\n", 1.0)]),
    ],
};

#[test]
fn a_words_probability_is_the_product_of_its_tokens_after_the_space_before_it() {
    let (words, _) = LETTERS.words(&WordSearch::default(), None);
    // The space is certain and skipped; "five" ends at a line end (0.54) or a space (0.06).
    assert_words(&words, &[("five", 0.6, true), ("four", 0.4, true)]);
}

/// Tokens as a BPE makes them: the space at a token's start, a word in one token or two.
const PIECES: Toy = Toy {
    vocab: &[" five", " fi", "ve", "teen ", "\n", " four", "<|endoftext|>"],
    table: &[
        ("", &[(" five", 0.5), (" four", 0.3), (" fi", 0.2)]),
        (" five", &[("\n", 0.7), ("teen ", 0.3)]),
        (" four", &[("<|endoftext|>", 1.0)]),
        (" fi", &[("ve", 1.0)]),
    ],
};

#[test]
fn tokens_that_carry_the_space_start_and_end_words_and_spellings_of_one_word_add_up() {
    let (words, _) = PIECES.words(&WordSearch::default(), Some(6));
    // "five": " five" "\n" (0.35) and " fi" "ve" "\n" (0.14); "fiveteen" ends with its token's
    // space: 0.15 + 0.06; "four" ends with the text.
    assert_words(&words, &[("five", 0.49, true), ("four", 0.3, true), ("fiveteen", 0.21, true)]);
}

#[test]
fn the_search_stops_when_no_continuation_left_can_beat_the_words_found() {
    let search = WordSearch { words: 1, ..WordSearch::default() };
    let (words, asked) = PIECES.words(&search, Some(6));
    // After the prompt and " five": "five" has 0.35, more than " four" (0.3) could give.
    assert_words(&words, &[("five", 0.35, true)]);
    assert_eq!(asked, 2);
}

#[test]
fn a_search_out_of_budget_shows_the_likeliest_beginnings_as_unfinished() {
    let search = WordSearch { expansions: 3, ..WordSearch::default() };
    let (words, asked) = LETTERS.words(&search, None);
    assert_eq!(asked, 3);
    assert_words(&words, &[("fi", 0.6, false), ("fo", 0.4, false)]);
}

#[test]
fn a_line_end_the_end_of_text_and_the_length_cap_end_a_word() {
    const ENDS: Toy = Toy {
        vocab: &["\n", "<eot>", "a", " "],
        table: &[
            ("", &[("\n", 0.5), ("<eot>", 0.3), ("a", 0.2)]),
            ("a", &[("a", 1.0)]),
            ("aa", &[("a", 1.0)]),
            ("aaa", &[("a", 1.0)]),
        ],
    };
    let search = WordSearch { max_chars: 4, ..WordSearch::default() };
    let (words, _) = ENDS.words(&search, Some(1));
    assert_words(&words, &[("\n", 0.5, true), ("<eot>", 0.3, true), ("aaaa", 0.2, false)]);
}

#[test]
fn where_no_word_is_likely_the_beginnings_show_as_unfinished() {
    // As from an untrained model: every token as likely as the next.
    const FLAT: Toy = Toy {
        vocab: &[" ", "a", "b", "\n"],
        table: &[
            ("", &[(" ", 0.25), ("a", 0.25), ("b", 0.25), ("\n", 0.25)]),
            (" ", &[(" ", 0.25), ("a", 0.25), ("b", 0.25), ("\n", 0.25)]),
            ("a", &[(" ", 0.25), ("a", 0.25), ("b", 0.25), ("\n", 0.25)]),
            ("b", &[(" ", 0.25), ("a", 0.25), ("b", 0.25), ("\n", 0.25)]),
        ],
    };
    let search = WordSearch { min_probability: 0.1, ..WordSearch::default() };
    let (words, asked) = FLAT.words(&search, None);
    assert_eq!(asked, 4, "the prompt, then \" \", \"a\" and \"b\", whose next tokens fall below the floor");
    assert_words(&words, &[("\n", 0.25, true), ("a", 0.25, false), ("b", 0.25, false)]);
}

#[test]
fn continuations_less_likely_than_the_floor_are_not_followed() {
    let search = WordSearch { min_probability: 0.5, ..WordSearch::default() };
    let (words, asked) = LETTERS.words(&search, None);
    // " fo" (0.4) is below the floor: only "five" is followed.
    assert_words(&words, &[("five", 0.54, true)]);
    assert_eq!(asked, 6, "the prompt, \" \", \" f\", \" fi\", \" fiv\", \" five\"");
}

#[test]
fn a_model_that_learned_a_sentence_names_its_next_word() {
    let config = small_config();
    let text = "two plus three equals five\n".repeat(40);
    let tokens = Tokenizer::Bytes.encode(&text).unwrap();
    let train = TrainConfig { batch_size: 8, max_steps: 300, learning_rate: 1e-2, ..Preset::Tiny.training() };
    let mut trainer = Trainer::new(&config, train, tokens.clone(), tokens, &Device::flex()).unwrap();
    for _ in 0..300 {
        trainer.step();
    }
    let model = trainer.model();
    let prompt = Tokenizer::Bytes.encode("two plus three equals").unwrap();
    let mut distribution = async |continuation: &[u32]| {
        let context = [prompt.as_slice(), continuation].concat();
        next_token_logits(&model, &context).await.map(|logits| softmax(&logits))
    };
    let decode = |ids: &[u32]| Tokenizer::Bytes.decode(ids);
    let words = block_on(next_words(&WordSearch::default(), None, decode, &mut distribution)).unwrap();
    assert_eq!(words[0].text, "five", "{words:?}");
    assert!(words[0].complete && words[0].probability > 0.9, "{words:?}");

    // Following only the likeliest token at each step leaves one path, " five\n": the word's
    // probability is the product of the model's probabilities along it.
    let mut path = 1.0f64;
    let mut context = prompt.clone();
    for &byte in b" five\n" {
        let p = softmax(&block_on(next_token_logits(&model, &context)).unwrap());
        path *= p[byte as usize] as f64;
        context.push(byte as u32);
    }
    let one_path = WordSearch { branch: 1, ..WordSearch::default() };
    let words = block_on(next_words(&one_path, None, decode, distribution)).unwrap();
    assert_eq!(words.len(), 1, "{words:?}");
    assert!(
        words[0].text == "five" && (words[0].probability as f64 - path).abs() < 1e-6,
        "{words:?} vs {path}"
    );
}
