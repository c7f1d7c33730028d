//! Cleaning a whole corpus: both texts by the same steps, the report the page shows, and the
//! settings the run's card and record carry. The fixture and its expected counts are the ones
//! the browser test (tests/e2e/cleaning.test.js) cleans in the page.

use std::ops::ControlFlow;

use gptlab::checkpoint::{CheckpointInfo, TrainingState};
use gptlab::data::clean::{CleanError, CleanSettings, CleanedCorpus, clean_corpus};
use gptlab::data::{Corpus, Prompts};
use gptlab::model::GptConfig;
use gptlab::session::model_card;
use gptlab::tokenize::Tokenizer;

const FIXTURE: &str = include_str!("../fixtures/clean/web-page.txt");
const EXPECTED: &str = include_str!("../fixtures/clean/web-page.expected.json");

fn html_dedup_pii() -> CleanSettings {
    let mut settings = CleanSettings::default();
    settings.html.enabled = true;
    settings.dedup.enabled = true;
    settings.pii.enabled = true;
    settings
}

fn cleaned(corpus: &Corpus, settings: &CleanSettings) -> Result<CleanedCorpus, CleanError> {
    clean_corpus(corpus, settings, |_, _| ControlFlow::Continue(()))
}

#[test]
fn the_fixture_loses_its_markup_duplicates_and_personal_data_as_the_expected_file_says() {
    let corpus = Corpus::from_text("web-page.txt".into(), FIXTURE);
    let out = cleaned(&corpus, &html_dedup_pii()).unwrap();

    let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    let expected: Vec<(String, u64, u64)> = expected["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().into(),
                s["removed_docs"].as_u64().unwrap(),
                s["removed_chars"].as_u64().unwrap(),
            )
        })
        .collect();
    let found: Vec<(String, u64, u64)> = out
        .report
        .iter()
        .map(|r| (r.step.name().into(), r.docs_removed as u64, r.chars_removed as u64))
        .collect();
    assert_eq!(found, expected);

    let c = &out.corpus;
    let text = format!("{}{}", c.train, c.validation);
    assert!(c.train.contains("Write to <EMAIL> for the spring catalogue."), "{}", c.train);
    assert!(c.train.contains("Pay with the card <CARD>, or write to <EMAIL> with questions."));
    assert!(!text.contains('@'), "{text}");
    for markup in ["<p>", "<script>", "track(", "&amp;"] {
        assert!(!text.contains(markup), "{markup} is left in {text}");
    }
    assert_eq!(text.matches("The old farmer repaired the wooden bridge").count(), 1, "{text}");
    assert!(c.validation.contains("A young doctor discovered the history museum"));
    assert_eq!((c.name.as_str(), c.cleaning.as_ref()), ("web-page.txt (cleaned)", Some(&html_dedup_pii())));
    assert_eq!(c.prompts, corpus.prompts, "the prompts stay, to compare before and after");
}

#[test]
fn cleaning_again_marks_the_name_once_and_finds_nothing_more() {
    let once = cleaned(&Corpus::from_text("web-page.txt".into(), FIXTURE), &html_dedup_pii()).unwrap();
    // Without html: it would read the `<EMAIL>` masks as tags and drop them.
    let mut again = html_dedup_pii();
    again.html.enabled = false;
    let twice = cleaned(&once.corpus, &again).unwrap();
    assert_eq!(twice.corpus.name, "web-page.txt (cleaned)");
    assert_eq!(twice.corpus.train, once.corpus.train);
    assert!(twice.report.iter().all(|r| r.docs_removed == 0), "{:?}", twice.report);
}

#[test]
fn cleaning_that_leaves_no_validation_text_is_refused() {
    // Lines of a few words each: the quality step's 50-word minimum removes them all.
    let corpus = Corpus::from_text("short.txt".into(), "one two three\nfour five six\nseven\n");
    let mut settings = CleanSettings::default();
    settings.quality.enabled = true;
    assert_eq!(cleaned(&corpus, &settings).unwrap_err(), CleanError::NothingLeft("training"));
}

#[test]
fn the_steps_that_ran_and_their_key_settings_reach_the_card_and_the_record() {
    let settings = html_dedup_pii();
    let summary: Vec<(String, String)> = settings.summary().into_iter().collect();
    let pairs = |pairs: &[(&str, &str)]| pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect::<Vec<_>>();
    assert_eq!(
        summary,
        pairs(&[
            ("cleaning.dedup", "documents, lines"),
            ("cleaning.html", "on"),
            ("cleaning.pii", "emails, phones, ibans, cards"),
        ])
    );
    let info = CheckpointInfo {
        model: GptConfig::new(256),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState {
            step: 10,
            dataset: "web-page.txt (cleaned)".into(),
            cleaning: Some(settings),
            ..Default::default()
        },
    };
    let card = model_card("m", &info);
    assert!(
        card.contains("trained 10 steps on web-page.txt (cleaned), cleaned by html, dedup, pii"),
        "{card}"
    );
}

#[test]
fn held_out_documents_that_repeat_training_ones_are_removed() {
    let train = "The miller ground the wheat before dawn.\nA heron stood in the shallow river.\n";
    let validation = "A heron stood in the shallow river.\nThe baker sold bread at the market.\n";
    let corpus = Corpus {
        name: "river.txt".into(),
        train: train.into(),
        validation: validation.into(),
        rows: 4,
        prompts: Prompts { inputs: Vec::new(), stop_at_newline: true },
        cleaning: None,
    };
    let mut settings = CleanSettings::default();
    settings.dedup.enabled = true;
    let out = cleaned(&corpus, &settings).unwrap();
    assert_eq!(out.corpus.train.lines().collect::<Vec<_>>(), train.lines().collect::<Vec<_>>());
    assert_eq!(out.corpus.validation.trim(), "The baker sold bread at the market.");
    let dedup = &out.report[0];
    assert_eq!((dedup.docs_in, dedup.docs_removed), (4, 1), "{dedup:?}");
}
