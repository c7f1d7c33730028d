//! FineWeb-style data cleaning: steps the user switches on and tunes, applied in order to the
//! documents of a corpus's text. Pure Rust, so the page's worker runs it as native tests do.
//!
//! A document is a paragraph: rows separated by blank lines. A text without blank lines (one
//! example per line, as `Corpus::from_rows` writes rows) has one document per line.

mod compare;
mod corpus;
mod dedup;
mod html;
mod language;
mod near_dedup;
mod pii;
mod quality;

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

pub use corpus::{CleanError, CleanedCorpus, Split, clean_corpus};
pub use dedup::DedupSettings;
pub use html::HtmlSettings;
pub use language::LanguageSettings;
pub use near_dedup::NearDedupSettings;
pub use pii::PiiSettings;
pub use quality::{NgramLimit, QualitySettings};

/// Which steps run and how; stored in the run's model card. Every step is off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CleanSettings {
    pub html: HtmlSettings,
    pub language: LanguageSettings,
    pub dedup: DedupSettings,
    pub near_dedup: NearDedupSettings,
    pub quality: QualitySettings,
    pub pii: PiiSettings,
}

impl CleanSettings {
    /// Every step on, with its default thresholds.
    pub fn every_step() -> CleanSettings {
        let mut settings = CleanSettings::default();
        settings.html.enabled = true;
        settings.language.enabled = true;
        settings.dedup.enabled = true;
        settings.near_dedup.enabled = true;
        settings.quality.enabled = true;
        settings.pii.enabled = true;
        settings
    }
}

/// The steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Html,
    Language,
    Dedup,
    NearDedup,
    Quality,
    Pii,
}

/// How far cleaning has come: `docs_done` of `docs_total` documents in step `step_number` of
/// `steps` (counting only the steps switched on, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub step: Step,
    pub step_number: usize,
    pub steps: usize,
    pub docs_done: usize,
    pub docs_total: usize,
}

/// The cleaned text and what each step did, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleaned {
    pub text: String,
    pub report: Vec<StepReport>,
}

/// What one step removed. For `pii`, `chars_removed` counts masked characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: Step,
    pub docs_in: usize,
    pub docs_removed: usize,
    pub chars_in: usize,
    pub chars_removed: usize,
    /// What the step found, by kind: removed documents by filter, repeated lines, masked PII.
    pub counts: BTreeMap<String, usize>,
    /// The first few things removed (documents, lines, or masked documents for `pii`).
    pub examples: Vec<Removed>,
    /// How long the step took, for its MB/s; absent from reports stored before it was measured.
    #[serde(default)]
    pub millis: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removed {
    /// The filter, the value and the threshold; a document it names is counted in the step's
    /// input from 1.
    pub reason: String,
    /// At most `EXAMPLE_CHARS` characters of it.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cleaning was cancelled")]
pub struct Cancelled;

/// Examples kept per step: enough to show what a filter does, few enough for a model card.
const EXAMPLES_PER_STEP: usize = 5;
const EXAMPLE_CHARS: usize = 200;
/// Documents between progress reports: often enough to cancel quickly, rarely enough to be free.
const PROGRESS_EVERY: usize = 512;

/// Runs the steps switched on in `settings` over `text`'s documents. `progress` hears of each
/// step's start, of every `PROGRESS_EVERY` documents and of each step's end; returning
/// `ControlFlow::Break` cancels.
pub fn clean(
    text: &str,
    settings: &CleanSettings,
    progress: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Cleaned, Cancelled> {
    clean_with(text, &mut passes(settings), progress)
}

/// Cleans `texts` one after another through the same steps, which remember what they have
/// seen: a later text's documents that repeat (or nearly repeat) an earlier text's are removed,
/// so a held-out text keeps nothing the training text already has. `progress` hears which text.
pub fn clean_in_turn(
    texts: &[&str],
    settings: &CleanSettings,
    mut progress: impl FnMut(usize, Progress) -> ControlFlow<()>,
) -> Result<Vec<Cleaned>, Cancelled> {
    let mut passes = passes(settings);
    let mut cleaned = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        cleaned.push(clean_with(text, &mut passes, |p| progress(index, p))?);
    }
    Ok(cleaned)
}

fn clean_with(
    text: &str,
    passes: &mut [(Step, Box<dyn Pass>)],
    mut progress: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Cleaned, Cancelled> {
    let layout = Layout::of(text);
    let mut docs = documents(text);
    let steps = passes.len();
    let mut report = Vec::with_capacity(steps);
    for (index, (step, pass)) in passes.iter_mut().enumerate() {
        let mut tell = |docs_done, docs_total| {
            let at = Progress { step: *step, step_number: index + 1, steps, docs_done, docs_total };
            progress(at)
        };
        let (kept, step_report) = run_pass(*step, pass.as_mut(), docs, &mut tell)?;
        docs = kept;
        report.push(step_report);
    }
    Ok(Cleaned { text: layout.join(&docs), report })
}

/// How a text divides into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Documents are separated by blank lines.
    Paragraphs,
    /// The text has no blank line: each line is a document.
    Lines,
}

impl Layout {
    pub fn of(text: &str) -> Layout {
        let has_blank_line = text.trim().lines().any(|line| line.trim().is_empty());
        if has_blank_line { Layout::Paragraphs } else { Layout::Lines }
    }

    /// The documents as one text again, each kept whole: blank lines inside a paragraph and line
    /// breaks inside a line document (which a step such as `html` may leave) would split it.
    pub fn join(self, docs: &[String]) -> String {
        let (line_break, doc_break) = match self {
            Layout::Paragraphs => ("\n", "\n\n"),
            Layout::Lines => (" ", "\n"),
        };
        let mut text = String::new();
        for doc in docs.iter().filter(|doc| !doc.trim().is_empty()) {
            push_lines(&mut text, doc, line_break);
            text.push_str(doc_break);
        }
        text
    }
}

fn push_lines(text: &mut String, doc: &str, separator: &str) {
    let lines = doc.lines().map(str::trim_end).filter(|line| !line.trim().is_empty());
    for (index, line) in lines.enumerate() {
        if index > 0 {
            text.push_str(separator);
        }
        text.push_str(line);
    }
}

/// `text`'s documents (see the module's doc), without empty ones; `Layout::of(text).join`
/// turns them back into text.
pub fn documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    match Layout::of(text) {
        Layout::Lines => docs.extend(text.lines().filter(|l| !l.trim().is_empty()).map(String::from)),
        Layout::Paragraphs => {
            let mut doc = String::new();
            for line in text.lines() {
                if line.trim().is_empty() {
                    docs.extend((!doc.is_empty()).then(|| std::mem::take(&mut doc)));
                    continue;
                }
                if !doc.is_empty() {
                    doc.push('\n');
                }
                doc.push_str(line);
            }
            docs.extend((!doc.is_empty()).then_some(doc));
        }
    }
    docs
}

