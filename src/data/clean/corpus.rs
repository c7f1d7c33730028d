//! Cleaning a whole corpus: its training and its validation text, each by the same steps with
//! the same settings, which the corpus then carries into the run's checkpoint and record.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::{
    Cancelled, CleanSettings, Cleaned, EXAMPLES_PER_STEP, Progress, Step, StepReport, clean_in_turn,
};
use crate::data::Corpus;

/// Which of a corpus's texts is being cleaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Validation,
}

/// A cleaned corpus and what each step did, over both texts together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanedCorpus {
    pub corpus: Corpus,
    pub report: Vec<StepReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CleanError {
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// A run needs both texts; the settings removed all of one.
    #[error("cleaning left no {0} text; switch a step off or loosen its settings")]
    NothingLeft(&'static str),
}

/// Marks a cleaned corpus's name, once however often it is cleaned.
const CLEANED: &str = " (cleaned)";

/// `corpus` with its training text cleaned, then its validation text (less what repeats the
/// training text); named as before with
/// " (cleaned)", and holding `settings`. Its prompts stay: they are what the page compares
/// before and after training.
pub fn clean_corpus(
    corpus: &Corpus,
    settings: &CleanSettings,
    mut progress: impl FnMut(Split, Progress) -> ControlFlow<()>,
) -> Result<CleanedCorpus, CleanError> {
    // The validation text after the training text, through the same steps: a held-out document
    // that repeats a training one would make the validation loss look better than it is.
    let split = |index| if index == 0 { Split::Train } else { Split::Validation };
    let texts = [corpus.train.as_str(), corpus.validation.as_str()];
    let [train, validation]: [Cleaned; 2] =
        clean_in_turn(&texts, settings, |index, p| progress(split(index), p))?
            .try_into()
            .expect("one cleaned text for each given");
    for (text, split) in [(&train.text, "training"), (&validation.text, "validation")] {
        if text.trim().is_empty() {
            return Err(CleanError::NothingLeft(split));
        }
    }
    let rows = |text: &str| text.lines().filter(|line| !line.trim().is_empty()).count();
    let cleaned = Corpus {
        name: format!("{}{CLEANED}", corpus.name.trim_end_matches(CLEANED)),
        rows: rows(&train.text) + rows(&validation.text),
        train: train.text,
        validation: validation.text,
        prompts: corpus.prompts.clone(),
        cleaning: Some(settings.clone()),
    };
    Ok(CleanedCorpus { corpus: cleaned, report: merge(train.report, validation.report) })
}

/// The two texts' reports as one: the same steps ran over both, in the same order.
fn merge(train: Vec<StepReport>, validation: Vec<StepReport>) -> Vec<StepReport> {
    let merge_one = |mut into: StepReport, other: StepReport| {
        into.docs_in += other.docs_in;
        into.docs_removed += other.docs_removed;
        into.chars_in += other.chars_in;
        into.chars_removed += other.chars_removed;
        into.millis += other.millis;
        for (kind, n) in other.counts {
            *into.counts.entry(kind).or_default() += n;
        }
        let room = EXAMPLES_PER_STEP.saturating_sub(into.examples.len());
        into.examples.extend(other.examples.into_iter().take(room));
        into
    };
    train.into_iter().zip(validation).map(|(a, b)| merge_one(a, b)).collect()
}

impl CleanSettings {
    /// The steps switched on, in the order they run.
    pub fn steps(&self) -> Vec<Step> {
        let on = [
            (Step::Html, self.html.enabled),
            (Step::Language, self.language.enabled),
            (Step::Dedup, self.dedup.enabled),
            (Step::NearDedup, self.near_dedup.enabled),
            (Step::Quality, self.quality.enabled),
            (Step::Pii, self.pii.enabled),
        ];
        on.into_iter().filter(|(_, on)| *on).map(|(step, _)| step).collect()
    }

    /// The steps that ran and their key settings, as a run's record lists them beside its other
    /// settings: `cleaning.dedup = documents, lines`.
    pub fn summary(&self) -> BTreeMap<String, String> {
        let flags = |pairs: &[(&str, bool)]| {
            let on: Vec<&str> = pairs.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
            if on.is_empty() { "on".to_string() } else { on.join(", ") }
        };
        let (d, n, q, p) = (&self.dedup, &self.near_dedup, &self.quality, &self.pii);
        let words = |n: Option<usize>| n.map_or("any".to_string(), |n| n.to_string());
        self.steps()
            .into_iter()
            .map(|step| {
                let value = match step {
                    Step::Html => "on".to_string(),
                    Step::Language => format!(
                        "keep {}, confidence ≥ {}",
                        self.language.keep.join(" "),
                        self.language.min_confidence
                    ),
                    Step::Dedup => flags(&[("documents", d.documents), ("lines", d.lines)]),
                    Step::NearDedup => {
                        format!("Jaccard ≥ {}, {}-word shingles", n.threshold, n.shingle_words)
                    }
                    Step::Quality => format!("{} to {} words", words(q.min_words), words(q.max_words)),
                    Step::Pii => flags(&[
                        ("emails", p.emails),
                        ("phones", p.phones),
                        ("ibans", p.ibans),
                        ("cards", p.cards),
                    ]),
                };
                (format!("cleaning.{}", step.name()), value)
            })
            .collect()
    }
}

impl Step {
    /// The step's name in reports and settings: `near_dedup`.
    pub fn name(self) -> &'static str {
        match self {
            Step::Html => "html",
            Step::Language => "language",
            Step::Dedup => "dedup",
            Step::NearDedup => "near_dedup",
            Step::Quality => "quality",
            Step::Pii => "pii",
        }
    }
}
