//! The learning-rate finder: a button that runs the range test on a copy of the model the next
//! run would train, its loss-by-rate chart (rates on a log axis), and the suggested rate with a
//! button that makes it the run's learning rate.

use leptos::prelude::*;

use super::chart::{HEIGHT, PAD, WIDTH, value_ticks, x_at, y_of};
use super::run::RunState;
use super::training::Commands;
use crate::axis::{Axis, Scale};
use crate::format;
use crate::session::protocol::{Command, RunSpec};
use crate::train::{LrCurve, LrPoint, LrRange, TrainConfig};

#[component]
pub fn LrFinder(
    state: RunState,
    commands: Commands,
    training: RwSignal<TrainConfig>,
    /// The run the Train button would start.
    spec: impl Fn() -> RunSpec + Copy + 'static,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let finding = move || state.learning_rates.with(|l| l.as_ref().is_some_and(|l| !l.done));
    let find = move |_| commands.send(Command::FindLearningRate(Box::new(spec())));
    let apply = move |rate: f64| {
        training.update(|t| {
            t.learning_rate = rate;
            // The schedule decays from the peak to the floor: keep the floor below the peak.
            t.min_learning_rate = t.min_learning_rate.min(rate / 10.0);
        })
    };
    let range = LrRange::default();
    let result = move || {
        let (done, suggestion, steps) = state
            .learning_rates
            .with(|l| l.as_ref().map(|l| (l.done, l.suggestion, l.curve.points.len())))?;
        Some(match (done, suggestion) {
            (false, _) => view! { <span>{format!("trying rate {} of up to {}…", steps, range.steps)}</span> }.into_any(),
            (true, Some(rate)) => view! {
                <span>"Suggested learning rate: "
                    <b data-testid="lr-suggestion" data-rate=rate.to_string()>{format::setting(rate)}</b> " "
                    <button data-testid="lr-apply" prop:disabled=busy on:click=move |_| apply(rate)>"Use it"</button>
                </span>
            }
            .into_any(),
            (true, None) => view! { <span>"The loss did not fall at any rate tried: no suggestion."</span> }.into_any(),
        })
    };
    view! {
        <section class="lr-finder">
            <h3>"Learning-rate finder"</h3>
            <p class="caption">{format!(
                "Trains a copy of the model the next run starts from for up to {} steps, the rate rising from {} to {}, \
                 and plots the loss; the model itself is left as it was. It suggests the rate where the loss falls fastest.",
                range.steps, format::setting(range.min), format::setting(range.max))}</p>
            <button data-testid="lr-find" prop:disabled=move || busy.get() || finding() on:click=find>"Find a learning rate"</button>
            " "
            <button data-testid="lr-stop" prop:disabled=move || !finding()
                on:click=move |_| commands.send(Command::StopFindingLearningRate)>"Stop"</button>
            {move || state.learning_rates.with(|l| l.as_ref().map(|l| rate_chart(&l.curve, l.suggestion)))}
            <p class="lr-result">{result}</p>
        </section>
    }
}

/// The range test's smoothed loss (and, faint, each step's own) by learning rate, on a log
/// rate axis, with the suggestion marked.
fn rate_chart(curve: &LrCurve, suggestion: Option<f64>) -> impl IntoView + use<> {
    let rates = Axis::fit(Scale::Log, curve.points.iter().map(|p| p.learning_rate));
    // Fitted to the smoothed loss: the raw losses past the blow-up would flatten the rest.
    let losses = Axis::fit(Scale::Linear, curve.points.iter().map(|p| p.smoothed as f64));
    let x = |rate: f64| x_at(rates.position(rate));
    let line = |loss: fn(&LrPoint) -> f32| {
        let place = |p: &LrPoint| format!("{:.1},{:.1}", x(p.learning_rate), y_of(&losses, loss(p) as f64));
        curve.points.iter().map(place).collect::<Vec<_>>().join(" ")
    };
    let rate_ticks = rates
        .ticks()
        .into_iter()
        .map(|tick| {
            let at = x(tick.value);
            view! {
                <line x1=at y1=PAD x2=at y2={HEIGHT - PAD} class="grid" />
                <text x=at y={HEIGHT - PAD + 14.0} class="tick x-tick" text-anchor="middle">{format::setting(tick.value)}</text>
            }
        })
        .collect_view();
    let marker = suggestion.map(|rate| {
        let at = x(rate);
        view! { <line x1=at y1=PAD x2=at y2={HEIGHT - PAD} class="suggestion" /> }
    });
    let values =
        curve.points.iter().map(|p| format!("{},{:.4}", p.learning_rate, p.smoothed)).collect::<Vec<_>>();
    view! {
        <svg data-testid="lr-chart" class="chart lr-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="loss by learning rate in the range test" data-points=values.join(" ")>
            <g class="ticks">{value_ticks(&losses)}{rate_ticks}</g>
            <line x1=PAD y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
            <line x1=PAD y1=PAD x2=PAD y2={HEIGHT - PAD} class="axis" />
            <text x={WIDTH - PAD} y={HEIGHT - 4.0} class="tick" text-anchor="end">"learning rate"</text>
            <polyline class="raw" points=line(|p| p.loss) />
            <polyline class="train" points=line(|p| p.smoothed) />
            {marker}
        </svg>
    }
}
