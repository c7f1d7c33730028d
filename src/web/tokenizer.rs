//! Choosing the tokenizer (bytes, or a BPE trained on the data right here) and seeing how a
//! sentence splits into its tokens.

use leptos::prelude::*;

use crate::tokenize::{MAX_BPE_VOCAB, MIN_BPE_VOCAB, Tokenizer};

const DEFAULT_BPE_VOCAB: usize = 512;

#[component]
pub fn TokenizerPanel(
    tokenizer: RwSignal<Tokenizer>,
    /// The text a BPE is trained on.
    training_text: StoredValue<String>,
    #[prop(into)] busy: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let bpe = RwSignal::new(false);
    let vocab_size = RwSignal::new(DEFAULT_BPE_VOCAB);
    let choose = move |ev| {
        let wants_bpe = event_target_value(&ev) == "bpe";
        bpe.set(wants_bpe);
        if !wants_bpe {
            tokenizer.set(Tokenizer::Bytes);
        }
    };
    let train = move |_| {
        error.set(None);
        match training_text.with_value(|text| Tokenizer::train_bpe(text, vocab_size.get_untracked())) {
            Ok(trained) => tokenizer.set(trained),
            Err(e) => error.set(Some(format!("training the tokenizer failed: {e}"))),
        }
    };
    view! {
        <section class="tokenizer">
            <label>"Tokenizer "
                <select data-testid="tokenizer-kind" prop:disabled=busy on:change=choose>
                    <option value="bytes" selected=move || !bpe.get()>"bytes"</option>
                    <option value="bpe" selected=move || bpe.get()>"BPE trained on the data"</option>
                </select>
            </label>
            <Show when=move || bpe.get()>
                <label>"vocabulary "
                    <input data-testid="vocab-size" type="number" min=MIN_BPE_VOCAB max=MAX_BPE_VOCAB step="1"
                        prop:value=move || vocab_size.get() prop:disabled=busy
                        on:input=move |ev| {
                            if let Ok(size) = event_target_value(&ev).parse() { vocab_size.set(size) }
                        } />
                </label>
                <button data-testid="train-tokenizer" prop:disabled=busy on:click=train>"Train tokenizer"</button>
            </Show>
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
            <input data-testid="token-view-input" type="text" prop:value=move || text.get()
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
