//! The job workers' jobs: the work a page runs off its thread, one job per worker.

use std::ops::ControlFlow;

use super::protocol::{ComparisonRequest, Job, JobOutput, JobProgress, JobReply, TakeRequest};
use crate::data::clean::{Progress, Split, clean_corpus};
use crate::data::fetch::Fetch;
use crate::data::take;
use crate::tokenize::compare_recipes;

/// Carries out one of the job worker's jobs: `fetch` serves a take's downloads, `progress` hears
/// how it goes.
pub async fn run_job(job: Job, fetch: &impl Fetch, progress: &mut dyn FnMut(JobProgress)) -> JobReply {
    let done = match job {
        Job::TrainTokenizer { text, recipe } => recipe.make(&text).map(JobOutput::Tokenizer),
        Job::CountTokens { text, tokenizer } => {
            tokenizer.encode(&text).map(|ids| JobOutput::TokenCount(ids.len()))
        }
        Job::TakeCorpus(request) => {
            let TakeRequest { endpoints, source, validation_split, amount } = *request;
            let mut report = |p| progress(JobProgress::Download(p));
            let taken =
                take::corpus(fetch, &endpoints, &source, validation_split.as_deref(), amount, &mut report);
            return taken.await.map(|c| JobOutput::Corpus(Box::new(c))).map_err(|e| e.to_string());
        }
        Job::CompareTokenizers(request) => {
            let ComparisonRequest { recipes, text, sample, n_embd } = *request;
            // The page stops a job by ending its worker, so the job itself runs to the end.
            let report = |done, doing: &str| {
                progress(JobProgress::Working { done, doing: doing.into() });
                ControlFlow::Continue(())
            };
            compare_recipes(&recipes, &text, &sample, n_embd, report)
                .map(|finished| JobOutput::Comparisons(finished.continue_value().unwrap_or_default()))
        }
        Job::Clean { corpus, settings } => {
            let (train, validation) = (corpus.train.len() as f64, corpus.validation.len() as f64);
            let train_share = train / (train + validation).max(1.0);
            let report = |split, at| {
                let done = clean_share(train_share, split, at);
                progress(JobProgress::Working { done, doing: cleaning(split, at) });
                ControlFlow::Continue(())
            };
            let cleaned = clean_corpus(&corpus, &settings, report);
            return cleaned.map(|c| JobOutput::Cleaned(Box::new(c))).map_err(|e| e.to_string());
        }
    };
    done.map_err(|e| e.to_string())
}

/// The share of a corpus's cleaning done: each text its share of the bytes (`train_share` the
/// training text's), each step an equal part of its text.
fn clean_share(train_share: f64, split: Split, at: Progress) -> f64 {
    let within_step = at.docs_done as f64 / at.docs_total.max(1) as f64;
    let within_text = (at.step_number as f64 - 1.0 + within_step) / at.steps.max(1) as f64;
    match split {
        Split::Train => train_share * within_text,
        Split::Validation => train_share + (1.0 - train_share) * within_text,
    }
}

/// What cleaning is doing now: "training text, dedup (2 of 3): 1024 of 5000 documents".
fn cleaning(split: Split, at: Progress) -> String {
    let text = match split {
        Split::Train => "training text",
        Split::Validation => "validation text",
    };
    let step = at.step.name();
    format!(
        "{text}, {step} ({} of {}): {} of {} documents",
        at.step_number, at.steps, at.docs_done, at.docs_total
    )
}
