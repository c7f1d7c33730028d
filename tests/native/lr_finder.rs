//! The learning-rate range test: its curve's arithmetic on made-up losses, then on a real model,
//! which it must leave exactly as it was, and through the session, before a run.

use burn::prelude::*;
use gptlab::data::arithmetic;
use gptlab::session::protocol::{Command, Event, RunSpec};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{LrCurve, LrRange, Trainer, find_learning_rate};
use pollster::block_on;

use super::checkpoint::param_bits;
use super::small_config;
use super::world::*;

/// Losses of a made-up range test: flat, then falling fastest around step 40, then rising
/// without bound.
fn made_up_loss(step: usize) -> f32 {
    let x = step as f32;
    let fall = 3.0 / (1.0 + ((x - 40.0) / 5.0).exp()); // 5 -> 2, steepest at 40
    let rise = if x > 60.0 { (x - 60.0).powi(2) / 10.0 } else { 0.0 };
    2.0 + fall + rise
}

fn record_all(losses: impl Iterator<Item = f32>) -> LrCurve {
    record_first(LrRange::default().steps, losses)
}

/// The curve of the first `count` losses at most.
fn record_first(count: usize, losses: impl Iterator<Item = f32>) -> LrCurve {
    let range = LrRange::default();
    let mut curve = LrCurve::default();
    for (step, loss) in losses.enumerate().take(count) {
        if !curve.record(range.learning_rate(step), loss) {
            break;
        }
    }
    curve
}

#[test]
fn the_rates_rise_by_the_same_factor_from_the_first_to_the_last() {
    let range = LrRange::default();
    assert_eq!(range.learning_rate(0), 1e-6);
    assert!((range.learning_rate(range.steps - 1) - 1.0).abs() < 1e-12);
    let factor = range.learning_rate(1) / range.learning_rate(0);
    for step in 1..range.steps {
        let ratio = range.learning_rate(step) / range.learning_rate(step - 1);
        assert!((ratio - factor).abs() < 1e-9, "step {step}: {ratio}, not {factor}");
    }
}

#[test]
fn the_test_stops_once_the_smoothed_loss_passes_four_times_its_best() {
    let curve = record_all((0..).map(made_up_loss));
    assert!(curve.blew_up);
    let last = curve.points.last().unwrap();
    let best = curve.points.iter().map(|p| p.smoothed).fold(f32::INFINITY, f32::min);
    assert!(last.smoothed > 4.0 * best, "stopped at {} with the best {best}", last.smoothed);
    assert!(curve.points.len() < 100);
    let one_step_earlier = record_first(curve.points.len() - 1, (0..).map(made_up_loss));
    assert!(!one_step_earlier.blew_up, "it went on past the blow-up");
}

#[test]
fn a_one_step_spike_neither_stops_the_test_nor_moves_the_suggestion() {
    let spiky = record_all((0..).map(|step| if step == 50 { 40.0 } else { made_up_loss(step) }));
    let smooth = record_all((0..).map(made_up_loss));
    assert_eq!(spiky.points.len(), smooth.points.len());
    assert_eq!(spiky.suggestion(), smooth.suggestion());
}

#[test]
fn a_loss_that_is_not_a_number_stops_the_test_and_is_not_recorded() {
    let curve = record_all((0..).map(|step| if step == 30 { f32::NAN } else { made_up_loss(step) }));
    assert!(curve.blew_up);
    assert_eq!(curve.points.len(), 30);
    assert!(curve.points.iter().all(|p| p.loss.is_finite() && p.smoothed.is_finite()));
}

#[test]
fn the_suggestion_is_where_the_smoothed_loss_falls_fastest_before_its_lowest_point() {
    let curve = record_all((0..).map(made_up_loss));
    let i = curve.suggestion().expect("the loss falls");
    let lowest = curve.lowest().unwrap();
    assert!(i < lowest, "suggested step {i}, lowest at {lowest}");
    // A centred median does not lag: the made-up loss falls fastest at step 40.
    assert!((38..=42).contains(&i), "suggested step {i}");
    assert_falls_around(&curve, i);
    let rate = curve.suggested_rate().unwrap();
    let exact = curve.points[i].learning_rate;
    assert!((rate / exact - 1.0).abs() < 0.05, "{rate} is not {exact} to two figures");
    let mantissa = format!("{rate:e}").split('e').next().unwrap().replace('.', "");
    assert!(mantissa.len() <= 2, "{rate} has more than two significant figures");
}

