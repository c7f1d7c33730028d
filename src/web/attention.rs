//! The attention view: for a prompt, a heatmap per layer and head of where each token looks,
//! untrained beside now, and a validation line's tokens coloured by how hard the model finds them.

use leptos::prelude::*;

use super::run::RunState;
use super::studio::visible;
use super::training::Commands;
use crate::session::protocol::{AttentionMaps, AttentionView, Command, LineLosses};

/// A map's cell, in SVG units, and the room for the token labels left of it and above it.
const CELL: f64 = 10.0;
const LABELS: f64 = 34.0;
/// A token's loss (nats) drawn fully red: a byte model's untrained loss is ln 256 = 5.5.
const LOSS_FULL: f32 = 4.0;

/// A token's row in one map: which grid (untrained or now), layer, head and row. The hovered
/// one says where that token looks.
#[derive(Debug, Clone, Copy, PartialEq)]
struct MapRow {
    before: bool,
    layer: usize,
    head: usize,
    row: usize,
}

#[component]
pub fn AttentionPanel(state: RunState, commands: Commands) -> impl IntoView {
    let prompt = RwSignal::new("two plus three equals".to_string());
    let hovered = RwSignal::new(None::<MapRow>);
    let show = move |_| commands.send(Command::Attention { prompt: prompt.get_untracked() });
    view! {
        <section class="attention">
            <h3>"Where each token looks"</h3>
            <p class="caption">"Each square is one attention head: row i is token i, and how dark each \
                column is shows how much it attends to that earlier token (rows sum to 100%; nothing \
                after it is seen). Hover a token on the left to see where it looks."</p>
            <p>
                <input data-testid="attention-prompt" class="prompt-input" type="text" aria-label="attention prompt"
                    prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev)) />
                " "
                <button data-testid="attention-show" prop:disabled=move || !state.has_model() on:click=show>
                    "Show attention"</button>
            </p>
            {move || state.attention.get().map(|AttentionView { tokens, now, before, line, .. }| {
                // The caption reads the view where it is kept rather than a copy of it.
                let looks = move || state.attention.with(|view| view.as_ref().map(|v| looks(v, hovered.get())));
                view! {
                    <div class="attention-grids">
                        {before.map(|maps| view! {
                            <HeadGrid title="Before training" testid="attention-map-before" before=true
                                maps=maps tokens=tokens.clone() hovered=hovered />
                        })}
                        <HeadGrid title="Now" testid="attention-map" before=false maps=now tokens=tokens
                            hovered=hovered />
                    </div>
                    <p data-testid="attention-looks" class="caption">{looks}</p>
                    {line.map(|line| view! { <LineLossesView line=line /> })}
                }
            })}
        </section>
    }
}

/// Every layer's heads as small heatmaps, a row of heads per layer.
#[component]
fn HeadGrid(
    title: &'static str,
    testid: &'static str,
    before: bool,
    maps: AttentionMaps,
    tokens: Vec<String>,
    hovered: RwSignal<Option<MapRow>>,
) -> impl IntoView {
    let maps = StoredValue::new(maps);
    let (n_layer, n_head) = maps.with_value(|m| (m.n_layer, m.n_head));
    view! {
        <figure class="attention-grid">
            <figcaption>{title}</figcaption>
            <div data-testid=testid class="heads" style=format!("grid-template-columns: repeat({n_head}, minmax(0, 1fr))")>
                {(0..n_layer).flat_map(|layer| (0..n_head).map(move |head| (layer, head))).map(|(layer, head)| {
                    let at = MapRow { before, layer, head, row: 0 };
                    view! { <HeadMap at=at maps=maps tokens=tokens.clone() hovered=hovered /> }
                }).collect_view()}
            </div>
        </figure>
    }
}

