//! AdamW over a whole model, with gradient clipping by the global norm.
//!
//! The per-tensor update is burn's `AdamW`; only the bookkeeping is ours. burn's
//! `ModuleOptimizer` keys its moments by random parameter ids and serialises them with blocking
//! reads, which a browser on WebGPU cannot do. Here the moments are keyed by module path
//! (`h.0.attn.c_attn.weight`, the checkpoint's tensor names), so a run saved in one tab resumes in
//! another, and they are read back asynchronously like the weights.

use std::collections::BTreeMap;

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::optim::{AdamW, AdamWConfig, AdamWState, AdaptiveMomentumState, GradientsParams, Optimizer};
use burn::prelude::*;

use super::TrainConfig;
use crate::model::{Gpt, ParamPath};

/// One parameter's moments, flattened to rank 1 (the update is elementwise).
pub type Moments = AdamWState<1>;

#[derive(Clone)]
pub struct ModelOptimizer {
    adam: AdamW,
    /// Clip the gradients so that their global L2 norm is at most this.
    max_grad_norm: Option<f32>,
    moments: BTreeMap<String, Moments>,
}

impl ModelOptimizer {
    pub fn new(config: &TrainConfig) -> Self {
        // burn's defaults differ from PyTorch's: set every one.
        let adam = AdamWConfig::new()
            .with_beta_1(0.9)
            .with_beta_2(0.95)
            .with_epsilon(1e-8)
            .with_weight_decay(config.weight_decay)
            .build();
        Self { adam, max_grad_norm: config.max_grad_norm, moments: BTreeMap::new() }
    }

    /// Clips `grads` to the global norm and applies one AdamW step at learning rate `lr`.
    /// Returns the updated model and the gradients' global norm before clipping (`[1]`, not
    /// read back).
    pub fn step(&mut self, lr: f64, model: Gpt, grads: GradientsParams) -> (Gpt, Tensor<1>) {
        let (grads, norm) = clip_grad_norm(&model, grads, self.max_grad_norm);
        let mut update = Update { optimizer: self, grads, lr, path: ParamPath::default() };
        (model.map(&mut update), norm)
    }

    /// The moments by parameter path, to save with the weights.
    pub fn moments(&self) -> &BTreeMap<String, Moments> {
        &self.moments
    }

    /// Continues from saved moments (`time` is the number of steps they have seen).
    pub fn restore(&mut self, moments: BTreeMap<String, Moments>) {
        self.moments = moments;
    }
}

/// Rebuilds a parameter's moments from their saved tensors.
pub fn moments(time: usize, moment_1: Tensor<1>, moment_2: Tensor<1>) -> Moments {
    AdamWState { momentum: AdaptiveMomentumState { time, moment_1, moment_2, max_moment_2: None } }
}

/// Scales `grads` down so that their global norm is at most `max_norm` (a no-op within it).
/// Returns them with their norm before clipping, `[1]`, computed on the device.
pub fn clip_grad_norm(
    model: &Gpt,
    grads: GradientsParams,
    max_norm: Option<f32>,
) -> (GradientsParams, Tensor<1>) {
    let norm = global_grad_norm(model, &grads);
    let Some(max_norm) = max_norm else {
        return (grads, norm);
    };
    struct Scale {
        grads: GradientsParams,
        factor: Tensor<1>,
    }
    impl ModuleVisitor for Scale {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.grads.remove::<D>(param.id) {
                let shape = grad.dims();
                let scaled = flat(grad) * self.factor.clone();
                self.grads.register(param.id, scaled.reshape(shape));
            }
        }
    }
    // min(1, max / norm), as a tensor: no read back to decide. `clamp` is one kernel where
    // `clamp_max` is two (a comparison and a mask fill).
    let factor = norm.clone().add_scalar(1e-6).recip().mul_scalar(max_norm).clamp(0.0, 1.0);
    let mut scale = Scale { grads, factor };
    model.visit(&mut scale);
    (scale.grads, norm)
}

/// `sqrt(sum of every gradient element squared)`, `[1]`, computed on the device.
pub fn global_grad_norm(model: &Gpt, grads: &GradientsParams) -> Tensor<1> {
    struct SquaredSum<'a> {
        grads: &'a GradientsParams,
        total: Option<Tensor<1>>,
    }
    impl ModuleVisitor for SquaredSum<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.grads.get::<D>(param.id) {
                let squares = flat(grad).square().sum(); // [1]
                self.total = Some(match self.total.take() {
                    Some(total) => total + squares,
                    None => squares,
                });
            }
        }
    }
    let mut sum = SquaredSum { grads, total: None };
    model.visit(&mut sum);
    sum.total.expect("a model has parameters").sqrt()
}

/// `tensor` as one row, `[numel]`. The gradient norm, clipping and update take every parameter
/// in this one shape, so each of their operations is one kernel whatever the parameter's rank
/// (the rank is compiled into a kernel: each would be one more for a GPU to compile).
fn flat<const D: usize>(tensor: Tensor<D>) -> Tensor<1> {
    let count = tensor.dims().iter().product::<usize>();
    tensor.reshape([count])
}

struct Update<'a> {
    optimizer: &'a mut ModelOptimizer,
    grads: GradientsParams,
    lr: f64,
    path: ParamPath,
}

impl ModuleMapper for Update<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let shape = tensor.dims();
        let (grad, weights) = (flat(grad), flat(tensor.inner()));
        let path = self.path.current();
        // A parameter without moments starts from zeros at time 0, which AdamW updates exactly
        // as it initialises moments (β·0 + x = x): the first step then runs the same kernels as
        // every later one, so a GPU warmed up by one step is ready for any run's first.
        let previous = (self.optimizer.moments.remove(&path))
            .unwrap_or_else(|| moments(0, weights.zeros_like(), weights.zeros_like()));
        let (updated, moments) = self.optimizer.adam.step(self.lr, weights, grad, Some(previous));
        if let Some(moments) = moments {
            self.optimizer.moments.insert(path, moments);
        }
        let updated = Tensor::from_inner(updated.reshape(shape)).require_grad();
        Param::from_mapped_value(id, updated, mapper)
    }
}
