//! What a checkpoint may ask of the page. A file is untrusted: metadata that would keep the page
//! busy for hours (a million prompts to sample) or take memory it cannot spare is refused before
//! anything else is read.

use super::{CheckpointError, TrainingState};
use crate::format;

/// The safetensors header: the tensor table and the metadata, with the whole `tokenizer.json`
/// (GPT-2's is 1.4 MB) and the loss chart.
pub const MAX_HEADER_BYTES: u64 = 16_000_000;
/// Prompts sampled before and after training, and the length of each.
pub const MAX_PROMPTS: usize = 16;
pub const MAX_PROMPT_BYTES: usize = 1_000;
/// The data set's name, which the model card shows.
pub const MAX_NAME_BYTES: usize = 1_000;
/// Points of each loss curve: a million steps.
pub const MAX_CHART_POINTS: usize = 1_000_000;
pub const MAX_RECENT_LOSSES: usize = 1_000;

/// The header's length, checked before the header is parsed. A length the file cannot hold is
/// the parser's to refuse: the file is then no safetensors file at all.
pub(super) fn check_header(bytes: &[u8]) -> Result<(), CheckpointError> {
    let Some(length) = bytes.first_chunk::<8>().map(|b| u64::from_le_bytes(*b)) else { return Ok(()) };
    let present = length <= bytes.len() as u64 - 8;
    let found = || format!("a {} header", format::bytes(length));
    over(present && length > MAX_HEADER_BYTES, found, || format::bytes(MAX_HEADER_BYTES))
}

pub(super) fn check_training(training: &TrainingState) -> Result<(), CheckpointError> {
    let count = |n: usize, what: &str| format!("{n} {what}");
    if let Some(prompts) = &training.prompts {
        let inputs = &prompts.inputs;
        over(inputs.len() > MAX_PROMPTS, || count(inputs.len(), "prompts"), || MAX_PROMPTS.to_string())?;
        let longest = inputs.iter().map(String::len).max().unwrap_or(0);
        over(
            longest > MAX_PROMPT_BYTES,
            || count(longest, "bytes in a prompt"),
            || MAX_PROMPT_BYTES.to_string(),
        )?;
    }
    let name = training.dataset.len();
    over(
        name > MAX_NAME_BYTES,
        || count(name, "bytes in its data set's name"),
        || MAX_NAME_BYTES.to_string(),
    )?;
    let recent = training.recent_losses.len();
    over(recent > MAX_RECENT_LOSSES, || count(recent, "recent losses"), || MAX_RECENT_LOSSES.to_string())?;
    let identity = training.run.as_ref().map_or(0, |r| r.id.len().max(r.corpus_hash.len()));
    over(
        identity > MAX_NAME_BYTES,
        || count(identity, "bytes in its run's id"),
        || MAX_NAME_BYTES.to_string(),
    )?;
    let history = &training.history;
    let points = history.train.len().max(history.validation.len());
    over(
        points > MAX_CHART_POINTS,
        || count(points, "points of a loss curve"),
        || MAX_CHART_POINTS.to_string(),
    )
}

fn over(
    exceeded: bool,
    found: impl FnOnce() -> String,
    limit: impl FnOnce() -> String,
) -> Result<(), CheckpointError> {
    if exceeded { Err(CheckpointError::OverLimit { found: found(), limit: limit() }) } else { Ok(()) }
}
