//! Tokenizers in Hugging Face's `tokenizer.json` format: byte-level BPE training, and Hub files.
//!
//! A tokenizer is kept as its JSON. The page's interface carries, saves and describes it without
//! the `tokenizers` crate (a third of its module's size); the engine parses the JSON with the
//! crate when it first encodes or decodes.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::TokenizerError;
#[cfg(feature = "engine")]
use {
    super::readable,
    std::sync::OnceLock,
    tokenizers::decoders::DecoderWrapper,
    tokenizers::models::bpe::{BPE, BpeTrainerBuilder, Vocab},
    tokenizers::models::{ModelWrapper, TrainerWrapper},
    tokenizers::pre_tokenizers::byte_level::ByteLevel,
};

/// The smallest BPE vocabulary: the 256 bytes and no merges.
pub const MIN_BPE_VOCAB: usize = 256;
/// The largest BPE vocabulary the page trains: beyond it the embedding and the logits dominate a
/// small model, and the logits of a batch outgrow what a browser's GPU buffers hold.
pub const MAX_BPE_VOCAB: usize = 32_768;

/// A Hugging Face tokenizer and where it came from.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct HfTokenizer {
    /// For people: "BPE trained here" or the Hub model id.
    source: String,
    /// The `tokenizer.json`. Shared: the page copies tokenizers between signals and messages,
    /// and a Hub model's has tens of thousands of tokens.
    json: Arc<Value>,
    /// Read from `json` once.
    vocabulary: Vocabulary,
    /// `json` as `tokenizers` reads it, parsed when first needed.
    #[cfg(feature = "engine")]
    parsed: OnceLock<Result<Arc<tokenizers::Tokenizer>, TokenizerError>>,
}

/// How an `HfTokenizer` is saved: its source and its `tokenizer.json` nested as JSON.
#[derive(Serialize, Deserialize)]
struct Stored {
    source: String,
    tokenizer: Arc<Value>,
}

/// A tokenizer's tokens as `tokenizers` counts them: the model's vocabulary and the added
/// (special) tokens, a token in both counted once.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Vocabulary {
    tokens: usize,
    /// The largest id + 1.
    size: usize,
}

impl HfTokenizer {
    /// A tokenizer from a `tokenizer.json`: refused here if it is not JSON or names no tokens.
    /// The engine also parses it at once, so a file `tokenizers` cannot read is refused there.
    pub(super) fn from_json(json: &[u8], source: &str) -> Result<Self, TokenizerError> {
        let json: Value =
            serde_json::from_slice(json).map_err(|e| TokenizerError::Unparsable(e.to_string()))?;
        let tokenizer = Self::new(source.into(), Arc::new(json))?;
        #[cfg(feature = "engine")]
        tokenizer.parsed()?;
        Ok(tokenizer)
    }

