//! The autosave store: what it holds, and what the session asks of it.

use crate::checkpoint::RunIdentity;
use crate::data::Corpus;

/// An autosaved run: a checkpoint with the optimizer's moments (its metadata names the run and
/// its corpus's hash), and the corpus it trains on.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRun {
    pub checkpoint: Vec<u8>,
    pub corpus: Corpus,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

// Implementations live on one thread (a worker), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait RunStore {
    /// Saves run `run`'s checkpoint in one write, replacing that run's earlier save and no other
    /// run's. `corpus`, when given, is stored first under its hash `corpus_hash` (a corpus never
    /// changes during a run and can be large: it is written once).
    async fn save(
        &mut self,
        run: &RunIdentity,
        checkpoint: &[u8],
        corpus: Option<&Corpus>,
    ) -> Result<(), StoreError>;

    /// The run saved last, with the corpus its save names, if there is one.
    async fn load(&mut self) -> Result<Option<SavedRun>, StoreError>;
}
