//! When and how a run moves between the CPU and the GPU. The fake world's GPU computes on the
//! CPU, so a run that moves must take exactly the steps of one that never did; the real
//! device's numbers are `tests/wgpu_training.rs`'s.

use gptlab::session::protocol::{BackendChoice, Event, GpuStatus};
use gptlab::train::WARM_UP_STEPS;
use pollster::block_on;

use super::world::*;

/// A world whose GPU has buffers of 1 GB, and the user's `choice`.
fn with_gpu(choice: BackendChoice) -> World {
    World { choice, gpu_buffer_bytes: Some(1_000_000_000), ..World::default() }
}

/// The devices the steps ran on, in order, with the note of each move.
fn devices(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Device(info) => Some((info.label.clone(), info.note.clone().unwrap_or_default())),
            _ => None,
        })
        .collect()
}

fn gpu_statuses(events: &[Event]) -> Vec<GpuStatus> {
    events
        .iter()
        .filter_map(|e| if let Event::Gpu(report) = e { Some(report.status.clone()) } else { None })
        .collect()
}

fn step_numbers(events: &[Event]) -> Vec<usize> {
    losses(events).iter().map(|(step, _)| *step).collect()
}

/// The losses of a run of `steps` fine-tuned from `file` that never leaves the CPU.
fn cpu_losses(file: &[u8], steps: usize) -> Vec<(usize, f32)> {
    let mut world = World { choice: BackendChoice::Cpu, ..World::default() };
    let mut session = fine_tuning(&mut world, file, training(steps, 1000));
    run_to_end(&mut session, &mut world);
    losses(&world.events)
}

#[test]
fn chosen_webgpu_takes_over_once_warm_and_the_run_goes_on_as_if_it_had_not_moved() {
    let file = trained_checkpoint();
    let mut world = with_gpu(BackendChoice::WebGpu);
    let mut session = fine_tuning(&mut world, &file, training(20, 1000));
    assert!(world.warm_ups.is_empty(), "the first step comes first");
    steps(&mut session, &mut world, 1, STEP_MS);
    assert_eq!(world.warm_ups.len(), 1, "then the GPU warms up for the run's sizes");
    assert_eq!(world.warm_ups[0].train.batch_size, 4);
    let outline: Vec<String> = world.events.iter().map(outline).collect();
    let preparing = format!("Gpu(Preparing {{ done: 0, total: {WARM_UP_STEPS} }})");
    assert_eq!(outline[outline.len() - 2..], ["Progress@1".to_string(), preparing]);
    steps(&mut session, &mut world, 5, STEP_MS);
    assert_eq!(devices(&world.events).last().unwrap().0, "CPU", "the first steps are the CPU's");
    assert_eq!(world.warm_ups.len(), 1);

    session.warm_up_progress(2, &mut world);
    assert!(matches!(gpu_statuses(&world.events).last(), Some(GpuStatus::Preparing { done: 2, .. })));
    block_on(session.warmed_up(Ok(()), &mut world));
    let (device, note) = devices(&world.events).pop().unwrap();
    assert_eq!(device, "GPU");
    assert!(note.contains("took over at step 6"), "{note}");
    assert_eq!(gpu_statuses(&world.events).last(), Some(&GpuStatus::InUse));
    assert_eq!(world.saved_step(), Some(6), "the state that moved is the run's save");

    run_to_end(&mut session, &mut world);
    assert_eq!(step_numbers(&world.events), (1..=20).collect::<Vec<_>>(), "no step lost or repeated");
    // The weights and the optimizer's moments moved: a fresh optimizer would diverge from here.
    assert_eq!(losses(&world.events), cpu_losses(&file, 20));
}

#[test]
fn by_default_the_gpu_is_timed_against_the_cpu_and_takes_over_when_faster() {
    let file = trained_checkpoint();
    let mut world = with_gpu(BackendChoice::Auto);
    let mut session = fine_tuning(&mut world, &file, training(30, 1000));
    steps(&mut session, &mut world, 3, STEP_MS);
    block_on(session.warmed_up(Ok(()), &mut world));
    assert_eq!(gpu_statuses(&world.events).last(), Some(&GpuStatus::Measuring));
    steps(&mut session, &mut world, 4, STEP_MS); // timed on the CPU: 10 ms a step
    assert_eq!(devices(&world.events).last().unwrap().0, "GPU", "then timed on the GPU");
    steps(&mut session, &mut world, 5, 2.0); // a first step, then four timed: 2 ms a step
    let (device, note) = devices(&world.events).pop().unwrap();
    assert_eq!(device, "GPU");
    assert_eq!(note, "the GPU took over at step 12: 2.00 ms a step against the CPU's 10.0 ms");
    assert_eq!(gpu_statuses(&world.events).last(), Some(&GpuStatus::InUse));
    run_to_end(&mut session, &mut world);
    assert_eq!(losses(&world.events), cpu_losses(&file, 30));
}

