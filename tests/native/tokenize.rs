use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::model::GptConfig;
use gptlab::tokenize::{Piece, Tokenizer, TokenizerError};

use super::seeded_model;

/// Varied enough for hundreds of merges: sums of many different numbers, in words and digits.
fn training_text() -> String {
    (0..3000u32)
        .map(|i| {
            format!(
                "{} plus {} is {}; the sum of {i} and {} is {}.\n",
                i % 97,
                i % 89,
                i % 97 + i % 89,
                i * 7,
                i * 8
            )
        })
        .collect()
}

fn bpe(vocab_size: usize) -> Tokenizer {
    Tokenizer::train_bpe(&training_text(), vocab_size).unwrap()
}

#[test]
fn bpe_training_reaches_the_vocabulary_size() {
    for size in [300, 512] {
        assert_eq!(bpe(size).vocab_size(), size);
    }
}

#[test]
fn bpe_round_trips_any_utf8_text_it_never_saw() {
    let tokenizer = bpe(512);
    for text in [
        "the sum of 12 and 30 is 42.",
        "emoji 👩‍🔬🚀 and flags 🇫🇷",
        "日本語のテキストと中文",
        "tabs\tand\r\nwindows lines, combining e\u{301}, NUL \u{0} and \u{10FFFF}",
        "  leading and trailing spaces  ",
        "",
    ] {
        let ids = tokenizer.encode(text).unwrap();
        assert!(ids.iter().all(|&id| (id as usize) < tokenizer.vocab_size()));
        assert_eq!(tokenizer.decode(&ids), text);
    }
}

#[test]
fn bpe_merges_make_text_shorter_than_bytes() {
    let text = "the sum of 40 and 2 is 42.";
    let ids = bpe(512).encode(text).unwrap();
    assert!(ids.len() * 2 < text.len(), "{} tokens for {} bytes", ids.len(), text.len());
}

#[test]
fn bad_bpe_requests_are_refused() {
    assert_eq!(Tokenizer::train_bpe("some text", 100), Err(TokenizerError::VocabSize(100)));
    assert_eq!(Tokenizer::train_bpe("some text", 40_000), Err(TokenizerError::VocabSize(40_000)));
    assert_eq!(Tokenizer::train_bpe("", 512), Err(TokenizerError::NoText));
}

#[test]
fn a_gpt2_style_tokenizer_json_loads_and_applies_its_merges() {
    let json = include_bytes!("../fixtures/tokenizer-gpt2-style.json");
    let tokenizer = Tokenizer::from_json(json, "fixture").unwrap();
    // 256 byte tokens, 4 merges, and <|endoftext|>.
    assert_eq!(tokenizer.vocab_size(), 261);
    // "Ġthe" is 258 and "Ġa" 259 in the fixture; "t" is byte 116 and "he" 257.
    assert_eq!(tokenizer.encode("the a the").unwrap(), vec![116, 257, 259, 258]);
    assert_eq!(tokenizer.decode(&[116, 257, 259, 258]), "the a the");
}

#[test]
fn a_tokenizer_json_that_does_not_parse_is_an_error() {
    let unreadable: [&[u8]; 4] = [
        b"{ not json",
        br#"{"model": {"type": "NoSuchModel"}}"#,
        br#"{"model": {"type": "BPE", "vocab": {}}}"#,
        // Its vocabulary reads, but `tokenizers` knows no such model: the engine refuses it.
        br#"{"model": {"type": "NoSuchModel", "vocab": {"a": 0}}}"#,
    ];
    for json in unreadable {
        assert!(matches!(Tokenizer::from_json(json, "bad"), Err(TokenizerError::Unparsable(_))));
    }
}

#[test]
fn token_pieces_show_what_each_token_stands_for() {
    let pieces = Tokenizer::Bytes.pieces("a€").unwrap();
    let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["a", "\\xe2", "\\x82", "\\xac"]);
    assert_eq!(pieces[0], Piece { id: 97, text: "a".into() });

    let tokenizer = bpe(512);
    let text = "the sum of 40 and 2 is 42.";
    let pieces = tokenizer.pieces(text).unwrap();
    assert_eq!(pieces.iter().map(|p| p.text.as_str()).collect::<String>(), text);
    assert_eq!(pieces.iter().map(|p| p.id).collect::<Vec<_>>(), tokenizer.encode(text).unwrap());
}

#[test]
fn a_checkpoint_carries_its_bpe_tokenizer() {
    let tokenizer = bpe(300);
    let loaded = saved_and_loaded(&tokenizer);
    assert_eq!(loaded, tokenizer);
    let text = "the sum of 7 and 8 is 15.";
    assert_eq!(loaded.encode(text).unwrap(), tokenizer.encode(text).unwrap());
}

