//! The next word, not the next token: a model writes a token at a time (with the byte tokenizer,
//! a byte), so after "two plus three equals" its next token is a space, certainly. What a reader
//! wants to see is the word after it. This follows the likeliest continuations best-first, a
//! word's probability being the product of the token probabilities along its path, until the
//! word ends.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

/// How far the search goes.
#[derive(Debug, Clone, PartialEq)]
pub struct WordSearch {
    /// Words wanted.
    pub words: usize,
    /// Most continuations expanded: each is one look at the model's next-token distribution
    /// (one forward pass).
    pub expansions: usize,
    /// The likeliest next tokens followed from each continuation.
    pub branch: usize,
    /// Continuations less likely than this are not followed.
    pub min_probability: f64,
    /// A word this long (in characters or tokens) is cut there, and shown unfinished.
    pub max_chars: usize,
    pub max_tokens: usize,
}

impl Default for WordSearch {
    /// Five words in at most 48 forward passes; a word of the arithmetic data is some 10 bytes.
    fn default() -> Self {
        Self { words: 5, expansions: 48, branch: 8, min_probability: 1e-4, max_chars: 20, max_tokens: 16 }
    }
}

/// A next word and how likely it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextWord {
    /// The word without the spaces before it: "five". A line that ends before any word is
    /// `"\n"`, and the text of the end-of-text token stands for the end of the text.
    pub text: String,
    /// The probability that the model writes this word next (its spaces before, then the word,
    /// then a space, a line end or the end of the text). For an unfinished word, the probability
    /// that the next word starts with `text`.
    pub probability: f32,
    /// Whether the word's end was found; false where the search stopped inside it (it ran out
    /// of expansions, or the word grew past the caps).
    pub complete: bool,
}

/// The likeliest next words, most likely first.
///
/// - `next(continuation)` gives the model's probabilities for the token after the prompt
///   followed by `continuation` (a slice of token ids; empty for the prompt alone).
/// - `text(continuation)` decodes a continuation.
/// - `end_token` ends the text (and so the word) where the tokenizer has one.
///
/// Spaces before the word are skipped; the word ends at the next whitespace, which a token may
/// carry at its start (" five") or end ("five "). Continuations are expanded best-first, so once
/// `words` words are found that are each at least as likely as every continuation not yet
/// expanded, they are the likeliest (when each word has one tokenization; alternatives that
/// spell the same word are added up where the search meets them). Where it finds fewer words
/// (its budget spent, or every way on less likely than `min_probability`, as from an untrained
/// model), the likeliest beginnings where it stopped fill the list, marked incomplete.
pub async fn next_words<E>(
    search: &WordSearch,
    end_token: Option<u32>,
    text: impl Fn(&[u32]) -> String,
    mut next: impl AsyncFnMut(&[u32]) -> Result<Vec<f32>, E>,
) -> Result<Vec<NextWord>, E> {
    let mut open = BinaryHeap::from([Node { tokens: Vec::new(), probability: 1.0 }]);
    let mut found = Tally::default();
    let mut cut = Tally::default();
    // Continuations expanded whose every next token fell below `min_probability`.
    let mut dead_ends = Vec::new();
    for _ in 0..search.expansions {
        let Some(node) = open.pop() else { break };
        if found.nth(search.words) >= Some(node.probability) {
            open.push(node); // no word left to find can beat the ones found
            break;
        }
        let probabilities = next(&node.tokens).await?;
        let mut followed = false;
        for (id, p) in likeliest(&probabilities, search.branch) {
            let probability = node.probability * p;
            if probability < search.min_probability {
                break;
            }
            followed = true;
            let mut tokens = node.tokens.clone();
            tokens.push(id);
            if Some(id) == end_token {
                let so_far = text(&node.tokens);
                let word = match word_of(&so_far) {
                    "" => text(&[id]),
                    word => word.to_string(),
                };
                found.add(word, probability);
                continue;
            }
            match classify(&text(&tokens), tokens.len(), search) {
                Word::Ends(word) => found.add(word, probability),
                Word::Cut(word) if !word.is_empty() => cut.add(word, probability),
                Word::Cut(_) => {} // spaces and nothing else: no word to show
                Word::Open => open.push(Node { tokens, probability }),
            }
        }
        if !followed {
            dead_ends.push(node);
        }
    }
    let mut words: Vec<NextWord> = found.ranked(true);
    if words.len() < search.words {
        // Unfinished words: the likeliest beginnings where the search stopped.
        for node in open.into_iter().chain(dead_ends) {
            let word = word_of(&text(&node.tokens)).to_string();
            if !word.is_empty() {
                cut.add(word, node.probability);
            }
        }
        words.extend(cut.ranked(false));
        words.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    }
    words.truncate(search.words);
    Ok(words)
}

