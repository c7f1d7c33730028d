//! Runs side by side: their curves on one chart (by step, tokens seen or seconds; as loss or as
//! bits per byte), their settings with the differences marked, and their samples.

use leptos::prelude::*;

use super::chart::{HEIGHT, PAD, WIDTH, value_ticks, x_at, y_of};
use crate::axis::{Axis, Scale};
use crate::session::history::{RunRecord, XAxis, YAxis, compare_settings};
use crate::tokenize::printable;

/// A colour per run, in order; past these they repeat.
const COLOURS: usize = 6;

#[component]
pub fn Comparison(runs: Vec<RunRecord>) -> impl IntoView {
    let runs = StoredValue::new(runs);
    let x = RwSignal::new(XAxis::Step);
    let y = RwSignal::new(YAxis::Loss);
    let rows = runs.with_value(|r| compare_settings(&r.iter().collect::<Vec<_>>()));
    view! {
        <div class="comparison" data-testid="run-comparison">
            <div class="chart-controls">
                <label>"plot " <select data-testid="chart-axis"
                    on:change=move |ev| y.set(YAxis::from_name(&event_target_value(&ev)).unwrap_or_default())>
                    {YAxis::ALL.into_iter().map(|a| view! { <option value=a.name()>{a.name().replace('-', " ")}</option> }).collect_view()}
                </select></label>
                <label>" against " <select data-testid="chart-x"
                    on:change=move |ev| x.set(XAxis::from_name(&event_target_value(&ev)).unwrap_or_default())>
                    {XAxis::ALL.into_iter().map(|a| view! { <option value=a.name()>{a.name()}</option> }).collect_view()}
                </select></label>
            </div>
            {move || (y.get() == YAxis::BitsPerByte).then(|| view! {
                <p class="about" data-testid="bits-per-byte-note">"Bits per byte: the loss in bits, spread over the bytes of text each token covers. Tokenizers cut text differently, so this, not the loss per token, is the fair axis across them."</p>
            })}
            {move || runs.with_value(|r| chart(r, x.get(), y.get()))}
            <table class="run-settings" data-testid="run-settings">
                <thead><tr><th>"setting"</th>
                    {runs.with_value(|r| (1..=r.len()).map(|i| view! { <th class=format!("run-{}", (i - 1) % COLOURS)>{format!("run {i}")}</th> }).collect_view())}
                </tr></thead>
                <tbody>{rows.into_iter().map(|row| {
                    let cells = row.values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view();
                    let name = row.name.clone();
                    view! { <tr data-setting=row.name class:differs=row.differs><th>{name}</th>{cells}</tr> }
                }).collect_view()}</tbody>
            </table>
            <div class="run-samples">{runs.with_value(|r| r.iter().enumerate().map(|(i, run)| view! {
                <div class=format!("column run-{}", i % COLOURS) data-run-id=run.id.clone()>
                    <h4>{format!("run {}", i + 1)}</h4>
                    {samples("before", &run.before)}
                    {samples("after", &run.after)}
                </div>
            }).collect_view())}</div>
        </div>
    }
}

fn samples(when: &'static str, samples: &[crate::session::protocol::Sample]) -> impl IntoView + use<> {
    let lines = samples.iter().map(|s| format!("{}{}", s.prompt, printable(&s.text))).collect::<Vec<_>>();
    view! {
        <p class="when">{when}</p>
        {lines.into_iter().map(|l| view! { <p class="sample">{l}</p> }).collect_view()}
    }
}

/// Every run's training curve (solid) and validation curve (dashed) on shared axes.
fn chart(runs: &[RunRecord], x: XAxis, y: YAxis) -> impl IntoView + use<> {
    let curves: Vec<_> =
        runs.iter().map(|run| (run.id.clone(), run.curve(x, y, false), run.curve(x, y, true))).collect();
    let all = || curves.iter().flat_map(|(_, train, validation)| train.iter().chain(validation));
    let x_max = all().map(|p| p.0).fold(0.0, f64::max).max(1e-9);
    let axis = Axis::fit(Scale::Linear, all().map(|p| p.1));
    let place = |&(px, py): &(f64, f64)| format!("{:.1},{:.1}", x_at(px / x_max), y_of(&axis, py));
    let points = |series: &[(f64, f64)]| series.iter().map(place).collect::<Vec<_>>().join(" ");
    // The values drawn, for tests and tools: `x,y` pairs.
    let values = |series: &[(f64, f64)]| {
        series.iter().map(|(a, b)| format!("{a:.4},{b:.5}")).collect::<Vec<_>>().join(" ")
    };
    let lines = curves
        .iter()
        .enumerate()
        .map(|(i, (id, train, validation))| {
            let class = format!("run-{}", i % COLOURS);
            view! {
                <polyline class=format!("{class} train") data-run-id=id.clone() data-series="train"
                    points=points(train) data-values=values(train) />
                <polyline class=format!("{class} validation") data-run-id=id.clone() data-series="validation"
                    points=points(validation) data-values=values(validation) />
            }
        })
        .collect_view();
    let ticks = value_ticks(&axis);
    view! {
        <svg data-testid="compare-chart" class="chart compare" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label=format!("{} by {} of the compared runs", y.name(), x.name()) data-axis=y.name() data-x=x.name()>
            <g class="ticks">{ticks}</g>
            <line x1=PAD y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
            <line x1=PAD y1=PAD x2=PAD y2={HEIGHT - PAD} class="axis" />
            <text x={WIDTH - PAD} y={HEIGHT - 8.0} class="tick" text-anchor="end">
                {format!("{} {}", x.name(), crate::format::setting(x_max))}
            </text>
            {lines}
        </svg>
    }
}
