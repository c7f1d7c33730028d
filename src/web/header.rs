//! The page's title and the device line: which device trains, why, and the choice to override it.

use leptos::prelude::*;

use super::browser::reload_with_param;
use super::run::RunState;
use crate::session::protocol::BackendChoice;

#[component]
pub fn Header(state: RunState, choice: BackendChoice) -> impl IntoView {
    let device = move |read: fn(&crate::session::protocol::DeviceInfo) -> Option<String>| {
        move || state.device.with(|d| d.as_ref().and_then(read))
    };
    let label = device(|d| Some(d.label.clone()));
    let note = device(|d| d.note.clone());
    let kernels = move || state.device.with(|d| d.as_ref().and_then(|d| d.remembered_kernels));
    view! {
        <header>
            <h1>"gptlab"</h1>
            <p class="tagline">"Train a small GPT on your own GPU, in this tab."</p>
            <p class="backend">
                "Device: " <strong data-testid="backend">{move || label().unwrap_or_else(|| "looking for a GPU…".into())}</strong>
                {move || note().map(|note| view! { <span class="note">" — " {note}</span> })}
                " "
                <select data-testid="backend-choice" on:change=move |ev| reload_with_param("backend", &event_target_value(&ev))>
                    {BackendChoice::ALL.map(|c| view! {
                        <option value=c.param() selected={c == choice}>{c.param()}</option>
                    }).collect_view()}
                </select>
            </p>
            {move || kernels().map(|remembered| view! {
                <p class="note" data-testid="kernel-cache">{kernel_cache_note(remembered)}</p>
            })}
        </header>
    }
}

/// What the page says of the GPU kernels autotune chose on earlier visits.
fn kernel_cache_note(remembered: u64) -> String {
    match remembered {
        0 => "The first steps try several GPU kernels for each operation (slow once); this browser \
              remembers the fastest for later runs."
            .into(),
        n => format!("{n} GPU kernel choices remembered from earlier runs: no tuning needed for them."),
    }
}
