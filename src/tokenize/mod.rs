//! Text to token ids and back. The tokenizer travels inside the checkpoint, so it is plain data.

use serde::{Deserialize, Serialize};

/// Which tokenizer a model reads. Bytes need no training and round-trip any text exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tokenizer {
    /// One token per UTF-8 byte: vocabulary 256.
    Bytes,
}

impl Tokenizer {
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Bytes => 256,
        }
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        match self {
            Tokenizer::Bytes => text.bytes().map(u32::from).collect(),
        }
    }

    /// Text for a token sequence. A model may emit bytes that are not valid UTF-8 on their own;
    /// those show as U+FFFD rather than failing the whole sample.
    pub fn decode(&self, tokens: &[u32]) -> String {
        match self {
            Tokenizer::Bytes => {
                let bytes: Vec<u8> = tokens.iter().map(|&t| t as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
        }
    }
}
