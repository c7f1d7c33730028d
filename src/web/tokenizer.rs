//! Choosing the tokenizer (bytes; characters, words or a BPE trained on the data right here; or a
//! Hub model's pretrained one), seeing how a sentence splits into its tokens, and comparing
//! several on the data.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::cancel::Canceller;
use super::fetch::BrowserFetch;
use super::job_worker::{self, JobError, JobHandle};
use super::run::RunState;
use super::tokenizer_comparison::TokenizerComparison;
use super::training::Commands;
use crate::data::Corpus;
use crate::data::hub::{Endpoints, HubError};
use crate::data::models::{ModelError, pretrained_tokenizer};
use crate::session::protocol::{Command, SplitText};
use crate::tokenize::{
    HfTokenizer, MAX_BPE_VOCAB, MAX_WORD_VOCAB, MIN_BPE_VOCAB, MIN_WORD_VOCAB, Piece, Recipe, Tokenizer,
    byte_pieces,
};

const DEFAULT_VOCAB: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bytes,
    Characters,
    Words,
    Bpe,
    Pretrained,
}

impl Kind {
    /// Each kind with its `<option>` value and label.
    const ALL: [(Kind, &str, &str); 5] = [
        (Kind::Bytes, "bytes", "bytes"),
        (Kind::Characters, "chars", "characters of the data"),
        (Kind::Words, "words", "words of the data"),
        (Kind::Bpe, "bpe", "BPE trained on the data"),
        (Kind::Pretrained, "pretrained", "pretrained, from a Hub model"),
    ];

    fn from_value(value: &str) -> Kind {
        Kind::ALL.iter().find(|(_, v, _)| *v == value).map_or(Kind::Bytes, |(kind, _, _)| *kind)
    }

    /// How to train this kind here; `None` for those that are not trained here.
    fn recipe(self, vocab_size: usize) -> Option<Recipe> {
        match self {
            Kind::Characters => Some(Recipe::Characters),
            Kind::Words => Some(Recipe::Words { max_vocab: vocab_size }),
            Kind::Bpe => Some(Recipe::Bpe { vocab_size }),
            Kind::Bytes | Kind::Pretrained => None,
        }
    }

    fn is_trained_here(self) -> bool {
        self.recipe(DEFAULT_VOCAB).is_some()
    }

    /// The vocabulary sizes it may have, for those whose size the user sets.
    fn vocab_range(self) -> Option<(usize, usize)> {
        match self {
            Kind::Words => Some((MIN_WORD_VOCAB, MAX_WORD_VOCAB)),
            Kind::Bpe => Some((MIN_BPE_VOCAB, MAX_BPE_VOCAB)),
            _ => None,
        }
    }
}

#[component]
pub fn TokenizerPanel(
    tokenizer: RwSignal<Tokenizer>,
    /// A tokenizer is trained on its training text.
    corpus: RwSignal<Corpus>,
    endpoints: StoredValue<Endpoints>,
    /// The model's width: what a vocabulary costs in embeddings.
    #[prop(into)]
    n_embd: Signal<usize>,
    /// True while a tokenizer is fetched or trained (or data downloaded); the page does not train.
    preparing: RwSignal<bool>,
    #[prop(into)] busy: Signal<bool>,
    state: RunState,
    commands: Commands,
) -> impl IntoView {
    let error = state.error;
    let kind = RwSignal::new(Kind::Bytes);
    let vocab_size = RwSignal::new(DEFAULT_VOCAB);
    let model_id = RwSignal::new("gpt2".to_string());
    let sample = RwSignal::new("two plus three equals five".to_string());
    // The last Hub tokenizer loaded here, for the comparison after another one is chosen.
    let loaded_from_hub = RwSignal::new(None::<HfTokenizer>);
    let cancel = Canceller::new();
    let choose = move |ev| {
        let chosen = Kind::from_value(&event_target_value(&ev));
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
                Ok(loaded) => {
                    loaded_from_hub.set(loaded.pretrained().cloned());
                    tokenizer.set(loaded);
                }
                Err(ModelError::Hub(HubError::Cancelled)) => {}
                Err(e) => error.set(Some(e.to_string())),
            }
            cancel.clear();
            preparing.set(false);
        });
    };
    let train = move |_| {
        let Some(recipe) = kind.get_untracked().recipe(vocab_size.get_untracked()) else { return };
        error.set(None);
        preparing.set(true);
        let text = corpus.with_untracked(|c| c.train.clone());
        spawn_local(async move {
            let started = |handle: JobHandle| cancel.set(move || handle.cancel());
            match job_worker::train_tokenizer(&text, recipe, started).await {
                Ok(trained) => tokenizer.set(trained),
                Err(JobError::Cancelled) => {}
                Err(e) => error.set(Some(format!("training the tokenizer failed: {e}"))),
            }
            cancel.clear();
            preparing.set(false);
        });
    };
    let hub =
        Signal::derive(move || tokenizer.with(|t| t.pretrained().cloned()).or_else(|| loaded_from_hub.get()));
    let vocab_range = move || kind.get().vocab_range();
    view! {
        <section class="tokenizer">
            <label>"Tokenizer "
                <select data-testid="tokenizer-kind" prop:disabled=busy on:change=choose>
                    {Kind::ALL.map(|(k, value, label)| view! {
                        <option value=value selected=move || kind.get() == k>{label}</option>
                    }).collect_view()}
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
            <Show when=move || vocab_range().is_some()>
                <label>"vocabulary "
                    <input data-testid="vocab-size" type="number" step="1" prop:disabled=busy
                        min=move || vocab_range().map(|r| r.0) max=move || vocab_range().map(|r| r.1)
                        prop:value=move || vocab_size.get()
                        on:input=move |ev| {
                            if let Ok(size) = event_target_value(&ev).parse() { vocab_size.set(size) }
                        } />
                </label>
            </Show>
            <Show when=move || kind.get().is_trained_here()>
                <button data-testid="train-tokenizer" prop:disabled=busy on:click=train>"Train tokenizer"</button>
                <Show when=move || preparing.get()>
                    <progress data-testid="tokenizer-progress" aria-label="training the tokenizer"></progress>
                    " training in the background…"
                </Show>
            </Show>
            <button data-testid="tokenizer-cancel" prop:disabled=move || !cancel.active()
                on:click=move |_| cancel.cancel()>"Cancel"</button>
            <span class="in-use" data-testid="tokenizer-in-use">{move || tokenizer.with(Tokenizer::describe)}</span>
            <TokenView tokenizer=tokenizer text=sample state=state commands=commands />
            <TokenizerComparison corpus=corpus hub=hub sample=sample n_embd=n_embd preparing=preparing error=error />
        </section>
    }
}

