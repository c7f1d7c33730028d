//! Cleaning the data in use (see `data::clean`): which steps run and their key settings, a run
//! in a job worker with its progress and a Cancel button, and what each step removed. The
//! cleaned corpus replaces the one in use, so it is what trains.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::cancel::Canceller;
use super::clean_report::CleanReport;
use super::job_worker::{self, JobError, JobHandle};
use super::settings::number;
use super::step::Advanced;
use crate::data::Corpus;
use crate::data::clean::{CleanSettings, StepReport};

/// Reads and writes a step's switch in the settings.
type ReadSwitch = fn(&CleanSettings) -> bool;
type WriteSwitch = fn(&mut CleanSettings, bool);

#[component]
pub fn CleaningPanel(
    corpus: RwSignal<Corpus>,
    /// True while cleaning runs, as while a download does: the page does not train meanwhile.
    loading: RwSignal<bool>,
    disabled: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let settings = RwSignal::new(CleanSettings::default());
    let progress = RwSignal::new(None::<(f64, String)>);
    let status = RwSignal::new(String::new());
    let report = RwSignal::new(None::<Vec<StepReport>>);
    let cancel = Canceller::new();
    // The corpus as loaded, before any cleaning: cleaning again starts from it, so no step runs
    // twice (the HTML step would take the PII step's `<EMAIL>` masks for tags) and the
    // checkpoint names exactly the steps that made the text.
    let loaded = StoredValue::new(None::<Corpus>);

    let run = move |_| {
        let chosen = settings.get_untracked();
        if chosen.steps().is_empty() {
            status.set("switch on a step first".into());
            return;
        }
        let source = corpus.with_untracked(|in_use| uncleaned(in_use, loaded));
        error.set(None);
        status.set(String::new());
        loading.set(true);
        progress.set(Some((0.0, "starting…".into())));
        spawn_local(async move {
            let started = |handle: JobHandle| cancel.set(move || handle.cancel());
            let on_progress = |done, doing| progress.set(Some((done, doing)));
            let cleaned = job_worker::clean_corpus(source, chosen, started, on_progress).await;
            cancel.clear();
            progress.set(None);
            match cleaned {
                Ok(cleaned) => {
                    report.set(Some(cleaned.report));
                    corpus.set(cleaned.corpus);
                }
                Err(JobError::Cancelled) => status.set("cancelled; the data in use is unchanged".into()),
                Err(e) => error.set(Some(e.to_string())),
            }
            loading.set(false);
        });
    };
    // A report describes the corpus it made; another corpus in use has none.
    let shown = move || report.get().filter(|_| corpus.with(|c| c.cleaning.is_some()));

    view! {
        <Advanced summary="Clean the data">
            <div class="cleaning">
                <StepToggle settings=settings disabled=disabled testid="clean-html"
                    label="HTML: tags, scripts, styles and entities out"
                    get=|s| s.html.enabled set=|s, on| s.html.enabled = on />
                <StepToggle settings=settings disabled=disabled testid="clean-language"
                    label="language: keep only"
                    get=|s| s.language.enabled set=|s, on| s.language.enabled = on />
                <label>" languages (ISO 639-3) "
                    <input data-testid="clean-language-keep" type="text" size="12" prop:disabled=disabled
                        prop:value=move || settings.with(|s| s.language.keep.join(" "))
                        on:change=move |ev| {
                            let keep = event_target_value(&ev).split_whitespace().map(String::from).collect();
                            settings.update(|s| s.language.keep = keep)
                        } />
                </label>
                {number(" at confidence ≥", "clean-language-confidence", settings, |s| s.language.min_confidence,
                    |s, x| s.language.min_confidence = x.clamp(0.0, 1.0), "any", disabled)}
                <br />
                <StepToggle settings=settings disabled=disabled testid="clean-dedup"
                    label="exact duplicates: documents and repeated lines"
                    get=|s| s.dedup.enabled set=|s, on| s.dedup.enabled = on />
                <br />
                <StepToggle settings=settings disabled=disabled testid="clean-near-dedup"
                    label="near duplicates (MinHash)"
                    get=|s| s.near_dedup.enabled set=|s, on| s.near_dedup.enabled = on />
                {number(" similarity ≥", "clean-near-dedup-threshold", settings, |s| s.near_dedup.threshold,
                    |s, x| s.near_dedup.threshold = x.clamp(0.0, 1.0), "any", disabled)}
                <br />
                <StepToggle settings=settings disabled=disabled testid="clean-quality"
                    label="quality filters (Gopher, C4, FineWeb)"
                    get=|s| s.quality.enabled set=|s, on| s.quality.enabled = on />
                {number(" at least this many words", "clean-min-words", settings,
                    |s| s.quality.min_words.unwrap_or(0) as f64,
                    |s, x| s.quality.min_words = (x >= 1.0).then_some(x as usize), "1", disabled)}
                <br />
                <StepToggle settings=settings disabled=disabled testid="clean-pii"
                    label="personal data masked: e-mails, phones, IBANs, card numbers"
                    get=|s| s.pii.enabled set=|s, on| s.pii.enabled = on />
                <p>
                    <button data-testid="clean-run" on:click=run prop:disabled=disabled>"Clean"</button>
                    " "
                    <button data-testid="clean-cancel" prop:disabled=move || !cancel.active()
                        on:click=move |_| cancel.cancel()>"Cancel"</button>
                    " " <span data-testid="clean-status" class="status">{move || status.get()}</span>
                </p>
                {move || progress.get().map(|(done, doing)| view! {
                    <p data-testid="clean-progress"><progress max="1" value=done></progress> " " {doing}</p>
                })}
                {move || shown().map(|report| view! { <CleanReport report=report corpus=corpus /> })}
            </div>
        </Advanced>
    }
}

/// The text to clean: `in_use` itself if it is not cleaned (remembered in `loaded`), else the
/// corpus it was cleaned from.
fn uncleaned(in_use: &Corpus, loaded: StoredValue<Option<Corpus>>) -> Corpus {
    if in_use.cleaning.is_none() {
        loaded.set_value(Some(in_use.clone()));
        return in_use.clone();
    }
    // A cleaned corpus restored from an earlier visit has no loaded text here: clean it as it is.
    let cleaned_from = |raw: &&Corpus| in_use.name.starts_with(raw.name.as_str());
    loaded.with_value(|raw| raw.as_ref().filter(cleaned_from).cloned()).unwrap_or_else(|| in_use.clone())
}

/// A checkbox that switches a step on or off.
#[component]
fn StepToggle(
    settings: RwSignal<CleanSettings>,
    disabled: Signal<bool>,
    testid: &'static str,
    label: &'static str,
    get: ReadSwitch,
    set: WriteSwitch,
) -> impl IntoView {
    view! {
        <label>
            <input type="checkbox" data-testid=testid prop:disabled=disabled
                prop:checked=move || settings.with(get)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    settings.update(|s| set(s, on))
                } />
            " " {label}
        </label>
    }
}
