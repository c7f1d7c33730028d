//! The sampling tool: a prompt, the sampling settings, text streaming in as the worker draws it,
//! and as bars the model's most likely next tokens and, beside them, next words.

use leptos::prelude::*;

use super::run::RunState;
use super::training::Commands;
use crate::sample::NextWord;
use crate::session::protocol::{Command, Phase, SampleSettings};
use crate::tokenize::printable;

#[component]
pub fn SamplingTool(state: RunState, commands: Commands) -> impl IntoView {
    let prompt = RwSignal::new("two plus three equals".to_string());
    let settings = RwSignal::new(SampleSettings::default());
    let has_model = move || state.has_model();
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
            <h3>"Try it: write a prompt"</h3>
            <p class="sampling-settings">
                <input data-testid="prompt" class="prompt-input" type="text" aria-label="prompt" prop:value=move || prompt.get()
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
                {move || state.generation.with(|g| printable(&g.0))}
            </p>
            <div class="next">
                <div class="next-tokens">
                    <h3>"Next token"</h3>
                    <p class="caption">"The model writes one token at a time (with the byte tokenizer, a byte): \
                        its likeliest next ones."</p>
                    <div data-testid="next-token-bars" class="bars">
                        {move || state.candidates.get().into_iter().map(|(token, p)| view! {
                            <div class="bar" data-token=token.clone() data-prob=p.to_string()>
                                <span class="token">{format!("\"{}\"", visible(&token))}</span>
                                <span class="fill" style=format!("width: {:.1}%", p * 100.0)></span>
                                <span class="prob">{format!("{:.0}%", p * 100.0)}</span>
                            </div>
                        }).collect_view()}
                    </div>
                </div>
                <div class="next-words">
                    <h3>"Next word"</h3>
                    <p class="caption">"Those tokens followed to the end of a word: a word's probability is the \
                        product of its tokens'. \u{2026} marks a word the search did not finish."</p>
                    <div data-testid="next-word-bars" class="bars">
                        {move || state.words.get().into_iter().map(|word| view! {
                            <div class="bar" data-word=word.text.clone() data-prob=word.probability.to_string()
                                data-complete=word.complete.to_string()>
                                <span class="token">{word_label(&word)}</span>
                                <span class="fill" style=format!("width: {:.1}%", word.probability * 100.0)></span>
                                <span class="prob">{format!("{:.0}%", word.probability * 100.0)}</span>
                            </div>
                        }).collect_view()}
                    </div>
                </div>
            </div>
        </section>
    }
}

/// A token's or word's text with nothing invisible: line ends and tabs as `\n`, `\r`, `\t`,
/// other control characters as `printable` spells them.
pub(super) fn visible(text: &str) -> String {
    printable(text).replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

/// A next word as the bars show it: the word, a line end as "↵ new line", an unfinished one
/// with "…".
fn word_label(word: &NextWord) -> String {
    match (word.text.as_str(), word.complete) {
        ("\n", _) => "\u{21b5} new line".into(),
        (text, true) => visible(text),
        (text, false) => format!("{}\u{2026}", visible(text)),
    }
}
