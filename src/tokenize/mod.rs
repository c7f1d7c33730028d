//! Text to token ids and back. The tokenizer travels inside the checkpoint, so it serialises to
//! JSON: the byte tokenizer as its name, a Hugging Face tokenizer as its whole `tokenizer.json`.
//!
//! The page's interface builds without the engine (see `main.rs`): it holds, describes and sends
//! tokenizers, and splits text only with the byte tokenizer; training, encoding and decoding
//! with a Hugging Face tokenizer are the engine's (`#[cfg(feature = "engine")]`).

mod bits;
#[cfg(feature = "engine")]
mod chunks;
mod compare;
mod huggingface;
mod lab;
mod readable;
mod word_level;

use serde::{Deserialize, Serialize};

pub use bits::bits_per_byte;
#[cfg(feature = "engine")]
pub use bits::bytes_per_token;
pub use compare::Comparison;
#[cfg(feature = "engine")]
pub use compare::compare;
pub use huggingface::{HfTokenizer, MAX_BPE_VOCAB, MIN_BPE_VOCAB};
#[cfg(feature = "engine")]
pub use lab::compare_recipes;
pub use lab::{COMPARED_BPE_VOCABS, COMPARED_WORD_VOCAB, METRICS, Metric, Recipe, offered, sample_sentence};
pub use readable::{printable, readable};
pub use word_level::{MAX_WORD_VOCAB, MIN_WORD_VOCAB, UNKNOWN_TOKEN};

/// How a Hub model's tokenizer names its source, before the model id; it travels in checkpoints.
const HUB_SOURCE: &str = "tokenizer.json of ";

/// Which tokenizer a model reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tokenizer {
    /// One token per UTF-8 byte: vocabulary 256, no training, any text round-trips exactly.
    #[default]
    Bytes,
    /// A byte-level BPE, words or characters trained on the user's text, or a Hub model's
    /// `tokenizer.json`.
    HuggingFace(HfTokenizer),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenizerError {
    #[error("a BPE vocabulary must have between {MIN_BPE_VOCAB} and {MAX_BPE_VOCAB} tokens, not {0}")]
    VocabSize(usize),
    #[error("a word vocabulary must have between {MIN_WORD_VOCAB} and {MAX_WORD_VOCAB} tokens, not {0}")]
    WordVocabSize(usize),
    #[error("there is no text to train a tokenizer on")]
    NoText,
    #[error("this tokenizer.json does not parse: {0}")]
    Unparsable(String),
    #[error("the tokenizer failed: {0}")]
    Failed(String),
}

/// One token of a text, for showing how the text splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    pub id: u32,
    /// The text the token stands for.
    pub text: String,
}

impl Tokenizer {
    /// A Hub model's `tokenizer.json`, named as such (see `pretrained`).
    pub fn from_hub(json: &[u8], model: &str) -> Result<Tokenizer, TokenizerError> {
        Tokenizer::from_json(json, &format!("{HUB_SOURCE}{model}"))
    }

    /// A tokenizer from a `tokenizer.json`, as Hugging Face Hub models ship them.
    pub fn from_json(json: &[u8], source: &str) -> Result<Tokenizer, TokenizerError> {
        HfTokenizer::from_json(json, source).map(Tokenizer::HuggingFace)
    }

    /// Every id it makes lies below this: the embeddings a model reading it needs.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Bytes => 256,
            Tokenizer::HuggingFace(hf) => hf.vocab_size(),
        }
    }

    /// A Hub model's tokenizer (see `from_hub`); `None` for tokenizers made here.
    pub fn pretrained(&self) -> Option<&HfTokenizer> {
        match self {
            Tokenizer::HuggingFace(hf) if hf.source().starts_with(HUB_SOURCE) => Some(hf),
            _ => None,
        }
    }

    /// What the tokenizer is, in a few words for the page.
    pub fn describe(&self) -> String {
        match self {
            Tokenizer::Bytes => "bytes (256 tokens)".into(),
            Tokenizer::HuggingFace(hf) => format!("{} ({} tokens)", hf.source(), hf.token_count()),
        }
    }
}

