//! Every message between the page and its workers: the training session's commands and events,
//! and the job worker's jobs. Each crosses as JSON, with the bytes a message carries (a
//! checkpoint, an export) moved out of it into a buffer of their own: JSON would spell every
//! byte as a number.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::history::RunRecord;
use crate::checkpoint::History;
use crate::data::Corpus;
use crate::data::arithmetic::Accuracy;
use crate::data::clean::{CleanSettings, CleanedCorpus};
use crate::data::hub::Endpoints;
use crate::data::take::{Amount, Progress, Source};
use crate::model::GptConfig;
use crate::sample::NextWord;
use crate::tokenize::{Comparison, Piece, Recipe, Tokenizer};
use crate::train::{LrCurve, MeasuredSpeed, TrainConfig};

/// Which device to train on, as the user (or `?backend=`) asked. Every run's first steps are
/// the CPU's, which is ready at once, while the GPU prepares its kernels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// The GPU takes over once it is ready if it is measured faster for the run's model.
    #[default]
    Auto,
    /// The GPU takes over as soon as it is ready.
    WebGpu,
    /// The GPU is never used.
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu];

    pub fn from_param(value: Option<&str>) -> Self {
        Self::ALL.into_iter().find(|c| Some(c.param()) == value).unwrap_or_default()
    }

    pub fn param(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }
}

/// What the page asks of the training session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    /// Choose the device. The first message.
    Init {
        backend: BackendChoice,
    },
    Train(Box<RunSpec>),
    /// Continue the autosaved run.
    ResumeSaved,
    Pause,
    Continue,
    /// End the run early: it still samples "after" and saves.
    Stop,
    /// Streams a continuation of `prompt`, a token at a time between other work.
    Generate {
        prompt: String,
        settings: SampleSettings,
    },
    /// Ends the generation under way, keeping the text so far.
    StopGenerating,
    NextTokens {
        prompt: String,
    },
    /// The current model's attention over `prompt`'s tokens (and the run's model before its
    /// first step, where the session kept it), with the per-token losses of a validation line.
    Attention {
        prompt: String,
    },
    /// A checkpoint file the user picked or a link brought.
    Load {
        file_name: String,
        #[serde(skip)]
        bytes: Vec<u8>,
    },
    /// A GPT-2 in the Hub's layout.
    ImportGpt2 {
        model_id: String,
        config_json: String,
        tokenizer_json: String,
        #[serde(skip)]
        model_safetensors: Vec<u8>,
    },
    /// The current model in the Hub's layout of its family (GPT-2 or Llama), as a zip.
    ExportHf,
    /// The learning-rate range test for the run the spec would start, on a copy of its model
    /// (a loaded model to fine-tune stays as it was). Not while a run is under way.
    FindLearningRate(Box<RunSpec>),
    /// Ends the range test under way, with the curve so far.
    StopFindingLearningRate,
    /// Times a few steps of the run the spec would start, for the time planner.
    MeasureSpeed(Box<RunSpec>),
    /// The tokenizer the page's token view splits text with (a run uses its spec's own). The
    /// page's interface has no `tokenizers` (see `tokenize`), so a Hugging Face tokenizer's
    /// tokens come from here; sent once per tokenizer, not with every text. `number` is the
    /// page's count of tokenizers shown, which the answers carry: an answer still on its way
    /// when the tokenizer changes is the old one's, and the page tells it by its number.
    ShowTokenizer {
        tokenizer: Tokenizer,
        number: u32,
    },
    /// Splits `text` with the token view's tokenizer; `Event::Tokens` answers.
    SplitTokens {
        text: String,
    },
}

impl Command {
    /// Whether carrying it out reads or shows the run (its model, losses or state), so the
    /// steps taken so far must be counted first. The token view's commands do not.
    pub fn reads_the_run(&self) -> bool {
        !matches!(self, Command::ShowTokenizer { .. } | Command::SplitTokens { .. })
    }
}

