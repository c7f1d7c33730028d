//! Train, Pause, Resume and Stop, the run's phase, and the offer to resume a saved run.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::results::phase_text;
use super::run::RunState;
use super::storage;
use super::training::Commands;
use crate::session::protocol::{Command, Phase};
use crate::session::{SavedRunSummary, describe_saved_run};

#[component]
pub fn Controls(
    state: RunState,
    commands: Commands,
    /// Sends the new run's `Train` command.
    train: impl Fn() + Copy + 'static,
    #[prop(into)] can_train: Signal<bool>,
) -> impl IntoView {
    let phase = move || state.phase.get();
    let send = move |command: Command| move |_| commands.send(command.clone());
    view! {
        <section class="controls">
            <button data-testid="train" prop:disabled=move || !can_train.get() on:click=move |_| train()>"Train"</button>
            <button data-testid="pause" prop:disabled=move || phase() != Phase::Training on:click=send(Command::Pause)>"Pause"</button>
            <button data-testid="resume" prop:disabled=move || phase() != Phase::Paused on:click=send(Command::Continue)>"Resume"</button>
            <button data-testid="stop" prop:disabled=move || !matches!(phase(), Phase::Training | Phase::Paused)
                on:click=send(Command::Stop)>"Stop"</button>
            <span class="phase" data-testid="phase">{move || match (phase(), state.device.with(Option::is_none)) {
                (Phase::Idle, true) => "loading the training engine…",
                (phase, _) => phase_text(phase),
            }}</span>
        </section>
    }
}

/// Offers the autosaved run while nothing else runs: at start, and again after a run failed
/// (which leaves its last good autosave). `offer` holds it; starting a run clears it.
#[component]
pub fn SavedRunOffer(
    state: RunState,
    commands: Commands,
    #[prop(into)] busy: Signal<bool>,
    offer: RwSignal<Option<SavedRunSummary>>,
) -> impl IntoView {
    let look = move || spawn_local(async move { offer.set(saved_run().await) });
    look();
    Effect::new(move || {
        if state.phase.get() == Phase::Failed {
            look();
        }
    });
    let resume = move |_| {
        offer.set(None);
        state.error.set(None);
        commands.send(Command::ResumeSaved);
    };
    view! {
        {move || offer.get().filter(|_| !busy.get()).map(|saved| view! {
            <p class="saved-run">"A saved run: " {saved.description} " "
                <button data-testid="resume-run" on:click=resume>"Resume run"</button>
            </p>
        })}
    }
}

async fn saved_run() -> Option<SavedRunSummary> {
    describe_saved_run(&storage::saved_checkpoint().await?)
}
