//! A training step's forward and backward split across the CPU's cores.
//!
//! burn's CPU backend parallelises only its large matmuls, so a small model's step runs mostly
//! on one core while PyTorch uses all of them. Splitting the batch into parts run in parallel,
//! each part through its own replica of the model (its own autodiff graph, so the
//! backward passes do not share a lock), and averaging the parts' gradients weighted by their
//! sizes gives the whole batch's mean loss and gradient.

use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use rayon::prelude::*;

use super::Batch;
use super::loss::cross_entropy;
use crate::model::Gpt;

/// Parts a native CPU splits each batch into. Fixed rather than one per core, so that a run's
/// numbers do not depend on the machine (a split sums the gradient in another order); the
/// large matmuls inside each part still spread over every core.
const CPU_PARTS: usize = 2;

/// Parts to split a batch of `batch_size` into on `device`: `CPU_PARTS` on a native CPU, one
/// elsewhere (a GPU runs the whole batch at once; a browser tab has one thread) and with
/// dropout, whose masks come from the device's one generator: threads drawing from it in turn
/// would make a run differ from its restored copy.
pub fn parts(device: &Device, batch_size: usize, dropout: f64) -> usize {
    if cfg!(target_arch = "wasm32") || device.clone().inner() != Device::flex() || dropout > 0.0 {
        return 1;
    }
    CPU_PARTS.min(batch_size)
}

/// The mean loss of `batch` under `model` (on an autodiff device) and its gradients, with the
/// batch split into `parts` run in parallel.
pub fn loss_and_grads(model: &Gpt, batch: Batch, parts: usize) -> (Tensor<1>, GradientsParams) {
    if parts <= 1 {
        return whole_batch(model, batch);
    }
    let batch_size = batch.inputs.dims()[0];
    // On rayon's pool rather than threads of our own: the CPU backend's matmuls split over the
    // same pool, so a part's matmul runs on its own thread unless a core is idle, instead of
    // handing work to the pool's threads and sleeping until they are done.
    let results: Vec<_> = split(batch, parts)
        .into_par_iter()
        .map(|part| {
            // A fresh leaf per parameter (same ids): this part's graph is its own.
            let replica = model.clone().fork(&model.devices()[0]);
            let weight = part.inputs.dims()[0] as f64 / batch_size as f64;
            let (loss, grads) = whole_batch(&replica, part);
            (weight, loss, grads)
        })
        .collect();
    weighted_sum(model, results)
}

/// The mean loss of `batch` under `model` and its gradients, in one piece on this thread.
fn whole_batch(model: &Gpt, batch: Batch) -> (Tensor<1>, GradientsParams) {
    let loss = cross_entropy(model.forward(batch.inputs), batch.targets);
    let grads = GradientsParams::from_grads(loss.backward(), model);
    (loss.inner(), grads)
}

/// `batch` cut along its first dimension into `parts` nearly equal parts.
fn split(batch: Batch, parts: usize) -> Vec<Batch> {
    let [batch_size, _] = batch.inputs.dims();
    let sizes = (0..parts).map(|i| batch_size / parts + usize::from(i < batch_size % parts));
    let mut start = 0;
    sizes
        .map(|size| {
            let part = Batch {
                inputs: batch.inputs.clone().narrow(0, start, size),
                targets: batch.targets.clone().narrow(0, start, size),
            };
            start += size;
            part
        })
        .collect()
}

/// `Σ weight × loss` and, per parameter, `Σ weight × gradient`.
fn weighted_sum(model: &Gpt, parts: Vec<(f64, Tensor<1>, GradientsParams)>) -> (Tensor<1>, GradientsParams) {
    struct Sum {
        parts: Vec<(f64, GradientsParams)>,
        total: GradientsParams,
    }
    impl ModuleVisitor for Sum {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let weighted = self.parts.iter_mut().filter_map(|(weight, grads)| {
                grads.remove::<D>(param.id).map(|grad| grad.mul_scalar(*weight))
            });
            if let Some(sum) = weighted.reduce(|a, b| a + b) {
                self.total.register(param.id, sum);
            }
        }
    }
    let loss = parts.iter().map(|(weight, loss, _)| loss.clone().mul_scalar(*weight)).reduce(|a, b| a + b);
    let parts = parts.into_iter().map(|(weight, _, grads)| (weight, grads)).collect();
    let mut sum = Sum { parts, total: GradientsParams::new() };
    model.visit(&mut sum);
    (loss.expect("at least one part"), sum.total)
}