/// Everything a new run needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    pub model: GptConfig,
    pub train: TrainConfig,
    pub tokenizer: Tokenizer,
    pub corpus: Corpus,
    /// Train the loaded model further (fine-tune) instead of a fresh one; its own sizes and
    /// tokenizer then replace `model` and `tokenizer`.
    pub fine_tune: bool,
}

/// The sampling tool's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleSettings {
    pub temperature: f32,
    pub top_k: Option<usize>,
    pub top_p: Option<f32>,
    pub max_tokens: usize,
    pub seed: u64,
}

impl Default for SampleSettings {
    fn default() -> Self {
        Self { temperature: 0.8, top_k: Some(40), top_p: Some(0.95), max_tokens: 80, seed: 7 }
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Idle,
    SamplingBefore,
    Training,
    Paused,
    SamplingAfter,
    Saving,
    Done,
    Stopped,
    Failed,
}

impl Phase {
    /// A run is under way (paused counts): settings are locked.
    pub fn busy(self) -> bool {
        !matches!(self, Phase::Idle | Phase::Done | Phase::Stopped | Phase::Failed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub prompt: String,
    pub text: String,
}

/// A text as the token view's tokenizer splits it, or why it could not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitText {
    pub text: String,
    pub pieces: Result<Vec<Piece>, String>,
    /// The `number` of the tokenizer that split it (0: bytes, before any was shown).
    pub tokenizer_number: u32,
}

/// The answer to `Command::Attention`: plain numbers the page draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionView {
    pub prompt: String,
    /// The prompt's tokens as text, one each (its last ones where it is long).
    pub tokens: Vec<String>,
    /// The model as it is now.
    pub now: AttentionMaps,
    /// The run's model before its first step, on the same tokens; `None` for a loaded model
    /// and a resumed run, whose untrained model is not known.
    pub before: Option<AttentionMaps>,
    /// The first line of the run's validation text, token by token; `None` without a run.
    pub line: Option<LineLosses>,
}

/// Every layer's and head's attention weights over `seq` tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionMaps {
    pub n_layer: usize,
    pub n_head: usize,
    pub seq: usize,
    /// `[n_layer, n_head, seq, seq]`, flat: row `i` is where token `i` looks (sums to 1,
    /// zero past `i`).
    pub weights: Vec<f32>,
}

impl AttentionMaps {
    /// Token `row`'s weights over the tokens, in one layer's head: `seq` floats.
    pub fn row(&self, layer: usize, head: usize, row: usize) -> &[f32] {
        let start = ((layer * self.n_head + head) * self.seq + row) * self.seq;
        &self.weights[start..start + self.seq]
    }
}

/// A line's tokens, each after the first with the cross-entropy of predicting it from the ones
/// before (nats): high where the model finds the token hard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineLosses {
    pub first: String,
    pub tokens: Vec<(String, f32)>,
}

/// A device the session trains on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub label: String,
    /// Why the steps run here: the choice, a measurement, a hand-over or a lost GPU.
    pub note: Option<String>,
    /// The largest buffer the GPU allows (`maxStorageBufferBindingSize`); `None` on the CPU.
    pub max_buffer_bytes: Option<u64>,
}

/// The GPU as the page shows it: the adapter, when there is one, and what it is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuReport {
    pub adapter: Option<DeviceInfo>,
    pub status: GpuStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GpuStatus {
    /// No GPU to use, and why.
    Off { reason: String },
    /// Opened; its kernels are prepared when a run starts.
    Idle,
    /// Compiling a run's kernels: `done` of `total` warm-up steps.
    Preparing { done: usize, total: usize },
    /// Its kernels are ready: the session times steps on the CPU and then on the GPU.
    Measuring,
    /// Ready for the run's model and measured, but the steps stay on the CPU: why.
    Ready { reason: String },
    /// The steps run on it.
    InUse,
    /// It stopped answering; the run went back to the CPU.
    Lost { reason: String },
}

