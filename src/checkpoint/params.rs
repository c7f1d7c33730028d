//! Walks a model's parameters by module path, to write them out and to read them back in.

use std::collections::BTreeSet;

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

/// Collects every float parameter with its dotted path and shape, flattened to rank 1 so
/// tensors of every rank fit one list.
#[derive(Default)]
pub(super) struct ParamWriter {
    path: Vec<String>,
    pub params: Vec<(String, Vec<usize>, Tensor<1>)>,
}

impl ModuleVisitor for ParamWriter {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        let flat = tensor.reshape([shape.iter().product::<usize>()]);
        self.params.push((self.path.join("."), shape, flat));
    }
}

/// Replaces every float parameter by the tensor of the same path in a safetensors file,
/// recording what does not fit instead of panicking.
pub(super) struct ParamReader<'a> {
    file: &'a SafeTensors<'a>,
    device: &'a Device,
    path: Vec<String>,
    seen: BTreeSet<String>,
    problems: Vec<String>,
}

impl<'a> ParamReader<'a> {
    pub fn new(file: &'a SafeTensors<'a>, device: &'a Device) -> Self {
        Self { file, device, path: Vec::new(), seen: BTreeSet::new(), problems: Vec::new() }
    }

    /// Every problem found, plus tensors in the file that the model has no place for (the
    /// optimizer's, in a saved run, have theirs elsewhere).
    pub fn finish(mut self) -> Result<(), String> {
        let extra: Vec<String> = self
            .file
            .names()
            .into_iter()
            .filter(|n| !self.seen.contains(*n) && !n.starts_with("optimizer."))
            .map(str::to_string)
            .collect();
        if !extra.is_empty() {
            self.problems.push(format!("unexpected tensors: {}", extra.join(", ")));
        }
        if self.problems.is_empty() { Ok(()) } else { Err(self.problems.join("; ")) }
    }

    fn read<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Option<Tensor<D>> {
        let Ok(view) = self.file.tensor(name) else {
            self.problems.push(format!("missing tensor {name}"));
            return None;
        };
        if view.shape() != shape {
            self.problems.push(format!("{name} has shape {:?}, expected {shape:?}", view.shape()));
            return None;
        }
        match f32_values(&view) {
            Ok(values) => Some(Tensor::from_data(TensorData::new(values, shape), self.device)),
            Err(problem) => {
                self.problems.push(format!("{name} {problem}"));
                None
            }
        }
    }
}

/// A tensor's values, if it holds F32s.
pub(super) fn f32_values(view: &TensorView) -> Result<Vec<f32>, String> {
    if view.dtype() != Dtype::F32 {
        return Err(format!("is {:?}, expected F32", view.dtype()));
    }
    Ok(view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

impl ModuleMapper for ParamReader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.join(".");
        // The lazy shape: reading `val()` would initialise a tensor only to throw it away.
        let shape: [usize; D] = param.lazy_shape().dims();
        self.seen.insert(name.clone());
        match self.read(&name, shape) {
            // Keeps the parameter's id and gradient tracking, so a loaded model can train on.
            Some(tensor) => {
                let id = param.id;
                param.transform_for_load(tensor, id)
            }
            None => param,
        }
    }
}
