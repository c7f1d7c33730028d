//! The built-in data set: small sums in words, "two plus three equals five", generated here so the
//! page trains without a network.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::{Corpus, Prompts};

/// The built-in corpus's name, by which a run knows its data is this set.
pub const NAME: &str = "arithmetic in words (built-in)";

/// Operands run from zero to this: 126 problems, few enough for a small model to learn in a
/// minute on a laptop GPU (or a test on a CPU), many enough that the samples show it.
pub const MAX_OPERAND: u32 = 6;

/// One in this many problems is held out for validation.
const VALIDATION_EVERY: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Plus,
    Minus,
    Times,
}

/// One problem such as "seven times eight equals fifty six".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub a: u32,
    pub op: Op,
    pub b: u32,
}

impl Problem {
    pub fn answer(&self) -> u32 {
        match self.op {
            Op::Plus => self.a + self.b,
            Op::Minus => self.a - self.b,
            Op::Times => self.a * self.b,
        }
    }

    /// The question up to "equals", as a prompt for the model.
    pub fn prompt(&self) -> String {
        let op = match self.op {
            Op::Plus => "plus",
            Op::Minus => "minus",
            Op::Times => "times",
        };
        format!("{} {op} {} equals", number_words(self.a), number_words(self.b))
    }

    /// What the model should write after the prompt, up to the end of the line.
    pub fn completion(&self) -> String {
        format!(" {}\n", number_words(self.answer()))
    }

    pub fn line(&self) -> String {
        self.prompt() + &self.completion()
    }

    /// Whether `completion`, what a model wrote after the prompt, is the exact answer up to the
    /// end of its line: " five" then a line end, nothing else.
    pub fn answered_by(&self, completion: &str) -> bool {
        completion.starts_with(&self.completion())
    }
}

/// Every problem with operands up to `MAX_OPERAND`; subtraction only where the answer is not negative.
pub fn all_problems() -> Vec<Problem> {
    let mut problems = Vec::new();
    for op in [Op::Plus, Op::Minus, Op::Times] {
        for a in 0..=MAX_OPERAND {
            for b in 0..=MAX_OPERAND {
                if op != Op::Minus || a >= b {
                    problems.push(Problem { a, op, b });
                }
            }
        }
    }
    problems
}

/// The problems split in two, the same way for the same seed: (train, validation).
pub fn split(seed: u64) -> (Vec<Problem>, Vec<Problem>) {
    let mut problems = all_problems();
    problems.shuffle(&mut StdRng::seed_from_u64(seed));
    let held_out = problems.len() / VALIDATION_EVERY;
    let train = problems.split_off(held_out);
    (train, problems)
}

/// One training problem's prompt per operation, to show what the model learned: prompts it
/// trained on, since a small model memorises this table rather than learning arithmetic.
pub fn demo_prompts(seed: u64) -> Vec<String> {
    let (train, _) = split(seed);
    [Op::Plus, Op::Times, Op::Minus]
        .iter()
        .filter_map(|op| train.iter().find(|p| p.op == *op && p.a > 1 && p.b > 1))
        .map(Problem::prompt)
        .collect()
}

/// What the model reads to answer a prompt: the prompt at the start of a line, as every problem
/// in the corpus is, after the newline that ends the line before it.
pub fn model_input(prompt: &str) -> String {
    format!("\n{prompt}")
}

/// The corpus: each split's lines in a shuffled order, repeated `copies` times.
pub fn corpus(seed: u64, copies: usize) -> Corpus {
    let (train, validation) = split(seed);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut text = |problems: &[Problem]| {
        let mut lines: Vec<String> = Vec::new();
        for _ in 0..copies {
            let mut copy: Vec<String> = problems.iter().map(Problem::line).collect();
            copy.shuffle(&mut rng);
            lines.extend(copy);
        }
        lines.concat()
    };
    Corpus {
        name: NAME.into(),
        rows: (train.len() + validation.len()) * copies,
        train: text(&train),
        validation: text(&validation),
        prompts: Prompts {
            inputs: demo_prompts(seed).iter().map(|p| model_input(p)).collect(),
            stop_at_newline: true,
        },
        cleaning: None,
    }
}

/// The problems held out of the built-in corpus for validation, each once, in `all_problems`
/// order: what a run on it never trained on. `None` for any other corpus (another name, or a
/// validation line that is not a problem of this set).
pub fn held_out(corpus: &Corpus) -> Option<Vec<Problem>> {
    if corpus.name != NAME {
        return None;
    }
    let problems = all_problems();
    let mut held = vec![false; problems.len()];
    for line in corpus.validation.lines() {
        let index = problems.iter().position(|p| p.line().trim_end() == line)?;
        held[index] = true;
    }
    let held_out: Vec<Problem> = problems.into_iter().zip(held).filter(|p| p.1).map(|p| p.0).collect();
    (!held_out.is_empty()).then_some(held_out)
}

/// How many problems a model answered exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accuracy {
    pub right: usize,
    pub total: usize,
}

impl Accuracy {
    /// "9 of 12 unseen sums right".
    pub fn describe(&self) -> String {
        format!("{} of {} unseen sums right", self.right, self.total)
    }
}

/// Asks `complete` for a model's completion of each problem's prompt and counts the exact
/// answers (`Problem::answered_by`).
pub async fn accuracy<E>(
    problems: &[Problem],
    mut complete: impl AsyncFnMut(&Problem) -> Result<String, E>,
) -> Result<Accuracy, E> {
    let mut right = 0;
    for problem in problems {
        if problem.answered_by(&complete(problem).await?) {
            right += 1;
        }
    }
    Ok(Accuracy { right, total: problems.len() })
}

/// English words for 0..=999, as the data set writes them: "fifty six", "one hundred five".
pub fn number_words(n: u32) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] =
        ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    assert!(n < 1000, "number_words covers 0..=999, got {n}");
    match n {
        0..=19 => ONES[n as usize].to_string(),
        20..=99 if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_string(),
        20..=99 => format!("{} {}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
        _ if n.is_multiple_of(100) => format!("{} hundred", ONES[(n / 100) as usize]),
        _ => format!("{} hundred {}", ONES[(n / 100) as usize], number_words(n % 100)),
    }
}
