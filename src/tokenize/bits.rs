//! Bits per byte: a loss that does not depend on the tokenizer. A loss per token favours
//! tokenizers with few, long tokens; per byte of text, models over any tokenizers compare.

use std::f64::consts::LN_2;
#[cfg(feature = "engine")]
use std::ops::ControlFlow;

#[cfg(feature = "engine")]
use super::{Tokenizer, TokenizerError, chunks::encode_in_chunks};

/// bits/byte = loss (nats/token) × tokens / (bytes × ln 2): the text's total loss over its bytes, in bits.
pub fn bits_per_byte(mean_loss_nats_per_token: f64, tokens: usize, bytes: usize) -> f64 {
    mean_loss_nats_per_token * tokens as f64 / (bytes as f64 * LN_2)
}

/// UTF-8 bytes of `text` per token `tokenizer` makes of it (1 for the byte tokenizer).
#[cfg(feature = "engine")]
pub fn bytes_per_token(tokenizer: &Tokenizer, text: &str) -> Result<f64, TokenizerError> {
    let mut tokens = 0;
    let never_stops = |_| ControlFlow::Continue(());
    let _finished = encode_in_chunks(tokenizer, text, |ids| tokens += ids.len(), never_stops)?;
    if tokens == 0 {
        return Err(TokenizerError::NoText);
    }
    Ok(text.len() as f64 / tokens as f64)
}
