//! The job workers' jobs: the work a page runs off its thread, one job per worker.

use super::protocol::{Job, JobOutput, JobReply, TakeRequest};
use crate::data::fetch::Fetch;
use crate::data::take::{self, Progress};
use crate::tokenize::Tokenizer;

/// Carries out one of the job worker's jobs: `fetch` serves a take's downloads, `progress` hears
/// how it goes.
pub async fn run_job(job: Job, fetch: &impl Fetch, progress: &mut dyn FnMut(Progress)) -> JobReply {
    let done = match job {
        Job::TrainBpe { text, vocab_size } => {
            Tokenizer::train_bpe(&text, vocab_size).map(JobOutput::Tokenizer)
        }
        Job::CountTokens { text, tokenizer } => {
            tokenizer.encode(&text).map(|ids| JobOutput::TokenCount(ids.len()))
        }
        Job::TakeCorpus(request) => {
            let TakeRequest { endpoints, source, validation_split, amount } = *request;
            let taken =
                take::corpus(fetch, &endpoints, &source, validation_split.as_deref(), amount, progress);
            return taken.await.map(JobOutput::Corpus).map_err(|e| e.to_string());
        }
    };
    done.map_err(|e| e.to_string())
}
