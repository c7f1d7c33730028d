//! The training session's rules, on the CPU backend, driven as the training worker drives it:
//! with a fake clock that a test moves, an in-memory run store and an outbox that records.

use burn::prelude::*;
use gptlab::checkpoint;
use gptlab::data::{Corpus, arithmetic};
use gptlab::session::protocol::{
    BackendChoice, Command, DeviceInfo, Event, Job, JobOutput, Message, Phase, RunSpec, SampleSettings,
};
use gptlab::session::{
    Backend, Clock, Devices, Outbox, RunStore, SavedRun, Session, StoreError, describe_saved_run, run_job,
};
use gptlab::tokenize::Tokenizer;
use gptlab::train::TrainConfig;
use pollster::block_on;

use super::small_config;

/// Milliseconds the fake clock moves per step.
const STEP_MS: f64 = 10.0;

/// Everything around the session: a clock, the events it posted, the autosave.
#[derive(Default)]
struct World {
    now: f64,
    events: Vec<Event>,
    saved: Option<SavedRun>,
    /// The device's largest buffer: `None` for the CPU.
    max_buffer_bytes: Option<u64>,
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
    async fn save(&mut self, checkpoint: &[u8], corpus: Option<&Corpus>) -> Result<(), StoreError> {
        let corpus = corpus.cloned().or_else(|| self.saved.take().map(|s| s.corpus));
        let corpus = corpus.ok_or_else(|| StoreError("a first save without its corpus".into()))?;
        self.saved = Some(SavedRun { checkpoint: checkpoint.to_vec(), corpus });
        Ok(())
    }

    async fn load(&mut self) -> Result<Option<SavedRun>, StoreError> {
        Ok(self.saved.clone())
    }
}

impl Devices for World {
    async fn open(&mut self, _: BackendChoice) -> Backend {
        let max_buffer_bytes = self.max_buffer_bytes;
        let info = DeviceInfo { label: "CPU".into(), note: None, max_buffer_bytes, remembered_kernels: None };
        Backend { device: Device::flex(), info }
    }
}

impl World {
    /// A world whose store holds `saved`.
    fn with_save(saved: Option<SavedRun>) -> Self {
        Self { saved, ..Self::default() }
    }

    /// Events posted since the last call.
    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn saved_step(&self) -> Option<usize> {
        let saved = self.saved.as_ref()?;
        Some(checkpoint::read_info(&saved.checkpoint).unwrap().training.step)
    }
}

fn training(max_steps: usize, eval_interval: usize) -> TrainConfig {
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

fn spec(train: TrainConfig) -> RunSpec {
    RunSpec {
        model: small_config(),
        train,
        tokenizer: Tokenizer::Bytes,
        corpus: arithmetic::corpus(1, 1),
        fine_tune: false,
    }
}

/// A session on the CPU device.
fn cpu_session(world: &mut World) -> Session {
    let mut session = Session::new();
    send(&mut session, world, Command::Init { backend: BackendChoice::Cpu });
    session
}

fn send(session: &mut Session, world: &mut World, command: Command) {
    block_on(session.handle(command, world));
}

/// A session training `train` on the CPU, its samples before training taken.
fn started(world: &mut World, train: TrainConfig) -> Session {
    let mut session = cpu_session(world);
    send(&mut session, world, Command::Train(Box::new(spec(train))));
    session
}

/// Takes `count` steps `ms` apart on the clock, or fewer if the run stops training first.
fn steps(session: &mut Session, world: &mut World, count: usize, ms: f64) {
    for _ in 0..count {
        if !session.training() {
            return;
        }
        world.now += ms;
        block_on(session.step(world));
    }
}

fn run_to_end(session: &mut Session, world: &mut World) {
    steps(session, world, usize::MAX, STEP_MS);
}

/// The checkpoint a run offered when it ended.
fn offered_checkpoint(events: &[Event]) -> Vec<u8> {
    let offered =
        events.iter().find_map(|e| if let Event::Checkpoint { bytes, .. } = e { Some(bytes) } else { None });
    offered.expect("a checkpoint was offered").clone()
}

/// A short run's checkpoint.
fn trained_checkpoint() -> Vec<u8> {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    offered_checkpoint(&world.events)
}

/// A session fine-tuning the model in `file`. Runs that must take the same steps start from one
/// file: a fresh model's initialisation draws from the CPU device's generator, which the tests
/// running beside this one share.
fn fine_tuning(world: &mut World, file: &[u8], train: TrainConfig) -> Session {
    let mut session = cpu_session(world);
    send(&mut session, world, Command::Load { file_name: "base.safetensors".into(), bytes: file.to_vec() });
    send(&mut session, world, Command::Train(Box::new(RunSpec { fine_tune: true, ..spec(train) })));
    session
}

/// Every training loss the events report, by step.
fn losses(events: &[Event]) -> Vec<(usize, f32)> {
    events
        .iter()
        .flat_map(|e| if let Event::Progress { losses, .. } = e { losses.clone() } else { vec![] })
        .collect()
}

fn phases(events: &[Event]) -> Vec<Phase> {
    events.iter().filter_map(|e| if let Event::Phase(p) = e { Some(*p) } else { None }).collect()
}

fn autosaves(events: &[Event]) -> Vec<usize> {
    events.iter().filter_map(|e| if let Event::Autosaved { step } = e { Some(*step) } else { None }).collect()
}

fn errors(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| if let Event::Error { message } = e { Some(message.clone()) } else { None })
        .collect()
}

