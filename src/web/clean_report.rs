//! What cleaning did: a row per step that ran (what it kept and removed, how fast), the first
//! things it removed with the reason, and the start of the cleaned training text.

use leptos::prelude::*;

use crate::data::Corpus;
use crate::data::clean::{Step, StepReport};
use crate::format;

/// Enough of the cleaned training text to see what the steps did.
const PREVIEW_CHARS: usize = 2000;

#[component]
pub fn CleanReport(report: Vec<StepReport>, corpus: RwSignal<Corpus>) -> impl IntoView {
    let rows = report.into_iter().map(|r| view! { <StepRow report=r /> }).collect_view();
    let preview = move || corpus.with(|c| c.train.chars().take(PREVIEW_CHARS).collect::<String>());
    view! {
        <table data-testid="clean-report" class="clean-report">
            <thead><tr><th>"step"</th><th>"documents"</th><th>"characters"</th><th>"speed"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <details>
            <summary>"The start of the cleaned training text"</summary>
            <pre data-testid="clean-preview">{preview}</pre>
        </details>
    }
}

#[component]
fn StepRow(report: StepReport) -> impl IntoView {
    let r = &report;
    let kept_docs = r.docs_in - r.docs_removed;
    let docs = format!("kept {} of {}, removed {}", kept_docs, r.docs_in, r.docs_removed);
    // PII is masked in place: documents stay, characters are replaced.
    let chars = match r.step {
        Step::Pii => format!("masked {} of {}", r.chars_removed, r.chars_in),
        _ => format!("kept {} of {}, removed {}", r.chars_in - r.chars_removed, r.chars_in, r.chars_removed),
    };
    // Characters, not bytes, are counted: the two agree for mostly-ASCII text.
    let speed = match r.millis {
        ms if ms > 0.0 => format!(
            "{} in {}, {:.1} M chars/s",
            format::count(r.chars_in as u64),
            format::duration_ms(ms),
            r.chars_in as f64 / ms / 1e3
        ),
        _ => String::new(),
    };
    let found: Vec<String> = r.counts.iter().map(|(kind, n)| format!("{kind}: {n}")).collect();
    let examples =
        r.examples.iter().map(|e| view! { <li><b>{e.reason.clone()}</b> ": " <q>{e.text.clone()}</q></li> });
    let examples = examples.collect_view();
    view! {
        <tr data-step=r.step.name() data-removed-docs=r.docs_removed data-removed-chars=r.chars_removed
            data-millis=r.millis data-chars-in=r.chars_in>
            <td>{r.step.name()}</td><td>{docs}</td><td>{chars}</td><td>{speed}</td>
        </tr>
        <tr class="clean-examples">
            <td colspan="4">
                <details>
                    <summary>{format!("what it found: {}", found.join(", "))}</summary>
                    <ul data-testid="clean-examples">{examples}</ul>
                </details>
            </td>
        </tr>
    }
}