#[test]
fn by_default_a_gpu_slower_than_the_cpu_hands_the_run_back_and_says_why() {
    let file = trained_checkpoint();
    let mut world = with_gpu(BackendChoice::Auto);
    let mut session = fine_tuning(&mut world, &file, training(30, 1000));
    steps(&mut session, &mut world, 3, STEP_MS);
    block_on(session.warmed_up(Ok(()), &mut world));
    steps(&mut session, &mut world, 4, STEP_MS);
    steps(&mut session, &mut world, 5, 40.0);
    let reason = "the CPU is faster for this model: 10.0 ms a step against the GPU's 40.0 ms";
    let moves: Vec<String> = devices(&world.events).into_iter().map(|(device, _)| device).collect();
    assert_eq!(moves, ["CPU", "GPU", "CPU"]);
    assert_eq!(devices(&world.events).pop().unwrap().1, reason);
    assert_eq!(gpu_statuses(&world.events).last(), Some(&GpuStatus::Ready { reason: reason.into() }));
    run_to_end(&mut session, &mut world);
    assert_eq!(devices(&world.events).len(), 3, "measured once: no more moves");
    assert_eq!(losses(&world.events), cpu_losses(&file, 30));
}

#[test]
fn a_pause_during_the_timing_does_not_count_against_a_device() {
    let file = trained_checkpoint();
    let mut world = with_gpu(BackendChoice::Auto);
    let mut session = fine_tuning(&mut world, &file, training(40, 1000));
    steps(&mut session, &mut world, 1, STEP_MS);
    block_on(session.warmed_up(Ok(()), &mut world));
    steps(&mut session, &mut world, 2, STEP_MS);
    send(&mut session, &mut world, gptlab::session::Command::Pause);
    world.now += 60_000.0;
    send(&mut session, &mut world, gptlab::session::Command::Continue);
    steps(&mut session, &mut world, 5, STEP_MS); // the CPU's timing starts again
    steps(&mut session, &mut world, 5, 2.0);
    let note = devices(&world.events).pop().unwrap().1;
    assert!(note.ends_with("2.00 ms a step against the CPU's 10.0 ms"), "{note}");
}

#[test]
fn a_lost_gpu_sends_the_run_back_to_the_cpu_from_the_state_it_moved_with() {
    let file = trained_checkpoint();
    let mut world = with_gpu(BackendChoice::WebGpu);
    let mut session = fine_tuning(&mut world, &file, training(20, 1000));
    steps(&mut session, &mut world, 5, STEP_MS);
    block_on(session.warmed_up(Ok(()), &mut world));
    steps(&mut session, &mut world, 4, STEP_MS);
    block_on(session.gpu_lost("the device was destroyed".into(), &mut world));
    assert_eq!(
        gpu_statuses(&world.events).last(),
        Some(&GpuStatus::Lost { reason: "the device was destroyed".into() })
    );
    let (device, note) = devices(&world.events).pop().unwrap();
    assert_eq!(device, "CPU");
    assert!(note.contains("lost at step 9"), "{note}");
    assert!(session.training(), "the run goes on");
    assert!(
        matches!(
            world.events.iter().rev().find(|e| matches!(e, Event::Started { .. })),
            Some(Event::Started { step: 5, .. })
        ),
        "from the save made when it moved"
    );
    run_to_end(&mut session, &mut world);
    assert!(errors(&world.events).is_empty(), "{:?}", errors(&world.events));
    let restarted = world.events.iter().rposition(|e| matches!(e, Event::Started { .. })).unwrap();
    let after_loss = losses(&world.events[restarted..]);
    assert_eq!(after_loss, cpu_losses(&file, 20)[5..], "steps 6 to 20 again, as the CPU takes them");
}

#[test]
fn a_model_too_large_for_the_gpus_buffers_trains_on_the_cpu_unless_the_gpu_was_chosen() {
    let mut world = World { gpu_buffer_bytes: Some(50_000), ..World::default() };
    let mut session = started(&mut world, training(8, 4));
    steps(&mut session, &mut world, 3, STEP_MS);
    assert!(session.training());
    assert!(world.warm_ups.is_empty(), "no warm-up for a model the GPU cannot hold");
    let refusals = gpu_statuses(&world.events).iter().filter(|s| matches!(s, GpuStatus::Off { .. })).count();
    assert_eq!(refusals, 1, "said once");
    match gpu_statuses(&world.events).last() {
        Some(GpuStatus::Off { reason }) => assert!(reason.contains("more than this GPU allows"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_warm_up_that_fails_leaves_the_run_on_the_cpu_with_the_reason() {
    let mut world = with_gpu(BackendChoice::WebGpu);
    let mut session = started(&mut world, training(20, 1000));
    steps(&mut session, &mut world, 3, STEP_MS);
    block_on(session.warmed_up(Err("a shader did not compile".into()), &mut world));
    let reason = "its kernels could not be prepared (a shader did not compile)";
    assert_eq!(gpu_statuses(&world.events).last(), Some(&GpuStatus::Off { reason: reason.into() }));
    run_to_end(&mut session, &mut world);
    assert_eq!(devices(&world.events).len(), 1, "the CPU throughout");
    assert_eq!(step_numbers(&world.events), (1..=20).collect::<Vec<_>>());
}