/// An event's kind and the figure that places it, e.g. `Validation@4`.
fn outline(event: &Event) -> String {
    match event {
        Event::Ready(_) => "Ready".into(),
        Event::Started { step, .. } => format!("Started@{step}"),
        Event::Phase(phase) => format!("{phase:?}"),
        Event::Samples { after, .. } => (if *after { "SamplesAfter" } else { "SamplesBefore" }).into(),
        Event::Progress { step, .. } => format!("Progress@{step}"),
        Event::Validation { step, .. } => format!("Validation@{step}"),
        Event::Autosaved { step } => format!("Autosaved@{step}"),
        Event::Checkpoint { .. } => "Checkpoint".into(),
        Event::Loaded { .. } => "Loaded".into(),
        Event::Export { .. } => "Export".into(),
        Event::Generation { done, .. } => format!("Generation(done: {done})"),
        Event::Candidates { .. } => "Candidates".into(),
        Event::Error { .. } => "Error".into(),
    }
}

#[test]
fn a_run_posts_its_events_in_the_documented_order() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    run_to_end(&mut session, &mut world);
    let outline: Vec<String> = world.events.iter().map(outline).collect();
    let expected = [
        "Ready",
        "Started@0",
        "SamplingBefore",
        "SamplesBefore",
        "Training",
        "Progress@4",
        "Validation@4",
        "Autosaved@4",
        "Progress@8",
        "Validation@8",
        "SamplingAfter",
        "SamplesAfter",
        "Saving",
        "Checkpoint",
        "Autosaved@8",
        "Done",
    ];
    assert_eq!(outline, expected);
    assert_eq!(losses(&world.events).iter().map(|l| l.0).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());
}

#[test]
fn progress_is_reported_every_tenth_of_a_second_with_each_loss_once() {
    let mut world = World::default();
    let mut session = started(&mut world, training(40, 1000));
    steps(&mut session, &mut world, usize::MAX, 30.0);
    let reports: Vec<usize> = world
        .events
        .iter()
        .filter_map(|e| if let Event::Progress { step, .. } = e { Some(*step) } else { None })
        .collect();
    assert_eq!(reports, (4..=40).step_by(4).collect::<Vec<_>>(), "every 120 ms of 30 ms steps");
    let steps: Vec<usize> = losses(&world.events).iter().map(|l| l.0).collect();
    assert_eq!(steps, (1..=40).collect::<Vec<_>>());
}

#[test]
fn pause_and_continue_take_the_same_steps_as_a_run_that_never_paused() {
    let base = trained_checkpoint();
    let mut world = World::default();
    let mut straight = fine_tuning(&mut world, &base, training(8, 4));
    run_to_end(&mut straight, &mut world);
    let expected = losses(&world.events);

    let mut world = World::default();
    let mut paused = fine_tuning(&mut world, &base, training(8, 4));
    steps(&mut paused, &mut world, 3, STEP_MS);
    send(&mut paused, &mut world, Command::Pause);
    assert!(!paused.training());
    assert_eq!(phases(&world.events).last(), Some(&Phase::Paused));
    assert_eq!(world.saved_step(), Some(3), "a pause autosaves");
    assert_eq!(losses(&world.events).len(), 3, "a pause reports every step taken");
    world.now += 60_000.0; // a long pause
    send(&mut paused, &mut world, Command::Continue);
    run_to_end(&mut paused, &mut world);
    assert_eq!(losses(&world.events), expected);
}

