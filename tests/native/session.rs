//! The training session's rules, on the CPU backend, driven as the training worker drives it:
//! with a fake clock that a test moves, an in-memory run store and an outbox that records.

use gptlab::checkpoint;
use gptlab::data::take::{Amount, Source, SplitColumn};
use gptlab::session::protocol::{
    BackendChoice, Command, Event, Job, JobOutput, JobProgress, JobReply, Message, Phase, RunSpec,
    SampleSettings, TakeRequest,
};
use gptlab::session::{describe_saved_run, run_job};
use gptlab::tokenize::Recipe;
use gptlab::train::TrainConfig;
use pollster::block_on;

use super::recorded::{Recorded, endpoints, fixture, ok};
use super::small_config;
use super::world::*;

#[test]
fn a_run_posts_its_events_in_the_documented_order() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    run_to_end(&mut session, &mut world);
    let outline: Vec<String> = world.events.iter().map(outline).collect();
    let expected = [
        "Device(CPU)",
        r#"Gpu(Off { reason: "this world has no GPU" })"#,
        "Started@0",
        "SamplingBefore",
        "SamplesBefore",
        "AccuracyBefore",
        "Training",
        "Progress@4",
        "Validation@4",
        "Autosaved@4",
        "Progress@8",
        "Validation@8",
        "SamplingAfter",
        "SamplesAfter",
        "AccuracyAfter",
        "Saving",
        "Checkpoint",
        "Autosaved@8",
        "RunEnded@8",
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
    let expected = [
        "Progress@5",
        "SamplingAfter",
        "SamplesAfter",
        "AccuracyAfter",
        "Saving",
        "Checkpoint",
        "Autosaved@5",
        "RunEnded@5",
        "Stopped",
    ];
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
    let saved = world.saved().unwrap();
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
    let paused = world.store.borrow().clone();
    let before = losses(&world.events);
    send(&mut original, &mut world, Command::Continue);
    run_to_end(&mut original, &mut world);
    let expected = losses(&world.events);

    // Another session (a reloaded page) with the store as the pause left it.
    let mut world = World::with_store(&paused);
    let mut resumed = new_session(&mut world);
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
    let mut session = new_session(&mut world);
    send(&mut session, &mut world, Command::ResumeSaved);
    assert_eq!(errors(&world.events), ["no saved run was found"]);
    assert!(!session.training());
}

#[test]
fn commands_that_need_a_model_explain_what_is_missing() {
    let mut world = World::default();
    let mut session = new_session(&mut world);
    send(
        &mut session,
        &mut world,
        Command::Generate { prompt: "two".into(), settings: SampleSettings::default() },
    );
    send(&mut session, &mut world, Command::ExportHf);
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
    let mut world =
        World { choice: BackendChoice::WebGpu, gpu_buffer_bytes: Some(50_000), ..World::default() };
    let session = started(&mut world, training(8, 4));
    let message = errors(&world.events).pop().expect("refused");
    assert!(message.contains("more than this GPU allows for one buffer"), "{message}");
    assert!(!session.training());
    assert!(!world.events.iter().any(|e| matches!(e, Event::Started { .. })));
}

