//! The loss chart: an SVG polyline per series, scaled to the data seen so far, on a linear or
//! a log axis (the scale and its ticks come from `crate::axis`).

use leptos::prelude::*;

use crate::axis::{Axis, Scale};

pub(super) const WIDTH: f64 = 600.0;
pub(super) const HEIGHT: f64 = 240.0;
pub(super) const PAD: f64 = 32.0;

/// The SVG x of a point `fraction` of the way across the plot.
pub(super) fn x_at(fraction: f64) -> f64 {
    PAD + (WIDTH - 2.0 * PAD) * fraction
}

/// The SVG y of `value` on the value axis `axis`.
pub(super) fn y_of(axis: &Axis, value: f64) -> f64 {
    HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * axis.position(value)
}

/// The value axis's ticks: a grid line across the plot and a label on the left for each.
pub(super) fn value_ticks(axis: &Axis) -> impl IntoView + use<> {
    axis.ticks()
        .into_iter()
        .map(|tick| {
            let at = y_of(axis, tick.value);
            view! {
                <line x1=PAD y1=at x2={WIDTH - PAD} y2=at class="grid" />
                <text x={PAD - 4.0} y={at + 4.0} class="tick y-tick" text-anchor="end"
                    data-value=tick.value.to_string()>{tick.label}</text>
            }
        })
        .collect_view()
}

#[component]
pub fn LossChart(
    train: RwSignal<Vec<(usize, f32)>>,
    validation: RwSignal<Vec<(usize, f32)>>,
    max_steps: RwSignal<usize>,
) -> impl IntoView {
    let scale = RwSignal::new(Scale::Linear);
    let axis = Memo::new(move |_| {
        let values = |s: &Vec<(usize, f32)>| s.iter().map(|p| p.1 as f64).collect::<Vec<_>>();
        Axis::fit(scale.get(), train.with(values).into_iter().chain(validation.with(values)))
    });
    let points = move |series: RwSignal<Vec<(usize, f32)>>| {
        let x_max = max_steps.get().max(1) as f64;
        axis.with(|axis| {
            series.with(|s| {
                s.iter()
                    .map(|&(step, loss)| {
                        let x = x_at(step as f64 / x_max);
                        format!("{x:.1},{:.1}", y_of(axis, loss as f64))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
    };
    let ticks = move || axis.with(value_ticks);
    view! {
        <figure class="loss">
            <label class="chart-scale">"loss axis "
                <select data-testid="chart-scale"
                    on:change=move |ev| scale.set(Scale::from_name(&event_target_value(&ev)).unwrap_or_default())>
                    {Scale::ALL.into_iter().map(|s| view! {
                        <option value=s.name() selected=move || scale.get() == s>{s.name()}</option>
                    }).collect_view()}
                </select>
            </label>
            <svg data-testid="loss-chart" class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-label="training and validation loss by step" data-scale=move || scale.get().name()>
                <g class="ticks">{ticks}</g>
                <line x1=PAD y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
                <line x1=PAD y1=PAD x2=PAD y2={HEIGHT - PAD} class="axis" />
                <text x={WIDTH - PAD} y={HEIGHT - 8.0} class="tick" text-anchor="end">
                    {move || format!("step {}", max_steps.get())}
                </text>
                <polyline class="train" points=move || points(train) data-losses=move || losses(train) />
                <polyline class="validation" points=move || points(validation) data-losses=move || losses(validation) />
                <text x={WIDTH - PAD} y=PAD class="legend train-legend" text-anchor="end">"train"</text>
                <text x={WIDTH - PAD} y={PAD + 16.0} class="legend validation-legend" text-anchor="end">"validation"</text>
            </svg>
        </figure>
    }
}

/// The series' losses, comma-separated: what the chart draws, for tests and tools to read.
fn losses(series: RwSignal<Vec<(usize, f32)>>) -> String {
    series.with(|s| s.iter().map(|p| format!("{:.4}", p.1)).collect::<Vec<_>>().join(","))
}
