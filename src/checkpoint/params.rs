//! Walks a model's parameters by module path, to write them out and to read them back in.

use std::collections::BTreeSet;

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use half::{bf16, f16};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use crate::model::ParamPath;

/// A tensor to write: its name, its shape, and its values flattened to rank 1 (so tensors of
/// every rank fit one list).
pub(super) type Named = (String, Vec<usize>, Tensor<1>);

/// Collects every float parameter with its dotted path and shape.
#[derive(Default)]
pub(super) struct ParamWriter {
    path: ParamPath,
    pub params: Vec<Named>,
}

impl ModuleVisitor for ParamWriter {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        let flat = tensor.reshape([shape.iter().product::<usize>()]);
        self.params.push((self.path.current(), shape, flat));
    }
}

/// How a file names the model's parameters.
pub(super) struct Naming {
    /// The file's name for a parameter path such as `h.0.ln_1.gamma`.
    pub name_in_file: Box<dyn Fn(&str) -> String>,
    /// Tensors the file may hold that are not parameters (and are read elsewhere, or not at all).
    pub not_a_parameter: fn(&str) -> bool,
}

impl Naming {
    /// gptlab's own files: tensors named by parameter path; a saved run's optimizer moments.
    pub fn gptlab() -> Self {
        Self { name_in_file: Box::new(str::to_string), not_a_parameter: |n| n.starts_with("optimizer.") }
    }
}

/// Replaces every float parameter by the tensor of the same path in a safetensors file,
/// recording what does not fit instead of panicking.
pub(super) struct ParamReader<'a> {
    file: &'a SafeTensors<'a>,
    device: &'a Device,
    naming: Naming,
    path: ParamPath,
    seen: BTreeSet<String>,
    problems: Vec<String>,
}

impl<'a> ParamReader<'a> {
    pub fn new(file: &'a SafeTensors<'a>, naming: Naming, device: &'a Device) -> Self {
        Self { file, device, naming, path: ParamPath::default(), seen: BTreeSet::new(), problems: Vec::new() }
    }

    /// Every problem found, plus tensors in the file that the model has no place for.
    pub fn finish(mut self) -> Result<(), String> {
        let extra: Vec<String> = self
            .file
            .names()
            .into_iter()
            .filter(|n| !self.seen.contains(*n) && !(self.naming.not_a_parameter)(n))
            .map(str::to_string)
            .collect();
        if !extra.is_empty() {
            self.problems.push(format!("unexpected tensors: {}", extra.join(", ")));
        }
        if self.problems.is_empty() { Ok(()) } else { Err(self.problems.join("; ")) }
    }

    fn read<const D: usize>(&mut self, path: &str, shape: [usize; D]) -> Option<Tensor<D>> {
        let name = (self.naming.name_in_file)(path);
        self.seen.insert(name.clone());
        let Ok(view) = self.file.tensor(&name) else {
            self.problems.push(format!("missing tensor {name}"));
            return None;
        };
        if view.shape() != shape {
            self.problems.push(format!("{name} has shape {:?}, expected {shape:?}", view.shape()));
            return None;
        }
        match widened_values(&view) {
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

/// A tensor's values as f32s, widened from the half-precision types the Hub's models often use.
pub(super) fn widened_values(view: &TensorView) -> Result<Vec<f32>, String> {
    let halves =
        |to_f32: fn([u8; 2]) -> f32| view.data().chunks_exact(2).map(|b| to_f32([b[0], b[1]])).collect();
    match view.dtype() {
        Dtype::F16 => Ok(halves(|b| f16::from_le_bytes(b).to_f32())),
        Dtype::BF16 => Ok(halves(|b| bf16::from_le_bytes(b).to_f32())),
        _ => f32_values(view).map_err(|_| format!("is {:?}, expected F32, F16 or BF16", view.dtype())),
    }
}

impl ModuleMapper for ParamReader<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.current();
        // The lazy shape: reading `val()` would initialise a tensor only to throw it away.
        let shape: [usize; D] = param.lazy_shape().dims();
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