/// One cleaning step as a pass over the documents in order; what it has seen (hashes,
/// signatures) lives in `self`, so "seen before" means "in an earlier document".
trait Pass {
    /// The document as it goes on (maybe changed), or `None` when the step removes it; either
    /// way the step records in `report` what it removed.
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String>;
}

/// The passes of the steps switched on, in order (`CleanSettings::steps`).
fn passes(settings: &CleanSettings) -> Vec<(Step, Box<dyn Pass>)> {
    let s = settings;
    let pass = |step| -> Box<dyn Pass> {
        match step {
            Step::Html => Box::new(html::Extract::new()),
            Step::Language => Box::new(language::Keep::new(&s.language)),
            Step::Dedup => Box::new(dedup::Dedup::new(&s.dedup)),
            Step::NearDedup => Box::new(near_dedup::NearDedup::new(&s.near_dedup)),
            Step::Quality => Box::new(quality::Filter::new(&s.quality)),
            Step::Pii => Box::new(pii::Mask::new(&s.pii)),
        }
    };
    s.steps().into_iter().map(|step| (step, pass(step))).collect()
}

fn run_pass(
    step: Step,
    pass: &mut dyn Pass,
    docs: Vec<String>,
    tell: &mut impl FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<(Vec<String>, StepReport), Cancelled> {
    let started = web_time::Instant::now();
    let total = docs.len();
    let mut report = StepReport::new(step);
    let mut kept = Vec::with_capacity(total);
    check(tell(0, total))?;
    for (index, doc) in docs.into_iter().enumerate() {
        if index > 0 && index % PROGRESS_EVERY == 0 {
            check(tell(index, total))?;
        }
        report.docs_in += 1;
        report.chars_in += doc.chars().count();
        kept.extend(pass.apply(doc, &mut report));
    }
    check(tell(total, total))?;
    report.millis = started.elapsed().as_secs_f64() * 1e3;
    Ok((kept, report))
}

fn check(flow: ControlFlow<()>) -> Result<(), Cancelled> {
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Cancelled),
    }
}

impl StepReport {
    fn new(step: Step) -> StepReport {
        StepReport {
            step,
            docs_in: 0,
            docs_removed: 0,
            chars_in: 0,
            chars_removed: 0,
            counts: BTreeMap::new(),
            examples: Vec::new(),
            millis: 0.0,
        }
    }

    /// Records a removed document; `kind` is what `counts` tallies it under.
    fn remove_doc(&mut self, kind: &str, reason: String, doc: &str) {
        self.docs_removed += 1;
        self.chars_removed += doc.chars().count();
        self.count(kind, 1);
        self.example(reason, doc);
    }

    fn count(&mut self, kind: &str, n: usize) {
        *self.counts.entry(kind.to_string()).or_default() += n;
    }

    fn example(&mut self, reason: String, text: &str) {
        if self.examples.len() < EXAMPLES_PER_STEP {
            self.examples.push(Removed { reason, text: truncate(text, EXAMPLE_CHARS) });
        }
    }
}

/// At most `max` characters of `text`, with an ellipsis where it was cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
