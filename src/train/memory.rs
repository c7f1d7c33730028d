//! What a training step asks of the device: its largest buffers (a GPU caps each one: WebGPU's
//! `maxStorageBufferBindingSize`) and an estimate of its whole memory. Sizes are `u64` and
//! multiply saturating: in the page `usize` is 32 bits, and a product past 4 GiB would wrap.

use super::TrainError;
use crate::model::GptConfig;

const F32: u64 = size_of::<f32>() as u64;

/// One buffer of a training step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepBuffer {
    /// What it holds, as a user would name it: "attention scores".
    pub what: &'static str,
    /// Its shape in words: "batch 16 × 4 heads × context 64 × 64".
    pub shape: String,
    pub bytes: u64,
    /// The settings that shrink it, for the message that refuses it.
    pub shrink: &'static str,
}

/// The large buffers of one training step on `model` with batches of `batch_size`.
pub fn step_buffers(model: &GptConfig, batch_size: usize) -> Vec<StepBuffer> {
    let [b, t, c, h, v] =
        [batch_size, model.block_size, model.n_embd, model.n_head, model.vocab_size].map(|n| n as u64);
    let widened = model.mlp_fc_width() as u64;
    let buffer = |what, shape: String, factors: &[u64], shrink| StepBuffer {
        what,
        shape,
        bytes: factors.iter().fold(F32, |product, &n| product.saturating_mul(n)),
        shrink,
    };
    vec![
        buffer(
            "logits",
            format!("batch {b} × context {t} × vocabulary {v}"),
            &[b, t, v],
            "vocabulary, batch or context",
        ),
        buffer(
            "attention scores",
            format!("batch {b} × {h} heads × context {t} × {t}"),
            &[b, h, t, t],
            "batch or context, or fewer heads",
        ),
        buffer(
            "MLP activations",
            format!("batch {b} × context {t} × {widened}"),
            &[b, t, widened],
            "batch, context or width",
        ),
        buffer("token embedding", format!("vocabulary {v} × width {c}"), &[v, c], "vocabulary or width"),
    ]
}

/// The largest buffer a training step allocates.
pub fn largest_buffer(model: &GptConfig, batch_size: usize) -> StepBuffer {
    step_buffers(model, batch_size).into_iter().max_by_key(|b| b.bytes).expect("a step has buffers")
}

/// Refuses a model whose step would need a buffer larger than the device's `limit` before
/// anything is allocated.
pub fn check_buffer_limit(model: &GptConfig, batch_size: usize, limit: u64) -> Result<(), TrainError> {
    let largest = largest_buffer(model, batch_size);
    if largest.bytes <= limit {
        return Ok(());
    }
    let StepBuffer { what, shape, bytes, shrink } = largest;
    Err(TrainError::BufferTooLarge { needed: bytes, limit, what, shape, shrink })
}

/// A rough upper estimate of the device memory a training step needs: weights, gradients and
/// the two AdamW moments (4 copies of the parameters), the activations kept for the backward
/// pass, and the logits with their softmax and gradient.
pub fn memory_estimate_bytes(model: &GptConfig, batch_size: usize) -> u64 {
    let [b, t, c, h, v, layers] =
        [batch_size, model.block_size, model.n_embd, model.n_head, model.vocab_size, model.n_layer]
            .map(|n| n as u64);
    let product = |factors: &[u64]| factors.iter().fold(1u64, |p, &n| p.saturating_mul(n));
    let parameters = product(&[4, model.param_count() as u64]);
    // Per layer: the norms, q/k/v, attention output and projection (about 10 values per position
    // and channel); the MLP's widened layer before and after its activation (GPT-2: 4x and 4x;
    // Llama: gate and up, then SiLU(gate) and the product); and the attention scores, mask and
    // weights (3 per head and pair of positions).
    let widened = model.mlp_fc_width() as u64;
    let per_position = product(&[10, c]).saturating_add(product(&[2, widened]));
    let per_layer = product(&[per_position, b, t]).saturating_add(product(&[3, b, h, t, t]));
    let activations = product(&[layers, per_layer]).saturating_add(product(&[2, b, t, c]));
    let logits = product(&[3, b, t, v]);
    product(&[F32, parameters.saturating_add(activations).saturating_add(logits)])
}
