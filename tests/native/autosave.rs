//! Autosaves across runs and tabs: each run saves under its own id, a resume checks that the
//! corpus the store gives back is its own, and one tab at a time trains.

use gptlab::checkpoint;
use gptlab::data::arithmetic;
use gptlab::session::protocol::{Command, Phase, RunSpec};

use super::world::*;

/// The ids of the runs the store holds, oldest saved first.
fn saved_runs(world: &World) -> Vec<String> {
    world.store.borrow().runs.iter().map(|(run, _)| run.id.clone()).collect()
}

#[test]
fn each_run_saves_under_its_own_id_and_names_its_corpus() {
    let mut world = World::default();
    let mut first = started(&mut world, training(4, 2));
    run_to_end(&mut first, &mut world);
    let other_data = RunSpec { corpus: arithmetic::corpus(9, 1), ..spec(training(4, 2)) };
    send(&mut first, &mut world, Command::Train(Box::new(other_data)));
    run_to_end(&mut first, &mut world);
    let runs = saved_runs(&world);
    assert_eq!(runs.len(), 2, "the second run did not overwrite the first: {runs:?}");
    assert_ne!(runs[0], runs[1]);
    let store = world.store.borrow();
    for (run, bytes) in &store.runs {
        let recorded = checkpoint::read_info(bytes).unwrap().training.run.expect("the save names its run");
        assert_eq!(&recorded, run);
        assert_eq!(store.corpora[&run.corpus_hash].hash(), run.corpus_hash);
    }
}

#[test]
fn a_resume_refuses_a_corpus_that_is_not_the_runs_own() {
    let mut world = World::default();
    let mut session = started(&mut world, training(8, 2));
    steps(&mut session, &mut world, 2, STEP_MS);
    let mut store = world.store.borrow().clone();
    // What another tab writing between a run's two entries could once leave behind.
    let hash = store.runs[0].0.corpus_hash.clone();
    store.corpora.insert(hash, arithmetic::corpus(9, 1));
    let mut reloaded = World::with_store(&store);
    let mut resumed = new_session(&mut reloaded);
    send(&mut resumed, &mut reloaded, Command::ResumeSaved);
    assert_eq!(
        errors(&reloaded.events),
        ["the saved run cannot be resumed: the data stored with it is not the data it trained on"]
    );
    assert!(!resumed.training());
}

#[test]
fn a_second_tab_is_told_that_another_is_training_and_both_saves_survive() {
    let mut first_tab = World::default();
    let mut earlier = started(&mut first_tab, training(4, 2));
    run_to_end(&mut earlier, &mut first_tab);
    let mut training_tab = World::tab_beside(&first_tab, 1);
    let mut busy = started(&mut training_tab, training(100, 2));
    steps(&mut busy, &mut training_tab, 4, STEP_MS);

    let mut other_tab = World::tab_beside(&first_tab, 2);
    let mut other = new_session(&mut other_tab);
    send(&mut other, &mut other_tab, Command::Train(Box::new(spec(training(4, 2)))));
    send(&mut other, &mut other_tab, Command::ResumeSaved);
    let refusal = "another tab of this page is training: stop or finish the run there first";
    assert!(
        errors(&other_tab.events).iter().all(|e| e.starts_with(refusal)),
        "{:?}",
        errors(&other_tab.events)
    );
    assert_eq!(errors(&other_tab.events).len(), 2);
    assert!(!other.training());
    assert_eq!(saved_runs(&first_tab).len(), 2, "the finished run's save and the training run's");

    // Once the run stops, the lock is free again.
    send(&mut busy, &mut training_tab, Command::Stop);
    assert_eq!(phases(&training_tab.events).last(), Some(&Phase::Stopped));
    send(&mut other, &mut other_tab, Command::Train(Box::new(spec(training(4, 2)))));
    assert!(other.training());
    assert_eq!(errors(&other_tab.events).len(), 2, "no new refusal");
}
