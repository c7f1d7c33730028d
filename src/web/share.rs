//! Sharing models: a link that loads a checkpoint (`?checkpoint=`), the Hugging Face export (a
//! zip that `transformers` loads, GPT-2's or Llama's layout), and a GPT-2 imported from the Hub
//! by model id.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser::url_param;
use super::cancel::Canceller;
use super::link;
use super::run::RunState;
use super::training::Commands;
use crate::data::hub::{Endpoints, HubError};
use crate::data::models::{LinkError, ModelError};
use crate::format;
use crate::session::protocol::Command;

#[component]
pub fn SharePanel(
    state: RunState,
    endpoints: StoredValue<Endpoints>,
    commands: Commands,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let cancel = Canceller::new();
    let shared = url_param("checkpoint");
    if let Some(url) = shared.clone() {
        spawn_local(load_link(url, state, status, cancel, commands));
    }
    let uploaded_to = RwSignal::new(shared.unwrap_or_default());
    // GPT-2 small itself (124 M parameters, a 548 MB download): the model this one's layout is.
    let model_id = RwSignal::new(DEFAULT_IMPORT.to_string());
    let import = move |_| {
        state.error.set(None);
        let model_id = model_id.get_untracked();
        spawn_local(import_gpt2(endpoints.get_value(), model_id, state, status, cancel, commands));
    };
    let has_model = move || state.download.with(Option::is_some) && !busy.get();
    view! {
        <div class="share">
            {move || status.get().map(|text| view! {
                <p class="link-status">{text} " "
                    <button data-testid="share-cancel" on:click=move |_| cancel.cancel()>"Cancel"</button>
                </p>
            })}
            <p>
                <button data-testid="export-hf" prop:disabled=move || !has_model()
                    on:click=move |_| commands.send(Command::ExportHf)>"Export for Hugging Face (zip)"</button>
                " model.safetensors, config.json and tokenizer.json, as "
                <code>"GPT2LMHeadModel"</code> " or " <code>"LlamaForCausalLM"</code>
                " (the model's family) " <code>".from_pretrained"</code> " reads them"
            </p>
            <p>
                <label>"Import a GPT-2 from the Hub "
                    <input data-testid="import-hf-model-id" type="text" prop:value=move || model_id.get()
                        on:input=move |ev| model_id.set(event_target_value(&ev)) />
                </label>
                <button data-testid="import-hf" prop:disabled=move || busy.get() || status.with(Option::is_some)
                    on:click=import>"Import"</button>
            </p>
            <p>
                <label>"Uploaded a checkpoint? Its https URL "
                    <input data-testid="share-url" type="url"
                        placeholder="https://huggingface.co/you/model/resolve/main/model.safetensors"
                        prop:value=move || uploaded_to.get() on:input=move |ev| uploaded_to.set(event_target_value(&ev)) />
                </label>
                {move || uploaded_to.with(|url| (!url.trim().is_empty()).then(|| link::share_link(url)).flatten()).map(|link| view! {
                    " " <a data-testid="share-link" href=link.clone()>{link.clone()}</a>
                })}
            </p>
        </div>
    }
}

/// The model the import box offers first.
const DEFAULT_IMPORT: &str = "openai-community/gpt2";

/// `?checkpoint=<URL>`: downloads the file and has the worker load it.
async fn load_link(
    url: String,
    state: RunState,
    status: RwSignal<Option<String>>,
    cancel: Canceller,
    commands: Commands,
) {
    let mut progress = |bytes, total| {
        status.set(Some(format!("downloading the checkpoint: {}", format::progress(bytes, total))))
    };
    match link::download(&url, cancel.download(), &mut progress).await {
        Ok(shared) => commands.send(Command::Load { file_name: shared.file_name, bytes: shared.bytes }),
        Err(LinkError::Hub(HubError::Cancelled)) => {}
        Err(e) => state.error.set(Some(e.to_string())),
    }
    cancel.clear();
    status.set(None);
}

/// Fetches a Hub model's GPT-2 files and has the worker import them.
async fn import_gpt2(
    endpoints: Endpoints,
    model_id: String,
    state: RunState,
    status: RwSignal<Option<String>>,
    cancel: Canceller,
    commands: Commands,
) {
    let model_id = model_id.trim().to_string();
    let mut progress = |file: &str, bytes, total| {
        status.set(Some(format!("downloading {file} of {model_id}: {}", format::progress(bytes, total))))
    };
    match link::fetch_gpt2(&endpoints, &model_id, cancel.download(), &mut progress).await {
        Ok(files) => commands.send(Command::ImportGpt2 {
            model_id,
            config_json: files.config_json,
            tokenizer_json: files.tokenizer_json,
            model_safetensors: files.model_safetensors,
        }),
        Err(ModelError::Hub(HubError::Cancelled)) => {}
        Err(e) => state.error.set(Some(e.to_string())),
    }
    cancel.clear();
    status.set(None);
}
