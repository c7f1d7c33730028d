//! Choosing the tokenizer (bytes, a BPE trained on the data right here, or a Hub model's
//! pretrained one) and seeing how a sentence splits into its tokens.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::cancel::Canceller;
use super::fetch::BrowserFetch;
use super::job_worker::{self, JobError, JobHandle};
use crate::data::Corpus;
use crate::data::hub::{Endpoints, HubError};
use crate::data::models::{ModelError, pretrained_tokenizer};
use crate::tokenize::{MAX_BPE_VOCAB, MIN_BPE_VOCAB, Tokenizer};

const DEFAULT_BPE_VOCAB: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bytes,
    Bpe,
    Pretrained,
}

#[component]
pub fn TokenizerPanel(
    tokenizer: RwSignal<Tokenizer>,
    /// A BPE is trained on its training text.
    corpus: RwSignal<Corpus>,
    endpoints: StoredValue<Endpoints>,
    /// True while a tokenizer is fetched or trained (or data downloaded); the page does not train.
    preparing: RwSignal<bool>,
    #[prop(into)] busy: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let kind = RwSignal::new(Kind::Bytes);
    let vocab_size = RwSignal::new(DEFAULT_BPE_VOCAB);
    let model_id = RwSignal::new("gpt2".to_string());
    let cancel = Canceller::new();
    let choose = move |ev| {
        let chosen = match event_target_value(&ev).as_str() {
            "bpe" => Kind::Bpe,
            "pretrained" => Kind::Pretrained,
            _ => Kind::Bytes,
        };
        kind.set(chosen);
        if chosen == Kind::Bytes {
            tokenizer.set(Tokenizer::Bytes);
        }
    };
    let fetch_pretrained = move |_| {
        let model = model_id.get_untracked().trim().to_string();
        error.set(None);
        preparing.set(true);
        spawn_local(async move {
            let fetch = BrowserFetch::new(cancel.download()).await;
            match pretrained_tokenizer(&fetch, &endpoints.get_value(), &model).await {
                Ok(loaded) => tokenizer.set(loaded),
                Err(ModelError::Hub(HubError::Cancelled)) => {}
                Err(e) => error.set(Some(e.to_string())),
            }
            cancel.clear();
            preparing.set(false);
        });
    };
    let train = move |_| {
        error.set(None);
        preparing.set(true);
        let text = corpus.with_untracked(|c| c.train.clone());
        spawn_local(async move {
            let started = |handle: JobHandle| cancel.set(move || handle.cancel());
            match job_worker::train_bpe(&text, vocab_size.get_untracked(), started).await {
                Ok(trained) => tokenizer.set(trained),
                Err(JobError::Cancelled) => {}
                Err(e) => error.set(Some(format!("training the tokenizer failed: {e}"))),
            }
            cancel.clear();
            preparing.set(false);
        });
    };
    view! {
        <section class="tokenizer">
            <label>"Tokenizer "
                <select data-testid="tokenizer-kind" prop:disabled=busy on:change=choose>
                    <option value="bytes" selected=move || kind.get() == Kind::Bytes>"bytes"</option>
                    <option value="bpe" selected=move || kind.get() == Kind::Bpe>"BPE trained on the data"</option>
                    <option value="pretrained" selected=move || kind.get() == Kind::Pretrained>"pretrained, from a Hub model"</option>
                </select>
            </label>
            <Show when=move || kind.get() == Kind::Pretrained>
                <label>"model "
                    <input data-testid="tokenizer-model-id" type="text" prop:value=move || model_id.get()
                        prop:disabled=busy on:input=move |ev| model_id.set(event_target_value(&ev)) />
                </label>
                <button data-testid="load-tokenizer" prop:disabled=move || busy.get() || preparing.get()
                    on:click=fetch_pretrained>"Load tokenizer.json"</button>
            </Show>
            <Show when=move || kind.get() == Kind::Bpe>
                <label>"vocabulary "
                    <input data-testid="vocab-size" type="number" min=MIN_BPE_VOCAB max=MAX_BPE_VOCAB step="1"
                        prop:value=move || vocab_size.get() prop:disabled=busy
                        on:input=move |ev| {
                            if let Ok(size) = event_target_value(&ev).parse() { vocab_size.set(size) }
                        } />
                </label>
                <button data-testid="train-tokenizer" prop:disabled=busy on:click=train>"Train tokenizer"</button>
                <Show when=move || preparing.get()>
                    <progress data-testid="tokenizer-progress"></progress> " training in the background…"
                </Show>
            </Show>
            <button data-testid="tokenizer-cancel" prop:disabled=move || !cancel.active()
                on:click=move |_| cancel.cancel()>"Cancel"</button>
            <span class="in-use" data-testid="tokenizer-in-use">{move || tokenizer.with(Tokenizer::describe)}</span>
            <TokenView tokenizer=tokenizer />
        </section>
    }
}

/// Text in, tokens out: one coloured chip per token, carrying its id.
#[component]
fn TokenView(tokenizer: RwSignal<Tokenizer>) -> impl IntoView {
    let text = RwSignal::new("two plus three equals five".to_string());
    let pieces = move || text.with(|text| tokenizer.with(|t| t.pieces(text)));
    let summary = move || match pieces() {
        Ok(pieces) if !pieces.is_empty() => format!(
            "{} tokens, {:.2} bytes per token",
            pieces.len(),
            text.with(String::len) as f64 / pieces.len() as f64
        ),
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    };
    view! {
        <div class="token-view">
            <input data-testid="token-view-input" type="text" aria-label="text to split into tokens" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <span class="token-count">{summary}</span>
            <div data-testid="token-view" class="chips">
                {move || pieces().unwrap_or_default().into_iter().map(|piece| view! {
                    <span class="chip" data-token-id=piece.id title=format!("token {}", piece.id)
                        style=format!("background: hsl({}, 70%, 86%)", piece.id * 47 % 360)>
                        {piece.text}
                    </span>
                }).collect_view()}
            </div>
        </div>
    }
}
