//! The checkpoint: download it, load one from a file, and the loaded model's card.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::browser::read_file;
use super::run::RunState;
use super::training::Commands;
use crate::data::fetch::MAX_FILE_BYTES;
use crate::session::protocol::Command;

#[component]
pub fn CheckpointPanel(
    state: RunState,
    commands: Commands,
    /// Whether Train fine-tunes the loaded model.
    fine_tune: RwSignal<bool>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let load = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value(""); // picking the same file again fires `change` again
        spawn_local(async move {
            match read_file(&file, MAX_FILE_BYTES).await {
                Ok(bytes) => {
                    state.error.set(None);
                    // The worker hands the file back to download once it has loaded.
                    commands.send(Command::Load { file_name: file.name(), bytes });
                }
                Err(error) => state.error.set(Some(error.to_string())),
            }
        });
    };
    view! {
        <section class="checkpoint">
            {move || state.download.get().map(|d| view! {
                <a data-testid="download-checkpoint" href=d.url download={d.file_name.clone()}>
                    "Download checkpoint (" {d.file_name.clone()} ")"
                </a>
            })}
            <label>"Load a checkpoint "
                <input data-testid="load-checkpoint" type="file" accept=".safetensors" prop:disabled=busy on:change=load />
            </label>
            {move || state.loaded.get().map(|loaded| view! {
                <p data-testid="model-card" class="loaded">"Loaded " {loaded.description}</p>
                <label>
                    <input data-testid="fine-tune" type="checkbox" prop:checked=move || fine_tune.get()
                        prop:disabled=busy on:change=move |ev| fine_tune.set(event_target_checked(&ev)) />
                    " Train fine-tunes this model (its sizes and tokenizer)"
                </label>
            })}
        </section>
    }
}
