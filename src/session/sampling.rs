//! What the session draws from a model: the fixed prompts before and after training, the
//! exact answers to held-out arithmetic, the sampling tool's streamed text, and the next-token
//! and next-word bars.

use super::effects::Effects;
use super::protocol::{Event, Sample, SampleSettings};
use super::{Session, SessionError};
use crate::data::Prompts;
use crate::data::arithmetic::{self, Accuracy, Problem};
use crate::model::Gpt;
use crate::sample::{Generator, SampleConfig, WordSearch, generate, next_token_logits, next_words, softmax};
use crate::tokenize::Tokenizer;

/// Next-token candidates shown.
const CANDIDATES: usize = 8;

/// The sampling tool's text under way.
pub(super) struct Generation {
    generator: Generator,
    tokenizer: Tokenizer,
    tokens: Vec<u32>,
}

impl Generation {
    fn text(&self) -> String {
        self.tokenizer.decode(&self.tokens)
    }
}

impl Session {
    /// The run's prompts (the loaded model's are sampled when it loads), with fixed settings so
    /// before, after and loaded compare.
    pub(super) async fn sample_prompts(&self) -> Result<Vec<Sample>, SessionError> {
        let (model, info) = self.current_model()?;
        let prompts = self.run.as_ref().map_or_else(default_prompts, |run| run.corpus.prompts.clone());
        sample_prompts(&model, &info.tokenizer, &prompts).await
    }

    /// Starts the sampling tool's continuation of `prompt`: `step` draws it a token at a time,
    /// one `Generation` event each, so other commands (a stop among them) come in between.
    pub(super) fn generate(&mut self, prompt: &str, settings: SampleSettings) -> Result<(), SessionError> {
        let (model, info) = self.current_model()?;
        let config = SampleConfig {
            max_new_tokens: settings.max_tokens,
            temperature: settings.temperature,
            top_k: settings.top_k,
            top_p: settings.top_p,
            seed: settings.seed,
            stop_token: None,
        };
        let generator = Generator::new(&model, &info.tokenizer.encode(prompt)?, config)?;
        self.generation = Some(Generation { generator, tokenizer: info.tokenizer, tokens: Vec::new() });
        Ok(())
    }

    /// Draws the next token of the generation under way, and ends it after the last.
    pub(super) async fn generate_next(&mut self, fx: &mut impl Effects) {
        let Some(generation) = &mut self.generation else { return };
        match generation.generator.next_token().await {
            Ok(Some(token)) => {
                generation.tokens.push(token);
                fx.post(Event::Generation { text: generation.text(), done: false });
            }
            Ok(None) => self.stop_generating(fx),
            Err(error) => {
                self.generation = None;
                fx.post(Event::Error { message: SessionError::from(error).to_string() });
                fx.post(Event::Generation { text: String::new(), done: true });
            }
        }
    }

    /// Ends the generation under way, keeping its text.
    pub(super) fn stop_generating(&mut self, fx: &mut impl Effects) {
        if let Some(generation) = self.generation.take() {
            fx.post(Event::Generation { text: generation.text(), done: true });
        }
    }

    /// The most likely next tokens after `prompt`, with their probabilities; then the most
    /// likely next words, found by following those tokens to the end of a word.
    pub(super) async fn next_tokens(
        &mut self,
        prompt: String,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let (model, info) = self.current_model()?;
        let tokenizer = &info.tokenizer;
        let ids = tokenizer.encode(&prompt)?;
        let first = softmax(&next_token_logits(&model, &ids).await?);
        let mut ranked: Vec<(usize, f32)> = first.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let candidates =
            ranked.into_iter().take(CANDIDATES).map(|(id, p)| (tokenizer.decode(&[id as u32]), p)).collect();
        fx.post(Event::Candidates { prompt: prompt.clone(), candidates });

        let end_of_text = tokenizer.token_id("<|endoftext|>");
        let distribution = async |continuation: &[u32]| {
            if continuation.is_empty() {
                return Ok(first.clone()); // the prompt's own: just computed
            }
            let context = [ids.as_slice(), continuation].concat();
            next_token_logits(&model, &context).await.map(|logits| softmax(&logits))
        };
        let search = WordSearch::default();
        let words = next_words(&search, end_of_text, |tokens| tokenizer.decode(tokens), distribution).await?;
        fx.post(Event::Words { prompt, words });
        Ok(())
    }

    /// How many of the held-out problems the model answers exactly, when the run trains on the
    /// built-in arithmetic; `None` for other data, and for a loaded model (its data is not here).
    pub(super) async fn held_out_accuracy(&self) -> Result<Option<Accuracy>, SessionError> {
        let Some(problems) = self.run.as_ref().and_then(|run| arithmetic::held_out(&run.corpus)) else {
            return Ok(None);
        };
        let (model, info) = self.current_model()?;
        let complete = async |problem: &Problem| greedy_answer(&model, &info.tokenizer, problem).await;
        Ok(Some(arithmetic::accuracy(&problems, complete).await?))
    }
}

/// The model's most likely completion of `problem`'s prompt, to the end of the line, or only
/// until it leaves the answer: what follows then cannot make it right.
async fn greedy_answer(
    model: &Gpt,
    tokenizer: &Tokenizer,
    problem: &Problem,
) -> Result<String, SessionError> {
    let answer = problem.completion();
    let prompt = tokenizer.encode(&arithmetic::model_input(&problem.prompt()))?;
    let max_new_tokens = 2 * tokenizer.encode(&answer)?.len() + 2;
    let config = SampleConfig { max_new_tokens, temperature: 0.0, ..Default::default() };
    let mut generator = Generator::new(model, &prompt, config)?;
    let mut tokens = Vec::new();
    let mut text = String::new();
    while let Some(token) = generator.next_token().await? {
        tokens.push(token);
        text = tokenizer.decode(&tokens);
        if text.contains('\n') || !answer.starts_with(&text) {
            break;
        }
    }
    Ok(text)
}

/// The arithmetic prompts: what models from before other data sets were asked.
pub(super) fn default_prompts() -> Prompts {
    arithmetic::corpus(0, 1).prompts
}

/// The same prompts and the same sampling seed every time, so the columns compare. Where the
/// data's answers end at the end of their line, so does a sample.
pub(super) async fn sample_prompts(
    model: &Gpt,
    tokenizer: &Tokenizer,
    prompts: &Prompts,
) -> Result<Vec<Sample>, SessionError> {
    let newline = tokenizer.encode("\n").ok().filter(|ids| ids.len() == 1).map(|ids| ids[0]);
    let (max_new_tokens, stop_token) = if prompts.stop_at_newline { (16, newline) } else { (48, None) };
    let config = SampleConfig { max_new_tokens, temperature: 0.8, seed: 7, stop_token, ..Default::default() };
    let mut samples = Vec::with_capacity(prompts.inputs.len());
    for input in &prompts.inputs {
        let tokens = generate(model, &tokenizer.encode(input)?, &config).await?;
        samples.push(Sample { prompt: input.trim_start().to_string(), text: tokenizer.decode(&tokens) });
    }
    Ok(samples)
}
