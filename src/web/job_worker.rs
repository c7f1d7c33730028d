//! Work that would freeze the page, or that needs the engine's crates, runs in a job worker, one
//! job per worker: single long calls into `tokenizers` that cannot yield (training a tokenizer,
//! counting a text's tokens, comparing tokenizers; the page's interface has no `tokenizers`),
//! taking a corpus from the Hub (downloads, and Parquet decoding), and cleaning it. Cancelling
//! ends the worker.

use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedSender};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::browser::WebError;
use super::worker;
use crate::data::Corpus;
use crate::data::clean::{CleanSettings, CleanedCorpus};
use crate::data::take::Progress;
use crate::session::protocol::{ComparisonRequest, Job, JobMessage, JobOutput, JobProgress, TakeRequest};
use crate::tokenize::{Comparison, Recipe, Tokenizer};

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
    #[error("cancelled")]
    Cancelled,
}

/// Runs in the worker: answers one job, with progress messages while it works.
#[cfg(feature = "engine")]
pub fn serve_jobs() {
    use super::fetch::BrowserFetch;
    use crate::session::run_job;
    use wasm_bindgen_futures::spawn_local;
    use web_sys::DedicatedWorkerGlobalScope;

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let job = worker::decode::<Job>(&event.data());
        let reply_to = reply_to.clone();
        spawn_local(async move {
            let reply = match job {
                Ok(job) => {
                    let fetch = BrowserFetch::new(None).await;
                    let mut report = |progress| drop(worker::post(&reply_to, JobMessage::Progress(progress)));
                    run_job(job, &fetch, &mut report).await
                }
                Err(e) => Err(e.to_string()),
            };
            let _ = worker::post(&reply_to, JobMessage::Reply(reply));
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives for this one job
    let _ = scope.post_message(&worker::READY.into());
}

/// A job running in its worker; `cancel` ends it at once.
#[derive(Clone)]
pub struct JobHandle {
    worker: Worker,
    inbox: UnboundedSender<Result<JobMessage, JobError>>,
}

impl JobHandle {
    pub fn cancel(&self) {
        self.worker.terminate();
        let _ = self.inbox.unbounded_send(Err(JobError::Cancelled));
    }
}

/// Runs `job` in a new worker, passing its progress to `on_progress`. `started` gets the handle
/// that cancels it.
pub async fn run(
    job: Job,
    started: impl FnOnce(JobHandle),
    mut on_progress: impl FnMut(JobProgress),
) -> Result<JobOutput, JobError> {
    let worker = worker::start("job_worker")?;
    let (inbox, mut messages) = mpsc::unbounded();
    listen(&worker, job, inbox.clone());
    started(JobHandle { worker: worker.clone(), inbox });
    let outcome = loop {
        match messages.next().await {
            Some(Ok(JobMessage::Progress(progress))) => on_progress(progress),
            Some(Ok(JobMessage::Reply(reply))) => break reply.map_err(JobError::Failed),
            Some(Err(error)) => break Err(error),
            None => break Err(JobError::Cancelled),
        }
    };
    worker.terminate();
    outcome
}

/// Sends `job` once the worker has loaded, and what it posts back, or its death, to `inbox`.
fn listen(worker: &Worker, job: Job, inbox: UnboundedSender<Result<JobMessage, JobError>>) {
    let target = worker.clone();
    let sender = inbox.clone();
    let mut job = Some(job);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let message = if worker::is_ready(&data) {
            match job.take().map(|job| worker::post(&target, job)) {
                Some(Err(error)) => Err(error.into()),
                _ => return,
            }
        } else {
            worker::decode::<JobMessage>(&data).map_err(|e| JobError::Unreadable(e.to_string()))
        };
        let _ = sender.unbounded_send(message);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the worker: a few hundred bytes per job
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let _ = inbox.unbounded_send(Err(JobError::Failed(worker::error_message(&event))));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

/// Makes the tokenizer of `recipe`, trained on `text`, in a worker; the page stays responsive
/// meanwhile.
pub async fn train_tokenizer(
    text: &str,
    recipe: Recipe,
    started: impl FnOnce(JobHandle),
) -> Result<Tokenizer, JobError> {
    match run(Job::TrainTokenizer { text: text.to_string(), recipe }, started, |_| {}).await? {
        JobOutput::Tokenizer(tokenizer) => Ok(tokenizer),
        _ => Err(answer_to_another_job()),
    }
}

/// How many tokens `tokenizer` makes of `text`, counted in a worker.
pub async fn count_tokens(tokenizer: &Tokenizer, text: &str) -> Result<usize, JobError> {
    let job = Job::CountTokens { text: text.to_string(), tokenizer: tokenizer.clone() };
    match run(job, |_| {}, |_| {}).await? {
        JobOutput::TokenCount(count) => Ok(count),
        _ => Err(answer_to_another_job()),
    }
}

/// A corpus taken from a Hub dataset in a worker: its downloads and Parquet decoding never hold
/// up the page.
pub async fn take_corpus(
    request: TakeRequest,
    started: impl FnOnce(JobHandle),
    mut on_progress: impl FnMut(Progress),
) -> Result<Corpus, JobError> {
    let on_progress = |progress| {
        if let JobProgress::Download(progress) = progress {
            on_progress(progress)
        }
    };
    match run(Job::TakeCorpus(Box::new(request)), started, on_progress).await? {
        JobOutput::Corpus(corpus) => Ok(*corpus),
        _ => Err(answer_to_another_job()),
    }
}

/// Tokenizers made and compared in a worker, with the share done and what it is doing.
pub async fn compare_tokenizers(
    request: ComparisonRequest,
    started: impl FnOnce(JobHandle),
    on_progress: impl FnMut(f64, String),
) -> Result<Vec<Comparison>, JobError> {
    match run(Job::CompareTokenizers(Box::new(request)), started, working(on_progress)).await? {
        JobOutput::Comparisons(comparisons) => Ok(comparisons),
        _ => Err(answer_to_another_job()),
    }
}

/// `corpus` cleaned in a worker by `settings`, with the share done and what it is doing.
pub async fn clean_corpus(
    corpus: Corpus,
    settings: CleanSettings,
    started: impl FnOnce(JobHandle),
    on_progress: impl FnMut(f64, String),
) -> Result<CleanedCorpus, JobError> {
    let job = Job::Clean { corpus: Box::new(corpus), settings: Box::new(settings) };
    match run(job, started, working(on_progress)).await? {
        JobOutput::Cleaned(cleaned) => Ok(*cleaned),
        _ => Err(answer_to_another_job()),
    }
}

/// Passes a long job's share done and what it is doing to `on_progress`.
fn working(mut on_progress: impl FnMut(f64, String)) -> impl FnMut(JobProgress) {
    move |progress| {
        if let JobProgress::Working { done, doing } = progress {
            on_progress(done, doing)
        }
    }
}

/// A reply of another kind than the job asks for.
fn answer_to_another_job() -> JobError {
    JobError::Unreadable("an answer to another job".into())
}
