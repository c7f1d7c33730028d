//! The list of runs: what a run's record holds when it ends, how the list is capped, thinned,
//! exported and imported, and how runs compare (curves on each axis, settings side by side).

use gptlab::checkpoint::History;
use gptlab::session::Event;
use gptlab::session::history::{
    CURVE_POINTS, KEPT_RUNS, RunRecord, Runs, RunsFileError, XAxis, YAxis, compare_settings,
};
use gptlab::tokenize::Tokenizer;

use crate::small_config;
use crate::world::{World, run_to_end, started, training};

fn record(id: &str, steps: usize) -> RunRecord {
    RunRecord {
        id: id.into(),
        ended_at_ms: 0.0,
        model: small_config(),
        train: training(steps, 4),
        tokenizer: Tokenizer::Bytes.describe(),
        dataset: "sums".into(),
        device: "CPU".into(),
        extra: Default::default(),
        steps,
        trained_seconds: steps as f64 * 0.5,
        tokens_per_step: 64,
        validation_tokens: 1000,
        validation_bytes: 4000,
        history: History {
            train: (1..=steps).map(|s| (s, 4.0 / s as f32)).collect(),
            validation: vec![(steps, 1.0)],
        },
        before: Vec::new(),
        after: Vec::new(),
    }
}

#[test]
fn a_run_that_ends_posts_its_record_with_settings_curves_speed_and_samples() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    run_to_end(&mut session, &mut world);
    let record = world
        .events
        .iter()
        .find_map(|e| if let Event::RunEnded(r) = e { Some(r.as_ref().clone()) } else { None })
        .expect("the run posted its record");
    assert_eq!(record.steps, 8);
    assert_eq!(record.train, training(8, 4));
    assert_eq!(record.model.n_embd, small_config().n_embd);
    assert_eq!(record.device, "CPU");
    assert_eq!(record.history.train.len(), 8);
    assert_eq!(record.history.validation.iter().map(|p| p.0).collect::<Vec<_>>(), [4, 8]);
    assert_eq!(record.before.len(), record.after.len());
    assert!(!record.after.is_empty());
    assert_eq!(record.tokens_per_step, 4 * small_config().block_size);
    // The byte tokenizer: a token per byte of the validation text.
    assert_eq!(record.validation_tokens, record.validation_bytes);
    assert!(record.trained_seconds > 0.0);
}

#[test]
fn the_list_keeps_the_newest_runs_replaces_a_run_saved_again_and_says_how_many_it_dropped() {
    let mut runs = Runs::default();
    for i in 0..KEPT_RUNS {
        assert_eq!(runs.add(record(&format!("run-{i}"), 4)), 0);
    }
    assert_eq!(runs.add(record("run-3", 6)), 0, "the same run again replaces its record");
    assert_eq!(runs.runs.len(), KEPT_RUNS);
    assert_eq!(runs.get("run-3").unwrap().steps, 6);
    assert_eq!(runs.add(record("newest", 4)), 1);
    assert!(runs.get("run-0").is_none(), "the oldest went");
    assert_eq!(runs.runs.last().unwrap().id, "newest");
}

#[test]
fn long_curves_are_thinned_to_their_shape_keeping_the_last_point() {
    let mut runs = Runs::default();
    runs.add(record("long", 5000));
    let kept = &runs.get("long").unwrap().history.train;
    assert_eq!(kept.len(), CURVE_POINTS);
    assert_eq!(kept.first(), Some(&(1, 4.0)));
    assert_eq!(kept.last(), Some(&(5000, 4.0 / 5000.0)));
    assert!(kept.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn runs_travel_as_a_file_and_a_foreign_file_is_refused() {
    let mut here = Runs::default();
    here.add(record("a", 4));
    here.add(record("b", 8));
    let file = here.export(&["b".to_string()]);
    let mut there = Runs::default();
    there.add(record("c", 4));
    assert_eq!(there.import(file.as_bytes()), Ok((1, 0)));
    assert_eq!(there.get("b"), here.get("b"));
    assert_eq!(there.import(file.as_bytes()), Ok((0, 0)), "importing twice adds nothing");
    assert!(matches!(there.import(b"{\"format\":\"other\",\"runs\":[]}"), Err(RunsFileError::Unreadable(_))));
    assert!(matches!(there.import(b"not json"), Err(RunsFileError::Unreadable(_))));
    assert_eq!(there.runs.len(), 2);
}

#[test]
fn curves_go_by_step_tokens_or_seconds_and_in_bits_per_byte() {
    let run = record("a", 4);
    let by_step = run.curve(XAxis::Step, YAxis::Loss, false);
    assert_eq!(by_step, [(1.0, 4.0), (2.0, 2.0), (3.0, (4.0f32 / 3.0) as f64), (4.0, 1.0)]);
    let by_tokens: Vec<f64> = run.curve(XAxis::Tokens, YAxis::Loss, false).iter().map(|p| p.0).collect();
    assert_eq!(by_tokens, [64.0, 128.0, 192.0, 256.0]);
    let by_seconds: Vec<f64> = run.curve(XAxis::Seconds, YAxis::Loss, false).iter().map(|p| p.0).collect();
    assert_eq!(by_seconds, [0.5, 1.0, 1.5, 2.0]);
    // 1000 tokens over 4000 bytes: a loss of 1 nat per token is 1 / (4 ln 2) bits per byte.
    let validation = run.curve(XAxis::Step, YAxis::BitsPerByte, true);
    assert_eq!(validation.len(), 1);
    assert!((validation[0].1 - 1.0 / (4.0 * std::f64::consts::LN_2)).abs() < 1e-12);
}

#[test]
fn compared_settings_mark_exactly_the_ones_that_differ() {
    let a = record("a", 4);
    let mut b = record("b", 4);
    b.train.learning_rate = 3e-3;
    b.tokenizer = "BPE trained here (512 tokens)".into();
    let rows = compare_settings(&[&a, &b]);
    let differing: Vec<&str> = rows.iter().filter(|r| r.differs).map(|r| r.name.as_str()).collect();
    assert_eq!(differing, ["tokenizer", "training.learning_rate"]);
    let lr = rows.iter().find(|r| r.name == "training.learning_rate").unwrap();
    assert_eq!(lr.values, ["0.01", "0.003"]);
    assert!(rows.iter().any(|r| r.name == "model.n_embd" && !r.differs));
}
