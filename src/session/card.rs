//! How the page describes models and runs, in a line each.

use crate::checkpoint::{self, CheckpointInfo};

/// What a loaded model is and how it was trained, in one line.
pub fn model_card(name: &str, info: &CheckpointInfo) -> String {
    let (m, t) = (&info.model, &info.training);
    let losses = match (t.recent_losses.last(), t.validation_loss) {
        (Some(train), Some(validation)) => format!("; last loss {train:.3}, validation {validation:.3}"),
        (Some(train), None) => format!("; last loss {train:.3}"),
        _ => String::new(),
    };
    // A model imported from elsewhere has no training record of gptlab's.
    let history =
        if t.step == 0 { t.dataset.clone() } else { format!("trained {} steps on {}", t.step, t.dataset) };
    let cleaning = match &t.cleaning {
        Some(settings) => {
            let steps: Vec<&str> = settings.steps().into_iter().map(|step| step.name()).collect();
            format!(", cleaned by {}", steps.join(", "))
        }
        None => String::new(),
    };
    let shared = match m.n_kv_head {
        Some(kv) if kv != m.n_head => format!(" ({kv} key/value heads)"),
        _ => String::new(),
    };
    format!(
        "{name}: {} layers, {} heads{shared}, {} wide, context {}, {} blocks, {} parameters, tokenizer {}; \
         {history}{cleaning}{losses}",
        m.n_layer,
        m.n_head,
        m.n_embd,
        m.block_size,
        m.family.label(),
        m.param_count(),
        info.tokenizer.describe(),
    )
}

/// A short name of a model's size for file names: `{layers}x{width}`.
pub fn model_name(info: &CheckpointInfo) -> String {
    format!("{}x{}", info.model.n_layer, info.model.n_embd)
}

/// The autosaved run the page offers to resume.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRunSummary {
    pub step: usize,
    pub description: String,
}

/// The autosaved checkpoint `bytes` described; `None` for a file that is no resumable run.
pub fn describe_saved_run(bytes: &[u8]) -> Option<SavedRunSummary> {
    let info = checkpoint::read_info(bytes).ok()?;
    let training = &info.training;
    let max_steps = training.config.as_ref()?.max_steps;
    let m = &info.model;
    let description = format!(
        "step {} of {max_steps}, {} layers × {} wide, on {}",
        training.step, m.n_layer, m.n_embd, training.dataset
    );
    Some(SavedRunSummary { step: training.step, description })
}
