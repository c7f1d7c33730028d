//! Several tokenizers side by side on one text: how many tokens each makes, how many it cannot
//! name, and what its vocabulary costs the model.

#[cfg(feature = "engine")]
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::Piece;
#[cfg(feature = "engine")]
use super::{Tokenizer, TokenizerError, chunks::encode_in_chunks};

/// What one tokenizer makes of a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    pub vocab_size: usize,
    /// Tokens of the whole text.
    pub tokens: usize,
    /// Per 1000 characters (not bytes) of the text: the shorter, the more text a context holds.
    pub tokens_per_1000_chars: f64,
    /// UTF-8 bytes of the text per token; bits per byte divides a loss by it (see `bits_per_byte`).
    pub bytes_per_token: f64,
    /// Share of the tokens that are the unknown token: text the model never sees. 0 for
    /// tokenizers without one (bytes, byte-level BPEs).
    pub unknown_rate: f64,
    /// Share of the tokens whose id occurs only once in the text: tokens too rare to learn.
    pub rare_rate: f64,
    /// `vocab_size × n_embd`: the token embedding, which is also the output head (the model ties
    /// them, see `model::Gpt`), so counted once.
    pub embedding_params: usize,
    /// The sample sentence as this tokenizer cuts it.
    pub sample: Vec<Piece>,
}

/// Compares `tokenizers`, each with its name, on `text`, and shows how each cuts `sample`.
/// `progress` hears the share of the work done and may stop it: then the result is `Break`.
#[cfg(feature = "engine")]
pub fn compare(
    tokenizers: &[(&str, &Tokenizer)],
    text: &str,
    sample: &str,
    n_embd: usize,
    mut progress: impl FnMut(f64) -> ControlFlow<()>,
) -> Result<ControlFlow<(), Vec<Comparison>>, TokenizerError> {
    if text.is_empty() {
        return Err(TokenizerError::NoText);
    }
    let chars = text.chars().count();
    let mut comparisons = Vec::with_capacity(tokenizers.len());
    for (index, &(name, tokenizer)) in tokenizers.iter().enumerate() {
        let overall = |share: f64| (index as f64 + share) / tokenizers.len() as f64;
        let ControlFlow::Continue(counts) = count(tokenizer, text, |share| progress(overall(share)))? else {
            return Ok(ControlFlow::Break(()));
        };
        comparisons.push(Comparison {
            name: name.into(),
            vocab_size: tokenizer.vocab_size(),
            tokens: counts.tokens,
            tokens_per_1000_chars: counts.tokens as f64 * 1000.0 / chars as f64,
            bytes_per_token: text.len() as f64 / counts.tokens as f64,
            unknown_rate: counts.unknown as f64 / counts.tokens as f64,
            rare_rate: counts.rare() as f64 / counts.tokens as f64,
            embedding_params: tokenizer.vocab_size() * n_embd,
            sample: tokenizer.pieces(sample)?,
        });
    }
    Ok(ControlFlow::Continue(comparisons))
}

/// How often a tokenizer uses its ids on a text.
#[cfg(feature = "engine")]
struct Counts {
    tokens: usize,
    unknown: usize,
    /// Uses of each id: one number per id, however long the text.
    per_id: Vec<u32>,
}

#[cfg(feature = "engine")]
impl Counts {
    /// Tokens whose id occurs once.
    fn rare(&self) -> usize {
        self.per_id.iter().filter(|&&uses| uses == 1).count()
    }
}

#[cfg(feature = "engine")]
fn count(
    tokenizer: &Tokenizer,
    text: &str,
    progress: impl FnMut(f64) -> ControlFlow<()>,
) -> Result<ControlFlow<(), Counts>, TokenizerError> {
    let unknown_id = tokenizer.unknown_id();
    let mut counts = Counts { tokens: 0, unknown: 0, per_id: vec![0; tokenizer.vocab_size()] };
    let each = |ids: &[u32]| {
        counts.tokens += ids.len();
        counts.unknown += ids.iter().filter(|&&id| Some(id) == unknown_id).count();
        for &id in ids {
            counts.per_id[id as usize] = counts.per_id[id as usize].saturating_add(1);
        }
    };
    if encode_in_chunks(tokenizer, text, each, progress)?.is_break() {
        return Ok(ControlFlow::Break(()));
    }
    Ok(ControlFlow::Continue(counts))
}