impl Default for GpuStatus {
    fn default() -> Self {
        GpuStatus::Off { reason: "not looked for yet".into() }
    }
}

impl GpuStatus {
    /// The status in words, as the page shows it.
    pub fn describe(&self) -> String {
        match self {
            GpuStatus::Off { reason } => format!("not used: {reason}"),
            GpuStatus::Idle => "ready to prepare its kernels when training starts".into(),
            GpuStatus::Preparing { done, total } => {
                format!("preparing kernels, warm-up step {done} of {total}")
            }
            GpuStatus::Measuring => "kernels ready; timing steps on the CPU and on the GPU".into(),
            GpuStatus::Ready { reason } => format!("ready, not in use: {reason}"),
            GpuStatus::InUse => "in use".into(),
            GpuStatus::Lost { reason } => format!("lost ({reason}); training went back to the CPU"),
        }
    }
}

/// What the session tells the page.
///
/// A run posts, in this order: `Started`, `Phase(SamplingBefore)`, `Samples { after: false }`,
/// (on the built-in arithmetic) `Accuracy { after: false }`, `Phase(Training)`; then while it
/// trains `Progress`, and at each evaluation `Progress`, `Validation` and (but for the last
/// step's) `Autosaved`; at its end `Phase(SamplingAfter)`, `Samples { after: true }`,
/// (`Accuracy { after: true }`), `Phase(Saving)`, `Checkpoint`, `Autosaved` and `Phase(Done)` (or
/// `Phase(Stopped)`). Pause posts `Phase(Paused)` and `Autosaved`; a run that fails posts
/// `Error` and `Phase(Failed)`; a command that fails, `Error` alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// The device the steps run on: the CPU from the start, the GPU once it takes over.
    Device(DeviceInfo),
    /// What the GPU is doing, beside the steps.
    Gpu(GpuReport),
    /// A run began, or resumed at `step` with its chart so far.
    Started {
        step: usize,
        max_steps: usize,
        history: History,
    },
    Phase(Phase),
    Samples {
        after: bool,
        samples: Vec<Sample>,
    },
    /// Exact answers to the arithmetic problems held out of training, before or after it.
    Accuracy {
        after: bool,
        accuracy: Accuracy,
    },
    /// The training losses since the last progress, and where the run stands.
    Progress {
        step: usize,
        losses: Vec<(usize, f32)>,
        learning_rate: f64,
        grad_norm: f32,
        tokens_per_second: f64,
        seconds_left: f64,
    },
    Validation {
        step: usize,
        loss: f32,
    },
    Autosaved {
        step: usize,
    },
    /// A checkpoint to offer for download: the finished run's, or a loaded model's.
    Checkpoint {
        file_name: String,
        #[serde(skip)]
        bytes: Vec<u8>,
    },
    /// A loaded checkpoint, described, with its sizes and tokenizer for the page's settings.
    Loaded {
        description: String,
        model: GptConfig,
        tokenizer: Tokenizer,
    },
    /// A file to save: the Hugging Face export.
    Export {
        file_name: String,
        #[serde(skip)]
        bytes: Vec<u8>,
    },
    /// The sampling tool's text so far.
    Generation {
        text: String,
        done: bool,
    },
    /// The most likely next tokens after `prompt`, with their probabilities.
    Candidates {
        prompt: String,
        candidates: Vec<(String, f32)>,
    },
    /// The most likely next words after `prompt`, following `Candidates`.
    Words {
        prompt: String,
        words: Vec<NextWord>,
    },
    /// Where each token of a prompt looks, in every layer and head, and which tokens of a
    /// validation line the model finds hard.
    Attention(Box<AttentionView>),
    /// The learning-rate range test's curve so far; once `done`, its suggestion too (`None`
    /// where the loss never fell).
    LearningRates {
        curve: LrCurve,
        suggestion: Option<f64>,
        done: bool,
    },
    /// A training speed measured for the time planner.
    Speed(MeasuredSpeed),
    /// A run has ended (done or stopped): its record, for the page's list of runs.
    RunEnded(Box<RunRecord>),
    /// The answer to `Command::SplitTokens`.
    Tokens(SplitText),
    Error {
        message: String,
    },
}

