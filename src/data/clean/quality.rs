//! Quality filters of Gopher (MassiveText), C4 and FineWeb, each a threshold the user may tune
//! or switch off (`None`, or an empty list). The first filter a document fails removes it, and
//! the reason names the filter, the document's value and the threshold.

use serde::{Deserialize, Serialize};

use super::compare::{PrehashedMap, PrehashedSet, word_hash};
use super::{Pass, StepReport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualitySettings {
    pub enabled: bool,
    /// Gopher: 50 to 100,000 words (runs of non-whitespace).
    pub min_words: Option<usize>,
    pub max_words: Option<usize>,
    /// Gopher: a mean word length (punctuation at a word's ends aside) of 3 to 10 characters.
    pub min_mean_word_length: Option<f64>,
    pub max_mean_word_length: Option<f64>,
    /// Gopher: at most 0.1 hash signs and ellipses ("...", "…") per word.
    pub max_symbol_ratio: Option<f64>,
    /// Digits among the non-whitespace characters: tables, logs and identifiers rather than prose.
    pub max_digit_fraction: Option<f64>,
    /// C4, with FineWeb's bar: at least 0.12 of the lines end in terminal punctuation.
    pub min_punctuated_lines: Option<f64>,
    /// Gopher: the most frequent n-gram, if repeated, covers at most this fraction of the
    /// characters of the words.
    pub max_top_ngram: Vec<NgramLimit>,
    /// Gopher: the words inside repeats of an earlier n-gram cover at most this fraction.
    pub max_duplicate_ngram: Vec<NgramLimit>,
}

/// At most `max_fraction` of a document's word characters in n-grams of `n` words.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NgramLimit {
    pub n: usize,
    pub max_fraction: f64,
}

impl Default for QualitySettings {
    fn default() -> QualitySettings {
        let limits = |pairs: &[(usize, f64)]| {
            pairs.iter().map(|&(n, max_fraction)| NgramLimit { n, max_fraction }).collect()
        };
        QualitySettings {
            enabled: false,
            min_words: Some(50),
            max_words: Some(100_000),
            min_mean_word_length: Some(3.0),
            max_mean_word_length: Some(10.0),
            max_symbol_ratio: Some(0.1),
            max_digit_fraction: Some(0.25),
            min_punctuated_lines: Some(0.12),
            max_top_ngram: limits(&[(2, 0.20), (3, 0.18), (4, 0.16)]),
            max_duplicate_ngram: limits(&[(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]),
        }
    }
}

/// What a line may end with to count as finished (C4's terminal punctuation, and closing quotes).
const TERMINAL: [char; 8] = ['.', '!', '?', '"', '…', '\'', '”', '’'];

/// A filter a document failed.
struct Failure {
    filter: String,
    value: f64,
    below: bool,
    threshold: f64,
}

pub(super) struct Filter {
    settings: QualitySettings,
}

/// A document's words: their hashes for n-grams, their lengths for the fractions.
struct Words {
    hashes: Vec<u64>,
    lengths: Vec<usize>,
    total_chars: usize,
}

impl Filter {
    pub(super) fn new(settings: &QualitySettings) -> Filter {
        Filter { settings: settings.clone() }
    }

    fn failure(&self, doc: &str) -> Option<Failure> {
        let s = &self.settings;
        let words: Vec<&str> = doc.split_whitespace().collect();
        let count = words.len() as f64;
        below("min_words", count, s.min_words.map(|m| m as f64))
            .or_else(|| above("max_words", count, s.max_words.map(|m| m as f64)))
            .or_else(|| self.word_length_failure(&words))
            .or_else(|| above("max_symbol_ratio", symbol_ratio(doc, words.len()), s.max_symbol_ratio))
            .or_else(|| above("max_digit_fraction", digit_fraction(doc), s.max_digit_fraction))
            .or_else(|| below("min_punctuated_lines", punctuated_lines(doc), s.min_punctuated_lines))
            .or_else(|| self.repetition_failure(&words))
    }

    fn word_length_failure(&self, words: &[&str]) -> Option<Failure> {
        let s = &self.settings;
        if s.min_mean_word_length.is_none() && s.max_mean_word_length.is_none() {
            return None;
        }
        let mean = mean_word_length(words);
        below("min_mean_word_length", mean, s.min_mean_word_length)
            .or_else(|| above("max_mean_word_length", mean, s.max_mean_word_length))
    }

