//! The page's title and the device lines: which device trains and why, what the GPU is doing,
//! and the choice to override it.

use leptos::prelude::*;

use super::browser::reload_with_param;
use super::run::RunState;
use crate::session::protocol::BackendChoice;

#[component]
pub fn Header(state: RunState, choice: BackendChoice) -> impl IntoView {
    let label = move || state.device.with(|d| d.as_ref().map(|d| d.label.clone()));
    let note = move || state.device.with(|d| d.as_ref().and_then(|d| d.note.clone()));
    let gpu = move || {
        state.gpu.with(|gpu| {
            gpu.as_ref().map(|gpu| {
                let adapter = gpu.adapter.as_ref().map(|a| format!("{} — ", a.label)).unwrap_or_default();
                format!("{adapter}{}", gpu.status.describe())
            })
        })
    };
    view! {
        <header>
            <h1>"gptlab"</h1>
            <p class="tagline">"Train a small GPT on your own GPU, in this tab."</p>
            <p class="backend">
                <span data-testid="backend">
                    "Training on: " <strong data-testid="training-device">{move || label().unwrap_or_else(|| "starting…".into())}</strong>
                    {move || note().map(|note| view! { <span class="note">" — " {note}</span> })}
                </span>
                " "
                <select data-testid="backend-choice" aria-label="Device" on:change=move |ev| reload_with_param("backend", &event_target_value(&ev))>
                    {BackendChoice::ALL.map(|c| view! {
                        <option value=c.param() selected={c == choice}>{c.param()}</option>
                    }).collect_view()}
                </select>
            </p>
            <p class="gpu">"GPU: " <span data-testid="gpu-status">{move || gpu().unwrap_or_else(|| "looking for one…".into())}</span></p>
        </header>
    }
}
