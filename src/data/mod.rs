//! Corpora the model trains on, each with a held-out validation split.

pub mod arithmetic;

/// Training and validation text. Validation never overlaps training.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// Shown in the page and stored in the checkpoint.
    pub name: String,
    pub train: String,
    pub validation: String,
}
