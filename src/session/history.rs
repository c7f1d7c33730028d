//! The runs a page has trained, kept without their weights so they can be compared later (and on
//! other machines): settings, curves, speed and samples. Plain data: the session writes a record
//! when a run ends, the page keeps the list in the browser's storage and draws the comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::protocol::Sample;
use crate::checkpoint::History;
use crate::format;
use crate::model::GptConfig;
use crate::tokenize::bits_per_byte;
use crate::train::TrainConfig;

/// Runs kept; a new one past these drops the oldest (the page says so).
pub const KEPT_RUNS: usize = 20;
/// Points kept of each curve: enough to draw it, small enough to keep twenty runs.
pub const CURVE_POINTS: usize = 400;
/// The largest run file the page imports.
pub const MAX_RUNS_FILE_BYTES: usize = 8 << 20;
/// Names the format of an exported runs file.
const FORMAT: &str = "gptlab-runs/1";

/// One finished (or stopped) run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's id (the autosave's), unique across machines.
    pub id: String,
    /// When it ended, in milliseconds since 1970 (the page stamps it).
    #[serde(default)]
    pub ended_at_ms: f64,
    pub model: GptConfig,
    pub train: TrainConfig,
    pub tokenizer: String,
    pub dataset: String,
    pub device: String,
    /// What else the run was trained with, by name (the data's cleaning steps).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    pub steps: usize,
    pub trained_seconds: f64,
    pub tokens_per_step: usize,
    /// The validation text's tokens and UTF-8 bytes: a loss per token becomes bits per byte.
    pub validation_tokens: usize,
    pub validation_bytes: usize,
    pub history: History,
    pub before: Vec<Sample>,
    pub after: Vec<Sample>,
}

/// What a comparison puts along the bottom.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum XAxis {
    #[default]
    Step,
    Tokens,
    Seconds,
}

/// What a comparison plots: the loss per token, or bits per byte, the one measure that is fair
/// across tokenizers (a token of a large vocabulary covers more text than a byte does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum YAxis {
    #[default]
    Loss,
    BitsPerByte,
}

impl XAxis {
    pub const ALL: [XAxis; 3] = [XAxis::Step, XAxis::Tokens, XAxis::Seconds];

    pub fn name(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Tokens => "tokens",
            XAxis::Seconds => "seconds",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.name() == name)
    }
}

impl YAxis {
    pub const ALL: [YAxis; 2] = [YAxis::Loss, YAxis::BitsPerByte];

    pub fn name(self) -> &'static str {
        match self {
            YAxis::Loss => "loss",
            YAxis::BitsPerByte => "bits-per-byte",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|y| y.name() == name)
    }
}

impl RunRecord {
    /// Its curves thinned to `CURVE_POINTS` each, to keep.
    pub fn thinned(mut self) -> Self {
        self.history.train = thin(&self.history.train, CURVE_POINTS);
        self.history.validation = thin(&self.history.validation, CURVE_POINTS);
        self
    }

    pub fn final_loss(&self) -> Option<f32> {
        self.history.train.last().map(|p| p.1)
    }

    pub fn final_validation_loss(&self) -> Option<f32> {
        self.history.validation.last().map(|p| p.1)
    }

    pub fn tokens_per_second(&self) -> f64 {
        (self.steps * self.tokens_per_step) as f64 / self.trained_seconds.max(1e-9)
    }

    /// A loss per token as bits per byte of this run's validation text.
    pub fn bits_per_byte(&self, loss: f32) -> f64 {
        bits_per_byte(loss as f64, self.validation_tokens, self.validation_bytes)
    }

    /// The training (or validation) curve as `(x, y)` points.
    pub fn curve(&self, x: XAxis, y: YAxis, validation: bool) -> Vec<(f64, f64)> {
        let seconds_per_step = self.trained_seconds / self.steps.max(1) as f64;
        let series = if validation { &self.history.validation } else { &self.history.train };
        let place = |&(step, loss): &(usize, f32)| {
            let x = match x {
                XAxis::Step => step as f64,
                XAxis::Tokens => (step * self.tokens_per_step) as f64,
                XAxis::Seconds => step as f64 * seconds_per_step,
            };
            let y = match y {
                YAxis::Loss => loss as f64,
                YAxis::BitsPerByte => self.bits_per_byte(loss),
            };
            (x, y)
        };
        series.iter().map(place).collect()
    }

