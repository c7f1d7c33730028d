//! Text extraction: a document with markup loses its tags, comments and the content of script,
//! style, noscript and template elements; entities are decoded and whitespace tidied. A document
//! without markup passes untouched; one with markup and no text left is removed.
//!
//! Written by hand as one regular expression rather than taken from an HTML parser (`scraper`,
//! `tl`, `html2text`): we need the text, not a tree, and a parser's weight would ship in the
//! page for no gain. The cost is that a plain-text `<word ...>` is taken for a tag.

use std::borrow::Cow;

use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use super::{Pass, StepReport};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HtmlSettings {
    pub enabled: bool,
}

/// Elements whose content is not text; an unclosed one runs to the end of the document.
const HIDDEN: [&str; 4] = ["script", "style", "noscript", "template"];
/// Elements that start a new line of text.
const BLOCKS: &str = "p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|table|thead|tbody|section|article|\
                      header|footer|nav|aside|main|blockquote|pre|title|form|figure|figcaption";
/// Table cells: their text is separated by a space.
const CELLS: &str = "td|th";
/// What may follow a tag's name: nothing, or attributes after a space or a slash.
const TAG_END: &str = r"(?:[\s/][^>]*)?>";

pub(super) struct Extract {
    markup: Regex,
}

impl Extract {
    pub(super) fn new() -> Extract {
        let hidden: Vec<String> =
            HIDDEN.iter().map(|name| format!(r"<{name}{TAG_END}(?:.*?</{name}\s*>|.*)")).collect();
        let pattern = [
            format!(r"(?P<hidden><!--.*?(?:-->|\z)|{})", hidden.join("|")),
            format!(r"(?P<block></?(?:{BLOCKS}){TAG_END})"),
            format!(r"(?P<cell></?(?:{CELLS}){TAG_END})"),
            format!(r"</?[a-z][a-z0-9-]*{TAG_END}|<[!?][^>]*>"),
        ]
        .join("|");
        let pattern = format!("(?is){pattern}");
        Extract { markup: Regex::new(&pattern).expect("the markup pattern is valid") }
    }

    /// The document's text, or `None` when it has no markup.
    fn text(&self, doc: &str) -> Option<String> {
        let stripped = self.markup.replace_all(doc, |tag: &Captures| {
            if tag.name("block").is_some() {
                "\n"
            } else if tag.name("cell").is_some() {
                " "
            } else {
                ""
            }
        });
        let Cow::Owned(stripped) = stripped else { return None };
        Some(tidy(&html_escape::decode_html_entities(&stripped)))
    }
}

impl Pass for Extract {
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String> {
        let Some(text) = self.text(&doc) else { return Some(doc) };
        report.count("html_documents", 1);
        if text.is_empty() {
            report.remove_doc("no_text", "html: no text left".into(), &doc);
            return None;
        }
        report.chars_removed += doc.chars().count().saturating_sub(text.chars().count());
        Some(text)
    }
}

/// Lines with their runs of whitespace made one space, without blank lines.
fn tidy(text: &str) -> String {
    let lines = text.lines().map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "));
    lines.filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}