/// The byte tokenizer's tokens of `text`: one per byte. The bytes of a character outside ASCII
/// show as `\xNN`.
pub fn byte_pieces(text: &str) -> Vec<Piece> {
    let piece = |byte: u8| Piece {
        id: u32::from(byte),
        text: if byte.is_ascii() { char::from(byte).to_string() } else { format!("\\x{byte:02x}") },
    };
    text.bytes().map(piece).collect()
}

/// What the engine does with a tokenizer.
#[cfg(feature = "engine")]
impl Tokenizer {
    /// Trains a byte-level BPE on `text` with up to `vocab_size` tokens (the 256 bytes plus merges).
    pub fn train_bpe(text: &str, vocab_size: usize) -> Result<Tokenizer, TokenizerError> {
        HfTokenizer::train_bpe(text, vocab_size).map(Tokenizer::HuggingFace)
    }

    /// One token per word of `text` (see `word_level::WORD_PATTERN`): its `max_vocab - 1` most
    /// frequent words and `[UNK]` for the others; `max_vocab` lies in `MIN_WORD_VOCAB..=MAX_WORD_VOCAB`.
    pub fn train_words(text: &str, max_vocab: usize) -> Result<Tokenizer, TokenizerError> {
        word_level::train_words(text, max_vocab).map(Tokenizer::HuggingFace)
    }

    /// One token per character of `text` and `[UNK]` for characters it lacks.
    pub fn train_chars(text: &str) -> Result<Tokenizer, TokenizerError> {
        word_level::train_chars(text).map(Tokenizer::HuggingFace)
    }

    /// The `tokenizer.json` Hugging Face's libraries read. The byte tokenizer becomes a byte-level
    /// BPE without merges whose ids are the bytes, so it encodes every text the same way.
    pub fn to_hf_json(&self) -> Result<String, TokenizerError> {
        match self {
            Tokenizer::Bytes => HfTokenizer::bytes()?.to_json(),
            Tokenizer::HuggingFace(hf) => hf.to_json(),
        }
    }

    /// The id of a token given by its text, such as `<|endoftext|>`; the byte tokenizer has none.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        match self {
            Tokenizer::Bytes => None,
            Tokenizer::HuggingFace(hf) => hf.token_id(token),
        }
    }

    /// The id of text it has no token for; `None` where every text has tokens (bytes, byte-level BPEs).
    pub fn unknown_id(&self) -> Option<u32> {
        match self {
            Tokenizer::Bytes => None,
            Tokenizer::HuggingFace(hf) => hf.unknown_id(),
        }
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        match self {
            Tokenizer::Bytes => Ok(text.bytes().map(u32::from).collect()),
            Tokenizer::HuggingFace(hf) => hf.encode(text),
        }
    }

    /// Text for a token sequence, to show. A model may emit bytes that are not valid UTF-8; each
    /// such byte shows as `\xNN` (see `readable`) rather than failing the whole sample, and a
    /// character whose bytes came in several tokens shows whole.
    pub fn decode(&self, tokens: &[u32]) -> String {
        match self {
            Tokenizer::Bytes => {
                let bytes: Vec<u8> = tokens.iter().map(|&t| t as u8).collect();
                readable(&bytes)
            }
            Tokenizer::HuggingFace(hf) => hf.decode(tokens),
        }
    }

    /// The tokens of `text`, each with the text it stands for. The bytes of a token that holds
    /// only part of a character show as `\xNN`.
    pub fn pieces(&self, text: &str) -> Result<Vec<Piece>, TokenizerError> {
        match self {
            Tokenizer::Bytes => Ok(byte_pieces(text)),
            Tokenizer::HuggingFace(hf) => {
                let ids = hf.encode(text)?;
                Ok(ids.into_iter().map(|id| Piece { id, text: hf.decode(&[id]) }).collect())
            }
        }
    }
}
