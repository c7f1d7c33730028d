//! The dataset lists' picks: configs (with the repository's text files as one more), the split to
//! train on, the text column, and columns that arrive after the user moved on.

use gptlab::data::choices::{Choices, TEXT_FILES};
use gptlab::data::hub::{Listing, RepoEntry, SplitRef, Splits};
use gptlab::data::take::{Source, SplitColumn};

/// A listing of the viewer's (config, split) pairs and the repository's files.
fn listing(splits: &[(&str, &str)], files: &[&str]) -> Listing {
    let refs = splits.iter().map(|(c, s)| SplitRef { config: c.to_string(), split: s.to_string() });
    let entries = files.iter().map(|p| RepoEntry { kind: "file".into(), path: p.to_string(), size: 10 });
    Listing {
        splits: (!splits.is_empty()).then(|| Splits { splits: refs.collect() }),
        text_files: entries.collect(),
    }
}

fn stories() -> Choices {
    let pairs = [("en", "validation"), ("en", "train"), ("fr", "test"), ("fr", "extra")];
    Choices::found(" a/stories ", listing(&pairs, &[]))
}

#[test]
fn a_found_dataset_opens_on_its_first_config_and_its_train_split() {
    let choices = stories();
    assert_eq!(choices.dataset, "a/stories");
    assert_eq!(choices.configs(), ["en", "fr"]);
    assert_eq!((choices.config.as_str(), choices.split.as_str()), ("en", "train"));
    assert!(choices.needs_columns());
}

#[test]
fn a_config_without_a_train_split_opens_on_its_first() {
    let choices = stories().with_config("fr".into());
    assert_eq!(choices.splits(), ["test", "extra"]);
    assert_eq!(choices.split, "test");
}

#[test]
fn choosing_another_config_forgets_the_columns() {
    let choices = stories().with_columns(vec!["text".into()]).with_config("fr".into());
    assert!(choices.columns.is_empty() && choices.column.is_empty());
}

#[test]
fn the_column_named_text_is_picked_else_the_first() {
    let pick = |columns: &[&str]| stories().with_columns(columns.iter().map(|c| c.to_string()).collect());
    assert_eq!(pick(&["story", "text"]).column, "text");
    assert_eq!(pick(&["story", "summary"]).column, "story");
    assert_eq!(pick(&["story", "summary"]).columns, ["story", "summary"]);
    assert_eq!(pick(&[]).column, "");
}

#[test]
fn a_viewer_source_needs_a_column_and_validates_on_the_configs_validation_split() {
    let choices = stories();
    assert_eq!(choices.source(), None, "no column yet");
    let choices = choices.with_columns(vec!["text".into()]);
    let column = SplitColumn {
        dataset: "a/stories".into(),
        config: "en".into(),
        split: "train".into(),
        column: "text".into(),
    };
    assert_eq!(choices.source(), Some(Source::Viewer(column)));
    assert_eq!(choices.validation_split().as_deref(), Some("validation"));
    assert_eq!(choices.with_config("fr".into()).validation_split(), None);
    assert_eq!(Choices::default().source(), None, "nothing picked");
}

#[test]
fn a_repositorys_text_files_are_one_more_config_whose_splits_are_the_files() {
    let choices = Choices::found("a/b", listing(&[("default", "train")], &["input.txt", "more.txt"]));
    assert_eq!(choices.configs(), ["default", TEXT_FILES]);
    let files = choices.with_config(TEXT_FILES.into());
    assert_eq!(files.splits(), ["input.txt", "more.txt"]);
    assert!(!files.needs_columns(), "a text file has no columns to ask for");
    let source = Source::TextFile { dataset: "a/b".into(), path: "input.txt".into() };
    assert_eq!(files.source(), Some(source));
    assert_eq!(files.validation_split(), None);

    let only_files = Choices::found("a/c", listing(&[], &["book.txt"]));
    assert_eq!((only_files.config.as_str(), only_files.split.as_str()), (TEXT_FILES, "book.txt"));
}

#[test]
fn columns_that_arrive_late_apply_only_if_the_user_has_not_moved_on() {
    let asked = stories();
    let answered = asked.clone().with_columns(vec!["id".into(), "text".into()]);

    let mut still_there = asked.clone();
    still_there.split = "validation".into();
    still_there.take_columns_of(&answered);
    assert_eq!((still_there.column.as_str(), still_there.split.as_str()), ("text", "validation"));

    let mut other_config = asked.clone().with_config("fr".into());
    other_config.take_columns_of(&answered);
    assert!(other_config.columns.is_empty());

    let mut other_dataset = Choices::found("a/other", asked.listing.clone());
    other_dataset.take_columns_of(&answered);
    assert!(other_dataset.columns.is_empty());
}
