//! Tokenizers from the `tokenizers` crate: byte-level BPE training, and `tokenizer.json` files.

use std::fmt;

use serde::{Deserialize, Serialize};
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder, Vocab};
use tokenizers::models::{ModelWrapper, TrainerWrapper};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;

use super::{TokenizerError, readable};

/// The smallest BPE vocabulary: the 256 bytes and no merges.
pub const MIN_BPE_VOCAB: usize = 256;
/// The largest BPE vocabulary the page trains: beyond it the embedding and the logits dominate a
/// small model, and the logits of a batch outgrow what a browser's GPU buffers hold.
pub const MAX_BPE_VOCAB: usize = 32_768;

/// A Hugging Face tokenizer and where it came from.
#[derive(Clone, Serialize, Deserialize)]
pub struct HfTokenizer {
    /// For people: "BPE trained on …" or the Hub model id.
    source: String,
    /// The `tokenizer.json`, nested as JSON.
    tokenizer: Box<tokenizers::Tokenizer>,
}

impl HfTokenizer {
    pub(super) fn train_bpe(text: &str, vocab_size: usize) -> Result<Self, TokenizerError> {
        if !(MIN_BPE_VOCAB..=MAX_BPE_VOCAB).contains(&vocab_size) {
            return Err(TokenizerError::VocabSize(vocab_size));
        }
        if text.is_empty() {
            return Err(TokenizerError::NoText);
        }
        // GPT-2's byte-level scheme: every byte is in the initial alphabet, so any UTF-8 text
        // (emoji, CJK, control characters) encodes without an unknown token.
        let byte_level = ByteLevel::new(false, true, true);
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        let mut tokenizer = tokenizers::Tokenizer::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(byte_level));
        tokenizer.with_decoder(Some(byte_level));
        // Newlines stay in the text they end, so merges across them (blank lines) can be learned.
        tokenizer.train(&mut trainer, text.split_inclusive('\n')).map_err(failed)?;
        Ok(Self { source: "BPE trained here".into(), tokenizer: Box::new(tokenizer) })
    }

    /// The byte tokenizer as a byte-level BPE without merges: token `b` is byte `b`.
    pub(super) fn bytes() -> Self {
        let vocab = gpt2_byte_chars().into_iter().enumerate().map(|(byte, c)| (c.to_string(), byte as u32));
        let bpe = BPE::builder()
            .vocab_and_merges(vocab.collect::<Vocab>(), Vec::new())
            .build()
            .expect("a vocabulary of the 256 byte characters builds");
        let byte_level = ByteLevel::new(false, true, true);
        let mut tokenizer = tokenizers::Tokenizer::new(bpe);
        tokenizer.with_pre_tokenizer(Some(byte_level));
        tokenizer.with_decoder(Some(byte_level));
        Self { source: "bytes".into(), tokenizer: Box::new(tokenizer) }
    }

    pub(super) fn from_json(json: &[u8], source: &str) -> Result<Self, TokenizerError> {
        let tokenizer =
            tokenizers::Tokenizer::from_bytes(json).map_err(|e| TokenizerError::Unparsable(e.to_string()))?;
        if tokenizer.get_vocab_size(true) == 0 {
            return Err(TokenizerError::Unparsable("its vocabulary is empty".into()));
        }
        Ok(Self { source: source.into(), tokenizer: Box::new(tokenizer) })
    }

    /// A tokenizer trained here (see `word_level.rs`), named for people by `source`.
    pub(super) fn trained(source: &str, tokenizer: tokenizers::Tokenizer) -> Self {
        Self { source: source.into(), tokenizer: Box::new(tokenizer) }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many tokens it has, added (special) tokens included.
    pub fn token_count(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Its ids lie below this: the largest id + 1. A `tokenizer.json` may leave gaps in its
    /// ids, so this can exceed the token count; a model needs an embedding for every id below it.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab(true).values().max().map_or(0, |&id| id as usize + 1)
    }

    pub(super) fn token_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    /// The id its model gives text it has no token for; `None` where every text has tokens
    /// (byte-level BPEs) or the model names none.
    pub(super) fn unknown_id(&self) -> Option<u32> {
        match self.tokenizer.get_model() {
            ModelWrapper::BPE(bpe) => bpe.unk_token.as_deref().and_then(|unk| self.token_id(unk)),
            ModelWrapper::WordPiece(word_piece) => self.token_id(&word_piece.unk_token),
            ModelWrapper::WordLevel(word_level) => self.token_id(&word_level.unk_token),
            // `tokenizers` keeps a Unigram's unknown id private; its JSON names it.
            ModelWrapper::Unigram(unigram) => {
                serde_json::to_value(unigram).ok()?["unk_id"].as_u64().map(|id| id as u32)
            }
        }
    }

    pub(super) fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        Ok(self.tokenizer.encode(text, false).map_err(failed)?.get_ids().to_vec())
    }

    /// The tokenizer's own decoding; where that has U+FFFD for bytes that are not UTF-8 and the
    /// tokenizer is byte-level, the bytes themselves, shown by `readable`.
    pub(super) fn decode(&self, tokens: &[u32]) -> String {
        let text = self.tokenizer.decode(tokens, false).unwrap_or_else(|e| format!("[undecodable: {e}]"));
        if !text.contains(char::REPLACEMENT_CHARACTER) {
            return text;
        }
        self.byte_level_bytes(tokens).map_or(text, |bytes| readable(&bytes))
    }

    /// The bytes a byte-level tokenizer's tokens stand for, as its decoder finds them before
    /// it makes text of them: each character of a token is a byte in GPT-2's table, and a
    /// token with a character outside it (an added token) stands for its own UTF-8. `None` for
    /// other decoders.
    fn byte_level_bytes(&self, tokens: &[u32]) -> Option<Vec<u8>> {
        if !matches!(self.tokenizer.get_decoder(), Some(DecoderWrapper::ByteLevel(_))) {
            return None;
        }
        let table = gpt2_byte_chars();
        let byte_of = |c: char| table.iter().position(|&t| t == c).map(|b| b as u8);
        let mut bytes = Vec::new();
        for token in tokens.iter().filter_map(|&id| self.tokenizer.id_to_token(id)) {
            match token.chars().map(byte_of).collect::<Option<Vec<u8>>>() {
                Some(token_bytes) => bytes.extend(token_bytes),
                None => bytes.extend(token.as_bytes()),
            }
        }
        Some(bytes)
    }

    pub(super) fn to_json(&self) -> Result<String, TokenizerError> {
        self.tokenizer.to_string(false).map_err(failed)
    }
}

/// The printable character GPT-2's byte-level scheme gives each byte, indexed by byte: printable
/// Latin-1 stands for itself, the other 68 bytes for U+0100 onwards in order. `tokenizers` keeps
/// this table private, and the byte tokenizer's export needs it in byte order.
fn gpt2_byte_chars() -> [char; 256] {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut others = (0x100..).filter_map(char::from_u32);
    std::array::from_fn(|byte| {
        let byte = byte as u8;
        if printable(byte) { char::from(byte) } else { others.next().expect("characters from U+0100 on") }
    })
}

pub(super) fn failed(e: tokenizers::Error) -> TokenizerError {
    TokenizerError::Failed(e.to_string())
}

impl PartialEq for HfTokenizer {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.to_json().ok() == other.to_json().ok()
    }
}

impl fmt::Debug for HfTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HfTokenizer({:?}, {} tokens)", self.source, self.token_count())
    }
}
