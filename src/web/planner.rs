//! The time planner: a budget in minutes and what it buys at the speed measured on this device
//! for the chosen sizes (a few timed steps, or the run's own speed while one trains).

use leptos::prelude::*;

use super::run::RunState;
use super::training::Commands;
use crate::format;
use crate::model::GptConfig;
use crate::session::protocol::{Command, RunSpec};
use crate::train::{MeasuredSpeed, Plan, TrainConfig};

#[component]
pub fn Planner(
    state: RunState,
    commands: Commands,
    /// The model's sizes, the vocabulary's included.
    #[prop(into)]
    model: Signal<GptConfig>,
    training: RwSignal<TrainConfig>,
    /// The run the Train button would start.
    spec: impl Fn() -> RunSpec + Copy + 'static,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let minutes = RwSignal::new(10.0);
    // A run's own speed is a measurement of its sizes too (they are locked while it trains).
    Effect::new(move || {
        let tokens_per_second = state.tokens_per_second.get();
        if state.phase.get().busy() && tokens_per_second > 0.0 {
            let device =
                state.device.with_untracked(|d| d.as_ref().map(|d| d.label.clone()).unwrap_or_default());
            let (model, batch_size) = (model.get_untracked(), training.with_untracked(|t| t.batch_size));
            state.speed.set(Some(MeasuredSpeed { model, batch_size, tokens_per_second, device }));
        }
    });
    let speed = move || {
        let (model, batch_size) = (model.get(), training.with(|t| t.batch_size));
        state.speed.get().filter(|speed| speed.applies_to(&model, batch_size))
    };
    let plan = move || {
        speed().map(|s| (Plan::new(&model.get(), &training.get(), s.tokens_per_second, minutes.get()), s))
    };
    let summary = move || match plan() {
        Some((plan, speed)) => format!(
            "At {} tokens/s on the {}: {}",
            format::count(speed.tokens_per_second as u64),
            speed.device,
            plan.summary()
        ),
        None => "Time a few steps of these sizes on this device to plan the run.".into(),
    };
    let on_minutes = move |ev| {
        if let Ok(value) = event_target_value(&ev).trim().parse::<f64>()
            && value.is_finite()
            && value >= 0.0
        {
            minutes.set(value);
        }
    };
    let figure = move |get: fn(&Plan) -> String| move || plan().map(|(plan, _)| get(&plan));
    view! {
        <section class="planner">
            <h3>"Time planner"</h3>
            <label>"In " <input data-testid="plan-minutes" type="number" min="0" step="any"
                prop:value=move || format::setting(minutes.get()) on:input=on_minutes /> " minutes"</label>
            " "
            <button data-testid="plan-measure" prop:disabled=busy
                on:click=move |_| commands.send(Command::MeasureSpeed(Box::new(spec())))>"Time a few steps"</button>
            <p data-testid="plan-summary" class="plan" aria-live="polite"
                data-tokens-per-second=move || speed().map(|s| s.tokens_per_second.to_string())
                data-tokens-per-step=figure(|p| p.tokens_per_step.to_string())
                data-budget-steps=figure(|p| p.budget_steps.to_string())
                data-budget-tokens=figure(|p| p.budget_tokens.to_string())
                data-run-tokens=figure(|p| p.run_tokens.to_string())>{summary}</p>
        </section>
    }
}
