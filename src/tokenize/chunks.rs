//! Encoding a long text a piece at a time, so tens of megabytes never become one vector of ids
//! and a worker can report progress and stop between pieces.

use std::ops::ControlFlow;

use super::{Tokenizer, TokenizerError};

/// The least a piece holds; it runs on to a suitable line end.
const CHUNK_BYTES: usize = 64 * 1024;

/// Encodes `text` piece by piece, handing each piece's ids to `each` and the share of `text` done
/// so far to `progress`, which may stop it. A piece ends at a line end followed by a character that
/// is not whitespace: no piece of GPT-2's pre-tokenizer (nor of the word and character tokenizers)
/// spans such a seam, so those tokenizers count the same tokens as for the whole text.
pub(super) fn encode_in_chunks(
    tokenizer: &Tokenizer,
    text: &str,
    mut each: impl FnMut(&[u32]),
    mut progress: impl FnMut(f64) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, TokenizerError> {
    let mut done = 0;
    for chunk in chunks(text) {
        each(&tokenizer.encode(chunk)?);
        done += chunk.len();
        if progress(done as f64 / text.len() as f64).is_break() {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// `text` cut into pieces of at least `CHUNK_BYTES`, each ending at a seam (see `encode_in_chunks`).
fn chunks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (chunk, after) = rest.split_at(chunk_end(rest));
        rest = after;
        Some(chunk)
    })
}

/// Where the first piece of `text` ends: after the first line end past `CHUNK_BYTES` that a
/// non-whitespace character follows, or at the end of `text`.
fn chunk_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut from = CHUNK_BYTES.min(bytes.len());
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'\n') {
        let end = from + offset + 1;
        // A line end is one byte that no multi-byte character contains: `end` is a boundary.
        if text[end..].chars().next().is_some_and(|c| !c.is_whitespace()) {
            return end;
        }
        from = end;
    }
    text.len()
}
