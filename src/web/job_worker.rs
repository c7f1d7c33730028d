//! Work that would freeze the page runs in a job worker, one job per worker: single long calls
//! into `tokenizers` that cannot yield (training a BPE, counting a large text's tokens).

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

use super::browser::{WebError, js_error};
use super::worker::{self, READY};
use crate::session::protocol::{Job, JobOutput, JobReply};
use crate::session::run_job;
use crate::tokenize::Tokenizer;

/// Why a job gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Browser(#[from] WebError),
    /// The job ran and failed, with its reason.
    #[error("{0}")]
    Failed(String),
    #[error("the worker's answer is unreadable: {0}")]
    Unreadable(String),
}

/// Runs in the worker: answers one job with its reply.
pub fn serve_jobs() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let reply: JobReply =
            worker::decode::<Job>(&event.data()).map_err(|e| e.to_string()).and_then(run_job);
        let _ = worker::post(&reply_to, reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives for this one job
    let _ = scope.post_message(&READY.into());
}

/// Trains a BPE on `text` in a worker; the page stays responsive meanwhile.
pub async fn train_bpe(text: &str, vocab_size: usize) -> Result<Tokenizer, JobError> {
    match run_in_worker(Job::TrainBpe { text: text.to_string(), vocab_size }).await? {
        JobOutput::Tokenizer(tokenizer) => Ok(tokenizer),
        other => Err(JobError::Unreadable(format!("{other:?}"))),
    }
}

/// How many tokens `tokenizer` makes of `text`, counted in a worker.
pub async fn count_tokens(tokenizer: &Tokenizer, text: &str) -> Result<usize, JobError> {
    let job = Job::CountTokens { text: text.to_string(), tokenizer: tokenizer.clone() };
    match run_in_worker(job).await? {
        JobOutput::TokenCount(count) => Ok(count),
        other => Err(JobError::Unreadable(format!("{other:?}"))),
    }
}

/// Starts a worker, sends it one job, and returns its answer.
async fn run_in_worker(job: Job) -> Result<JobOutput, JobError> {
    let worker = worker::start("job_worker")?;
    JsFuture::from(next_message(&worker)).await.map_err(js_error)?; // ready
    let answer = next_message(&worker);
    worker::post(&worker, job)?;
    let reply = JsFuture::from(answer).await.map_err(js_error);
    worker.terminate();
    let reply: JobReply = worker::decode(&reply?).map_err(|e| JobError::Unreadable(e.to_string()))?;
    reply.map_err(JobError::Failed)
}

/// Resolves with the worker's next message, or rejects with its error.
fn next_message(target: &Worker) -> Promise {
    let target = target.clone();
    Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |event: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        let on_error = Closure::once_into_js(move |event: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &worker::error_message(&event).into());
        });
        target.set_onmessage(Some(on_message.unchecked_ref()));
        target.set_onerror(Some(on_error.unchecked_ref()));
    })
}