#[test]
fn attention_scores_too_large_for_the_gpu_are_refused_and_named() {
    // Context 512: scores of batch 4 × 2 heads × 512 × 512 floats (8.4 MB), four times the logits.
    let mut world =
        World { choice: BackendChoice::WebGpu, gpu_buffer_bytes: Some(4_000_000), ..World::default() };
    let long = RunSpec { model: small_config().with_block_size(512), ..spec(training(8, 4)) };
    let mut session = new_session(&mut world);
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
    let small_gpu =
        || World { choice: BackendChoice::WebGpu, gpu_buffer_bytes: Some(10_000), ..World::default() };
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    steps(&mut session, &mut world, 4, STEP_MS);
    let mut elsewhere = World {
        choice: BackendChoice::WebGpu,
        gpu_buffer_bytes: Some(10_000),
        ..World::with_store(&world.store.borrow())
    };
    let mut resumed = new_session(&mut elsewhere);
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
fn the_sampling_tool_streams_its_text_and_the_bars_rank_the_next_tokens_and_words() {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    world.take_events();
    let settings = SampleSettings { max_tokens: 5, ..SampleSettings::default() };
    send(&mut session, &mut world, Command::Generate { prompt: "two plus".into(), settings });
    assert!(session.working() && !session.training(), "a token at a time, between commands");
    while session.working() {
        block_on(session.step(&mut world));
    }
    let texts = generations(&world.take_events());
    assert_eq!(texts.len(), 6, "one event per token, then the whole text");
    assert!(texts.windows(2).all(|w| w[1].0.starts_with(&w[0].0)), "{texts:?}");
    assert_eq!(texts.iter().filter(|t| t.1).count(), 1);
    send(&mut session, &mut world, Command::NextTokens { prompt: "two plus".into() });
    let events = world.take_events();
    assert_eq!(events.iter().map(outline).collect::<Vec<_>>(), ["Candidates", "Words"]);
    let Event::Candidates { candidates, .. } = &events[0] else { unreachable!() };
    assert_eq!(candidates.len(), 8);
    assert!(candidates.windows(2).all(|w| w[0].1 >= w[1].1), "ranked by probability");
    let Event::Words { prompt, words } = &events[1] else { unreachable!() };
    assert_eq!(prompt, "two plus");
    assert!(!words.is_empty() && words.len() <= 5, "{words:?}");
    assert!(words.windows(2).all(|w| w[0].probability >= w[1].probability), "ranked by probability");
    assert!(words.iter().all(|w| !w.text.contains(' ')), "{words:?}");
}

/// The sampling tool's texts the events carry, and whether each was the last.
fn generations(events: &[Event]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(
            |e| if let Event::Generation { text, done } = e { Some((text.clone(), *done)) } else { None },
        )
        .collect()
}

#[test]
fn a_generation_stops_when_asked_and_keeps_its_text() {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    world.take_events();
    let settings = SampleSettings { max_tokens: 2_000, ..SampleSettings::default() };
    send(&mut session, &mut world, Command::Generate { prompt: "two".into(), settings });
    for _ in 0..3 {
        block_on(session.step(&mut world));
    }
    send(&mut session, &mut world, Command::StopGenerating);
    assert!(!session.working());
    let texts = generations(&world.take_events());
    assert_eq!(texts.len(), 4, "three tokens, then the end: {texts:?}");
    assert_eq!(texts[3], (texts[2].0.clone(), true), "the text so far, finished");
    block_on(session.step(&mut world));
    assert!(world.events.is_empty(), "nothing after the stop");
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
    let mut fresh = new_session(&mut world);
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
    let summary = describe_saved_run(&world.saved().unwrap().checkpoint).unwrap();
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

/// A job as the job worker runs it, with `fetch` for its downloads.
fn job(job: Job, fetch: &Recorded) -> (JobReply, Vec<JobProgress>) {
    let mut reports = Vec::new();
    let reply = block_on(run_job(job, fetch, &mut |p| reports.push(p)));
    (reply, reports)
}

#[test]
fn the_job_worker_trains_a_tokenizer_and_counts_tokens() {
    let none = Recorded::default();
    let text = "the cat sat on the mat\n".repeat(50);
    let (Ok(JobOutput::Tokenizer(bpe)), _) =
        job(Job::TrainTokenizer { text: text.clone(), recipe: Recipe::Bpe { vocab_size: 300 } }, &none)
    else {
        panic!("not a tokenizer")
    };
    let (Ok(JobOutput::TokenCount(count)), _) =
        job(Job::CountTokens { text: text.clone(), tokenizer: bpe }, &none)
    else {
        panic!("not a count")
    };
    assert!(count < text.len(), "{count} tokens for {} bytes", text.len());
    let (refused, _) = job(Job::TrainTokenizer { text, recipe: Recipe::Bpe { vocab_size: 100 } }, &none);
    assert!(refused.unwrap_err().contains("between 256 and 32768 tokens, not 100"));
}

#[test]
fn the_job_worker_takes_a_corpus_and_reports_its_progress() {
    let dataset = "gptlab/stories-zstd";
    let file = format!("hub/datasets/{dataset}/resolve/refs/convert/parquet/default/train/0000.parquet");
    let url = format!(
        "{}/datasets/{dataset}/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet",
        endpoints().hub
    );
    let fetch = Recorded::default()
        .with(endpoints().parquet_files(dataset), ok(fixture(&format!("viewer/parquet/{dataset}.json"))))
        .with(url, ok(fixture(&file)));
    let column = SplitColumn {
        dataset: dataset.into(),
        config: "default".into(),
        split: "train".into(),
        column: "text".into(),
    };
    let request = TakeRequest {
        endpoints: endpoints(),
        source: Source::Viewer(column),
        validation_split: None,
        amount: Amount::Bytes(1_000_000),
    };
    let (reply, reports) = job(Job::TakeCorpus(Box::new(request)), &fetch);
    let Ok(JobOutput::Corpus(corpus)) = reply else { panic!("{reply:?}") };
    assert_eq!(corpus.rows, 60);
    assert!(matches!(reports.last(), Some(JobProgress::Download(p)) if p.rows == 60), "{reports:?}");
}

#[test]
fn the_token_view_splits_with_the_tokenizer_the_page_last_showed() {
    use gptlab::session::protocol::SplitText;
    use gptlab::tokenize::{Piece, Tokenizer};
    let mut world = World::default();
    let mut session = new_session(&mut world);
    let split = |session: &mut _, world: &mut World, text: &str| {
        send(session, world, Command::SplitTokens { text: text.into() });
        match world.take_events().pop() {
            Some(Event::Tokens(SplitText { text: answered, pieces, tokenizer_number }))
                if answered == text =>
            {
                (pieces.unwrap().into_iter().map(|p: Piece| p.text).collect::<Vec<_>>(), tokenizer_number)
            }
            other => panic!("no tokens for {text:?}: {other:?}"),
        }
    };
    world.take_events();
    let pieces = |texts: &[&str]| texts.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    assert_eq!(split(&mut session, &mut world, "two"), (pieces(&["t", "w", "o"]), 0), "bytes until told");
    let words = Tokenizer::train_words("two plus three\nthree plus two\n", 100).unwrap();
    send(&mut session, &mut world, Command::ShowTokenizer { tokenizer: words, number: 1 });
    assert_eq!(
        split(&mut session, &mut world, "two plus"),
        (pieces(&["two", " plus"]), 1),
        "split by the tokenizer shown, and marked with its number"
    );
    assert_eq!(
        split(&mut session, &mut world, "three"),
        (pieces(&["three"]), 1),
        "the tokenizer stays for later texts"
    );
    send(&mut session, &mut world, Command::ShowTokenizer { tokenizer: Tokenizer::Bytes, number: 2 });
    assert_eq!(split(&mut session, &mut world, "two"), (pieces(&["t", "w", "o"]), 2));
}

#[test]
fn the_token_view_does_not_make_a_run_read_its_losses() {
    let mut world = World::default();
    let mut session = started(&mut world, training(20, 100));
    steps(&mut session, &mut world, 3, 1.0);
    world.take_events();
    send(&mut session, &mut world, Command::SplitTokens { text: "two".into() });
    let typed: Vec<String> = world.take_events().iter().map(outline).collect();
    assert_eq!(typed, [r#"Tokens("two")"#], "no read-back and no progress report for typing");
    send(&mut session, &mut world, Command::Pause);
    let outline: Vec<String> = world.take_events().iter().map(outline).collect();
    assert!(
        outline.iter().any(|e| e.starts_with("Progress@")),
        "other commands count the steps first: {outline:?}"
    );
}
