//! Data cleaning benchmark, native: each cleaning step alone, then all of them in order, over
//! ~20 MB of made-up web text (HTML pages, four languages, exact and near duplicates, menus and
//! footers, e-mail addresses, phone numbers, IBANs and card numbers, tables of numbers). The text
//! is the same on every run (a fixed seed).
//!
//! `cargo run --release --example clean_bench [runs]` prints MB/s of input text per step, the
//! median of `runs` (default 3). `clean_bench write-text FILE MB` writes MB of the text instead.

use std::ops::ControlFlow;
use std::time::Instant;

use gptlab::data::clean::{self, CleanSettings, StepReport};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const TEXT_BYTES: usize = 20_000_000;

/// Sentence slots, one list per slot: a sentence takes one entry of each, in order.
const ENGLISH: [&[&str]; 5] = [
    &[
        "The old farmer",
        "Our new teacher",
        "A young doctor",
        "The city council",
        "My neighbour",
        "The small bakery",
    ],
    &["repaired", "described", "painted", "visited", "sold", "cleaned", "discovered", "recommended"],
    &["the wooden bridge", "a quiet garden", "the history museum", "an empty station", "the river path"],
    &["near the market", "after the storm", "in the early morning", "before the holidays", "with great care"],
    &["last week.", "for the first time.", "again this year.", "without any help.", "as everyone hoped."],
];
const GERMAN: [&[&str]; 5] = [
    &["Der alte Bauer", "Unsere neue Lehrerin", "Ein junger Arzt", "Der Stadtrat", "Mein Nachbar"],
    &["reparierte", "beschrieb", "besuchte", "verkaufte", "reinigte"],
    &["die hölzerne Brücke", "einen ruhigen Garten", "das Museum", "den leeren Bahnhof"],
    &["neben dem Markt", "nach dem Sturm", "am frühen Morgen", "vor den Ferien"],
    &["letzte Woche.", "zum ersten Mal.", "auch dieses Jahr.", "ohne jede Hilfe."],
];
const FRENCH: [&[&str]; 5] = [
    &["Le vieux fermier", "Notre nouvelle institutrice", "Un jeune médecin", "Le conseil municipal"],
    &["a réparé", "a décrit", "a visité", "a vendu", "a nettoyé"],
    &["le pont en bois", "un jardin tranquille", "le musée d'histoire", "la gare vide"],
    &["près du marché", "après la tempête", "tôt le matin", "avant les vacances"],
    &["la semaine dernière.", "pour la première fois.", "encore cette année.", "sans aucune aide."],
];
const SPANISH: [&[&str]; 5] = [
    &["El viejo granjero", "Nuestra nueva maestra", "Un joven médico", "El ayuntamiento"],
    &["reparó", "describió", "visitó", "vendió", "limpió"],
    &["el puente de madera", "un jardín tranquilo", "el museo de historia", "la estación vacía"],
    &["cerca del mercado", "después de la tormenta", "muy temprano", "antes de las vacaciones"],
    &["la semana pasada.", "por primera vez.", "otra vez este año.", "sin ninguna ayuda."],
];
const BOILERPLATE: [&str; 3] = [
    "Home | About | Contact | Privacy",
    "© 2024 Example Ltd. All rights reserved.",
    "Subscribe to our newsletter!",
];

fn main() {
    // `write-text FILE MB`: the same kind of text, for the page's benchmark (tests/e2e/clean-bench.js).
    let args: Vec<String> = std::env::args().collect();
    if let [_, command, file, megabytes] = &args[..]
        && command == "write-text"
    {
        let bytes = megabytes.parse::<f64>().expect("a size in MB") * 1e6;
        std::fs::write(file, web_text(bytes as usize, 7)).expect("the text file is written");
        return;
    }
    let runs = args.get(1).and_then(|runs| runs.parse().ok()).unwrap_or(3);
    let text = web_text(TEXT_BYTES, 7);
    let megabytes = text.len() as f64 / 1e6;
    println!("{megabytes:.1} MB of text, {} documents", clean::documents(&text).len());
    let mut configurations: Vec<(&str, CleanSettings)> = STEPS.map(|step| (step, one_step(step))).to_vec();
    configurations.push(("all in order", CleanSettings::every_step()));
    for (name, settings) in configurations {
        let mut report = Vec::new();
        let seconds = median(runs, || {
            let started = Instant::now();
            report = clean::clean(&text, &settings, |_| ControlFlow::Continue(())).unwrap().report;
            started.elapsed().as_secs_f64()
        });
        let removed: Vec<String> = report.iter().map(summary).collect();
        println!("{name:>12}: {:6.1} MB/s ({seconds:.2} s, median of {runs})", megabytes / seconds);
        println!("{:>14}{}", "", removed.join("; "));
    }
}

/// The steps in cleaning order, by their names in the report.
const STEPS: [&str; 6] = ["html", "language", "dedup", "near_dedup", "quality", "pii"];

/// The settings with only step `name` switched on.
fn one_step(name: &str) -> CleanSettings {
    let mut settings = CleanSettings::default();
    match name {
        "html" => settings.html.enabled = true,
        "language" => settings.language.enabled = true,
        "dedup" => settings.dedup.enabled = true,
        "near_dedup" => settings.near_dedup.enabled = true,
        "quality" => settings.quality.enabled = true,
        _ => settings.pii.enabled = true,
    }
    settings
}

