//! The time planner: from the speed measured on this device for the chosen sizes, what the
//! chosen steps cost, what fits in a budget of minutes, and how far that is from
//! compute-optimal training. Plain arithmetic on whole steps: a run shows its model
//! `batch_size × block_size` tokens a step, never part of a step.

use serde::{Deserialize, Serialize};

use super::TrainConfig;
use crate::format;
use crate::model::GptConfig;

/// Tokens per parameter at which a given amount of compute trains the best model (Hoffmann et
/// al. 2022, "Chinchilla"): a reference, not a rule; a small model in a tab usually sees fewer.
pub const COMPUTE_OPTIMAL_TOKENS_PER_PARAMETER: u64 = 20;

/// The training speed measured on a device for a model's sizes and a batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredSpeed {
    pub model: GptConfig,
    pub batch_size: usize,
    pub tokens_per_second: f64,
    /// The device's label.
    pub device: String,
}

impl MeasuredSpeed {
    /// Whether it holds for a run of `model` at `batch_size`: the same sizes and batch.
    pub fn applies_to(&self, model: &GptConfig, batch_size: usize) -> bool {
        self.model == *model && self.batch_size == batch_size
    }
}

/// What a run of given sizes costs at a given speed.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub tokens_per_second: f64,
    pub tokens_per_step: u64,
    pub parameters: u64,
    /// The chosen run: its steps (fewer where its own time limit ends it first), the tokens
    /// they show the model, the seconds they take.
    pub run_steps: u64,
    pub run_tokens: u64,
    pub run_seconds: f64,
    /// The run's time limit ends it before its last step.
    pub run_limited_by_time: bool,
    /// What fits in the budget, in whole steps.
    pub budget_minutes: f64,
    pub budget_steps: u64,
    pub budget_tokens: u64,
    /// Compute-optimal training: its tokens, and the time its steps take.
    pub optimal_tokens: u64,
    pub optimal_seconds: f64,
}

impl Plan {
    /// The plan for `model` trained with `train` at `tokens_per_second`, and what fits in
    /// `budget_minutes`.
    pub fn new(model: &GptConfig, train: &TrainConfig, tokens_per_second: f64, budget_minutes: f64) -> Self {
        let tokens_per_step = (train.batch_size * model.block_size).max(1) as u64;
        let seconds_for = |steps: u64| (steps * tokens_per_step) as f64 / tokens_per_second;
        let steps_in =
            |minutes: f64| (minutes.max(0.0) * 60.0 * tokens_per_second / tokens_per_step as f64) as u64;
        let chosen = train.max_steps as u64;
        let run_steps = train.max_minutes.map_or(chosen, |minutes| chosen.min(steps_in(minutes)));
        let budget_steps = steps_in(budget_minutes);
        let parameters = model.param_count() as u64;
        let optimal_tokens = parameters.saturating_mul(COMPUTE_OPTIMAL_TOKENS_PER_PARAMETER);
        Self {
            tokens_per_second,
            tokens_per_step,
            parameters,
            run_steps,
            run_tokens: run_steps * tokens_per_step,
            run_seconds: seconds_for(run_steps),
            run_limited_by_time: run_steps < chosen,
            budget_minutes,
            budget_steps,
            budget_tokens: budget_steps * tokens_per_step,
            optimal_tokens,
            optimal_seconds: seconds_for(optimal_tokens.div_ceil(tokens_per_step)),
        }
    }

    pub fn tokens_per_parameter(&self, tokens: u64) -> f64 {
        tokens as f64 / self.parameters.max(1) as f64
    }

    /// The plan in words: the chosen run, the budget, and the compute-optimal reference.
    pub fn summary(&self) -> String {
        let run = format!(
            "{} steps take ~{} and show the model {} tokens ({} per parameter){}.",
            self.run_steps,
            format::span(self.run_seconds),
            format::count(self.run_tokens),
            ratio(self.tokens_per_parameter(self.run_tokens)),
            if self.run_limited_by_time { ", where the run's time limit ends it" } else { "" },
        );
        let budget = format!(
            "In {} minutes: ~{} tokens, {} tokens per parameter.",
            format::setting(self.budget_minutes),
            format::count(self.budget_tokens),
            ratio(self.tokens_per_parameter(self.budget_tokens)),
        );
        let optimal = format!(
            "{COMPUTE_OPTIMAL_TOKENS_PER_PARAMETER} tokens per parameter (compute-optimal): {} tokens, ~{}.",
            format::count(self.optimal_tokens),
            format::span(self.optimal_seconds),
        );
        format!("{run} {budget} {optimal}")
    }
}

/// Tokens per parameter to two or three figures: `0.05`, `3.6`, `62`.
fn ratio(x: f64) -> String {
    match x {
        x if x < 1.0 => format!("{x:.2}"),
        x if x < 10.0 => format!("{x:.1}"),
        x => format!("{x:.0}"),
    }
}