    fn repetition_failure(&self, words: &[&str]) -> Option<Failure> {
        let s = &self.settings;
        if s.max_top_ngram.is_empty() && s.max_duplicate_ngram.is_empty() {
            return None;
        }
        let words = Words::of(words);
        let top = s.max_top_ngram.iter().filter(|limit| limit.n > 0).find_map(|limit| {
            above(
                &format!("top_{}gram", limit.n),
                words.top_ngram_fraction(limit.n),
                Some(limit.max_fraction),
            )
        });
        top.or_else(|| {
            s.max_duplicate_ngram.iter().filter(|limit| limit.n > 0).find_map(|limit| {
                let fraction = words.duplicate_ngram_fraction(limit.n);
                above(&format!("duplicate_{}gram", limit.n), fraction, Some(limit.max_fraction))
            })
        })
    }
}

impl Pass for Filter {
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String> {
        let Some(failure) = self.failure(&doc) else { return Some(doc) };
        let sign = if failure.below { "<" } else { ">" };
        let reason =
            format!("{}: {} {sign} {}", failure.filter, shown(failure.value), shown(failure.threshold));
        report.remove_doc(&failure.filter, reason, &doc);
        None
    }
}

fn below(filter: &str, value: f64, threshold: Option<f64>) -> Option<Failure> {
    let threshold = threshold.filter(|&threshold| value < threshold)?;
    Some(Failure { filter: filter.into(), value, below: true, threshold })
}

fn above(filter: &str, value: f64, threshold: Option<f64>) -> Option<Failure> {
    let threshold = threshold.filter(|&threshold| value > threshold)?;
    Some(Failure { filter: filter.into(), value, below: false, threshold })
}

/// A whole number as it is, a fraction to three places.
fn shown(value: f64) -> String {
    if value.fract() == 0.0 { format!("{value}") } else { format!("{value:.3}") }
}

fn mean_word_length(words: &[&str]) -> f64 {
    let lengths: Vec<usize> = words.iter().map(|word| trim_punctuation(word).chars().count()).collect();
    let counted: Vec<usize> = lengths.into_iter().filter(|&length| length > 0).collect();
    if counted.is_empty() { 0.0 } else { counted.iter().sum::<usize>() as f64 / counted.len() as f64 }
}

fn trim_punctuation(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric())
}

fn symbol_ratio(doc: &str, words: usize) -> f64 {
    let symbols = doc.matches('#').count() + doc.matches("...").count() + doc.matches('…').count();
    symbols as f64 / words.max(1) as f64
}

fn digit_fraction(doc: &str) -> f64 {
    let (mut digits, mut visible) = (0usize, 0usize);
    for c in doc.chars().filter(|c| !c.is_whitespace()) {
        visible += 1;
        digits += usize::from(c.is_numeric());
    }
    digits as f64 / visible.max(1) as f64
}

fn punctuated_lines(doc: &str) -> f64 {
    let lines: Vec<&str> = doc.lines().map(str::trim_end).filter(|line| !line.is_empty()).collect();
    let punctuated = lines.iter().filter(|line| line.ends_with(TERMINAL)).count();
    punctuated as f64 / lines.len().max(1) as f64
}

impl Words {
    fn of(words: &[&str]) -> Words {
        let lengths: Vec<usize> = words.iter().map(|word| word.chars().count()).collect();
        let total_chars = lengths.iter().sum::<usize>().max(1);
        Words { hashes: words.iter().map(|word| word_hash(word)).collect(), lengths, total_chars }
    }

    fn ngram_hashes(&self, n: usize) -> impl Iterator<Item = u64> + '_ {
        self.hashes.windows(n).map(|run| run.iter().fold(0u64, |hash, &word| hash.rotate_left(17) ^ word))
    }

    fn chars_of(&self, start: usize, n: usize) -> usize {
        self.lengths[start..start + n].iter().sum()
    }

    /// Characters in the occurrences of the most frequent n-gram, when it occurs more than once.
    fn top_ngram_fraction(&self, n: usize) -> f64 {
        let mut counts: PrehashedMap<u64, (usize, usize)> = PrehashedMap::default();
        for (start, hash) in self.ngram_hashes(n).enumerate() {
            counts.entry(hash).or_insert((0, start)).0 += 1;
        }
        let top =
            counts.values().filter(|(count, _)| *count > 1).max_by_key(|(count, first)| (*count, !first));
        top.map_or(0.0, |&(count, start)| (count * self.chars_of(start, n)) as f64 / self.total_chars as f64)
    }

    /// Characters of the words inside a repeat of an earlier n-gram, each word counted once.
    fn duplicate_ngram_fraction(&self, n: usize) -> f64 {
        let mut seen = PrehashedSet::default();
        let mut in_repeat = vec![false; self.hashes.len()];
        for (start, hash) in self.ngram_hashes(n).enumerate() {
            if !seen.insert(hash) {
                in_repeat[start..start + n].fill(true);
            }
        }
        let chars: usize = self.lengths.iter().zip(&in_repeat).filter(|&(_, &r)| r).map(|(l, _)| l).sum();
        chars as f64 / self.total_chars as f64
    }
}