/// `tokenizer` as a checkpoint of a tiny model over it carries it.
fn saved_and_loaded(tokenizer: &Tokenizer) -> Tokenizer {
    let config = GptConfig::new(tokenizer.vocab_size())
        .with_n_layer(1)
        .with_n_head(2)
        .with_n_embd(16)
        .with_block_size(8);
    let info = CheckpointInfo {
        model: config.clone(),
        tokenizer: tokenizer.clone(),
        training: TrainingState {
            step: 1,
            recent_losses: vec![],
            validation_loss: None,
            dataset: "sums".into(),
            seed: 3,
            prompts: None,
            ..Default::default()
        },
    };
    let bytes = pollster::block_on(checkpoint::save(&seeded_model(&config, 3), &info)).unwrap();
    checkpoint::load(&bytes, &burn::prelude::Device::flex()).unwrap().1.tokenizer
}

#[test]
fn a_checkpoint_whose_tokenizer_disagrees_with_its_model_is_refused() {
    let config = GptConfig::new(256).with_n_layer(1).with_n_head(2).with_n_embd(16).with_block_size(8);
    let info = CheckpointInfo {
        model: config.clone(),
        tokenizer: bpe(300),
        training: TrainingState {
            step: 1,
            recent_losses: vec![],
            validation_loss: None,
            dataset: "x".into(),
            seed: 3,
            prompts: None,
            ..Default::default()
        },
    };
    let bytes = pollster::block_on(checkpoint::save(&seeded_model(&config, 3), &info)).unwrap();
    let error = checkpoint::load(&bytes, &burn::prelude::Device::flex()).unwrap_err();
    assert!(
        error.to_string().contains("makes token id 299 but its model embeds only ids 0 to 255"),
        "{error}"
    );
}

/// The byte tokenizer as a `tokenizer.json` whose `!` has id 900: 256 tokens, ids up to 900.
fn tokenizer_with_a_gap() -> Tokenizer {
    let mut json: serde_json::Value = serde_json::from_str(&Tokenizer::Bytes.to_hf_json().unwrap()).unwrap();
    json["model"]["vocab"]["!"] = 900.into();
    Tokenizer::from_json(json.to_string().as_bytes(), "gap").unwrap()
}

#[test]
fn a_tokenizer_with_a_gap_in_its_ids_needs_embeddings_up_to_its_largest_id() {
    let gap = tokenizer_with_a_gap();
    assert_eq!(gap.vocab_size(), 901);
    assert!(gap.describe().contains("256 tokens"), "{}", gap.describe());
    assert_eq!(gap.encode("a!").unwrap(), [97, 900]);
}

#[test]
fn a_checkpoint_whose_tokenizer_has_ids_past_its_model_is_refused_naming_the_id() {
    // Written by a reader that sized the model by the tokenizer's count of tokens.
    let config = GptConfig::new(256).with_n_layer(1).with_n_head(2).with_n_embd(16).with_block_size(8);
    let info = CheckpointInfo {
        model: config.clone(),
        tokenizer: tokenizer_with_a_gap(),
        training: TrainingState::default(),
    };
    let bytes = pollster::block_on(checkpoint::save(&seeded_model(&config, 3), &info)).unwrap();
    let error = checkpoint::load(&bytes, &burn::prelude::Device::flex()).unwrap_err();
    assert!(
        error.to_string().contains("makes token id 900 but its model embeds only ids 0 to 255"),
        "{error}"
    );
}

#[test]
fn text_with_ids_past_the_embedding_never_reaches_the_model() {
    use burn::prelude::Device;
    use gptlab::sample::{SampleConfig, SampleError, generate};
    use gptlab::train::{TrainConfig, TrainError, Trainer};
    let config = GptConfig::new(256).with_n_layer(1).with_n_head(2).with_n_embd(16).with_block_size(8);
    let ids = tokenizer_with_a_gap().encode(&"fine text! ".repeat(4)).unwrap();
    let train = TrainConfig { batch_size: 2, ..gptlab::train::Preset::Tiny.training() };
    let refused = Trainer::new(&config, train, ids.clone(), ids.clone(), &Device::flex()).err();
    assert_eq!(refused, Some(TrainError::TokenOutOfRange { split: "training", id: 900, vocab_size: 256 }));
    let model = seeded_model(&config, 3);
    let refused = pollster::block_on(generate(&model, &ids, &SampleConfig::default())).unwrap_err();
    assert_eq!(refused, SampleError::TokenOutOfRange { id: 900, vocab_size: 256 });
}