/// A continuation still inside its word (or before it), waiting to be expanded.
#[derive(Debug)]
struct Node {
    tokens: Vec<u32>,
    probability: f64,
}

impl Ord for Node {
    fn cmp(&self, other: &Self) -> Ordering {
        self.probability.total_cmp(&other.probability)
    }
}

impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Node {}

/// Where a continuation stands.
#[derive(Debug, PartialEq)]
enum Word {
    /// The word has ended: this is it.
    Ends(String),
    /// The word grew past the caps: its beginning.
    Cut(String),
    /// Still inside the word, or in the spaces before it.
    Open,
}

/// Skips the spaces before the word; a line end there is the "word", else the word ends at the
/// next whitespace.
fn classify(continuation: &str, tokens: usize, search: &WordSearch) -> Word {
    let rest = after_spaces(continuation);
    if rest.starts_with('\n') {
        return Word::Ends("\n".into());
    }
    if let Some(end) = rest.find(char::is_whitespace) {
        return Word::Ends(rest[..end].to_string());
    }
    if rest.chars().count() >= search.max_chars || tokens >= search.max_tokens {
        return Word::Cut(rest.to_string());
    }
    Word::Open
}

/// The word a continuation has so far: without the spaces before it, up to any whitespace.
fn word_of(continuation: &str) -> &str {
    after_spaces(continuation).split(char::is_whitespace).next().unwrap_or_default()
}

/// A continuation without the spaces before its word (a line end is kept: it ends the line).
fn after_spaces(continuation: &str) -> &str {
    continuation.trim_start_matches(|c: char| c.is_whitespace() && c != '\n')
}

/// The `count` likeliest token ids and their probabilities, most likely first (ties: lower id).
fn likeliest(probabilities: &[f32], count: usize) -> Vec<(u32, f64)> {
    let mut ranked: Vec<(u32, f64)> = probabilities
        .iter()
        .enumerate()
        .map(|(id, &p)| (id as u32, p as f64))
        .filter(|p| p.1 > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(count);
    ranked
}

/// Words and their probabilities, the alternatives that spell one word added up.
#[derive(Default)]
struct Tally(Vec<(String, f64)>);

impl Tally {
    fn add(&mut self, word: String, probability: f64) {
        match self.0.iter_mut().find(|(w, _)| *w == word) {
            Some((_, total)) => *total += probability,
            None => self.0.push((word, probability)),
        }
    }

    /// The probability of the `n`th likeliest word, if there are that many.
    fn nth(&self, n: usize) -> Option<f64> {
        let mut probabilities: Vec<f64> = self.0.iter().map(|w| w.1).collect();
        probabilities.sort_by(|a, b| b.total_cmp(a));
        probabilities.get(n.checked_sub(1)?).copied()
    }

    fn ranked(self, complete: bool) -> Vec<NextWord> {
        let mut words: Vec<NextWord> =
            self.0.into_iter().map(|(text, p)| NextWord { text, probability: p as f32, complete }).collect();
        words.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        words
    }
}
