//! The loss chart: an SVG polyline per series, scaled to the data seen so far.

use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 240.0;
const PAD: f64 = 32.0;

#[component]
pub fn LossChart(
    train: RwSignal<Vec<(usize, f32)>>,
    validation: RwSignal<Vec<(usize, f32)>>,
    max_steps: RwSignal<usize>,
) -> impl IntoView {
    let y_max = move || {
        let peak = |s: &Vec<(usize, f32)>| s.iter().map(|p| p.1).fold(0.0f32, f32::max);
        (train.with(peak).max(validation.with(peak)) as f64).max(1e-3)
    };
    let points = move |series: RwSignal<Vec<(usize, f32)>>| {
        let (x_max, y_max) = (max_steps.get().max(1) as f64, y_max());
        series.with(|s| {
            s.iter()
                .map(|&(step, loss)| {
                    let x = PAD + (WIDTH - 2.0 * PAD) * step as f64 / x_max;
                    let y = HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * loss as f64 / y_max;
                    format!("{x:.1},{y:.1}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! {
        <svg data-testid="loss-chart" class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="training and validation loss by step">
            <line x1=PAD y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
            <line x1=PAD y1=PAD x2=PAD y2={HEIGHT - PAD} class="axis" />
            <text x=4 y={PAD + 4.0} class="tick">{move || format!("{:.2}", y_max())}</text>
            <text x=4 y={HEIGHT - PAD} class="tick">"0"</text>
            <text x={WIDTH - PAD} y={HEIGHT - 8.0} class="tick" text-anchor="end">
                {move || format!("step {}", max_steps.get())}
            </text>
            <polyline class="train" points=move || points(train) data-losses=move || losses(train) />
            <polyline class="validation" points=move || points(validation) data-losses=move || losses(validation) />
            <text x={WIDTH - PAD} y=PAD class="legend train-legend" text-anchor="end">"train"</text>
            <text x={WIDTH - PAD} y={PAD + 16.0} class="legend validation-legend" text-anchor="end">"validation"</text>
        </svg>
    }
}

/// The series' losses, comma-separated: what the chart draws, for tests and tools to read.
fn losses(series: RwSignal<Vec<(usize, f32)>>) -> String {
    series.with(|s| s.iter().map(|p| format!("{:.4}", p.1)).collect::<Vec<_>>().join(","))
}
