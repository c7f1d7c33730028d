//! PII masking: e-mail addresses, IBANs (mod-97 checksum valid), card numbers (13 to 19 digits,
//! Luhn valid) and phone numbers are replaced by `<EMAIL>`, `<IBAN>`, `<CARD>` and `<PHONE>`.
//! Documents stay; the report counts masked characters. Checksums keep look-alike numbers
//! (order numbers, dates, measurements) as they are.

use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use super::{Pass, StepReport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PiiSettings {
    pub enabled: bool,
    pub emails: bool,
    pub phones: bool,
    pub ibans: bool,
    pub cards: bool,
}

impl Default for PiiSettings {
    fn default() -> PiiSettings {
        PiiSettings { enabled: false, emails: true, phones: true, ibans: true, cards: true }
    }
}

/// ASCII word boundaries: Unicode ones would keep the regex engine off its fast path.
const EMAIL: &str = r"(?-u:\b)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?-u:\b)";
/// Two letters of country, two check digits, then 11 to 30 letters or digits, in groups of four
/// where spaced.
const IBAN: &str = r"(?-u:\b)[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?-u:\b)";
/// 13 to 19 digits, single spaces or dashes between them.
const CARD: &str = r"(?-u:\b)[0-9](?:[ -]?[0-9]){12,18}(?-u:\b)";
/// International (+44 20 7946 0958, +1 415-555-0132), North American ((555) 123-4567,
/// 555-123-4567) and national trunk-prefixed (020 7946 0958) numbers.
const PHONE: &str = concat!(
    r"\+[0-9]{1,3}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}(?-u:\b)",
    r"|\([0-9]{3}\) ?[0-9]{3}[ .-][0-9]{4}(?-u:\b)",
    r"|(?-u:\b)[0-9]{3}[.-][0-9]{3}[.-][0-9]{4}(?-u:\b)",
    r"|(?-u:\b)0[0-9]{2,4}[ -][0-9]{3,4}[ -]?[0-9]{3,4}(?-u:\b)",
);
/// Digits in a phone number (ITU E.164 allows 15; fewer than 7 is a date or a count).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// Whether a match is the real thing (a checksum, a digit count).
type Validate = fn(&str) -> bool;

/// The kinds of PII in the order they are masked: e-mails first (their digits could look like
/// numbers), then the checksummed kinds, whose digit runs the phone pattern would otherwise take.
const KINDS: [(&str, &str, Validate, &str); 4] = [
    ("email", EMAIL, |_| true, "<EMAIL>"),
    ("iban", IBAN, is_iban, "<IBAN>"),
    ("card", CARD, is_card, "<CARD>"),
    ("phone", PHONE, is_phone, "<PHONE>"),
];

/// One kind of PII: where it is, what proves it, what replaces it.
struct Kind {
    name: &'static str,
    pattern: Regex,
    is_valid: Validate,
    placeholder: &'static str,
}

pub(super) struct Mask {
    /// The kinds switched on, in the order of `KINDS`.
    kinds: Vec<Kind>,
}

impl Mask {
    pub(super) fn new(settings: &PiiSettings) -> Mask {
        let wanted = [settings.emails, settings.ibans, settings.cards, settings.phones];
        let kinds = KINDS.iter().zip(wanted).filter(|&(_, on)| on).map(
            |(&(name, pattern, is_valid, placeholder), _)| {
                let pattern = Regex::new(pattern).expect("the PII patterns are valid");
                Kind { name, pattern, is_valid, placeholder }
            },
        );
        Mask { kinds: kinds.collect() }
    }
}

impl Pass for Mask {
    fn apply(&mut self, mut doc: String, report: &mut StepReport) -> Option<String> {
        let mut masked_any = false;
        for kind in &self.kinds {
            let (mut found, mut chars) = (0, 0);
            let masked = kind.pattern.replace_all(&doc, |m: &Captures| {
                let text = &m[0];
                if !(kind.is_valid)(text) {
                    return text.to_string();
                }
                found += 1;
                chars += text.chars().count();
                kind.placeholder.to_string()
            });
            if found > 0 {
                doc = masked.into_owned();
                report.count(kind.name, found);
                report.chars_removed += chars;
                masked_any = true;
            }
        }
        if masked_any {
            report.example("masked".into(), &doc);
        }
        Some(doc)
    }
}

fn digits(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.chars().filter_map(|c| c.to_digit(10))
}

fn is_phone(text: &str) -> bool {
    PHONE_DIGITS.contains(&digits(text).count())
}

/// The Luhn checksum: doubling every second digit from the right, the sum ends in 0.
fn is_card(text: &str) -> bool {
    let digits: Vec<u32> = digits(text).collect();
    let sum: u32 =
        digits.iter().rev().enumerate().map(|(i, &d)| if i % 2 == 1 { luhn_double(d) } else { d }).sum();
    (13..=19).contains(&digits.len()) && sum.is_multiple_of(10)
}

/// A doubled digit's digit sum.
fn luhn_double(digit: u32) -> u32 {
    let doubled = digit * 2;
    if doubled > 9 { doubled - 9 } else { doubled }
}

/// ISO 13616: with its first four characters moved to the end and letters read as 10 to 35,
/// the number leaves 1 modulo 97.
fn is_iban(text: &str) -> bool {
    let compact: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rotated = compact[4..].iter().chain(&compact[..4]);
    let remainder = rotated.fold(0u32, |remainder, c| {
        let value = c.to_digit(36).expect("the pattern admits letters and digits only");
        let shift = if value < 10 { 10 } else { 100 };
        (remainder * shift + value) % 97
    });
    remainder == 1
}
