//! The page's parts as numbered steps a newcomer can follow, each saying in one sentence what it
//! does, with the settings only some people want folded away.

use leptos::prelude::*;

#[component]
pub fn Step(number: u8, title: &'static str, about: &'static str, children: Children) -> impl IntoView {
    let heading = format!("step-{number}");
    let labelled_by = heading.clone();
    view! {
        <section class="step" aria-labelledby=labelled_by>
            <h2 id=heading><span class="step-number" aria-hidden="true">{number}</span>{title}</h2>
            <p class="about">{about}</p>
            {children()}
        </section>
    }
}

/// Settings folded away under `summary` until opened.
#[component]
pub fn Advanced(summary: &'static str, children: Children) -> impl IntoView {
    view! {
        <details class="advanced">
            <summary>{summary}</summary>
            {children()}
        </details>
    }
}
