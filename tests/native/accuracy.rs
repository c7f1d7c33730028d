//! Exact answers to the arithmetic problems a run never trained on.

use gptlab::data::Corpus;
use gptlab::data::arithmetic::{self, Accuracy, Problem};
use gptlab::session::protocol::{Command, Event, RunSpec};
use pollster::block_on;

use super::world::*;

#[test]
fn the_held_out_problems_are_the_validation_lines_and_none_is_trained_on() {
    for seed in [1, 7, 1337] {
        let corpus = arithmetic::corpus(seed, 4);
        let held_out = arithmetic::held_out(&corpus).expect("the built-in corpus");
        let (_, validation) = arithmetic::split(seed);
        assert_eq!(held_out.len(), validation.len());
        assert!(validation.iter().all(|p| held_out.contains(p)), "each once");
        let training_lines: Vec<&str> = corpus.train.lines().collect();
        for problem in &held_out {
            assert!(!training_lines.contains(&problem.line().trim_end()), "{problem:?} is trained on");
        }
    }
}

#[test]
fn only_the_built_in_arithmetic_has_held_out_problems() {
    let notes = Corpus::from_text("notes.txt".into(), "two plus three equals five\n");
    assert_eq!(arithmetic::held_out(&notes), None);
    let mut renamed = arithmetic::corpus(1, 1);
    renamed.name = "my sums".into();
    assert_eq!(arithmetic::held_out(&renamed), None);
    let mut edited = arithmetic::corpus(1, 1);
    edited.validation.push_str("two plus two equals fish\n");
    assert_eq!(arithmetic::held_out(&edited), None, "a line that is not a problem of the set");
}

#[test]
fn accuracy_counts_only_answers_exact_to_the_end_of_the_line() {
    let problems: Vec<Problem> = arithmetic::all_problems().into_iter().take(6).collect();
    let completions = |p: &Problem| -> String {
        let answer = arithmetic::number_words(p.answer());
        match p.b {
            0 => format!(" {answer}\n"),             // right
            1 => format!(" {answer}\ntwo plus two"), // right: the line ends with the answer
            2 => format!(" {answer}"),               // the line goes on: not an answer yet
            3 => format!(" {answer}s\n"),            // a different word
            4 => format!("{answer}\n"),              // not as the data writes it
            _ => " twelve\n".into(),                 // wrong (0 + 5 is five)
        }
    };
    let complete = async |p: &Problem| Ok::<_, ()>(completions(p));
    let accuracy = block_on(arithmetic::accuracy(&problems, complete)).unwrap();
    assert_eq!(accuracy, Accuracy { right: 2, total: 6 });
    assert_eq!(accuracy.describe(), "2 of 6 unseen sums right");
}

fn accuracies(events: &[Event]) -> Vec<(bool, Accuracy)> {
    events
        .iter()
        .filter_map(|e| {
            if let Event::Accuracy { after, accuracy } = e { Some((*after, *accuracy)) } else { None }
        })
        .collect()
}

#[test]
fn a_run_on_the_built_in_arithmetic_reports_its_held_out_accuracy_before_and_after() {
    let mut world = World::default();
    let mut session = started(&mut world, training(4, 4));
    run_to_end(&mut session, &mut world);
    let held_out = arithmetic::held_out(&spec(training(4, 4)).corpus).unwrap().len();
    let reported = accuracies(&world.events);
    assert_eq!(reported.len(), 2, "{reported:?}");
    assert_eq!(
        reported[0],
        (false, Accuracy { right: 0, total: held_out }),
        "an untrained model knows no sum"
    );
    assert!(reported[1].0 && reported[1].1.total == held_out);

    let text = "the cat sat on the mat and looked at the hat\n".repeat(20);
    let notes = RunSpec { corpus: Corpus::from_text("notes.txt".into(), &text), ..spec(training(4, 4)) };
    let mut world = World::default();
    let mut session = new_session(&mut world);
    send(&mut session, &mut world, Command::Train(Box::new(notes)));
    run_to_end(&mut session, &mut world);
    assert_eq!(accuracies(&world.events), [], "other data has no held-out sums");
}