#[test]
fn stop_samples_after_training_offers_the_checkpoint_and_saves() {
    let mut world = World::default();
    let mut session = started(&mut world, training(100, 50));
    steps(&mut session, &mut world, 5, STEP_MS);
    world.take_events();
    send(&mut session, &mut world, Command::Stop);
    let events = world.take_events();
    let outline: Vec<String> = events.iter().map(outline).collect();
    let expected =
        ["Progress@5", "SamplingAfter", "SamplesAfter", "Saving", "Checkpoint", "Autosaved@5", "Stopped"];
    assert_eq!(outline, expected);
    let Some(Event::Checkpoint { file_name, bytes }) =
        events.iter().find(|e| matches!(e, Event::Checkpoint { .. }))
    else {
        unreachable!()
    };
    assert_eq!(file_name, "gptlab-2x32-step5.safetensors");
    assert_eq!(checkpoint::read_info(bytes).unwrap().training.step, 5);
    assert_eq!(world.saved_step(), Some(5));
    assert!(!session.training());
}

#[test]
fn a_loss_that_is_not_a_number_stops_the_run_and_keeps_the_last_good_save() {
    // Healthy for the first steps, then a learning rate that blows the weights up: the
    // cosine "decay" rises towards an absurd minimum after warmup.
    let train =
        TrainConfig { learning_rate: 1e-3, min_learning_rate: 1e12, warmup_steps: 4, ..training(8, 2) };
    let mut world = World::default();
    let mut session = started(&mut world, train);
    run_to_end(&mut session, &mut world);
    assert_eq!(phases(&world.events).last(), Some(&Phase::Failed));
    let error = errors(&world.events).pop().expect("the page is told why");
    assert!(error.contains("diverged") && (error.contains("NaN") || error.contains("inf")), "{error}");
    let kept = world.saved_step().expect("a save from before the divergence");
    assert!(error.contains(&format!("the last good autosave (step {kept}) is kept")), "{error}");
    assert!(
        !world.events.iter().any(|e| matches!(e, Event::Checkpoint { .. })),
        "no checkpoint of a broken model"
    );
    // The save holds weights that still evaluate to a number.
    let saved = world.saved.clone().unwrap();
    let info = checkpoint::read_info(&saved.checkpoint).unwrap();
    assert!(info.training.validation_loss.is_some_and(f32::is_finite));
    assert!((2..8).contains(&kept));
}

#[test]
fn the_time_budget_ends_the_run_at_the_step_where_its_minutes_are_spent() {
    // Half a minute at 5 s a step: six steps, of a thousand allowed.
    let train = TrainConfig { max_minutes: Some(0.5), ..training(1000, 100) };
    let mut world = World::default();
    let mut session = started(&mut world, train);
    steps(&mut session, &mut world, usize::MAX, 5_000.0);
    assert_eq!(phases(&world.events).last(), Some(&Phase::Done));
    assert_eq!(losses(&world.events).last().map(|l| l.0), Some(6));
    assert_eq!(world.saved_step(), Some(6));
    let left = world.events.iter().rev().find_map(|e| match e {
        Event::Progress { seconds_left, .. } => Some(*seconds_left),
        _ => None,
    });
    assert_eq!(left, Some(0.0), "the last report says no time is left");
}

#[test]
fn a_pause_does_not_count_against_the_time_budget() {
    let train = TrainConfig { max_minutes: Some(0.5), ..training(1000, 100) };
    let mut world = World::default();
    let mut session = started(&mut world, train);
    steps(&mut session, &mut world, 3, 5_000.0);
    send(&mut session, &mut world, Command::Pause);
    world.now += 3_600_000.0; // an hour away
    send(&mut session, &mut world, Command::Continue);
    steps(&mut session, &mut world, usize::MAX, 5_000.0);
    assert_eq!(losses(&world.events).last().map(|l| l.0), Some(6));
}

#[test]
fn a_run_resumed_from_its_save_takes_the_identical_next_steps() {
    let mut world = World::default();
    let mut original = started(&mut world, training(8, 4));
    steps(&mut original, &mut world, 4, STEP_MS);
    send(&mut original, &mut world, Command::Pause);
    let save = world.saved.clone();
    let before = losses(&world.events);
    send(&mut original, &mut world, Command::Continue);
    run_to_end(&mut original, &mut world);
    let expected = losses(&world.events);

    // Another session (a reloaded page) with the store as the pause left it.
    let mut world = World::with_save(save);
    let mut resumed = cpu_session(&mut world);
    send(&mut resumed, &mut world, Command::ResumeSaved);
    let Some(Event::Started { step, history, .. }) =
        world.events.iter().find(|e| matches!(e, Event::Started { .. }))
    else {
        panic!("no Started event: {:?}", world.events.iter().map(outline).collect::<Vec<_>>())
    };
    assert_eq!(*step, 4);
    assert_eq!(history.train, before, "the chart continues");
    run_to_end(&mut resumed, &mut world);
    assert_eq!(losses(&world.events), expected[4..]);
    assert_eq!(phases(&world.events).last(), Some(&Phase::Done));
}