    fn new(source: String, json: Arc<Value>) -> Result<Self, TokenizerError> {
        let vocabulary = vocabulary(&json).map_err(TokenizerError::Unparsable)?;
        Ok(Self {
            source,
            json,
            vocabulary,
            #[cfg(feature = "engine")]
            parsed: OnceLock::new(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many tokens it has, added (special) tokens included.
    pub fn token_count(&self) -> usize {
        self.vocabulary.tokens
    }

    /// Its ids lie below this: the largest id + 1. A `tokenizer.json` may leave gaps in its
    /// ids, so this can exceed the token count; a model needs an embedding for every id below it.
    pub fn vocab_size(&self) -> usize {
        self.vocabulary.size
    }
}

/// Reads the tokens of a `tokenizer.json` as `tokenizers` does (`get_vocab(true)`), without it.
fn vocabulary(json: &Value) -> Result<Vocabulary, String> {
    let unreadable = |what: &str| format!("its {what} is not a list of tokens and ids");
    let mut ids: HashMap<&str, u64> = HashMap::new();
    match &json["model"]["vocab"] {
        Value::Object(vocab) => {
            for (token, id) in vocab {
                ids.insert(token, id.as_u64().ok_or_else(|| unreadable("model vocabulary"))?);
            }
        }
        // A Unigram model lists `[piece, score]` pairs: a piece's id is its place in the list.
        Value::Array(pieces) => {
            for (id, piece) in pieces.iter().enumerate() {
                ids.insert(piece[0].as_str().ok_or_else(|| unreadable("model vocabulary"))?, id as u64);
            }
        }
        _ => return Err("it has no model vocabulary".into()),
    }
    for added in json["added_tokens"].as_array().into_iter().flatten() {
        let token = added["content"].as_str().ok_or_else(|| unreadable("added_tokens"))?;
        ids.insert(token, added["id"].as_u64().ok_or_else(|| unreadable("added_tokens"))?);
    }
    let largest = ids.values().max().ok_or("its vocabulary is empty")?;
    Ok(Vocabulary { tokens: ids.len(), size: *largest as usize + 1 })
}

impl TryFrom<Stored> for HfTokenizer {
    type Error = TokenizerError;

    fn try_from(stored: Stored) -> Result<Self, TokenizerError> {
        Self::new(stored.source, stored.tokenizer)
    }
}

impl From<HfTokenizer> for Stored {
    fn from(hf: HfTokenizer) -> Self {
        Stored { source: hf.source, tokenizer: hf.json }
    }
}

/// What the engine does with a tokenizer: train one, and encode and decode with `tokenizers`.
#[cfg(feature = "engine")]
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
        Self::trained("BPE trained here", tokenizer)
    }

    /// The byte tokenizer as a byte-level BPE without merges: token `b` is byte `b`.
    pub(super) fn bytes() -> Result<Self, TokenizerError> {
        let vocab = gpt2_byte_chars().into_iter().enumerate().map(|(byte, c)| (c.to_string(), byte as u32));
        let bpe = BPE::builder()
            .vocab_and_merges(vocab.collect::<Vocab>(), Vec::new())
            .build()
            .expect("a vocabulary of the 256 byte characters builds");
        let byte_level = ByteLevel::new(false, true, true);
        let mut tokenizer = tokenizers::Tokenizer::new(bpe);
        tokenizer.with_pre_tokenizer(Some(byte_level));
        tokenizer.with_decoder(Some(byte_level));
        Self::trained("bytes", tokenizer)
    }

    /// A tokenizer made here (see `word_level.rs`), named for people by `source`.
    pub(super) fn trained(source: &str, tokenizer: tokenizers::Tokenizer) -> Result<Self, TokenizerError> {
        let json = serde_json::to_value(&tokenizer).map_err(|e| TokenizerError::Failed(e.to_string()))?;
        let made = Self::new(source.into(), Arc::new(json))?;
        let _ = made.parsed.set(Ok(Arc::new(tokenizer)));
        Ok(made)
    }

    /// The JSON as `tokenizers` reads it, or why it cannot.
    fn parsed(&self) -> Result<&tokenizers::Tokenizer, TokenizerError> {
        let parse = || {
            tokenizers::Tokenizer::deserialize(&*self.json)
                .map(Arc::new)
                .map_err(|e| TokenizerError::Unparsable(e.to_string()))
        };
        self.parsed.get_or_init(parse).as_deref().map_err(Clone::clone)
    }

    pub(super) fn token_id(&self, token: &str) -> Option<u32> {
        self.parsed().ok()?.token_to_id(token)
    }

    /// The id its model gives text it has no token for; `None` where every text has tokens
    /// (byte-level BPEs) or the model names none.
    pub(super) fn unknown_id(&self) -> Option<u32> {
        match self.parsed().ok()?.get_model() {
            ModelWrapper::BPE(bpe) => bpe.unk_token.as_deref().and_then(|unk| self.token_id(unk)),
            ModelWrapper::WordPiece(word_piece) => self.token_id(&word_piece.unk_token),
            ModelWrapper::WordLevel(word_level) => self.token_id(&word_level.unk_token),
            // `tokenizers` keeps a Unigram's unknown id private; its JSON names it.
            ModelWrapper::Unigram(_) => self.json["model"]["unk_id"].as_u64().map(|id| id as u32),
        }
    }

    pub(super) fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        Ok(self.parsed()?.encode(text, false).map_err(failed)?.get_ids().to_vec())
    }

    /// The tokenizer's own decoding; where that has U+FFFD for bytes that are not UTF-8 and the
    /// tokenizer is byte-level, the bytes themselves, shown by `readable`.
    pub(super) fn decode(&self, tokens: &[u32]) -> String {
        let decoded = self.parsed().and_then(|t| t.decode(tokens, false).map_err(failed));
        let text = decoded.unwrap_or_else(|e| format!("[undecodable: {e}]"));
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
        let tokenizer = self.parsed().ok()?;
        if !matches!(tokenizer.get_decoder(), Some(DecoderWrapper::ByteLevel(_))) {
            return None;
        }
        let table = gpt2_byte_chars();
        let byte_of = |c: char| table.iter().position(|&t| t == c).map(|b| b as u8);
        let mut bytes = Vec::new();
        for token in tokens.iter().filter_map(|&id| tokenizer.id_to_token(id)) {
            match token.chars().map(byte_of).collect::<Option<Vec<u8>>>() {
                Some(token_bytes) => bytes.extend(token_bytes),
                None => bytes.extend(token.as_bytes()),
            }
        }
        Some(bytes)
    }

    /// The `tokenizer.json` as `tokenizers` writes it.
    pub(super) fn to_json(&self) -> Result<String, TokenizerError> {
        self.parsed()?.to_string(false).map_err(failed)
    }
}

/// The printable character GPT-2's byte-level scheme gives each byte, indexed by byte: printable
/// Latin-1 stands for itself, the other 68 bytes for U+0100 onwards in order. `tokenizers` keeps
/// this table private, and the byte tokenizer's export needs it in byte order.
#[cfg(feature = "engine")]
fn gpt2_byte_chars() -> [char; 256] {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut others = (0x100..).filter_map(char::from_u32);
    std::array::from_fn(|byte| {
        let byte = byte as u8;
        if printable(byte) { char::from(byte) } else { others.next().expect("characters from U+0100 on") }
    })
}

#[cfg(feature = "engine")]
pub(super) fn failed(e: tokenizers::Error) -> TokenizerError {
    TokenizerError::Failed(e.to_string())
}

impl PartialEq for HfTokenizer {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.json == other.json
    }
}

impl fmt::Debug for HfTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HfTokenizer({:?}, {} tokens)", self.source, self.token_count())
    }
}
