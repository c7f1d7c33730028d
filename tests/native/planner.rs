//! The time planner: exact token counts from the sizes, and times from a measured speed.

use gptlab::model::GptConfig;
use gptlab::train::{MeasuredSpeed, Plan, Preset, TrainConfig};

/// The tiny preset's sizes: 8 windows of 48 tokens, 384 tokens a step.
fn tiny() -> (GptConfig, TrainConfig) {
    (Preset::Tiny.model(256), TrainConfig { max_steps: 200, max_minutes: None, ..Preset::Tiny.training() })
}

#[test]
fn the_plan_counts_whole_steps_of_batch_times_context_tokens() {
    let (model, train) = tiny();
    let params = model.param_count() as u64;
    // 10 steps a second.
    let plan = Plan::new(&model, &train, 3840.0, 10.0);
    assert_eq!(plan.tokens_per_step, 384);
    assert_eq!(plan.parameters, params);
    assert_eq!((plan.run_steps, plan.run_tokens), (200, 76_800));
    assert!((plan.run_seconds - 20.0).abs() < 1e-9);
    assert!(!plan.run_limited_by_time);
    assert_eq!((plan.budget_steps, plan.budget_tokens), (6_000, 2_304_000));
    assert_eq!(plan.optimal_tokens, 20 * params);
    let optimal_steps = (20 * params).div_ceil(384);
    assert!((plan.optimal_seconds - optimal_steps as f64 / 10.0).abs() < 1e-9);
    assert!((plan.tokens_per_parameter(plan.budget_tokens) - 2_304_000.0 / params as f64).abs() < 1e-12);
}

#[test]
fn a_budget_holds_only_the_steps_that_finish_in_it() {
    let (model, train) = tiny();
    // 12.7 steps in one minute: 12 of them.
    let plan = Plan::new(&model, &train, 12.7 * 384.0 / 60.0, 1.0);
    assert_eq!((plan.budget_steps, plan.budget_tokens), (12, 12 * 384));
    assert_eq!(Plan::new(&model, &train, 3840.0, 0.0).budget_tokens, 0);
}

#[test]
fn a_time_limit_that_ends_the_run_first_shortens_it() {
    let (model, train) = tiny();
    let limited = TrainConfig { max_minutes: Some(0.1), ..train.clone() }; // 6 s: 60 steps
    let plan = Plan::new(&model, &limited, 3840.0, 10.0);
    assert_eq!((plan.run_steps, plan.run_tokens), (60, 60 * 384));
    assert!(plan.run_limited_by_time);
    let roomy = TrainConfig { max_minutes: Some(60.0), ..train };
    assert_eq!(Plan::new(&model, &roomy, 3840.0, 10.0).run_steps, 200);
}

#[test]
fn the_summary_says_what_fits_in_the_budget_beside_the_compute_optimal_ratio() {
    let (model, train) = tiny();
    let plan = Plan::new(&model, &train, 3840.0, 10.0);
    let summary = plan.summary();
    let per_parameter = 2_304_000.0 / model.param_count() as f64;
    let expected = format!("In 10 minutes: ~2.30M tokens, {per_parameter:.0} tokens per parameter.");
    assert!(summary.contains(&expected), "{summary}\nlacks {expected}");
    assert!(summary.starts_with("200 steps take ~20 s and show the model 76.8k tokens"), "{summary}");
    assert!(summary.contains("20 tokens per parameter (compute-optimal)"), "{summary}");
}

#[test]
fn a_speed_holds_only_for_the_sizes_and_batch_it_was_measured_for() {
    let (model, train) = tiny();
    let speed = MeasuredSpeed {
        model: model.clone(),
        batch_size: train.batch_size,
        tokens_per_second: 1000.0,
        device: "CPU".into(),
    };
    assert!(speed.applies_to(&model, train.batch_size));
    assert!(!speed.applies_to(&model, train.batch_size * 2));
    assert!(!speed.applies_to(&model.clone().with_n_layer(3), train.batch_size));
}