#[test]
fn a_loss_that_never_falls_gives_no_suggestion() {
    assert_eq!(record_all((0..).map(|step| 3.0 + step as f32 * 0.01)).suggestion(), None);
    assert_eq!(record_all(std::iter::repeat(3.0)).suggestion(), None);
}

/// The recorded curve falls through point `i`: the smoothed loss is lower just after it than
/// just before, and the raw losses of the five steps after are lower than those of the five before.
fn assert_falls_around(curve: &LrCurve, i: usize) {
    let p = &curve.points;
    assert!(
        p[i + 1].smoothed < p[i - 1].smoothed,
        "smoothed {} then {}",
        p[i - 1].smoothed,
        p[i + 1].smoothed
    );
    let mean =
        |points: &[gptlab::train::LrPoint]| points.iter().map(|p| p.loss).sum::<f32>() / points.len() as f32;
    let (before, after) = (mean(&p[i.saturating_sub(5)..i]), mean(&p[i + 1..(i + 6).min(p.len())]));
    assert!(after < before, "raw losses {before} before step {i}, {after} after");
}

/// A fresh small model on the arithmetic text, with the world's training settings.
fn trainer() -> Trainer {
    let corpus = arithmetic::corpus(3, 2);
    let encode = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let (train, validation) = (encode(&corpus.train), encode(&corpus.validation));
    Trainer::new(&small_config(), training(100, 100), train, validation, &Device::flex()).unwrap()
}

/// Every moment's step count and bits, by parameter path.
fn moment_bits(trainer: &Trainer) -> Vec<(String, usize, Vec<u32>, Vec<u32>)> {
    let bits = |t: &Tensor<1>| {
        t.clone().into_data().try_to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
    };
    trainer
        .moments()
        .iter()
        .map(|(path, m)| {
            (path.clone(), m.momentum.time, bits(&m.momentum.moment_1), bits(&m.momentum.moment_2))
        })
        .collect()
}

#[test]
fn the_range_test_leaves_the_model_and_its_optimizer_exactly_as_they_were() {
    let mut trainer = trainer();
    for _ in 0..3 {
        trainer.step(); // moments to keep
    }
    let (weights, moments) = (param_bits(&trainer.model()), moment_bits(&trainer));
    assert!(!moments.is_empty());
    let curve = block_on(find_learning_rate(&trainer, LrRange::default())).unwrap();
    assert!(curve.points.len() > 50, "the test took {} steps", curve.points.len());
    assert!(param_bits(&trainer.model()) == weights, "the range test changed the model's weights");
    assert!(moment_bits(&trainer) == moments, "the range test changed the optimizer's moments");
    assert_eq!(trainer.step_count(), 3);
}

#[test]
fn on_a_fresh_model_the_suggested_rate_lies_where_the_recorded_loss_falls() {
    let curve = block_on(find_learning_rate(&trainer(), LrRange::default())).unwrap();
    let i = curve.suggestion().expect("a fresh model's loss falls");
    assert!(i < curve.lowest().unwrap());
    assert_falls_around(&curve, i);
    let first = curve.points[0].loss;
    assert!(curve.points[curve.lowest().unwrap()].loss < first - 1.0, "the loss hardly fell from {first}");
}

/// The range test's last report.
fn finished(events: &[Event]) -> Option<(LrCurve, Option<f64>)> {
    events.iter().rev().find_map(|e| match e {
        Event::LearningRates { curve, suggestion, done: true } => Some((curve.clone(), *suggestion)),
        _ => None,
    })
}

fn next_token_probabilities(session: &mut gptlab::session::Session, world: &mut World) -> Vec<(String, f32)> {
    send(session, world, Command::NextTokens { prompt: "two plus".into() });
    let candidates = world.take_events().into_iter().find_map(|e| match e {
        Event::Candidates { candidates, .. } => Some(candidates),
        _ => None,
    });
    candidates.expect("next tokens")
}