#[test]
fn bytes_that_are_not_utf8_show_as_escapes_and_valid_characters_as_themselves() {
    use gptlab::tokenize::readable;
    assert_eq!(readable("two plus 中 = ✓".as_bytes()), "two plus 中 = ✓");
    assert_eq!(readable(b"a\x9fb"), "a\\x9fb");
    assert_eq!(readable(b"\xff\xfe"), "\\xff\\xfe");
    assert_eq!(readable(b"\xe4\xb8"), "\\xe4\\xb8", "a character cut short");
    assert_eq!(readable(b"\xe4\xb8\xadx\x80"), "中x\\x80");
    assert_eq!(readable(b""), "");
}

#[test]
fn control_characters_are_spelled_out_for_the_page_but_tabs_and_line_ends_stay() {
    use gptlab::tokenize::printable;
    assert_eq!(printable("a\u{0}b\u{1b}[0m\u{7f}"), "a\\x00b\\x1b[0m\\x7f");
    assert_eq!(printable("one\ttwo\r\nthree"), "one\ttwo\r\nthree");
    assert_eq!(printable("next line \u{85}, 中 and \\x41"), "next line \\u{85}, 中 and \\x41");
}

#[test]
fn a_character_split_across_tokens_joins_when_the_whole_text_is_decoded() {
    for tokenizer in [Tokenizer::Bytes, bpe(512)] {
        let ids = tokenizer.encode("a中").unwrap();
        assert_eq!(tokenizer.decode(&ids), "a中", "{tokenizer:?}");
        let cut = &ids[..ids.len() - 1];
        assert_eq!(tokenizer.decode(cut), "a\\xe4\\xb8", "{tokenizer:?}: the character's first two bytes");
        assert!(!tokenizer.decode(&[ids[1]]).contains('\u{FFFD}'), "{tokenizer:?}");
    }
}

/// Two hand-tokenized lines: words "two", " plus", " three", " ✓", "\n", "three", " plus", " two",
/// "\n" (9 tokens, 7 distinct); 32 characters, 34 bytes (✓ is 3); 13 distinct characters.
pub const TWO_LINES: &str = "two plus three ✓\nthree plus two\n";

#[test]
fn a_word_tokenizer_has_a_token_per_word_with_its_space_and_decodes_to_the_text() {
    let words = Tokenizer::train_words(TWO_LINES, 100).unwrap();
    assert_eq!(words.vocab_size(), 8, "7 words and [UNK]");
    let pieces = words.pieces(TWO_LINES).unwrap();
    let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["two", " plus", " three", " ✓", "\n", "three", " plus", " two", "\n"]);
    assert_eq!(words.decode(&words.encode(TWO_LINES).unwrap()), TWO_LINES);
    assert_eq!(words.describe(), "words trained here (8 tokens)");
}

#[test]
fn a_word_tokenizer_keeps_the_most_frequent_words_up_to_its_cap() {
    // " a" and " b" twice each; "a", " c" and "\n" once.
    let words = Tokenizer::train_words("a a a b b c\n", 3).unwrap();
    assert_eq!(words.vocab_size(), 3);
    assert_eq!([" a", " b", "a"].map(|w| words.token_id(w)), [Some(1), Some(2), None]);
    assert_eq!(words.unknown_id(), Some(0));
    assert_eq!(words.encode("a a b c\n").unwrap(), [0, 1, 2, 0, 0]);
    assert_eq!(words.decode(&[1, 0, 2]), " a[UNK] b", "an unknown word loses its space");
}

#[test]
fn bad_word_tokenizer_requests_are_refused() {
    assert_eq!(Tokenizer::train_words("some text", 1), Err(TokenizerError::WordVocabSize(1)));
    assert_eq!(Tokenizer::train_words("some text", 40_000), Err(TokenizerError::WordVocabSize(40_000)));
    assert_eq!(Tokenizer::train_words("", 100), Err(TokenizerError::NoText));
    assert_eq!(Tokenizer::train_chars(""), Err(TokenizerError::NoText));
}

#[test]
fn a_character_tokenizer_has_the_distinct_characters_and_unknown() {
    let chars = Tokenizer::train_chars(TWO_LINES).unwrap();
    assert_eq!(chars.vocab_size(), 13 + 1);
    assert_eq!(chars.encode(TWO_LINES).unwrap().len(), TWO_LINES.chars().count());
    assert_eq!(chars.decode(&chars.encode(TWO_LINES).unwrap()), TWO_LINES);
    let ids = chars.encode("tx\n").unwrap();
    assert_eq!(ids[1], chars.unknown_id().unwrap());
    assert_eq!(chars.decode(&ids), "t[UNK]\n");
    assert_eq!(chars.describe(), "characters of the data (14 tokens)");
}

