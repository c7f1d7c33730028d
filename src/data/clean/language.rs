//! Language filter: keeps the documents whose detected language is one of a chosen few, with at
//! least a minimum confidence. Detection is `whatlang` (trigram profiles of 69 languages).

use serde::{Deserialize, Serialize};
use whatlang::Lang;

use super::{Pass, StepReport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguageSettings {
    pub enabled: bool,
    /// ISO 639-3 codes of the languages kept ("eng", "deu", "fra", "spa", ...).
    pub keep: Vec<String>,
    /// whatlang's confidence, 0 to 1; below it a document is removed even in a kept language.
    pub min_confidence: f64,
}

impl Default for LanguageSettings {
    fn default() -> LanguageSettings {
        // FineWeb keeps English above 0.65 with fastText; whatlang's confidence runs lower on
        // short documents, so half is its usual "reliable" bar.
        LanguageSettings { enabled: false, keep: vec!["eng".into()], min_confidence: 0.5 }
    }
}

/// Detection reads at most this much of a document: a few paragraphs settle the language,
/// and the rest of a long page would only cost time.
const DETECT_BYTES: usize = 2048;

pub(super) struct Keep {
    keep: Vec<Lang>,
    min_confidence: f64,
}

impl Keep {
    pub(super) fn new(settings: &LanguageSettings) -> Keep {
        let keep = settings.keep.iter().filter_map(|code| Lang::from_code(code.trim())).collect();
        Keep { keep, min_confidence: settings.min_confidence }
    }

    /// Why `doc` goes, with the kind `counts` tallies it under, or `None` when it stays.
    fn rejection(&self, doc: &str) -> Option<(String, String)> {
        let Some(info) = whatlang::detect(&doc[..doc.floor_char_boundary(DETECT_BYTES)]) else {
            return Some(("unknown".into(), "language: not detected".into()));
        };
        let code = info.lang().code();
        let confidence = info.confidence();
        if !self.keep.contains(&info.lang()) {
            return Some((code.into(), format!("language: {code} is not kept")));
        }
        (confidence < self.min_confidence).then(|| {
            let reason = format!("language: {code} at confidence {confidence:.2} < {}", self.min_confidence);
            ("low_confidence".into(), reason)
        })
    }
}

impl Pass for Keep {
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String> {
        match self.rejection(&doc) {
            Some((kind, reason)) => {
                report.remove_doc(&kind, reason, &doc);
                None
            }
            None => Some(doc),
        }
    }
}
