/// A parameter's dotted path as a `ModuleVisitor` or `ModuleMapper` walks the model
/// (`h.0.attn.c_attn.weight`): the checkpoint's tensor names and the optimizer's keys. An enum's
/// variant is the family's choice of part, not a place, so it adds no name: LayerNorm's and
/// RMSNorm's scales are both `h.0.ln_1.gamma`.
#[derive(Debug, Default)]
pub struct ParamPath(Vec<String>);

impl ParamPath {
    /// Call from `enter_module`.
    pub fn enter(&mut self, name: &str, container_type: &str) {
        if !is_variant(container_type) {
            self.0.push(name.to_string());
        }
    }

    /// Call from `exit_module`.
    pub fn exit(&mut self, container_type: &str) {
        if !is_variant(container_type) {
            self.0.pop();
        }
    }

    /// The path to the parameter being visited.
    pub fn current(&self) -> String {
        self.0.join(".")
    }
}

/// burn's derive names an enum's container `Enum:<name>` (and a variant's fields by the variant).
fn is_variant(container_type: &str) -> bool {
    container_type.starts_with("Enum:")
}
