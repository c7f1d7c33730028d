//! Corpora the model trains on, each with a held-out validation split: the built-in arithmetic,
//! or text taken from a Hugging Face dataset or a local file.

pub mod arithmetic;
pub mod choices;
pub mod clean;
pub mod download;
pub mod fetch;
pub mod hub;
pub mod models;
pub mod parquet;
pub mod take;

use serde::{Deserialize, Serialize};

/// Training and validation text. Validation never overlaps training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Corpus {
    /// Shown in the page and stored in the checkpoint.
    pub name: String,
    pub train: String,
    pub validation: String,
    /// Rows (examples, lines) in both splits.
    pub rows: usize,
    pub prompts: Prompts,
    /// The cleaning steps that made the texts, if any (see `clean::clean_corpus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaning: Option<clean::CleanSettings>,
}

/// What the page asks the model before and after training, to show what it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompts {
    /// Model inputs; shown without their leading whitespace.
    pub inputs: Vec<String>,
    /// Whether an answer ends at the end of its line, as in line-per-example data.
    pub stop_at_newline: bool,
}

/// The most text a corpus holds (a take stops there; a local file is refused past it): it is
/// encoded, copied to the training worker and kept with the autosave.
pub const MAX_TEXT_BYTES: u64 = 200_000_000;

/// The part of a take held out for validation when the dataset has no validation split.
const HELD_OUT_FRACTION: f64 = 0.1;
/// Prompts are the first words of validation lines.
const PROMPT_COUNT: usize = 3;
const PROMPT_WORDS: usize = 3;

impl Corpus {
    /// A name for the corpus's content: equal corpora hash equal, on every machine (XXH3-128 of
    /// its name and texts, in hex).
    pub fn hash(&self) -> String {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [&self.name, &self.train, &self.validation] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        format!("{:032x}", hasher.digest128())
    }

    /// Rows of text joined by newlines; validation from `validation` rows, or else the last
    /// tenth of the text, cut at a line break where there is one.
    pub fn from_rows(name: String, train: &[String], validation: Option<&[String]>) -> Corpus {
        let join = |rows: &[String]| rows.iter().map(|r| format!("{r}\n")).collect::<String>();
        let rows = train.len() + validation.map_or(0, <[String]>::len);
        let (train, validation) = match validation {
            Some(rows) => (join(train), join(rows)),
            None => hold_out(join(train)),
        };
        let prompts = Prompts { inputs: first_words(&validation), stop_at_newline: false };
        Corpus { name, train, validation, rows, prompts, cleaning: None }
    }

    /// A corpus of one text, such as a local file, a line per row.
    pub fn from_text(name: String, text: &str) -> Corpus {
        Corpus::from_rows(name, &text.lines().map(str::to_string).collect::<Vec<_>>(), None)
    }
}

/// Splits `text` into (train, validation) near `1 - HELD_OUT_FRACTION`, at a line break.
fn hold_out(mut text: String) -> (String, String) {
    let target = (text.len() as f64 * (1.0 - HELD_OUT_FRACTION)) as usize;
    let mut cut = (0..=target).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    if let Some(newline) = text[..cut].rfind('\n')
        && newline > text.len() / 2
    {
        cut = newline + 1;
    }
    let validation = text.split_off(cut);
    (text, validation)
}

/// The first words of the first lines that have that many, or the start of the text.
fn first_words(text: &str) -> Vec<String> {
    let prompts: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().take(PROMPT_WORDS).collect::<Vec<_>>())
        .filter(|words| words.len() == PROMPT_WORDS)
        .map(|words| words.join(" "))
        .take(PROMPT_COUNT)
        .collect();
    if prompts.is_empty() { vec![text.chars().take(16).collect()] } else { prompts }
}