    /// Every setting by name, as the comparison lists them.
    pub fn settings(&self) -> BTreeMap<String, String> {
        let mut settings = BTreeMap::new();
        flatten("model", &to_value(&self.model), &mut settings);
        flatten("training", &to_value(&self.train), &mut settings);
        settings.insert("tokenizer".into(), self.tokenizer.clone());
        settings.insert("data".into(), self.dataset.clone());
        settings.insert("device".into(), self.device.clone());
        settings.extend(self.extra.clone());
        settings
    }
}

/// One line of a comparison: a setting and each run's value of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRow {
    pub name: String,
    /// One per run, in the order compared; empty where a run has no such setting.
    pub values: Vec<String>,
    pub differs: bool,
}

/// The settings of `runs` side by side, those that differ marked.
pub fn compare_settings(runs: &[&RunRecord]) -> Vec<SettingRow> {
    let settings: Vec<_> = runs.iter().map(|r| r.settings()).collect();
    let mut names: Vec<&String> = settings.iter().flat_map(|s| s.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let values: Vec<String> =
                settings.iter().map(|s| s.get(name).cloned().unwrap_or_default()).collect();
            let differs = values.windows(2).any(|pair| pair[0] != pair[1]);
            SettingRow { name: name.clone(), values, differs }
        })
        .collect()
}

/// The kept runs, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Runs {
    pub runs: Vec<RunRecord>,
}

/// A runs file as exported: its format, then the runs.
#[derive(Serialize, Deserialize)]
struct RunsFile {
    format: String,
    runs: Vec<RunRecord>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunsFileError {
    #[error("the file is larger than a runs file can be ({0} bytes)")]
    TooLarge(usize),
    #[error("this is not a gptlab runs file: {0}")]
    Unreadable(String),
}

impl Runs {
    /// Keeps `record` (replacing an earlier record of the same run); returns how many old runs
    /// were dropped to stay within `KEPT_RUNS`.
    pub fn add(&mut self, record: RunRecord) -> usize {
        self.runs.retain(|r| r.id != record.id);
        self.runs.push(record.thinned());
        let dropped = self.runs.len().saturating_sub(KEPT_RUNS);
        self.runs.drain(..dropped);
        dropped
    }

    pub fn get(&self, id: &str) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The runs `ids` names, as a file to share (no weights: a few kilobytes a run).
    pub fn export(&self, ids: &[String]) -> String {
        let runs = self.runs.iter().filter(|r| ids.contains(&r.id)).cloned().collect();
        serde_json::to_string(&RunsFile { format: FORMAT.into(), runs }).expect("runs serialise")
    }

    /// Adds the runs of an exported file; returns how many were new and how many old ones
    /// were dropped. A run already kept is replaced by the file's.
    pub fn import(&mut self, bytes: &[u8]) -> Result<(usize, usize), RunsFileError> {
        if bytes.len() > MAX_RUNS_FILE_BYTES {
            return Err(RunsFileError::TooLarge(MAX_RUNS_FILE_BYTES));
        }
        let file: RunsFile =
            serde_json::from_slice(bytes).map_err(|e| RunsFileError::Unreadable(e.to_string()))?;
        if file.format != FORMAT {
            return Err(RunsFileError::Unreadable(format!(
                "its format is {:?}, not {FORMAT:?}",
                file.format
            )));
        }
        let new = file.runs.iter().filter(|r| self.get(&r.id).is_none()).count();
        let dropped = file.runs.into_iter().map(|r| self.add(r)).sum();
        Ok((new, dropped))
    }
}

/// At most `max` points of `series`, evenly spaced, always with the last.
fn thin(series: &[(usize, f32)], max: usize) -> Vec<(usize, f32)> {
    if series.len() <= max || max < 2 {
        return series.to_vec();
    }
    let stride = (series.len() - 1) as f64 / (max - 1) as f64;
    (0..max).map(|i| series[(i as f64 * stride).round() as usize]).collect()
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("settings serialise")
}

/// `{"a": {"b": 1}}` under `prefix` becomes `prefix.a.b = 1`.
fn flatten(prefix: &str, value: &Value, into: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                flatten(&format!("{prefix}.{name}"), field, into);
            }
        }
        Value::Null => {
            into.insert(prefix.into(), "–".into());
        }
        Value::String(text) => {
            into.insert(prefix.into(), text.clone());
        }
        // A widened f32 (0.009999999776) reads as the 0.01 it was set to.
        Value::Number(number) if number.is_f64() => {
            into.insert(prefix.into(), format::setting(number.as_f64().unwrap_or_default()));
        }
        other => {
            into.insert(prefix.into(), other.to_string());
        }
    }
}
