//! The tokenizer lab: recipes made and compared in one go, and the figures the page's comparison
//! table must show for the browser test's dataset, kept in `tests/fixtures/tokenizer-lab.json`.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use gptlab::data::Corpus;
use gptlab::data::take::{self, Amount, Source};
use gptlab::session::protocol::{ComparisonRequest, Job, JobOutput, JobProgress};
use gptlab::session::run_job;
use gptlab::tokenize::{
    COMPARED_WORD_VOCAB, Comparison, METRICS, Recipe, Tokenizer, compare_recipes, offered, sample_sentence,
};
use gptlab::train::Preset;
use pollster::block_on;
use serde::Serialize;

use super::recorded::{Recorded, endpoints, fixture, ok};
use super::tokenize::TWO_LINES;

/// What the browser test loads (a plain-text file of a fixture dataset), types and compares.
const DATASET: &str = "gptlab/little-text";
const FILE: &str = "input.txt";
const MEGABYTES: u64 = 1;
const PRESET: Preset = Preset::Tiny;
const SAMPLE: &str = "Once upon a time, a little dragon named Zed found 703 pebbles.";
const KEYS: [&str; 3] = ["bytes", "chars", "words"];
const EXPECTED: &str = "tests/fixtures/tokenizer-lab.json";

/// The expected figures, as the browser test reads them.
#[derive(Serialize)]
struct Expected {
    dataset: &'static str,
    file: &'static str,
    megabytes: u64,
    preset: &'static str,
    n_embd: usize,
    sample: &'static str,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    comparison: Comparison,
    /// Each cell's text by its `data-metric`.
    cells: BTreeMap<&'static str, String>,
}

/// The corpus the page takes from the dataset's file (the same take, from the same fixture).
fn fixture_corpus() -> Corpus {
    let fetch = Recorded { ranges: true, ..Default::default() }.with(
        endpoints().raw_file(DATASET, FILE),
        ok(fixture(&format!("hub/datasets/{DATASET}/resolve/main/{FILE}"))),
    );
    let source = Source::TextFile { dataset: DATASET.into(), path: FILE.into() };
    let amount = Amount::Bytes(MEGABYTES * 1_000_000);
    block_on(take::corpus(&fetch, &endpoints(), &source, None, amount, &mut |_| {})).unwrap()
}

fn compared(recipes: &[Recipe], text: &str, sample: &str, n_embd: usize) -> Vec<Comparison> {
    let done = compare_recipes(recipes, text, sample, n_embd, |_, _| ControlFlow::Continue(()));
    done.unwrap().continue_value().expect("nothing stops it")
}

#[test]
fn tokenizer_lab_figures_for_the_browser_test_are_the_native_ones() {
    let corpus = fixture_corpus();
    let text = &corpus.train;
    let n_embd = PRESET.model(0).n_embd;
    let recipes: Vec<Recipe> =
        offered(None).into_iter().filter(|r| KEYS.contains(&r.key().as_str())).collect();
    let rows = compared(&recipes, text, SAMPLE, n_embd);
    let [bytes, chars, words] = &rows[..] else { panic!("three rows") };
    assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), KEYS);

    // By hand: a token per byte, a token per character, fewer words than characters.
    let characters = text.chars().count();
    assert_eq!((bytes.vocab_size, bytes.tokens, bytes.unknown_rate), (256, text.len(), 0.0));
    assert_eq!(bytes.embedding_params, 256 * n_embd);
    assert_eq!(bytes.tokens_per_1000_chars, text.len() as f64 * 1000.0 / characters as f64);
    let mut distinct: Vec<char> = text.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        (chars.vocab_size, chars.tokens),
        (distinct.len() + 1, characters),
        "[UNK] and each character"
    );
    assert_eq!((chars.tokens_per_1000_chars, chars.unknown_rate), (1000.0, 0.0));
    assert!(words.tokens < characters / 3 && words.vocab_size <= COMPARED_WORD_VOCAB);
    assert_eq!(words.unknown_rate, 0.0, "every word of the text is in a vocabulary trained on it");
    assert!(words.sample.iter().any(|p| p.text == "[UNK]"), "the sample has words the text lacks");
    for row in [bytes, chars] {
        assert_eq!(row.sample.iter().map(|p| p.text.as_str()).collect::<String>(), SAMPLE);
    }

    let expected = Expected {
        dataset: DATASET,
        file: FILE,
        megabytes: MEGABYTES,
        preset: PRESET.name(),
        n_embd,
        sample: SAMPLE,
        rows: rows
            .into_iter()
            .map(|comparison| {
                let cells = METRICS.iter().map(|m| (m.key, m.cell(&comparison))).collect();
                Row { comparison, cells }
            })
            .collect(),
    };
    let json = serde_json::to_string_pretty(&expected).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED);
    if std::env::var_os("GPTLAB_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &json).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(kept == json, "{EXPECTED} is stale: rerun this test with GPTLAB_WRITE_FIXTURES=1");
}