/// One head's `[t, t]` weights: cells shaded by weight, token labels on both axes, the hovered
/// token's row outlined.
#[component]
fn HeadMap(
    at: MapRow,
    maps: StoredValue<AttentionMaps>,
    tokens: Vec<String>,
    hovered: RwSignal<Option<MapRow>>,
) -> impl IntoView {
    let t = tokens.len();
    let size = LABELS + CELL * t as f64;
    let cells = maps.with_value(|m| {
        (0..t).map(|row| cell_row(MapRow { row, ..at }, m.row(at.layer, at.head, row))).collect_view()
    });
    let y_labels = tokens.iter().enumerate().map(|(row, token)| {
        let y = LABELS + CELL * (row as f64 + 0.8);
        view! {
            <text x={LABELS - 2.0} y=y text-anchor="end" class="token-label" data-token-row=row
                on:mouseenter=move |_| hovered.set(Some(MapRow { row, ..at }))>{visible(token)}</text>
        }
    });
    let x_labels = tokens.iter().enumerate().map(|(col, token)| {
        let (x, y) = (LABELS + CELL * (col as f64 + 0.8), LABELS - 2.0);
        view! { <text x=x y=y transform=format!("rotate(-90 {x} {y})") class="token-label">{visible(token)}</text> }
    });
    let outline = move || {
        hovered.get().map(|h| view! {
            <rect class="attention-row" x=LABELS y={LABELS + CELL * h.row as f64} width={CELL * t as f64} height=CELL />
        })
    };
    view! {
        <svg class="attention-head" viewBox=format!("0 0 {size} {size}") role="img"
            aria-label=format!("layer {} head {}", at.layer + 1, at.head + 1)
            on:mouseleave=move |_| hovered.set(None)>
            <text x=0 y=9 class="head-title">{format!("L{} H{}", at.layer + 1, at.head + 1)}</text>
            {y_labels.collect_view()}
            {x_labels.collect_view()}
            {cells}
            {outline}
        </svg>
    }
}

/// One token's row: a cell per token, its weight in `data-weight` and its shade (the square
/// root, so that small weights still show).
fn cell_row(at: MapRow, weights: &[f32]) -> impl IntoView + use<> {
    let row = at.row;
    weights
        .iter()
        .enumerate()
        .map(|(col, &weight)| {
            view! {
                <rect x={LABELS + CELL * col as f64} y={LABELS + CELL * row as f64} width=CELL height=CELL
                    fill-opacity=weight.max(0.0).sqrt() class="cell"
                    data-layer=at.layer data-head=at.head data-row=row data-col=col data-weight=weight.to_string() />
            }
        })
        .collect_view()
}

/// Where the hovered token looks, in words: its three largest weights in the hovered head.
fn looks(view: &AttentionView, hovered: Option<MapRow>) -> String {
    let Some(h) = hovered else {
        return "Hover a token on the left of a map to see where it looks.".into();
    };
    let Some(maps) = (if h.before { view.before.as_ref() } else { Some(&view.now) }) else {
        return String::new();
    };
    let mut ranked: Vec<(usize, f32)> =
        maps.row(h.layer, h.head, h.row).iter().copied().enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let token = |i: usize| format!("\"{}\"", visible(&view.tokens[i]));
    let top: Vec<String> =
        ranked.iter().take(3).map(|&(col, w)| format!("{} {:.0}%", token(col), w * 100.0)).collect();
    let when = if h.before { "before training" } else { "now" };
    format!(
        "Layer {} head {} ({when}): {} looks at {}",
        h.layer + 1,
        h.head + 1,
        token(h.row),
        top.join(", ")
    )
}

/// The validation line, each token after the first shaded by its loss.
#[component]
fn LineLossesView(line: LineLosses) -> impl IntoView {
    view! {
        <h3>"Which tokens are hard"</h3>
        <p class="caption">"The first line of the validation text: each token is shaded by the model's \
            loss for predicting it from the ones before (full red at 4 nats or more; hover for the number)."</p>
        <p data-testid="line-losses" class="line-losses">
            <span class="token">{visible(&line.first)}</span>
            {line.tokens.into_iter().map(|(token, loss)| view! {
                <span class="token" data-loss=loss.to_string() title=format!("{loss:.2} nats")
                    style=format!("background: rgba(208, 83, 47, {:.2})", (loss / LOSS_FULL).clamp(0.0, 1.0))>
                    {visible(&token)}</span>
            }).collect_view()}
        </p>
    }
}