/// Text in, tokens out: one coloured chip per token, carrying its id. The byte tokenizer splits
/// here; a Hugging Face tokenizer's tokens come from the engine (`Command::SplitTokens`), and
/// the chips show its last answer, whose text is the view's `data-text`.
#[component]
fn TokenView(
    tokenizer: RwSignal<Tokenizer>,
    text: RwSignal<String>,
    state: RunState,
    commands: Commands,
) -> impl IntoView {
    let given = StoredValue::new(Tokenizer::Bytes); // the engine's tokenizer for the view
    let shown = state.tokenizers_shown;
    Effect::new(move || {
        let text = text.get();
        tokenizer.with(|tokenizer| {
            if *tokenizer == Tokenizer::Bytes {
                return;
            }
            if given.with_value(|given| given != tokenizer) {
                given.set_value(tokenizer.clone());
                let number = shown.get_untracked() + 1;
                shown.set(number);
                commands.send(Command::ShowTokenizer { tokenizer: tokenizer.clone(), number });
            }
            commands.send(Command::SplitTokens { text });
        })
    });
    // Split once per text or answer; the count, the chips and `data-text` all read it. An
    // answer another tokenizer gave (one on its way when the tokenizer changed) is not shown.
    let answer = Memo::new(move |_| match tokenizer.with(|t| *t == Tokenizer::Bytes) {
        true => Some(text.with(|text| SplitText {
            text: text.clone(),
            pieces: Ok(byte_pieces(text)),
            tokenizer_number: 0,
        })),
        false => state.tokens.get().filter(|split| split.tokenizer_number == shown.get()),
    });
    let summary = move || {
        answer.with(|answer| match answer {
            None => "splitting…".to_string(),
            Some(SplitText { text, pieces: Ok(pieces), .. }) if !pieces.is_empty() => format!(
                "{} tokens, {:.2} bytes per token",
                pieces.len(),
                text.len() as f64 / pieces.len() as f64
            ),
            Some(SplitText { pieces: Ok(_), .. }) => String::new(),
            Some(SplitText { pieces: Err(e), .. }) => e.clone(),
        })
    };
    view! {
        <div class="token-view">
            <input data-testid="token-view-input" type="text" aria-label="text to split into tokens" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <span class="token-count">{summary}</span>
            <div data-testid="token-view" class="chips" data-text=move || answer.with(|a| a.as_ref().map(|split| split.text.clone()))>
                {move || token_chips(answer.with(|a| a.as_ref().and_then(|split| split.pieces.clone().ok())).unwrap_or_default())}
            </div>
        </div>
    }
}

/// One chip per token, its colour and `data-token-id` from its id.
pub fn token_chips(pieces: Vec<Piece>) -> impl IntoView {
    pieces
        .into_iter()
        .map(|piece| {
            view! {
                <span class="chip" data-token-id=piece.id title=format!("token {}", piece.id)
                    style=format!("background: hsl({}, 70%, 86%)", piece.id * 47 % 360)>
                    {piece.text}
                </span>
            }
        })
        .collect_view()
}
