//! What the page's dataset lists offer and which entries are picked: a Hub dataset's configs
//! (its repository's plain-text files as one more, "text files"), their splits and text columns.

use super::hub::Listing;
use super::take::{self, Source, SplitColumn};

/// The config entry that stands for the repository's plain-text files.
pub const TEXT_FILES: &str = "text files";
/// The column most text datasets keep their text in.
const TEXT_COLUMN: &str = "text";
/// The split most datasets train on.
const TRAIN_SPLIT: &str = "train";

/// The dataset the lists show, as the Hub described it, and what is picked in each list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices {
    pub dataset: String,
    pub listing: Listing,
    pub config: String,
    pub split: String,
    pub columns: Vec<String>,
    pub column: String,
}

impl Choices {
    /// A dataset the Hub just described, opened on its first config.
    pub fn found(dataset: &str, listing: Listing) -> Self {
        let found = Choices { dataset: dataset.trim().to_string(), listing, ..Choices::default() };
        let first = found.configs().first().cloned().unwrap_or_default();
        found.with_config(first)
    }

    /// The viewer's configs, then "text files" where the repository has any.
    pub fn configs(&self) -> Vec<String> {
        let mut configs = self.listing.splits.as_ref().map(|s| s.configs()).unwrap_or_default();
        if !self.listing.text_files.is_empty() {
            configs.push(TEXT_FILES.into());
        }
        configs
    }

    /// The picked config's splits; for "text files", the files' paths.
    pub fn splits(&self) -> Vec<String> {
        if self.config == TEXT_FILES {
            return self.listing.text_files.iter().map(|f| f.path.clone()).collect();
        }
        self.listing.splits.as_ref().map(|s| s.splits_of(&self.config)).unwrap_or_default()
    }

    /// Picks `config` and the split to train on in it: `train` where there is one. Its columns
    /// are not known yet.
    pub fn with_config(mut self, config: String) -> Self {
        self.config = config;
        let splits = self.splits();
        self.split =
            splits.iter().find(|s| *s == TRAIN_SPLIT).or(splits.first()).cloned().unwrap_or_default();
        self.columns.clear();
        self.column.clear();
        self
    }

    /// Whether the picked config has columns to ask the viewer for (a text file has none).
    pub fn needs_columns(&self) -> bool {
        !self.config.is_empty() && self.config != TEXT_FILES
    }

    /// Sets the config's text columns and picks the column named `text`, else the first.
    pub fn with_columns(mut self, columns: Vec<String>) -> Self {
        let text = columns.iter().find(|c| *c == TEXT_COLUMN);
        self.column = text.or(columns.first()).cloned().unwrap_or_default();
        self.columns = columns;
        self
    }

    /// Takes the columns of `answered` (choices whose columns came back from the viewer) only
    /// if these still show the same dataset and config: the user may have moved on meanwhile.
    pub fn take_columns_of(&mut self, answered: &Choices) {
        if self.dataset == answered.dataset && self.config == answered.config {
            self.columns = answered.columns.clone();
            self.column = answered.column.clone();
        }
    }

    /// Where to take text from, once everything it needs is picked.
    pub fn source(&self) -> Option<Source> {
        if self.dataset.is_empty() || self.split.is_empty() {
            return None;
        }
        if self.config == TEXT_FILES {
            return Some(Source::TextFile { dataset: self.dataset.clone(), path: self.split.clone() });
        }
        (!self.column.is_empty()).then(|| {
            Source::Viewer(SplitColumn {
                dataset: self.dataset.clone(),
                config: self.config.clone(),
                split: self.split.clone(),
                column: self.column.clone(),
            })
        })
    }

    /// The config's own validation split, if it has one besides the picked split.
    pub fn validation_split(&self) -> Option<String> {
        (self.config != TEXT_FILES).then(|| take::validation_split(&self.split, &self.splits())).flatten()
    }
}
