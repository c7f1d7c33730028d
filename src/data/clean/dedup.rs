//! Exact deduplication: a document whose normalised text (lower case, whitespace runs made one
//! space) equals an earlier document's is removed, and so is a line that an earlier document
//! already had (FineWeb's and Gopher's line deduplication: menus, cookie banners, footers).
//! A line repeated inside one document stays; a document left with no line is removed.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::compare::{PrehashedSet, normalised};
use super::{Pass, StepReport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupSettings {
    pub enabled: bool,
    /// Remove documents equal to an earlier one.
    pub documents: bool,
    /// Remove lines that an earlier document had.
    pub lines: bool,
}

impl Default for DedupSettings {
    fn default() -> DedupSettings {
        DedupSettings { enabled: false, documents: true, lines: true }
    }
}

/// Hashes rather than texts are kept: 16 bytes a document (so a collision is out of reach),
/// 8 a line (a chance of one in ~4·10^7 at a million lines, which would drop one line).
pub(super) struct Dedup {
    settings: DedupSettings,
    documents_seen: PrehashedSet<u128>,
    lines_seen: PrehashedSet<u64>,
}

impl Dedup {
    pub(super) fn new(settings: &DedupSettings) -> Dedup {
        Dedup {
            settings: settings.clone(),
            documents_seen: PrehashedSet::default(),
            lines_seen: PrehashedSet::default(),
        }
    }

    fn is_repeat(&mut self, doc: &str) -> bool {
        let fresh = self.documents_seen.insert(xxh3_128(normalised(doc).as_bytes()));
        !fresh
    }

    /// The document's lines that no earlier document had; remembers all of them for later ones.
    fn new_lines(&mut self, doc: &str, report: &mut StepReport) -> Vec<String> {
        let hashed: Vec<(&str, u64)> =
            doc.lines().map(|line| (line, xxh3_64(normalised(line).as_bytes()))).collect();
        let mut kept = Vec::with_capacity(hashed.len());
        for &(line, hash) in &hashed {
            if self.lines_seen.contains(&hash) {
                report.count("repeated_lines", 1);
                report.example("repeated line".into(), line);
            } else {
                kept.push(line.to_string());
            }
        }
        self.lines_seen.extend(hashed.iter().map(|&(_, hash)| hash));
        kept
    }
}

impl Pass for Dedup {
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String> {
        if self.settings.documents && self.is_repeat(&doc) {
            report.remove_doc("duplicate_documents", "duplicate document".into(), &doc);
            return None;
        }
        if !self.settings.lines {
            return Some(doc);
        }
        let kept = self.new_lines(&doc, report);
        if kept.len() == doc.lines().count() {
            return Some(doc);
        }
        if kept.is_empty() {
            report.remove_doc("documents_of_repeated_lines", "every line seen before".into(), &doc);
            return None;
        }
        let text = kept.join("\n");
        report.chars_removed += doc.chars().count().saturating_sub(text.chars().count());
        Some(text)
    }
}