fn fine_tune_spec() -> Box<RunSpec> {
    Box::new(RunSpec { fine_tune: true, ..spec(training(4, 4)) })
}

#[test]
fn the_finder_tries_the_loaded_model_and_leaves_it_as_it_was() {
    let base = trained_checkpoint();
    let mut world = World::default();
    let mut session = new_session(&mut world);
    send(
        &mut session,
        &mut world,
        Command::Load { file_name: "base.safetensors".into(), bytes: base.clone() },
    );
    let before = next_token_probabilities(&mut session, &mut world);
    send(&mut session, &mut world, Command::FindLearningRate(fine_tune_spec()));
    while session.working() {
        world.now += STEP_MS;
        block_on(session.step(&mut world));
    }
    let (curve, suggestion) = finished(&world.events).expect("the test finished");
    assert!(curve.points.len() > 10);
    let reports = world.events.iter().filter(|e| matches!(e, Event::LearningRates { .. })).count();
    assert!(reports > 2, "the curve is reported as it grows: {reports} reports");
    assert!(suggestion.is_some(), "no suggestion from {:?}", curve.points);
    assert_eq!(errors(&world.events), Vec::<String>::new());
    assert_eq!(next_token_probabilities(&mut session, &mut world), before, "the loaded model changed");

    // Fine-tuning it afterwards takes the first step that a fine-tuning without the test takes.
    send(&mut session, &mut world, Command::Train(fine_tune_spec()));
    steps(&mut session, &mut world, 1, STEP_MS);
    send(&mut session, &mut world, Command::Pause); // reports the step's loss
    let mut other = World::default();
    let mut untested = fine_tuning(&mut other, &base, training(4, 4));
    steps(&mut untested, &mut other, 1, STEP_MS);
    send(&mut untested, &mut other, Command::Pause);
    assert_eq!(losses(&world.events), losses(&other.events));
}

#[test]
fn a_run_that_starts_ends_the_range_test_and_a_stop_keeps_its_curve() {
    let mut world = World::default();
    let mut session = new_session(&mut world);
    send(&mut session, &mut world, Command::FindLearningRate(Box::new(spec(training(4, 4)))));
    for _ in 0..5 {
        block_on(session.step(&mut world));
    }
    send(&mut session, &mut world, Command::StopFindingLearningRate);
    let (curve, _) = finished(&world.take_events()).expect("a stop ends the test");
    assert_eq!(curve.points.len(), 5);
    assert!(!session.working());

    send(&mut session, &mut world, Command::FindLearningRate(Box::new(spec(training(4, 4)))));
    block_on(session.step(&mut world));
    send(&mut session, &mut world, Command::Train(Box::new(spec(training(4, 4)))));
    let events: Vec<String> = world.take_events().iter().map(outline).collect();
    let ended = events.iter().position(|e| e == "LearningRates(done)").expect("the test ended");
    assert!(ended < events.iter().position(|e| e == "Started@0").unwrap(), "{events:?}");
    assert!(session.training());
}

#[test]
fn the_finder_and_the_timer_wait_for_the_run_under_way() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 4));
    world.take_events();
    send(&mut session, &mut world, Command::FindLearningRate(Box::new(spec(training(4, 4)))));
    send(&mut session, &mut world, Command::MeasureSpeed(Box::new(spec(training(4, 4)))));
    assert_eq!(errors(&world.events), vec!["a run is under way: stop it first".to_string(); 2]);
    assert!(session.training());
}

#[test]
fn the_timer_posts_the_speed_of_the_settings_on_this_device() {
    let mut world = World::default();
    let mut session = new_session(&mut world);
    let settings = spec(training(4, 4));
    send(&mut session, &mut world, Command::MeasureSpeed(Box::new(settings.clone())));
    let speed =
        world.events.iter().find_map(|e| if let Event::Speed(s) = e { Some(s.clone()) } else { None });
    let speed = speed.expect("a speed");
    assert!(speed.applies_to(&settings.model, settings.train.batch_size));
    assert!(!speed.applies_to(&settings.model, settings.train.batch_size + 1));
    assert_eq!(speed.device, "CPU");
    assert!(speed.tokens_per_second.is_finite() && speed.tokens_per_second > 0.0);
}