/// Work for a job worker, one job per worker, kept off the page's thread: single long calls that
/// cannot yield, a corpus taken from the Hub (downloaded and decoded there), and a corpus's two
/// texts cleaned (`data::clean::clean_corpus`). Cancelling a job ends its worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Job {
    TrainTokenizer { text: String, recipe: Recipe },
    CountTokens { text: String, tokenizer: Tokenizer },
    TakeCorpus(Box<TakeRequest>),
    CompareTokenizers(Box<ComparisonRequest>),
    Clean { corpus: Box<Corpus>, settings: Box<CleanSettings> },
}

/// Tokenizers to make from a training text and compare on it (see `tokenize::compare_recipes`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparisonRequest {
    pub recipes: Vec<Recipe>,
    pub text: String,
    /// The sentence each splits for the table.
    pub sample: String,
    /// The model's width, for what each vocabulary costs in embeddings.
    pub n_embd: usize,
}

/// A corpus to take from a Hub dataset (see `data::take::corpus`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TakeRequest {
    pub endpoints: Endpoints,
    pub source: Source,
    pub validation_split: Option<String>,
    pub amount: Amount,
}

/// What a job gave back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JobOutput {
    Tokenizer(Tokenizer),
    TokenCount(usize),
    Corpus(Box<Corpus>),
    /// One per recipe, in the request's order.
    Comparisons(Vec<Comparison>),
    Cleaned(Box<CleanedCorpus>),
}

/// A job's answer: its output, or why it failed.
pub type JobReply = Result<JobOutput, String>;

/// What a job worker posts: progress while it works, then its reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JobMessage {
    Progress(JobProgress),
    Reply(JobReply),
}

/// How a job is going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JobProgress {
    /// A take's downloads: bytes and rows.
    Download(Progress),
    /// Any other long job: the share done, from 0 to 1, and what it is doing now.
    Working { done: f64, doing: String },
}

/// A message as it crosses: its JSON, and the bytes moved out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    pub json: String,
    pub bytes: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WireError {
    #[error("a message could not be read: {0}")]
    Unreadable(String),
    #[error("a message that carries bytes came without them")]
    MissingBytes,
    #[error("a message that carries no bytes came with some")]
    UnexpectedBytes,
}

/// A message that may carry bytes.
pub trait Message: Serialize + DeserializeOwned {
    /// The variant's bytes, for those that carry some.
    fn bytes_mut(&mut self) -> Option<&mut Vec<u8>> {
        None
    }

    fn to_wire(mut self) -> Wire {
        let bytes = self.bytes_mut().map(std::mem::take);
        Wire { json: serde_json::to_string(&self).expect("messages serialise to JSON"), bytes }
    }

    fn from_wire(wire: Wire) -> Result<Self, WireError> {
        let mut message: Self =
            serde_json::from_str(&wire.json).map_err(|e| WireError::Unreadable(e.to_string()))?;
        match (message.bytes_mut(), wire.bytes) {
            (Some(slot), Some(bytes)) => *slot = bytes,
            (None, None) => {}
            (Some(_), None) => return Err(WireError::MissingBytes),
            (None, Some(_)) => return Err(WireError::UnexpectedBytes),
        }
        Ok(message)
    }
}

impl Message for Command {
    fn bytes_mut(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            Command::Load { bytes, .. } => Some(bytes),
            Command::ImportGpt2 { model_safetensors, .. } => Some(model_safetensors),
            _ => None,
        }
    }
}

impl Message for Event {
    fn bytes_mut(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            Event::Checkpoint { bytes, .. } | Event::Export { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

impl Message for Job {}

impl Message for JobMessage {}
