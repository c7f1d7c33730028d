//! What the session draws from a model: the fixed prompts before and after training, the
//! sampling tool's streamed text, and the next-token bars.

use super::effects::Effects;
use super::protocol::{Event, Sample, SampleSettings};
use super::{Session, SessionError};
use crate::data::{Prompts, arithmetic};
use crate::model::Gpt;
use crate::sample::{Generator, SampleConfig, generate, next_token_logits, softmax};
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

    /// The most likely next tokens after `prompt`, with their probabilities.
    pub(super) async fn next_tokens(
        &mut self,
        prompt: String,
        fx: &mut impl Effects,
    ) -> Result<(), SessionError> {
        let (model, info) = self.current_model()?;
        let tokenizer = &info.tokenizer;
        let logits = next_token_logits(&model, &tokenizer.encode(&prompt)?).await?;
        let mut ranked: Vec<(usize, f32)> = softmax(&logits).into_iter().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let candidates =
            ranked.into_iter().take(CANDIDATES).map(|(id, p)| (tokenizer.decode(&[id as u32]), p)).collect();
        fx.post(Event::Candidates { prompt, candidates });
        Ok(())
    }
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
