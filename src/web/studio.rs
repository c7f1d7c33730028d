//! The sampling tool: a prompt, the sampling settings, text streaming in as the worker draws it,
//! and the model's most likely next tokens as bars.

use leptos::prelude::*;

use super::run::RunState;
use super::training::Commands;
use crate::session::protocol::{Command, Phase, SampleSettings};

#[component]
pub fn SamplingTool(state: RunState, commands: Commands) -> impl IntoView {
    let prompt = RwSignal::new("two plus three equals".to_string());
    let settings = RwSignal::new(SampleSettings::default());
    let has_model = move || {
        matches!(state.phase.get(), Phase::Training | Phase::Paused | Phase::Done | Phase::Stopped)
            || state.loaded.with(Option::is_some)
    };
    let ask_next_tokens = move || {
        commands.send(Command::NextTokens { prompt: prompt.get_untracked() });
    };
    // The bars follow the model: for the untrained model when training starts, and again when it
    // ends or a checkpoint is loaded.
    let previous = StoredValue::new(Phase::Idle);
    Effect::new(move || {
        let phase = state.phase.get();
        let was = previous.get_value();
        previous.set_value(phase);
        let fresh = was == Phase::SamplingBefore && phase == Phase::Training;
        if fresh || (phase != was && matches!(phase, Phase::Done | Phase::Stopped)) {
            ask_next_tokens();
        }
    });
    let generate = move |_| {
        state.generation.set((String::new(), true));
        commands
            .send(Command::Generate { prompt: prompt.get_untracked(), settings: settings.get_untracked() });
        ask_next_tokens();
    };
    let field = move |label: &'static str,
                      testid: &'static str,
                      get: fn(&SampleSettings) -> String,
                      set: fn(&mut SampleSettings, &str)| {
        view! {
            <label>{label} " "
                <input data-testid=testid type="text" size="5" prop:value=move || settings.with(get)
                    on:change=move |ev| settings.update(|s| set(s, &event_target_value(&ev))) />
            </label>
        }
    };
    view! {
        <section class="sampling">
            <h2>"Sample"</h2>
            <p class="sampling-settings">
                <input data-testid="prompt" class="prompt-input" type="text" prop:value=move || prompt.get()
                    on:input=move |ev| prompt.set(event_target_value(&ev)) />
                {field("temperature", "temperature", |s| s.temperature.to_string(),
                    |s, v| if let Ok(t) = v.trim().parse::<f32>() { s.temperature = t.max(0.0) })}
                {field("top-k", "top-k", |s| s.top_k.map(|k| k.to_string()).unwrap_or_default(),
                    |s, v| s.top_k = v.trim().parse::<usize>().ok().filter(|&k| k > 0))}
                {field("top-p", "top-p", |s| s.top_p.map(|p| p.to_string()).unwrap_or_default(),
                    |s, v| s.top_p = v.trim().parse::<f32>().ok().filter(|p| *p > 0.0 && *p <= 1.0))}
                {field("tokens", "max-tokens", |s| s.max_tokens.to_string(),
                    |s, v| if let Ok(n) = v.trim().parse::<usize>() { s.max_tokens = n.clamp(1, 2000) })}
                {field("seed", "seed", |s| s.seed.to_string(), |s, v| if let Ok(n) = v.trim().parse() { s.seed = n })}
                <button data-testid="generate" prop:disabled=move || !has_model() || state.generation.with(|g| g.1)
                    on:click=generate>"Generate"</button>
                <button data-testid="stop-generation" prop:disabled=move || !state.generation.with(|g| g.1)
                    on:click=move |_| commands.send(Command::StopGenerating)>"Stop"</button>
            </p>
            <p data-testid="generation" class="generation" data-streaming=move || state.generation.with(|g| g.1.to_string())>
                <span class="prompt">{move || state.generation.with(|g| (!g.0.is_empty() || g.1).then(|| prompt.get()))}</span>
                {move || state.generation.with(|g| g.0.clone())}
            </p>
            <div data-testid="next-token-bars" class="bars">
                {move || state.candidates.get().into_iter().map(|(token, p)| view! {
                    <div class="bar" data-token=token.clone() data-prob=p.to_string()>
                        <span class="token">{format!("{token:?}")}</span>
                        <span class="fill" style=format!("width: {:.1}%", p * 100.0)></span>
                        <span class="prob">{format!("{:.0}%", p * 100.0)}</span>
                    </div>
                }).collect_view()}
            </div>
        </section>
    }
}
