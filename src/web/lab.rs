//! The page and the worker that trains talk in these messages: serde JSON in a `json` field, and
//! a checkpoint's bytes in a `bytes` field when one travels with it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::worker;
use crate::checkpoint::History;
use crate::data::Corpus;
use crate::model::GptConfig;
use crate::tokenize::Tokenizer;
use crate::train::TrainConfig;

/// What the page asks of the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    /// Choose the device: `auto`, `webgpu` or `cpu`. The first message.
    Init {
        backend: String,
    },
    Train(Box<RunSpec>),
    /// Continue the autosaved run.
    ResumeSaved,
    Pause,
    Continue,
    Stop,
    Generate {
        prompt: String,
        settings: SampleSettings,
    },
    NextTokens {
        prompt: String,
    },
    /// A checkpoint file, its bytes beside the message.
    Load {
        file_name: String,
    },
    /// A GPT-2 in the Hub's layout: its `model.safetensors` beside the message.
    ImportGpt2 {
        model_id: String,
        config_json: String,
        tokenizer_json: String,
    },
    /// The current model in the Hub's GPT-2 layout, as a zip.
    ExportGpt2,
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

/// The device the worker chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub label: String,
    /// Why the CPU was chosen, or why the requested WebGPU could not be used.
    pub note: Option<String>,
    /// The largest buffer the GPU allows (`maxStorageBufferBindingSize`); `None` on the CPU.
    pub max_buffer_bytes: Option<u64>,
    /// Kernel choices autotune kept from earlier visits (see `backend::open_kernel_cache`);
    /// `None` on the CPU.
    pub remembered_kernels: Option<u64>,
}

/// What the worker tells the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    Ready(DeviceInfo),
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
    /// The finished run's checkpoint, its bytes beside the message.
    Checkpoint {
        file_name: String,
    },
    /// A loaded checkpoint, described, with its sizes and tokenizer for the page's settings.
    Loaded {
        description: String,
        model: GptConfig,
        tokenizer: Tokenizer,
    },
    /// A file to save: the Hugging Face export. Its bytes travel beside the message.
    Export {
        file_name: String,
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
    Error {
        message: String,
    },
}

/// A message as it crosses to the other side.
pub fn encode<T: Serialize>(message: &T, bytes: Option<&[u8]>) -> JsValue {
    let object = Object::new();
    let json = serde_json::to_string(message).expect("messages serialise");
    let _ = Reflect::set(&object, &"json".into(), &json.into());
    if let Some(bytes) = bytes {
        let _ = Reflect::set(&object, &"bytes".into(), &Uint8Array::from(bytes));
    }
    object.into()
}

pub fn decode<T: DeserializeOwned>(data: &JsValue) -> Option<(T, Option<Vec<u8>>)> {
    let json = Reflect::get(data, &"json".into()).ok()?.as_string()?;
    let bytes = Reflect::get(data, &"bytes".into()).ok().filter(|b| !b.is_undefined());
    Some((serde_json::from_str(&json).ok()?, bytes.map(|b| Uint8Array::new(&b).to_vec())))
}

/// The page's end: starts the worker and passes messages both ways. Commands sent before the
/// worker has loaded wait for it. A worker that dies (a panic, a lost GPU) is reported, the run
/// marked failed, and a new worker started, from which the run resumes at its last autosave.
pub struct Lab {
    inner: Rc<Inner>,
}

type OnEvent = Box<dyn FnMut(Event, Option<Vec<u8>>)>;

struct Inner {
    worker: RefCell<Option<Worker>>,
    /// Messages held until the worker says it is ready; `None` once it has.
    waiting: RefCell<Option<Vec<JsValue>>>,
    on_event: RefCell<OnEvent>,
    /// The first message of every worker.
    init: Command,
    restarts: Cell<u32>,
}

/// A worker that dies this often is not started again.
const MAX_RESTARTS: u32 = 3;

impl Lab {
    pub fn start(
        init: Command,
        on_event: impl FnMut(Event, Option<Vec<u8>>) + 'static,
    ) -> Result<Lab, String> {
        let inner = Rc::new(Inner {
            worker: RefCell::new(None),
            waiting: RefCell::new(None),
            on_event: RefCell::new(Box::new(on_event)),
            init,
            restarts: Cell::new(0),
        });
        connect(&inner)?;
        Ok(Lab { inner })
    }

    pub fn send(&self, command: &Command, bytes: Option<&[u8]>) {
        self.inner.send(encode(command, bytes));
    }
}

impl Inner {
    fn send(&self, message: JsValue) {
        if let Some(queue) = self.waiting.borrow_mut().as_mut() {
            queue.push(message);
        } else if let Some(worker) = self.worker.borrow().as_ref() {
            let _ = worker.post_message(&message);
        }
    }

    fn emit(&self, event: Event) {
        (self.on_event.borrow_mut())(event, None);
    }
}

/// Starts a worker for `inner` and sends it the init command.
fn connect(inner: &Rc<Inner>) -> Result<(), String> {
    let worker = worker::start("training_worker")?;
    *inner.waiting.borrow_mut() = Some(vec![encode(&inner.init, None)]);
    let this = Rc::downgrade(inner);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(inner) = this.upgrade() else { return };
        let data = event.data();
        if data.as_string().as_deref() == Some("ready") {
            let waiting = inner.waiting.borrow_mut().take().unwrap_or_default();
            waiting.into_iter().for_each(|message| inner.send(message));
        } else if let Some((event, bytes)) = decode(&data) {
            (inner.on_event.borrow_mut())(event, bytes);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the worker
    let this = Rc::downgrade(inner);
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
        let Some(inner) = this.upgrade() else { return };
        let reason =
            Reflect::get(&error, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        if let Some(dead) = inner.worker.borrow_mut().take() {
            dead.terminate();
        }
        let restarts = inner.restarts.get() + 1;
        inner.restarts.set(restarts);
        let restarted = restarts <= MAX_RESTARTS && connect(&inner).is_ok();
        let next = if restarted {
            "It was started again: resume the run from its last autosave."
        } else {
            "Reload the page to resume the run from its last autosave."
        };
        inner.emit(Event::Error { message: format!("the training worker stopped ({reason}). {next}") });
        inner.emit(Event::Phase(Phase::Failed));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    *inner.worker.borrow_mut() = Some(worker);
    Ok(())
}
