//! The model's sizes and the run's training settings, from a preset or set one by one, with the
//! parameter count and memory estimate they imply.

use leptos::prelude::*;

use super::step::Advanced;
use crate::format;
use crate::model::{Family, GptConfig};
use crate::train::{Preset, TrainConfig, memory_estimate_bytes};

#[component]
pub fn ModelSettings(
    model: RwSignal<GptConfig>,
    training: RwSignal<TrainConfig>,
    #[prop(into)] vocab_size: Signal<usize>,
    #[prop(into)] busy: Signal<bool>,
    initial: Preset,
) -> impl IntoView {
    let preset = RwSignal::new(Some(initial));
    let choose = move |ev| {
        let chosen = Preset::from_name(&event_target_value(&ev));
        if let Some(p) = chosen {
            model.set(p.model(256).with_family(model.with_untracked(|m| m.family)));
            training.set(p.training());
        }
        preset.set(chosen);
    };
    // A preset's sizes build either family.
    let choose_family = move |ev| {
        let Some(family) = Family::from_name(&event_target_value(&ev)) else { return };
        model.update(|m| *m = m.clone().with_family(family));
    };
    let is_llama = move || model.with(|m| m.family == Family::Llama);
    // Any size set by hand makes the model "custom"; so do the sizes of a loaded checkpoint.
    let edited = move || preset.set(None);
    Effect::new(move || {
        let sizes = model.get();
        if preset
            .get_untracked()
            .is_some_and(|p| p.model(sizes.vocab_size).with_family(sizes.family) != sizes)
        {
            edited();
        }
    });
    let sized = move || GptConfig { vocab_size: vocab_size.get(), ..model.get() };
    let param_count = move || sized().param_count();
    let memory = move || memory_estimate_bytes(&sized(), training.with(|t| t.batch_size));
    view! {
        <section class="settings model-settings">
            <label>"Model "
                <select data-testid="preset" prop:disabled=busy on:change=choose>
                    {Preset::ALL.map(|p| view! {
                        <option value=p.name() selected=move || preset.get() == Some(p)>{p.name()}</option>
                    }).collect_view()}
                    <option value="custom" selected=move || preset.get().is_none()>"custom"</option>
                </select>
            </label>
            <label>"Family "
                <select data-testid="model-family" prop:disabled=busy on:change=choose_family>
                    {Family::ALL.map(|f| view! {
                        <option value=f.name() selected=move || model.with(|m| m.family) == f>{f.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <Advanced summary="Sizes">
            {number("layers", "n-layer", model, |m| m.n_layer as f64, move |m, v| { m.n_layer = v as usize; edited() }, "1", busy)}
            {number("heads", "n-head", model, |m| m.n_head as f64, move |m, v| { m.n_head = v as usize; edited() }, "1", busy)}
            {move || is_llama().then(|| number("key/value heads", "n-kv-head", model, |m| m.kv_heads() as f64,
                move |m, v| { m.n_kv_head = Some(v as usize); edited() }, "1", busy))}
            {number("width", "n-embd", model, |m| m.n_embd as f64, move |m, v| { m.n_embd = v as usize; edited() }, "1", busy)}
            {number("context", "context", model, |m| m.block_size as f64, move |m, v| { m.block_size = v as usize; edited() }, "1", busy)}
            {number("dropout", "dropout", model, |m| m.dropout, move |m, v| { m.dropout = v; edited() }, "0.05", busy)}
            </Advanced>
            <span class="estimate">
                <b data-testid="param-count" data-params=param_count>{move || format::count(param_count() as u64)}</b> " parameters, about "
                <b data-testid="memory-estimate" data-bytes=memory>{move || format::bytes(memory())}</b> " of GPU memory to train"
            </span>
        </section>
    }
}

#[component]
pub fn TrainingSettings(training: RwSignal<TrainConfig>, #[prop(into)] busy: Signal<bool>) -> impl IntoView {
    view! {
        <section class="settings training-settings">
            {number("steps", "max-steps", training, |t| t.max_steps as f64, |t, v| t.max_steps = v as usize, "1", busy)}
            {number("or minutes (0: no limit)", "max-minutes", training, |t| t.max_minutes.unwrap_or(0.0),
                |t, v| t.max_minutes = (v > 0.0).then_some(v), "any", busy)}
            <Advanced summary="Batch, learning rate and more">
            {number("batch", "batch-size", training, |t| t.batch_size as f64, |t, v| t.batch_size = v as usize, "1", busy)}
            {number("learning rate", "learning-rate", training, |t| t.learning_rate, |t, v| t.learning_rate = v, "any", busy)}
            {number("warmup steps", "warmup-steps", training, |t| t.warmup_steps as f64, |t, v| t.warmup_steps = v as usize, "1", busy)}
            {number("weight decay", "weight-decay", training, |t| t.weight_decay as f64, |t, v| t.weight_decay = v as f32, "any", busy)}
            {number("clip gradients at", "grad-clip", training, |t| t.max_grad_norm.unwrap_or(0.0) as f64,
                |t, v| t.max_grad_norm = (v > 0.0).then_some(v as f32), "any", busy)}
            {number("evaluate every", "eval-interval", training, |t| t.eval_interval as f64, |t, v| t.eval_interval = v as usize, "1", busy)}
            </Advanced>
        </section>
    }
}

/// A labelled number box bound to one field of `settings`. The field changes only when the box
/// holds a different number, so typing "0." is not rewritten to "0" under the cursor.
pub fn number<T: Send + Sync + 'static>(
    label: &'static str,
    testid: &'static str,
    settings: RwSignal<T>,
    get: fn(&T) -> f64,
    set: impl Fn(&mut T, f64) + 'static,
    step: &'static str,
    busy: Signal<bool>,
) -> impl IntoView {
    let on_input = move |ev| {
        let Ok(value) = event_target_value(&ev).trim().parse::<f64>() else { return };
        if value.is_finite() && value >= 0.0 && settings.with_untracked(get) != value {
            settings.update(|s| set(s, value));
        }
    };
    view! {
        <label>{label} " "
            <input data-testid=testid type="number" min="0" step=step prop:disabled=busy
                prop:value=move || format::setting(settings.with(get)) on:input=on_input />
        </label>
    }
}
