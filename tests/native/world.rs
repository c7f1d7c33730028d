//! A fake world for the training session, as the training worker is in the browser: a clock
//! that a test moves, an outbox that records, and a run store and training lock that several
//! worlds (a browser's tabs) may share.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use burn::prelude::*;
use gptlab::checkpoint::{self, RunIdentity};
use gptlab::data::{Corpus, arithmetic};
use gptlab::session::protocol::{BackendChoice, Command, DeviceInfo, Event, Phase, RunSpec};
use gptlab::session::{
    Backend, Clock, Devices, Outbox, RunStore, SavedRun, Session, StoreError, TrainingLock,
};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{StepShape, TrainConfig};
use pollster::block_on;

use super::small_config;

/// The autosaves of a browser: each run's last checkpoint, oldest saved first, and the corpora
/// by hash.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub runs: Vec<(RunIdentity, Vec<u8>)>,
    pub corpora: HashMap<String, Corpus>,
}

/// Everything around one session.
#[derive(Default)]
pub struct World {
    pub now: f64,
    pub events: Vec<Event>,
    pub store: Rc<RefCell<Store>>,
    /// Which tab holds the training lock, shared by the tabs of a browser.
    pub lock: Rc<RefCell<Option<u32>>>,
    pub tab: u32,
    /// What the user chose: `Auto` unless a test says otherwise.
    pub choice: BackendChoice,
    /// A GPU beside the CPU, with its largest buffer; `None`: there is none. It computes on the
    /// CPU: what these tests show is when and how a run moves, not another device's numbers.
    pub gpu_buffer_bytes: Option<u64>,
    /// The shapes the session asked the GPU to warm up for.
    pub warm_ups: Vec<StepShape>,
}

impl Clock for World {
    fn now_ms(&self) -> f64 {
        self.now
    }
}

impl Outbox for World {
    fn post(&mut self, event: Event) {
        self.events.push(event);
    }
}

impl RunStore for World {
    async fn save(
        &mut self,
        run: &RunIdentity,
        checkpoint: &[u8],
        corpus: Option<&Corpus>,
    ) -> Result<(), StoreError> {
        let mut store = self.store.borrow_mut();
        if let Some(corpus) = corpus {
            store.corpora.insert(run.corpus_hash.clone(), corpus.clone());
        }
        if !store.corpora.contains_key(&run.corpus_hash) {
            return Err(StoreError("a save names a corpus the store does not hold".into()));
        }
        store.runs.retain(|(saved, _)| saved.id != run.id);
        store.runs.push((run.clone(), checkpoint.to_vec()));
        Ok(())
    }

    async fn load(&mut self) -> Result<Option<SavedRun>, StoreError> {
        let store = self.store.borrow();
        let Some((run, checkpoint)) = store.runs.last() else { return Ok(None) };
        let corpus =
            store.corpora.get(&run.corpus_hash).cloned().ok_or(StoreError("its corpus is gone".into()))?;
        Ok(Some(SavedRun { checkpoint: checkpoint.clone(), corpus }))
    }
}

impl TrainingLock for World {
    async fn acquire(&mut self) -> bool {
        let mut holder = self.lock.borrow_mut();
        if holder.is_none_or(|tab| tab == self.tab) {
            *holder = Some(self.tab);
        }
        *holder == Some(self.tab)
    }

    fn release(&mut self) {
        let mut holder = self.lock.borrow_mut();
        if *holder == Some(self.tab) {
            *holder = None;
        }
    }
}

impl Devices for World {
    fn cpu(&mut self) -> Backend {
        let info = DeviceInfo { label: "CPU".into(), note: None, max_buffer_bytes: None };
        Backend { device: Device::flex(), info }
    }

    async fn open_gpu(&mut self, _: BackendChoice) -> Result<Backend, String> {
        let max_buffer_bytes = Some(self.gpu_buffer_bytes.ok_or("this world has no GPU")?);
        let info = DeviceInfo { label: "GPU".into(), note: None, max_buffer_bytes };
        Ok(Backend { device: Device::flex(), info })
    }

    fn warm_up(&mut self, _: &Backend, shape: &StepShape) {
        self.warm_ups.push(shape.clone());
    }
}

impl World {
    /// A world whose store starts as `store` (a copy: another browser, or the same after a reload).
    pub fn with_store(store: &Store) -> Self {
        Self { store: Rc::new(RefCell::new(store.clone())), ..Self::default() }
    }

    /// Another tab of `other`'s browser: the same store and training lock.
    pub fn tab_beside(other: &World, tab: u32) -> Self {
        Self { store: other.store.clone(), lock: other.lock.clone(), tab, ..Self::default() }
    }

    /// Events posted since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The run saved last, as `load` gives it.
    pub fn saved(&mut self) -> Option<SavedRun> {
        block_on(self.load()).unwrap()
    }

    pub fn saved_step(&mut self) -> Option<usize> {
        let saved = self.saved()?;
        Some(checkpoint::read_info(&saved.checkpoint).unwrap().training.step)
    }
}

/// Milliseconds the fake clock moves per step.
pub const STEP_MS: f64 = 10.0;