#[test]
fn the_run_autosaves_at_every_evaluation_and_at_its_end() {
    let mut world = World::default();
    let mut session = started(&mut world, training(10, 3));
    run_to_end(&mut session, &mut world);
    assert_eq!(autosaves(&world.events), [3, 6, 9, 10]);
    let validations: Vec<usize> = world
        .events
        .iter()
        .filter_map(|e| if let Event::Validation { step, .. } = e { Some(*step) } else { None })
        .collect();
    assert_eq!(validations, [3, 6, 9, 10]);
}

#[test]
fn resume_without_a_save_says_so_and_changes_nothing() {
    let mut world = World::default();
    let mut session = cpu_session(&mut world);
    send(&mut session, &mut world, Command::ResumeSaved);
    assert_eq!(errors(&world.events), ["no saved run was found"]);
    assert!(!session.training());
}

#[test]
fn commands_that_need_a_model_explain_what_is_missing() {
    let mut world = World::default();
    let mut session = cpu_session(&mut world);
    send(
        &mut session,
        &mut world,
        Command::Generate { prompt: "two".into(), settings: SampleSettings::default() },
    );
    send(&mut session, &mut world, Command::ExportGpt2);
    let fine_tune = RunSpec { fine_tune: true, ..spec(training(8, 4)) };
    send(&mut session, &mut world, Command::Train(Box::new(fine_tune)));
    assert_eq!(
        errors(&world.events),
        [
            "train a model or load a checkpoint first",
            "train a model or load a checkpoint first",
            "load a checkpoint or a Hub model first to fine-tune it",
        ]
    );
    assert!(!session.training());
}

#[test]
fn a_model_too_large_for_the_gpus_buffers_is_refused_before_training() {
    // A GPU whose buffers hold less than one batch's logits (4 × 16 × 256 floats).
    let mut world = World { max_buffer_bytes: Some(50_000), ..World::default() };
    let session = started(&mut world, training(8, 4));
    let message = errors(&world.events).pop().expect("refused");
    assert!(message.contains("more than this GPU allows for one buffer"), "{message}");
    assert!(!session.training());
    assert!(!world.events.iter().any(|e| matches!(e, Event::Started { .. })));
}

#[test]
fn attention_scores_too_large_for_the_gpu_are_refused_and_named() {
    // Context 512: scores of batch 4 × 2 heads × 512 × 512 floats (8.4 MB), four times the logits.
    let mut world = World { max_buffer_bytes: Some(4_000_000), ..World::default() };
    let long = RunSpec { model: small_config().with_block_size(512), ..spec(training(8, 4)) };
    let mut session = cpu_session(&mut world);
    send(&mut session, &mut world, Command::Train(Box::new(long)));
    let message = errors(&world.events).pop().expect("refused");
    assert!(
        message.starts_with("a training step needs a 8.4 MB buffer for its attention scores"),
        "{message}"
    );
    assert!(message.contains("choose a smaller batch or context, or fewer heads"), "{message}");
}

#[test]
fn a_resumed_or_fine_tuned_run_is_held_to_the_gpus_buffers_too() {
    let small_gpu = || World { max_buffer_bytes: Some(10_000), ..World::default() };
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    steps(&mut session, &mut world, 4, STEP_MS);
    let mut elsewhere = World { saved: world.saved.clone(), ..small_gpu() };
    let mut resumed = cpu_session(&mut elsewhere);
    send(&mut resumed, &mut elsewhere, Command::ResumeSaved);
    assert!(errors(&elsewhere.events).pop().expect("refused").contains("buffer for its logits"));
    assert!(!resumed.training());

    let mut elsewhere = small_gpu();
    let mut tuned = fine_tuning(&mut elsewhere, &trained_checkpoint(), training(8, 4));
    assert!(errors(&elsewhere.events).pop().expect("refused").contains("buffer for its logits"));
    assert!(!tuned.training());
    send(&mut tuned, &mut elsewhere, Command::Stop); // nothing to stop: no second message
    assert_eq!(errors(&elsewhere.events).len(), 1);
}

