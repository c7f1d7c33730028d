//! The tokenizer lab: tokenizers named by how they are made (a `Recipe`), made and compared on one
//! text in one go, and the comparison table's columns with the text each cell shows.

#[cfg(feature = "engine")]
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::HfTokenizer;
use super::compare::Comparison;
#[cfg(feature = "engine")]
use super::{Tokenizer, TokenizerError, compare::compare};

/// The word vocabulary the comparison trains: big enough for a small text's every word, small
/// enough that tens of megabytes of text leave words out, which is word-level's problem to show.
pub const COMPARED_WORD_VOCAB: usize = 8192;
/// The BPE sizes the comparison offers: a small one, one in between, and one near word-level's.
pub const COMPARED_BPE_VOCABS: [usize; 3] = [512, 2048, 8192];

/// A tokenizer, by how it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recipe {
    Bytes,
    Characters,
    Words {
        max_vocab: usize,
    },
    Bpe {
        vocab_size: usize,
    },
    /// A Hub model's tokenizer, used as it is.
    Pretrained(HfTokenizer),
}

impl Recipe {
    /// Names it in the comparison table (`data-tokenizer`): stable, one per row.
    pub fn key(&self) -> String {
        match self {
            Recipe::Bytes => "bytes".into(),
            Recipe::Characters => "chars".into(),
            Recipe::Words { .. } => "words".into(),
            Recipe::Bpe { vocab_size } => format!("bpe-{vocab_size}"),
            Recipe::Pretrained(_) => "hub".into(),
        }
    }

    /// For people.
    pub fn label(&self) -> String {
        match self {
            Recipe::Bytes => "bytes".into(),
            Recipe::Characters => "characters".into(),
            Recipe::Words { max_vocab } => format!("words (up to {max_vocab})"),
            Recipe::Bpe { vocab_size } => format!("BPE {vocab_size}"),
            Recipe::Pretrained(hf) => hf.source().into(),
        }
    }

    /// Makes the tokenizer, training it on `text` where it needs training.
    #[cfg(feature = "engine")]
    pub fn make(&self, text: &str) -> Result<Tokenizer, TokenizerError> {
        match self {
            Recipe::Bytes => Ok(Tokenizer::Bytes),
            Recipe::Characters => Tokenizer::train_chars(text),
            Recipe::Words { max_vocab } => Tokenizer::train_words(text, *max_vocab),
            Recipe::Bpe { vocab_size } => Tokenizer::train_bpe(text, *vocab_size),
            Recipe::Pretrained(hf) => Ok(Tokenizer::HuggingFace(hf.clone())),
        }
    }

    #[cfg(feature = "engine")]
    fn trains(&self) -> bool {
        !matches!(self, Recipe::Bytes | Recipe::Pretrained(_))
    }
}

/// What the comparison offers, in the table's order; a Hub model's tokenizer where there is one.
pub fn offered(pretrained: Option<HfTokenizer>) -> Vec<Recipe> {
    let mut recipes =
        vec![Recipe::Bytes, Recipe::Characters, Recipe::Words { max_vocab: COMPARED_WORD_VOCAB }];
    recipes.extend(COMPARED_BPE_VOCABS.map(|vocab_size| Recipe::Bpe { vocab_size }));
    recipes.extend(pretrained.map(Recipe::Pretrained));
    recipes
}

/// The sentence the comparison splits: what the user typed, or else the first line of the
/// validation text.
pub fn sample_sentence(typed: &str, validation: &str) -> String {
    match typed.trim() {
        "" => validation.lines().next().unwrap_or_default().to_string(),
        _ => typed.to_string(),
    }
}

/// Makes each of `recipes` from `text` and compares them on it (see `compare`), each row named
/// by its recipe's key. `progress` hears the share done and what is being done, and may stop it.
#[cfg(feature = "engine")]
pub fn compare_recipes(
    recipes: &[Recipe],
    text: &str,
    sample: &str,
    n_embd: usize,
    mut progress: impl FnMut(f64, &str) -> ControlFlow<()>,
) -> Result<ControlFlow<(), Vec<Comparison>>, TokenizerError> {
    // Work in units: one per training, one per tokenizer's count.
    let trainings = recipes.iter().filter(|r| r.trains()).count();
    let units = (trainings + recipes.len()) as f64;
    let mut made = Vec::with_capacity(recipes.len());
    let mut trained = 0;
    for recipe in recipes {
        if recipe.trains() {
            if progress(trained as f64 / units, &format!("training {}", recipe.label())).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            trained += 1;
        }
        made.push((recipe.key(), recipe.make(text)?));
    }
    let named: Vec<(&str, &Tokenizer)> = made.iter().map(|(key, t)| (key.as_str(), t)).collect();
    let counted = |share: f64| (trainings as f64 + share * recipes.len() as f64) / units;
    compare(&named, text, sample, n_embd, |share| progress(counted(share), "counting tokens"))
}

/// A column of the comparison table.
pub struct Metric {
    /// The cell's `data-metric`.
    pub key: &'static str,
    pub heading: &'static str,
    /// What the column means, in one line.
    pub meaning: &'static str,
    /// The cell's text: a number as people write it that also parses (no thousands separators;
    /// a rate as a percentage).
    cell: fn(&Comparison) -> String,
}

impl Metric {
    pub fn cell(&self, comparison: &Comparison) -> String {
        (self.cell)(comparison)
    }
}

fn percent(rate: f64) -> String {
    format!("{:.2}%", rate * 100.0)
}

pub const METRICS: [Metric; 7] = [
    Metric {
        key: "vocab-size",
        heading: "vocabulary",
        meaning: "how many different tokens it has: one embedding row each",
        cell: |c| c.vocab_size.to_string(),
    },
    Metric {
        key: "tokens-per-1000-chars",
        heading: "tokens per 1000 characters",
        meaning: "how long the text becomes: fewer tokens fit more text in the model's context",
        cell: |c| format!("{:.1}", c.tokens_per_1000_chars),
    },
    Metric {
        key: "bytes-per-token",
        heading: "bytes per token",
        meaning: "how much text one token covers on average (bits per byte divides the loss by it)",
        cell: |c| format!("{:.2}", c.bytes_per_token),
    },
    Metric {
        key: "unknown-rate",
        heading: "unknown",
        meaning: "the share of tokens that are [UNK]: text the model never sees (word-level's problem)",
        cell: |c| percent(c.unknown_rate),
    },
    Metric {
        key: "rare-rate",
        heading: "rare",
        meaning: "the share of tokens that occur only once: too rare to learn",
        cell: |c| percent(c.rare_rate),
    },
    Metric {
        key: "embedding-params",
        heading: "embedding parameters",
        meaning: "vocabulary × the model's width: what the vocabulary costs the model",
        cell: |c| c.embedding_params.to_string(),
    },
    Metric {
        key: "sample-tokens",
        heading: "sample tokens",
        meaning: "how many tokens the sample sentence becomes",
        cell: |c| c.sample.len().to_string(),
    },
];