pub fn training(max_steps: usize, eval_interval: usize) -> TrainConfig {
    TrainConfig {
        batch_size: 4,
        max_steps,
        max_minutes: None,
        learning_rate: 1e-2,
        min_learning_rate: 1e-3,
        warmup_steps: 2,
        weight_decay: 0.01,
        max_grad_norm: Some(1.0),
        eval_batches: 1,
        eval_interval,
        seed: 5,
    }
}

pub fn spec(train: TrainConfig) -> RunSpec {
    RunSpec {
        model: small_config(),
        train,
        tokenizer: Tokenizer::Bytes,
        corpus: arithmetic::corpus(1, 1),
        fine_tune: false,
    }
}

/// A session on the CPU device.
pub fn new_session(world: &mut World) -> Session {
    let mut session = Session::new();
    send(&mut session, world, Command::Init { backend: world.choice });
    session
}

pub fn send(session: &mut Session, world: &mut World, command: Command) {
    block_on(session.handle(command, world));
}

/// A session training `train` on the CPU, its samples before training taken.
pub fn started(world: &mut World, train: TrainConfig) -> Session {
    let mut session = new_session(world);
    send(&mut session, world, Command::Train(Box::new(spec(train))));
    session
}

/// Takes `count` steps `ms` apart on the clock, or fewer if the run stops training first.
pub fn steps(session: &mut Session, world: &mut World, count: usize, ms: f64) {
    for _ in 0..count {
        if !session.training() {
            return;
        }
        world.now += ms;
        block_on(session.step(world));
    }
}

pub fn run_to_end(session: &mut Session, world: &mut World) {
    steps(session, world, usize::MAX, STEP_MS);
}

/// The checkpoint a run offered when it ended.
pub fn offered_checkpoint(events: &[Event]) -> Vec<u8> {
    let offered =
        events.iter().find_map(|e| if let Event::Checkpoint { bytes, .. } = e { Some(bytes) } else { None });
    offered.expect("a checkpoint was offered").clone()
}

/// A short run's checkpoint.
pub fn trained_checkpoint() -> Vec<u8> {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    offered_checkpoint(&world.events)
}

/// A session fine-tuning the model in `file`. Runs that must take the same steps start from one
/// file: a fresh model's initialisation draws from the CPU device's generator, which the tests
/// running beside this one share.
pub fn fine_tuning(world: &mut World, file: &[u8], train: TrainConfig) -> Session {
    let mut session = new_session(world);
    send(&mut session, world, Command::Load { file_name: "base.safetensors".into(), bytes: file.to_vec() });
    send(&mut session, world, Command::Train(Box::new(RunSpec { fine_tune: true, ..spec(train) })));
    session
}

/// Every training loss the events report, by step.
pub fn losses(events: &[Event]) -> Vec<(usize, f32)> {
    events
        .iter()
        .flat_map(|e| if let Event::Progress { losses, .. } = e { losses.clone() } else { vec![] })
        .collect()
}

pub fn phases(events: &[Event]) -> Vec<Phase> {
    events.iter().filter_map(|e| if let Event::Phase(p) = e { Some(*p) } else { None }).collect()
}

pub fn autosaves(events: &[Event]) -> Vec<usize> {
    events.iter().filter_map(|e| if let Event::Autosaved { step } = e { Some(*step) } else { None }).collect()
}

pub fn errors(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| if let Event::Error { message } = e { Some(message.clone()) } else { None })
        .collect()
}

/// An event's kind and the figure that places it, e.g. `Validation@4`.
pub fn outline(event: &Event) -> String {
    match event {
        Event::Device(info) => format!("Device({})", info.label),
        Event::Gpu(report) => format!("Gpu({:?})", report.status),
        Event::Started { step, .. } => format!("Started@{step}"),
        Event::Phase(phase) => format!("{phase:?}"),
        Event::Samples { after, .. } => (if *after { "SamplesAfter" } else { "SamplesBefore" }).into(),
        Event::Accuracy { after, .. } => (if *after { "AccuracyAfter" } else { "AccuracyBefore" }).into(),
        Event::Progress { step, .. } => format!("Progress@{step}"),
        Event::Validation { step, .. } => format!("Validation@{step}"),
        Event::Autosaved { step } => format!("Autosaved@{step}"),
        Event::Checkpoint { .. } => "Checkpoint".into(),
        Event::Loaded { .. } => "Loaded".into(),
        Event::Export { .. } => "Export".into(),
        Event::Generation { done, .. } => format!("Generation(done: {done})"),
        Event::Candidates { .. } => "Candidates".into(),
        Event::Words { .. } => "Words".into(),
        Event::Attention(_) => "Attention".into(),
        Event::LearningRates { done, .. } => {
            (if *done { "LearningRates(done)" } else { "LearningRates" }).into()
        }
        Event::Speed(_) => "Speed".into(),
        Event::RunEnded(record) => format!("RunEnded@{}", record.steps),
        Event::Tokens(split) => format!("Tokens({:?})", split.text),
        Event::Error { .. } => "Error".into(),
    }
}