#[test]
fn the_sampling_tool_streams_its_text_and_the_bars_rank_the_next_tokens() {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    world.take_events();
    let settings = SampleSettings { max_tokens: 5, ..SampleSettings::default() };
    send(&mut session, &mut world, Command::Generate { prompt: "two plus".into(), settings });
    let texts: Vec<(String, bool)> = world
        .take_events()
        .into_iter()
        .filter_map(|e| if let Event::Generation { text, done } = e { Some((text, done)) } else { None })
        .collect();
    assert_eq!(texts.len(), 6, "one event per token, then the whole text");
    assert!(texts.windows(2).all(|w| w[1].0.starts_with(&w[0].0)), "{texts:?}");
    assert_eq!(texts.iter().filter(|t| t.1).count(), 1);
    send(&mut session, &mut world, Command::NextTokens { prompt: "two plus".into() });
    let Some(Event::Candidates { candidates, .. }) = world.take_events().pop() else {
        panic!("no candidates")
    };
    assert_eq!(candidates.len(), 8);
    assert!(candidates.windows(2).all(|w| w[0].1 >= w[1].1), "ranked by probability");
}

#[test]
fn a_loaded_checkpoint_is_described_sampled_and_offered_again() {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    let after = world.events.iter().find_map(|e| match e {
        Event::Samples { after: true, samples } => Some(samples.clone()),
        _ => None,
    });
    let file = offered_checkpoint(&world.events);

    let mut world = World::default();
    let mut fresh = cpu_session(&mut world);
    world.take_events();
    send(&mut fresh, &mut world, Command::Load { file_name: "mine.safetensors".into(), bytes: file.clone() });
    let events = world.take_events();
    let outline: Vec<String> = events.iter().map(outline).collect();
    assert_eq!(outline, ["Loaded", "SamplingAfter", "SamplesAfter", "Checkpoint", "Done"]);
    let Event::Loaded { description, .. } = &events[0] else { unreachable!() };
    assert!(
        description.starts_with("mine.safetensors: 2 layers, 2 heads, 32 wide, context 16"),
        "{description}"
    );
    assert!(description.contains("trained 4 steps on arithmetic"), "{description}");
    let Event::Samples { samples, .. } = &events[2] else { unreachable!() };
    assert_eq!(Some(samples.clone()), after, "same weights, same seed, same text");
    let Event::Checkpoint { bytes, .. } = &events[3] else { unreachable!() };
    assert_eq!(*bytes, file);

    send(
        &mut fresh,
        &mut world,
        Command::Load { file_name: "junk.safetensors".into(), bytes: vec![1, 2, 3] },
    );
    let message = errors(&world.take_events()).pop().unwrap();
    assert!(message.starts_with("junk.safetensors: this is not a safetensors file"), "{message}");
}

#[test]
fn a_saved_run_is_described_for_the_offer_to_resume_it() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    steps(&mut session, &mut world, 4, STEP_MS);
    let summary = describe_saved_run(&world.saved.as_ref().unwrap().checkpoint).unwrap();
    assert_eq!(summary.step, 4);
    assert!(summary.description.starts_with("step 4 of 8, 2 layers × 32 wide, on arithmetic"), "{summary:?}");
    assert_eq!(describe_saved_run(b"not a checkpoint"), None);
}

#[test]
fn a_message_crosses_with_its_bytes_beside_its_json() {
    let wire = Command::Load { file_name: "a.safetensors".into(), bytes: vec![7; 1000] }.to_wire();
    assert!(wire.json.len() < 100, "the bytes are not in the JSON: {}", wire.json);
    let Command::Load { file_name, bytes } = Command::from_wire(wire.clone()).unwrap() else { panic!() };
    assert_eq!((file_name.as_str(), bytes), ("a.safetensors", vec![7; 1000]));
    let missing = gptlab::session::protocol::Wire { bytes: None, ..wire };
    assert!(Command::from_wire(missing).is_err(), "a load without its file is refused");
    let pause = Command::Pause.to_wire();
    assert_eq!(pause.bytes, None);
    assert!(matches!(Command::from_wire(pause).unwrap(), Command::Pause));
}

#[test]
fn the_job_worker_trains_a_tokenizer_and_counts_tokens() {
    let text = "the cat sat on the mat\n".repeat(50);
    let JobOutput::Tokenizer(bpe) = run_job(Job::TrainBpe { text: text.clone(), vocab_size: 300 }).unwrap()
    else {
        panic!("not a tokenizer")
    };
    let JobOutput::TokenCount(count) =
        run_job(Job::CountTokens { text: text.clone(), tokenizer: bpe }).unwrap()
    else {
        panic!("not a count")
    };
    assert!(count < text.len(), "{count} tokens for {} bytes", text.len());
    let refused = run_job(Job::TrainBpe { text, vocab_size: 100 }).unwrap_err();
    assert!(refused.contains("between 256 and 32768 tokens, not 100"), "{refused}");
}
