//! Choosing the data: the built-in arithmetic, a Hugging Face dataset (config, split and column
//! from lists the Hub gives, and how much of it), or a local text file. Downloads show their
//! progress, can be cancelled, and are cached by the browser.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, HtmlInputElement};

use super::browser::{read_file, sleep_ms, yield_to_browser};
use super::fetch::{BrowserFetch, cache_usage, clear_cache};
use super::worker;
use crate::data::Corpus;
use crate::data::choices::Choices;
use crate::data::hub::{self, Endpoints, HubError};
use crate::data::take::{self, Amount, Progress, TakeError};
use crate::tokenize::Tokenizer;

/// Wait after the last keystroke in the id box before asking the Hub about it.
const LOOKUP_DELAY_MS: u32 = 400;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Megabytes,
    Rows,
}

#[component]
pub fn DatasetPanel(
    corpus: RwSignal<Corpus>,
    /// The built-in data, to go back to.
    builtin: StoredValue<Corpus>,
    tokenizer: RwSignal<Tokenizer>,
    endpoints: StoredValue<Endpoints>,
    /// True while a download runs; the page does not train meanwhile.
    loading: RwSignal<bool>,
    #[prop(into)] busy: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let choices = RwSignal::new(Choices::default());
    let size = RwSignal::new(1.0_f64);
    let unit = RwSignal::new(Unit::Megabytes);
    let progress = RwSignal::new(None::<Progress>);
    let status = RwSignal::new(String::new());
    let cached = RwSignal::new((0usize, 0u64));
    let controller: StoredValue<Option<AbortController>, LocalStorage> = StoredValue::new_local(None);
    let lookups = StoredValue::new(0u32);

    let refresh_cache = move || spawn_local(async move { cached.set(cache_usage().await) });
    refresh_cache();
    // The training text's token count: `None` while it is counted, so the summary never shows a
    // count from an earlier corpus or tokenizer.
    let train_tokens = RwSignal::new(None::<Result<usize, String>>);
    let counts = StoredValue::new(0u32);
    Effect::new(move || {
        let text = corpus.with(|c| c.train.clone());
        let tokenizer = tokenizer.get();
        train_tokens.set(None);
        counts.update_value(|n| *n += 1);
        let this_count = counts.get_value();
        spawn_local(async move {
            let counted = count_tokens(&tokenizer, &text).await;
            if counts.get_value() == this_count {
                train_tokens.set(Some(counted));
            }
        });
    });

    // Asks the Hub about the id once typing pauses; a later keystroke makes an earlier answer stale.
    let look_up = move |dataset: String| {
        lookups.update_value(|n| *n += 1);
        let ticket = lookups.get_value();
        spawn_local(async move {
            sleep_ms(LOOKUP_DELAY_MS).await;
            if lookups.get_value() != ticket || dataset.trim().is_empty() {
                return;
            }
            status.set(format!("looking up {dataset}…"));
            let fetch = BrowserFetch::new(None).await;
            let listing = hub::browse(&fetch, &endpoints.get_value(), dataset.trim()).await;
            if lookups.get_value() != ticket {
                return;
            }
            status.set(String::new());
            match listing {
                Ok(listing) => {
                    error.set(None);
                    choose_config(Choices::found(&dataset, listing), choices, endpoints, error).await;
                }
                Err(e) => {
                    choices.set(Choices::default());
                    error.set(Some(e.to_string()));
                }
            }
        });
    };

    let load = move |_| {
        let Some(source) = choices.with_untracked(Choices::source) else { return };
        let validation = choices.with_untracked(Choices::validation_split);
        let amount = match unit.get_untracked() {
            Unit::Megabytes => Amount::Bytes((size.get_untracked().max(0.001) * 1e6) as u64),
            Unit::Rows => Amount::Rows(size.get_untracked().max(1.0) as usize),
        };
        let abort = AbortController::new().ok();
        controller.set_value(abort.clone());
        error.set(None);
        loading.set(true);
        progress.set(Some(Progress::default()));
        status.set(format!("downloading {}…", source.describe()));
        spawn_local(async move {
            let fetch = BrowserFetch::new(abort.map(|a| a.signal())).await;
            let mut report = |p| progress.set(Some(p));
            let result = take::corpus(
                &fetch,
                &endpoints.get_value(),
                &source,
                validation.as_deref(),
                amount,
                &mut report,
            )
            .await;
            match result {
                Ok(taken) => {
                    status.set(String::new());
                    corpus.set(taken);
                }
                Err(TakeError::Hub(HubError::Cancelled)) => {
                    status.set("cancelled; the data in use is unchanged".into())
                }
                Err(e) => {
                    status.set(String::new());
                    error.set(Some(e.to_string()));
                }
            }
            loading.set(false);
            refresh_cache();
        });
    };

    let open_file = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = ev.target().expect("change event has a target").unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        spawn_local(async move {
            yield_to_browser().await;
            let text = read_file(&file).await.and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", file.name()))
            });
            match text {
                Ok(text) if text.trim().is_empty() => {
                    error.set(Some(format!("{} holds no text", file.name())))
                }
                Ok(text) => {
                    error.set(None);
                    corpus.set(Corpus::from_text(file.name(), &text));
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };

    let disabled = move || busy.get() || loading.get();
    let option = |value: String, selected: bool| {
        let label = value.clone();
        view! { <option value=value selected=selected>{label}</option> }
    };
    view! {
        <section class="dataset">
            <h2>"Data"</h2>
            <p class="in-use">"In use: " <b>{move || corpus.with(|c| c.name.clone())}</b>
                " " <button data-testid="dataset-builtin" prop:disabled=disabled
                    on:click=move |_| corpus.set(builtin.get_value())>"use the built-in arithmetic"</button>
            </p>
            <p class="hf">
                <label>"Hugging Face dataset "
                    <input data-testid="dataset-id" type="text" placeholder="karpathy/tiny_shakespeare"
                        prop:disabled=disabled on:input=move |ev| look_up(event_target_value(&ev)) />
                </label>
                <label>" subset "
                    <select data-testid="dataset-config" prop:disabled=disabled on:change=move |ev| {
                        let config = event_target_value(&ev);
                        spawn_local(choose_config(choices.get_untracked().with_config(config), choices, endpoints, error));
                    }>
                        {move || choices.with(|c| c.configs().into_iter().map(|v| option(v.clone(), v == c.config)).collect_view())}
                    </select>
                </label>
                <label>" split "
                    <select data-testid="dataset-split" prop:disabled=disabled
                        on:change=move |ev| choices.update(|c| c.split = event_target_value(&ev))>
                        {move || choices.with(|c| c.splits().into_iter().map(|v| option(v.clone(), v == c.split)).collect_view())}
                    </select>
                </label>
                <label>" column "
                    <select data-testid="dataset-column" prop:disabled=disabled
                        on:change=move |ev| choices.update(|c| c.column = event_target_value(&ev))>
                        {move || choices.with(|c| c.columns.iter().map(|v| option(v.clone(), *v == c.column)).collect_view())}
                    </select>
                </label>
            </p>
            <p class="take">
                <label>"take "
                    <input data-testid="dataset-size" type="number" min="0" step="any" prop:value=move || size.get()
                        prop:disabled=disabled
                        on:input=move |ev| if let Ok(v) = event_target_value(&ev).parse() { size.set(v) } />
                </label>
                <select data-testid="dataset-size-unit" prop:disabled=disabled on:change=move |ev| {
                    unit.set(if event_target_value(&ev) == "rows" { Unit::Rows } else { Unit::Megabytes })
                }>
                    <option value="mb">"MB"</option>
                    <option value="rows">"rows"</option>
                </select>
                " "
                <button data-testid="load-dataset" on:click=load
                    prop:disabled=move || disabled() || choices.with(|c| c.source().is_none())>"Load"</button>
                <button data-testid="dataset-cancel" prop:disabled=move || !loading.get()
                    on:click=move |_| if let Some(c) = controller.get_value() { c.abort() }>"Cancel"</button>
                <label>" or a local text file "
                    <input data-testid="dataset-file" type="file" accept=".txt,text/plain" prop:disabled=disabled on:change=open_file />
                </label>
            </p>
            <DownloadProgress progress=progress status=status />
            <p data-testid="dataset-summary" class="summary">{move || summary(corpus, train_tokens.get())}</p>
            <p class="cache">
                <span data-testid="cache-summary">{move || {
                    let (entries, bytes) = cached.get();
                    format!("Cached downloads: {entries} ({})", megabytes(bytes))
                }}</span>
                " "
                <button data-testid="cache-clear" prop:disabled=disabled on:click=move |_| spawn_local(async move {
                    if let Err(message) = clear_cache().await { error.set(Some(message)) }
                    refresh_cache();
                })>"Clear the cache"</button>
            </p>
        </section>
    }
}

/// Shows `choices` with `config` picked, then fills in that config's text columns.
async fn choose_config(
    mut picked: Choices,
    choices: RwSignal<Choices>,
    endpoints: StoredValue<Endpoints>,
    error: RwSignal<Option<String>>,
) {
    choices.set(picked.clone());
    if !picked.needs_columns() {
        return;
    }
    let fetch = BrowserFetch::new(None).await;
    match hub::text_columns(&fetch, &endpoints.get_value(), &picked.dataset, &picked.config).await {
        Ok(columns) => {
            picked = picked.with_columns(columns);
            error.set(None);
        }
        Err(e) => error.set(Some(e.to_string())),
    }
    choices.update(|now| now.take_columns_of(&picked));
}

#[component]
fn DownloadProgress(progress: RwSignal<Option<Progress>>, status: RwSignal<String>) -> impl IntoView {
    view! {
        <p class="progress">
            {move || progress.get().map(|p| view! {
                <progress data-testid="dataset-progress" max=p.total_bytes.unwrap_or(0).max(p.bytes).max(1)
                    value=p.bytes></progress>
                " " {format!("{} downloaded, {} rows", megabytes(p.bytes), p.rows)}
            })}
            " " <span class="status">{move || status.get()}</span>
        </p>
    }
}

/// Encoding runs at a few MB/s in the page: a larger text is counted in a worker, so the page
/// never stalls on it.
const COUNT_IN_PAGE_BYTES: usize = 100_000;

async fn count_tokens(tokenizer: &Tokenizer, text: &str) -> Result<usize, String> {
    if text.len() <= COUNT_IN_PAGE_BYTES {
        tokenizer.encode(text).map(|ids| ids.len()).map_err(|e| e.to_string())
    } else {
        worker::count_tokens(tokenizer, text).await
    }
}

fn summary(corpus: RwSignal<Corpus>, train_tokens: Option<Result<usize, String>>) -> String {
    let tokens = match train_tokens {
        None => "counting the tokens".to_string(),
        Some(Ok(n)) => format!("{n} tokens"),
        Some(Err(e)) => e,
    };
    corpus.with(|c| {
        format!(
            "{} rows, {} characters ({} for training, {} held out), {tokens} of training text",
            c.rows,
            c.train.chars().count() + c.validation.chars().count(),
            megabytes(c.train.len() as u64),
            megabytes(c.validation.len() as u64),
        )
    })
}

fn megabytes(bytes: u64) -> String {
    if bytes < 100_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.2} MB", bytes as f64 / 1e6)
    }
}
