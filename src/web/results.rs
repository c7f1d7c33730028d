//! What a run shows as it goes: its figures, and the samples before and after training with,
//! on the built-in arithmetic, how many problems it never trained on the model answers.

use leptos::prelude::*;

use super::run::RunState;
use crate::data::arithmetic::Accuracy;
use crate::session::protocol::{Phase, Sample};
use crate::tokenize::printable;

#[component]
pub fn Stats(state: RunState) -> impl IntoView {
    let last = |series: RwSignal<Vec<(usize, f32)>>| move || series.with(|l| l.last().map(|p| p.1));
    let (loss, validation) = (last(state.train_losses), last(state.validation_losses));
    let time_left = move || state.seconds_left.get().map(|s| format!("{s:.0} s left")).unwrap_or_default();
    view! {
        <section class="stats">
            <span>"step " <b data-testid="step">{move || state.step.get()}</b> " / " {move || state.max_steps.get()}</span>
            <span>"loss " <b data-testid="loss">{move || loss().map(|l| format!("{l:.4}")).unwrap_or_default()}</b></span>
            <span>"validation " <b data-testid="val-loss">{move || validation().map_or("–".into(), |l| format!("{l:.4}"))}</b>
                " (perplexity " <b data-testid="perplexity">{move || validation().map_or("–".into(), |l| format!("{:.1}", l.exp()))}</b> ")"</span>
            <span>"learning rate " <b data-testid="lr">{move || learning_rate(state.learning_rate.get())}</b></span>
            <span>"gradient norm " <b data-testid="grad-norm">{move || format!("{:.3}", state.grad_norm.get())}</b></span>
            <span><b data-testid="tokens-per-second">{move || format!("{:.0}", state.tokens_per_second.get())}</b> " tokens/s"</span>
            <progress data-testid="progress" max={move || state.max_steps.get().max(1)} value={move || state.step.get()}></progress>
            <span class="eta">{time_left}</span>
            <span class="autosaved" data-testid="autosaved">{move || state.autosaved_step.get().map(|s| format!("autosaved at step {s}"))}</span>
        </section>
    }
}

/// A learning rate to three figures: `3.00e-3`, and `0` rather than `0.00e0` before the first step.
fn learning_rate(lr: f64) -> String {
    if lr == 0.0 { "0".into() } else { format!("{lr:.2e}") }
}

#[component]
pub fn BeforeAfter(state: RunState) -> impl IntoView {
    view! {
        <section class="samples">
            <SampleColumn title="Before training" testid="before-samples" samples=state.before
                accuracy=state.accuracy_before accuracy_testid="accuracy-before" />
            <SampleColumn title="After training" testid="after-samples" samples=state.after
                accuracy=state.accuracy_after accuracy_testid="accuracy-after" />
        </section>
    }
}

#[component]
fn SampleColumn(
    title: &'static str,
    testid: &'static str,
    samples: RwSignal<Vec<Sample>>,
    accuracy: RwSignal<Option<Accuracy>>,
    accuracy_testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="column" data-testid=testid>
            <h3>{title}</h3>
            {move || accuracy.get().map(|a| view! {
                <p class="accuracy" data-testid=accuracy_testid data-right=a.right data-total=a.total
                    title="greedy answers to the problems held out of training, each checked word for word">
                    {a.describe()}
                </p>
            })}
            {move || samples.get().into_iter().map(|s| view! {
                <p data-testid="sample" class="sample"><span class="prompt">{s.prompt}</span>{printable(&s.text)}</p>
            }).collect_view()}
        </div>
    }
}

/// The run's phase in a few words.
pub fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::Idle => "",
        Phase::SamplingBefore => "sampling the untrained model…",
        Phase::Training => "training…",
        Phase::Paused => "paused",
        Phase::SamplingAfter => "sampling…",
        Phase::Saving => "writing the checkpoint…",
        Phase::Done => "done",
        Phase::Stopped => "stopped",
        Phase::Failed => "failed",
    }
}
