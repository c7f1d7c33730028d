//! Several tokenizers side by side on the loaded data: the user ticks them, a job worker trains
//! those that need it and compares them on the training text, and a table shows the figures and
//! how each splits the sample sentence.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser::now_ms;
use super::cancel::Canceller;
use super::job_worker::{self, JobError, JobHandle};
use super::tokenizer::token_chips;
use crate::data::Corpus;
use crate::format;
use crate::session::protocol::ComparisonRequest;
use crate::tokenize::{Comparison, HfTokenizer, METRICS, Recipe, offered, sample_sentence};

/// Ticked at first: the three that show the trade-off, and the smallest BPE.
const TICKED_AT_FIRST: [&str; 4] = ["bytes", "chars", "words", "bpe-512"];

/// A finished comparison: each row with its tokenizer's label.
#[derive(Clone)]
struct Compared {
    rows: Vec<(String, Comparison)>,
    characters: usize,
    n_embd: usize,
    milliseconds: f64,
}

#[component]
pub fn TokenizerComparison(
    corpus: RwSignal<Corpus>,
    /// A Hub model's tokenizer, loaded or in use, to compare too.
    hub: Signal<Option<HfTokenizer>>,
    /// The token view's text: the sentence each tokenizer splits.
    sample: RwSignal<String>,
    n_embd: Signal<usize>,
    /// True while data loads or a tokenizer is made: the text to compare may be about to change.
    preparing: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let ticked = RwSignal::new(TICKED_AT_FIRST.map(String::from).to_vec());
    let progress = RwSignal::new(None::<(f64, String)>);
    let result = RwSignal::new(None::<Compared>);
    let cancel = Canceller::new();
    let toggle = move |key: String, on: bool| {
        ticked.update(|keys| {
            keys.retain(|k| *k != key);
            if on {
                keys.push(key);
            }
        })
    };
    let run = move |_| {
        let recipes: Vec<Recipe> = offered(hub.get_untracked())
            .into_iter()
            .filter(|r| ticked.with_untracked(|keys| keys.contains(&r.key())))
            .collect();
        let labels: Vec<String> = recipes.iter().map(Recipe::label).collect();
        let typed = sample.get_untracked();
        let (text, sample) =
            corpus.with_untracked(|c| (c.train.clone(), sample_sentence(&typed, &c.validation)));
        let characters = text.chars().count();
        let n_embd = n_embd.get_untracked();
        let request = ComparisonRequest { recipes, text, sample, n_embd };
        error.set(None);
        progress.set(Some((0.0, "starting".into())));
        spawn_local(async move {
            let started_at = now_ms();
            let started = |handle: JobHandle| cancel.set(move || handle.cancel());
            let on_progress = |done, doing| progress.set(Some((done, doing)));
            match job_worker::compare_tokenizers(request, started, on_progress).await {
                Ok(comparisons) => result.set(Some(Compared {
                    rows: labels.into_iter().zip(comparisons).collect(),
                    characters,
                    n_embd,
                    milliseconds: now_ms() - started_at,
                })),
                Err(JobError::Cancelled) => {}
                Err(e) => error.set(Some(format!("comparing the tokenizers failed: {e}"))),
            }
            cancel.clear();
            progress.set(None);
        });
    };
    view! {
        <div class="tokenizer-comparison">
            <h3>"Compare tokenizers"</h3>
            <p class="choices">
                {move || offered(hub.get()).into_iter().map(|recipe| {
                    let key = recipe.key();
                    let checked = { let key = key.clone(); move || ticked.with(|keys| keys.contains(&key)) };
                    view! {
                        <label>
                            <input type="checkbox" data-testid=format!("compare-{key}") prop:checked=checked
                                on:change=move |ev| toggle(key.clone(), event_target_checked(&ev)) />
                            " " {recipe.label()}
                        </label>
                    }
                }).collect_view()}
                <button data-testid="compare-tokenizers" on:click=run
                    prop:disabled=move || progress.with(Option::is_some) || preparing.get() || ticked.with(Vec::is_empty)>
                    "Compare"</button>
                <button data-testid="comparison-cancel" prop:disabled=move || !cancel.active()
                    on:click=move |_| cancel.cancel()>"Cancel"</button>
            </p>
            {move || progress.get().map(|(done, doing)| view! {
                <p class="progress">
                    <progress data-testid="comparison-progress" aria-label="comparing tokenizers" max="1" value=done></progress>
                    " " {doing} "…"
                </p>
            })}
            {move || result.get().map(comparison_table)}
        </div>
    }
}

fn comparison_table(compared: Compared) -> impl IntoView {
    let Compared { rows, characters, n_embd, milliseconds } = compared;
    view! {
        <div class="table-scroll">
            <table data-testid="tokenizer-comparison" class="comparison">
                <thead><tr>
                    <th scope="col">"tokenizer"</th>
                    {METRICS.iter().map(|m| view! { <th scope="col">{m.heading}</th> }).collect_view()}
                    <th scope="col">"the sample sentence, split"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, row)| view! {
                        <tr data-tokenizer=row.name.clone()>
                            <th scope="row">{label}</th>
                            {METRICS.iter().map(|m| view! { <td data-metric=m.key>{m.cell(&row)}</td> }).collect_view()}
                            <td><div class="chips" data-testid="comparison-sample">{token_chips(row.sample)}</div></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <ul class="meanings">
            {METRICS.iter().map(|m| view! { <li><b>{m.heading}</b> ": " {m.meaning}</li> }).collect_view()}
        </ul>
        <p class="caption" data-testid="comparison-summary" data-ms=milliseconds.round()>
            {format!("On the {characters} characters of the training text, embeddings at width {n_embd}; took {}.",
                format::duration_ms(milliseconds))}
        </p>
    }
}
