//! Word-level and character-level tokenizers: one token per word or per character seen in the
//! training text, `[UNK]` for the rest. Both are `tokenizers` WordLevel models, so they save in
//! the checkpoint and export as a `tokenizer.json` like the BPE.

#[cfg(feature = "engine")]
use tokenizers::{
    AddedToken, SplitDelimiterBehavior,
    decoders::fuse::Fuse,
    models::TrainerWrapper,
    models::wordlevel::{WordLevel, WordLevelTrainerBuilder},
    pre_tokenizers::split::{Split, SplitPattern},
};

use super::huggingface::MAX_BPE_VOCAB;
#[cfg(feature = "engine")]
use super::{
    TokenizerError,
    huggingface::{HfTokenizer, failed},
};

/// The token for a word or character the training text did not have.
pub const UNKNOWN_TOKEN: &str = "[UNK]";
/// The smallest word vocabulary: `[UNK]` and one word.
pub const MIN_WORD_VOCAB: usize = 2;
/// The largest word vocabulary, `[UNK]` included: the BPE's cap, for the same reason (the
/// embedding and the logits would dominate a small model and outgrow a browser's GPU buffers).
pub const MAX_WORD_VOCAB: usize = MAX_BPE_VOCAB;

/// GPT-2's pre-tokenizer split: a word with the one space before it (" plus"), a number, a run of
/// punctuation, a run of whitespace (line ends). A word tokenizer's words are the pieces a BPE
/// merges within, so text of known words decodes to itself, spaces and line ends included; an
/// unknown word decodes to `[UNK]` without its space. " the" and "the" (at a line start) are two
/// words.
#[cfg(feature = "engine")]
const WORD_PATTERN: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// Any one character, line ends included.
#[cfg(feature = "engine")]
const CHARACTER_PATTERN: &str = r"(?s).";

/// A tokenizer of the `max_vocab - 1` most frequent words of `text` and `[UNK]`.
#[cfg(feature = "engine")]
pub(super) fn train_words(text: &str, max_vocab: usize) -> Result<HfTokenizer, TokenizerError> {
    if !(MIN_WORD_VOCAB..=MAX_WORD_VOCAB).contains(&max_vocab) {
        return Err(TokenizerError::WordVocabSize(max_vocab));
    }
    let tokenizer = train_word_level(text, WORD_PATTERN, max_vocab)?;
    HfTokenizer::trained("words trained here", tokenizer)
}

/// A tokenizer of every character of `text` and `[UNK]`; past `MAX_WORD_VOCAB` tokens the rarest
/// characters are left out, as a CJK text could otherwise need tens of thousands.
#[cfg(feature = "engine")]
pub(super) fn train_chars(text: &str) -> Result<HfTokenizer, TokenizerError> {
    let tokenizer = train_word_level(text, CHARACTER_PATTERN, MAX_WORD_VOCAB)?;
    HfTokenizer::trained("characters of the data", tokenizer)
}

/// A WordLevel tokenizer over the pieces `pattern` cuts, keeping the `vocab_size - 1` most frequent
/// (ties in byte order) after `[UNK]`, which has id 0; its decoder joins the pieces.
#[cfg(feature = "engine")]
fn train_word_level(
    text: &str,
    pattern: &str,
    vocab_size: usize,
) -> Result<tokenizers::Tokenizer, TokenizerError> {
    if text.is_empty() {
        return Err(TokenizerError::NoText);
    }
    let split = Split::new(SplitPattern::Regex(pattern.into()), SplitDelimiterBehavior::Isolated, false)
        .map_err(failed)?;
    let model = WordLevel::builder().unk_token(UNKNOWN_TOKEN.into()).build().map_err(failed)?;
    let mut trainer: TrainerWrapper = WordLevelTrainerBuilder::default()
        .vocab_size(vocab_size)
        .show_progress(false)
        .special_tokens(vec![AddedToken::from(UNKNOWN_TOKEN, true)])
        .build()
        .expect("every field of the word-level trainer is set or has a default")
        .into();
    let mut tokenizer = tokenizers::Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(split));
    tokenizer.with_decoder(Some(Fuse::new()));
    tokenizer.train(&mut trainer, text.split_inclusive('\n')).map_err(failed)?;
    Ok(tokenizer)
}
