//! What the data in use amounts to (rows, characters, tokens), and what the download cache holds.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::download_cache;
use super::job_worker;
use crate::data::Corpus;
use crate::format;
use crate::tokenize::Tokenizer;

#[component]
pub fn DataSummary(corpus: RwSignal<Corpus>, tokenizer: RwSignal<Tokenizer>) -> impl IntoView {
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
    view! { <p data-testid="dataset-summary" class="summary">{move || summary(corpus, train_tokens.get())}</p> }
}

/// The byte tokenizer's count is the text's length; a Hugging Face tokenizer counts in a job
/// worker (the page's interface has no `tokenizers`, and a large text takes seconds).
async fn count_tokens(tokenizer: &Tokenizer, text: &str) -> Result<usize, String> {
    match tokenizer {
        Tokenizer::Bytes => Ok(text.len()),
        Tokenizer::HuggingFace(_) => {
            job_worker::count_tokens(tokenizer, text).await.map_err(|e| e.to_string())
        }
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
            format::bytes(c.train.len() as u64),
            format::bytes(c.validation.len() as u64),
        )
    })
}

/// The download cache's size, read again whenever a download ends, and the button that empties it.
#[component]
pub fn CacheLine(
    /// True while a download runs.
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let cached = RwSignal::new((0usize, 0u64));
    let refresh = move || spawn_local(async move { cached.set(download_cache::usage().await) });
    Effect::new(move || {
        if !loading.get() {
            refresh();
        }
    });
    let clear = move |_| {
        spawn_local(async move {
            if let Err(e) = download_cache::clear().await {
                error.set(Some(e.to_string()))
            }
            refresh();
        })
    };
    view! {
        <p class="cache">
            <span data-testid="cache-summary">{move || {
                let (entries, bytes) = cached.get();
                format!("Cached downloads: {entries} ({})", format::bytes(bytes))
            }}</span>
            " "
            <button data-testid="cache-clear" prop:disabled=disabled on:click=clear>"Clear the cache"</button>
        </p>
    }
}
