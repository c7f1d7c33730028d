//! Picking a Hugging Face dataset: its id, then a subset, split and text column from the lists
//! the Hub gives for it (`data::choices` decides what is picked by default).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser::sleep_ms;
use super::fetch::BrowserFetch;
use crate::data::choices::Choices;
use crate::data::hub::{self, Endpoints};

/// Real datasets a newcomer can start from, offered beside the id box.
const SUGGESTED: [&str; 2] = ["karpathy/tiny_shakespeare", "roneneldan/TinyStories"];

/// Wait after the last keystroke in the id box before asking the Hub about it.
const LOOKUP_DELAY_MS: u32 = 400;

#[component]
pub fn HubPicker(
    choices: RwSignal<Choices>,
    endpoints: StoredValue<Endpoints>,
    /// What the picker is doing, for the line under the panel.
    status: RwSignal<String>,
    error: RwSignal<Option<String>>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let lookups = StoredValue::new(0u32);
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
    let option = |value: String, selected: bool| {
        let label = value.clone();
        view! { <option value=value selected=selected>{label}</option> }
    };
    let typed = RwSignal::new(String::new());
    let suggest = move |id: &'static str| {
        view! {
            <button class="link" data-testid="dataset-suggestion" prop:disabled=disabled
                on:click=move |_| { typed.set(id.into()); look_up(id.into()) }>{id}</button>
        }
    };
    view! {
        <p class="hf">
            <label>"Hugging Face dataset "
                <input data-testid="dataset-id" type="text" placeholder="owner/name" prop:value=typed
                    prop:disabled=disabled on:input=move |ev| { typed.set(event_target_value(&ev)); look_up(typed.get_untracked()) } />
            </label>
            <span class="suggestions">"try " {suggest(SUGGESTED[0])} " or " {suggest(SUGGESTED[1])}</span>
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
    }
}

/// Shows `picked` (a config just chosen), then fills in that config's text columns.
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