/// What a step did: "near_dedup: 795 of 16501 documents, 4.8% of characters removed".
fn summary(report: &StepReport) -> String {
    let step = serde_json::to_string(&report.step).unwrap();
    let verb = if report.step == clean::Step::Pii { "masked" } else { "removed" };
    format!(
        "{}: {} of {} documents, {:.1}% of characters {verb}",
        step.trim_matches('"'),
        report.docs_removed,
        report.docs_in,
        100.0 * report.chars_removed as f64 / report.chars_in.max(1) as f64
    )
}

/// Paragraphs of web-like documents until `bytes`, the same for the same seed.
fn web_text(bytes: usize, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut docs: Vec<String> = Vec::new();
    let mut size = 0;
    while size < bytes {
        let doc = document(&mut rng, &docs);
        size += doc.len() + 2;
        docs.push(doc);
    }
    docs.join("\n\n")
}

fn document(rng: &mut StdRng, earlier: &[String]) -> String {
    let roll = rng.random_range(0..100);
    let earlier_doc = (!earlier.is_empty()).then(|| &earlier[rng.random_range(0..earlier.len())]);
    match (roll, earlier_doc) {
        (0..8, Some(doc)) => doc.clone(),
        (8..13, Some(doc)) => near_copy(rng, doc),
        (13..17, _) => number_table(rng),
        _ => {
            let slots = language(rng);
            let mut doc = prose(rng, slots);
            if rng.random_range(0..10) < 3 {
                doc = format!("{}\n{doc}", BOILERPLATE[rng.random_range(0..BOILERPLATE.len())]);
            }
            if rng.random_range(0..10) == 0 {
                doc.push_str(&format!("\n{}", contact(rng)));
            }
            if rng.random_range(0..4) == 0 { html_page(&doc) } else { doc }
        }
    }
}

/// English seven times in ten, else German, French or Spanish.
fn language(rng: &mut StdRng) -> &'static [&'static [&'static str]; 5] {
    match rng.random_range(0..10) {
        0 => &GERMAN,
        1 => &FRENCH,
        2 => &SPANISH,
        _ => &ENGLISH,
    }
}

/// Sentences from `slots`, each naming a made-up person and a year, so that documents do not
/// repeat one another's n-grams more than web text does.
fn prose(rng: &mut StdRng, slots: &[&[&str]; 5]) -> String {
    let sentences: Vec<String> = (0..rng.random_range(4..12))
        .map(|_| {
            let mut parts: Vec<String> =
                slots.iter().map(|slot| slot[rng.random_range(0..slot.len())].to_string()).collect();
            parts.insert(4, rng.random_range(1900..2025).to_string());
            parts.insert(3, name(rng));
            parts.insert(1, name(rng));
            parts.join(" ")
        })
        .collect();
    sentences.join(" ")
}

/// A capitalised made-up name of two or three syllables.
fn name(rng: &mut StdRng) -> String {
    const SYLLABLES: [&str; 16] =
        ["ka", "lo", "mi", "ne", "ru", "sha", "ti", "po", "an", "el", "or", "us", "be", "da", "fo", "gu"];
    let name: String =
        (0..rng.random_range(2..4)).map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())]).collect();
    name[..1].to_uppercase() + &name[1..]
}

/// `doc` with one of its words made of letters replaced (markup stays as it was).
fn near_copy(rng: &mut StdRng, doc: &str) -> String {
    let mut words: Vec<String> = doc.split(' ').map(String::from).collect();
    let letters: Vec<usize> =
        (0..words.len()).filter(|&i| words[i].chars().all(char::is_alphabetic)).collect();
    if let Some(&at) = letters.get(rng.random_range(0..letters.len().max(1))) {
        words[at] = "changed".into();
    }
    words.join(" ")
}

fn number_table(rng: &mut StdRng) -> String {
    let rows: Vec<String> = (0..rng.random_range(3..12))
        .map(|_| {
            format!("{} {} {}", rng.random_range(0..99_999), rng.random_range(0..999), rng.random_range(0..9))
        })
        .collect();
    rows.join("\n")
}

/// A line of PII: an address, a phone number, and a valid IBAN or card number or neither.
fn contact(rng: &mut StdRng) -> String {
    let who = rng.random_range(0..10_000);
    let extra =
        ["IBAN GB82 WEST 1234 5698 7654 32.", "Card 4111 1111 1111 1111.", "Ref 4111 1111 1111 1112."];
    format!(
        "Write to person{who}@example.org or call +44 20 7946 {:04}. {}",
        rng.random_range(0..10_000),
        extra[rng.random_range(0..extra.len())]
    )
}

fn html_page(doc: &str) -> String {
    let paragraphs: String = doc.lines().map(|line| format!("<p>{line}</p>")).collect();
    format!(
        "<html><head><style>p {{ margin: 0 }}</style><script>track(&quot;view&quot;);</script></head>\
         <body><nav><a href=\"/\">Home</a></nav>{paragraphs}<!-- generated --></body></html>"
    )
}

fn median(runs: usize, mut run: impl FnMut() -> f64) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1)).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