#[test]
fn word_and_character_tokenizers_survive_tokenizer_json_and_the_checkpoint() {
    let words = Tokenizer::train_words(TWO_LINES, 100).unwrap();
    let chars = Tokenizer::train_chars(TWO_LINES).unwrap();
    let unseen = "three plus seven ✓\n";
    for tokenizer in [words, chars] {
        let json = tokenizer.to_hf_json().unwrap();
        let from_json = Tokenizer::from_json(json.as_bytes(), "reloaded").unwrap();
        let from_checkpoint = saved_and_loaded(&tokenizer);
        assert_eq!(from_checkpoint, tokenizer);
        for reloaded in [from_json, from_checkpoint] {
            assert_eq!(reloaded.encode(unseen).unwrap(), tokenizer.encode(unseen).unwrap());
            assert_eq!(reloaded.unknown_id(), tokenizer.unknown_id());
            assert_eq!(reloaded.decode(&reloaded.encode(TWO_LINES).unwrap()), TWO_LINES);
        }
    }
}

#[test]
fn a_character_tokenizer_keeps_the_most_frequent_characters_up_to_the_cap() {
    use gptlab::tokenize::MAX_WORD_VOCAB;
    let rare: String = (0x100..0x100 + 33_000).filter_map(char::from_u32).collect();
    let chars = Tokenizer::train_chars(&(rare + "aa")).unwrap();
    assert_eq!(chars.vocab_size(), MAX_WORD_VOCAB);
    assert!(chars.token_id("a").is_some(), "the one character seen twice stays");
}

/// The tokenizers of these tests and the fixtures', each as `tokenizers` writes it.
fn tokenizer_jsons() -> Vec<String> {
    use tokenizers::AddedToken;
    use tokenizers::models::unigram::Unigram;
    let mut unigram = tokenizers::Tokenizer::new(
        Unigram::from(vec![("<unk>".into(), 0.0), ("a".into(), -1.5), ("b".into(), -2.25)], Some(0), false)
            .unwrap(),
    );
    // One added token the model has, one it lacks.
    unigram
        .add_special_tokens([AddedToken::from("a", true), AddedToken::from("<|endoftext|>", true)])
        .unwrap();
    let made = [
        bpe(300),
        Tokenizer::train_words(TWO_LINES, 100).unwrap(),
        Tokenizer::train_chars(TWO_LINES).unwrap(),
        tokenizer_with_a_gap(),
        Tokenizer::Bytes,
    ];
    let fixtures = [
        include_str!("../fixtures/tokenizer-gpt2-style.json"),
        include_str!("../fixtures/hf/hub/gptlab/tiny-gpt2/resolve/main/tokenizer.json"),
    ];
    made.iter()
        .map(|t| t.to_hf_json().unwrap())
        .chain(fixtures.map(String::from))
        .chain([unigram.to_string(false).unwrap()])
        .collect()
}

#[test]
fn the_vocabulary_read_from_the_json_is_what_tokenizers_counts() {
    // The page's interface counts tokens from the JSON alone, without `tokenizers`.
    for json in tokenizer_jsons() {
        let ours = Tokenizer::from_json(json.as_bytes(), "counted").unwrap();
        let theirs = tokenizers::Tokenizer::from_bytes(json.as_bytes()).unwrap();
        let largest_id = theirs.get_vocab(true).into_values().max().unwrap() as usize;
        assert_eq!(ours.vocab_size(), largest_id + 1);
        let Tokenizer::HuggingFace(hf) = &ours else {
            panic!("a tokenizer.json makes a Hugging Face tokenizer")
        };
        assert_eq!(hf.token_count(), theirs.get_vocab_size(true));
    }
}

#[test]
fn a_tokenizer_travels_as_json_and_encodes_the_same_after() {
    for json in tokenizer_jsons() {
        let tokenizer = Tokenizer::from_json(json.as_bytes(), "sent").unwrap();
        let sent = serde_json::to_string(&tokenizer).unwrap();
        let received: Tokenizer = serde_json::from_str(&sent).unwrap();
        assert_eq!(received, tokenizer);
        assert_eq!(received.vocab_size(), tokenizer.vocab_size());
        assert_eq!(received.encode(TWO_LINES).unwrap(), tokenizer.encode(TWO_LINES).unwrap());
    }
}