#[test]
fn tokenizer_lab_trains_what_needs_training_and_reports_what_it_does() {
    let recipes = [Recipe::Bytes, Recipe::Bpe { vocab_size: 300 }, Recipe::Words { max_vocab: 50 }];
    let mut heard = Vec::new();
    let done = compare_recipes(&recipes, TWO_LINES, "two plus", 8, |share, doing| {
        heard.push((share, doing.to_string()));
        ControlFlow::Continue(())
    });
    let rows = done.unwrap().continue_value().unwrap();
    assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["bytes", "bpe-300", "words"]);
    let doing: Vec<&str> = heard.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(doing[..2], ["training BPE 300", "training words (up to 50)"]);
    assert!(doing[2..].iter().all(|d| *d == "counting tokens"));
    assert!(heard.windows(2).all(|w| w[0].0 <= w[1].0), "{heard:?}");
    assert_eq!(heard.last().map(|h| h.0), Some(1.0));
    // The same tokenizers as made one by one.
    let bpe = Tokenizer::train_bpe(TWO_LINES, 300).unwrap();
    assert_eq!(rows[1].vocab_size, bpe.vocab_size());
    assert_eq!(rows[1].tokens, bpe.encode(TWO_LINES).unwrap().len());
}

#[test]
fn tokenizer_lab_runs_as_one_job_with_its_progress() {
    let recipes = vec![Recipe::Bytes, Recipe::Characters];
    let request = ComparisonRequest { recipes, text: TWO_LINES.into(), sample: "two".into(), n_embd: 8 };
    let mut reports = Vec::new();
    let reply =
        block_on(run_job(Job::CompareTokenizers(Box::new(request)), &Recorded::default(), &mut |p| {
            reports.push(p)
        }));
    let Ok(JobOutput::Comparisons(rows)) = reply else { panic!("{reply:?}") };
    assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["bytes", "chars"]);
    assert_eq!(
        reports.first(),
        Some(&JobProgress::Working { done: 0.0, doing: "training characters".into() })
    );
    assert_eq!(reports.last(), Some(&JobProgress::Working { done: 1.0, doing: "counting tokens".into() }));
}

#[test]
fn tokenizer_lab_stops_when_told() {
    let recipes = [Recipe::Characters, Recipe::Bytes];
    let stop = |_, _: &str| ControlFlow::Break(());
    assert!(compare_recipes(&recipes, TWO_LINES, "", 8, stop).unwrap().is_break());
}

#[test]
fn tokenizer_lab_offers_a_hub_tokenizer_only_when_there_is_one() {
    let keys = |recipes: Vec<Recipe>| recipes.iter().map(Recipe::key).collect::<Vec<_>>();
    assert_eq!(keys(offered(None)), ["bytes", "chars", "words", "bpe-512", "bpe-2048", "bpe-8192"]);
    let json = include_bytes!("../fixtures/tokenizer-gpt2-style.json");
    let hub = Tokenizer::from_hub(json, "gptlab/tiny-gpt2").unwrap();
    assert!(Tokenizer::from_json(json, "a file").unwrap().pretrained().is_none());
    let offer = offered(hub.pretrained().cloned());
    assert_eq!(offer.last().map(Recipe::key).as_deref(), Some("hub"));
    assert_eq!(offer.last().map(Recipe::label).as_deref(), Some("tokenizer.json of gptlab/tiny-gpt2"));
}

#[test]
fn tokenizer_lab_samples_the_typed_sentence_or_the_first_validation_line() {
    assert_eq!(sample_sentence("a b", "first\nsecond\n"), "a b");
    assert_eq!(sample_sentence("  ", "first\nsecond\n"), "first");
    assert_eq!(sample_sentence("", ""), "");
}
