//! A look inside the model for the page: where each token of a prompt looks in every layer and
//! head, before training and now, and which tokens of a validation line it finds hard.

use burn::prelude::*;

use super::effects::Effects;
use super::protocol::{AttentionMaps, AttentionView, Event, LineLosses};
use super::{Session, SessionError};
use crate::model::{Gpt, read_floats};
use crate::sample::{check_prompt, device_of, token_row};
use crate::tokenize::Tokenizer;

/// The most tokens a map shows: a `t x t` grid per head stays readable.
const MAX_MAP_TOKENS: usize = 32;
/// The most tokens of the validation line shown with their losses.
const MAX_LINE_TOKENS: usize = 64;
/// Characters of the validation text looked at for its first line (the text may be large).
const LINE_PREFIX_CHARS: usize = 400;

impl Session {
    /// Posts the attention maps of `prompt` under the current model (and the run's untrained
    /// one, when kept), with the per-token losses of the run's first validation line.
    pub(super) async fn attention(&self, prompt: String, fx: &mut impl Effects) -> Result<(), SessionError> {
        let (model, info) = self.current_model()?;
        let tokenizer = &info.tokenizer;
        let ids = last_tokens(tokenizer.encode(&prompt)?, MAX_MAP_TOKENS.min(model.block_size()));
        check_prompt(&model, &ids)?;
        let now = attention_maps(&model, &ids).await?;
        let before = match self.run.as_ref().and_then(|run| run.untrained.as_ref()) {
            Some(untrained) => Some(attention_maps(untrained, &ids).await?),
            None => None,
        };
        let line = match self.run.as_ref().map(|run| run.corpus.validation.as_str()) {
            Some(validation) => line_losses(&model, tokenizer, validation).await?,
            None => None,
        };
        let tokens = ids.iter().map(|&id| tokenizer.decode(&[id])).collect();
        fx.post(Event::Attention(Box::new(AttentionView { prompt, tokens, now, before, line })));
        Ok(())
    }
}

/// Every layer's attention over `ids`, read back as plain numbers.
async fn attention_maps(model: &Gpt, ids: &[u32]) -> Result<AttentionMaps, SessionError> {
    let maps = model.attention_maps(token_row(ids, &device_of(model))); // n_layer x [1, nh, t, t]
    let [_, n_head, seq, _] = maps[0].dims();
    let n_layer = maps.len();
    let weights = read_floats(Tensor::cat(maps, 0)).await.map_err(SessionError::LostDevice)?; // [n_layer, nh, t, t]
    Ok(AttentionMaps { n_layer, n_head, seq, weights })
}

/// The first non-empty line of `validation`, its tokens each with the loss of predicting it;
/// `None` where no line has two tokens.
async fn line_losses(
    model: &Gpt,
    tokenizer: &Tokenizer,
    validation: &str,
) -> Result<Option<LineLosses>, SessionError> {
    let prefix: String = validation.chars().take(LINE_PREFIX_CHARS).collect();
    let Some(line) = prefix.lines().map(str::trim_end).find(|line| !line.trim().is_empty()) else {
        return Ok(None);
    };
    let mut ids = tokenizer.encode(line)?;
    ids.truncate(MAX_LINE_TOKENS.min(model.block_size() + 1));
    if ids.len() < 2 {
        return Ok(None);
    }
    check_prompt(model, &ids)?;
    let losses = read_floats(model.token_losses(token_row(&ids, &device_of(model))))
        .await
        .map_err(SessionError::LostDevice)?; // [t - 1]
    let text = |id: u32| tokenizer.decode(&[id]);
    let tokens = ids[1..].iter().zip(losses).map(|(&id, loss)| (text(id), loss)).collect();
    Ok(Some(LineLosses { first: text(ids[0]), tokens }))
}

/// The last `n` of `ids`: what the model reads of a long prompt.
fn last_tokens(mut ids: Vec<u32>, n: usize) -> Vec<u32> {
    ids.drain(..ids.len().saturating_sub(n));
    ids
}
