//! The training objective.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;

/// Mean next-token cross-entropy.
///
/// # Shapes
/// - logits: `[batch, seq, vocab]`, targets: `[batch, seq]` -> `[1]`
pub fn cross_entropy(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits.reshape([b * t, v]), targets.reshape([b * t]))
}
