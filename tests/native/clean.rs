//! Data cleaning: each step removes exactly what its fixture says it must and keeps the rest.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use gptlab::data::clean::{
    self, Cancelled, CleanSettings, Cleaned, Layout, NgramLimit, Progress, QualitySettings, Step, StepReport,
    documents,
};

fn cleaned(text: &str, settings: &CleanSettings) -> Cleaned {
    clean::clean(text, settings, |_| ControlFlow::Continue(())).expect("nothing cancels")
}

/// The one step's report, after checking that only that step ran.
fn only_report(cleaned: &Cleaned, step: Step) -> &StepReport {
    assert_eq!(cleaned.report.len(), 1, "one step on, one report");
    assert_eq!(cleaned.report[0].step, step);
    &cleaned.report[0]
}

fn paragraphs(docs: &[&str]) -> String {
    docs.iter().map(|doc| format!("{doc}\n\n")).collect()
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|&(kind, n)| (kind.to_string(), n)).collect()
}

fn chars(docs: &[&str]) -> usize {
    docs.iter().map(|doc| doc.chars().count()).sum()
}

#[test]
fn documents_are_paragraphs_or_else_lines() {
    let text = "first line\nof the first\n\n\n  \nsecond\n";
    assert_eq!(documents(text), ["first line\nof the first", "second"]);
    assert_eq!(Layout::of(text).join(&documents(text)), "first line\nof the first\n\nsecond\n\n");
    assert_eq!(documents("one\ntwo\n\nthree"), ["one\ntwo", "three"]);
    assert_eq!(documents("one\ntwo\nthree\n"), ["one", "two", "three"]);
    assert_eq!(Layout::of("one\ntwo\n").join(&["a\nb".into(), "c".into()]), "a b\nc\n");
}

#[test]
fn no_step_switched_on_leaves_the_documents_as_they_are() {
    let out = cleaned("a\n\nb\n", &CleanSettings::default());
    assert!(out.report.is_empty());
    assert_eq!(out.text, "a\n\nb\n\n");
}

#[test]
fn html_loses_tags_scripts_styles_and_comments_and_decodes_entities() {
    let page = "<html><head><style>body { color: red; }</style>\n<script>var x = \"<p>not text</p>\";</script>\
                </head><body><h1>Caf&eacute; &amp; Bar</h1><!-- hidden <b>note</b> -->\n\
                <p>Open&nbsp;daily,   9&ndash;5.</p><table><tr><td>Tea</td><td>&pound;2</td></tr></table></body></html>";
    let only_scripts = "<div><script>track();</script><style>.a { margin: 0 }</style></div>";
    let plain = "Plain text where 3 < 4 & fish > chips stays as it is.";
    let unclosed = "<p>Before the script.</p><script>alert('never shown')";
    let text = paragraphs(&[page, only_scripts, plain, unclosed]);
    let settings = CleanSettings { html: clean::HtmlSettings { enabled: true }, ..Default::default() };
    let out = cleaned(&text, &settings);
    let kept = ["Café & Bar\nOpen daily, 9–5.\nTea £2", plain, "Before the script."];
    assert_eq!(out.text, paragraphs(&kept));
    let report = only_report(&out, Step::Html);
    assert_eq!((report.docs_in, report.docs_removed), (4, 1));
    assert_eq!(report.counts, counts(&[("html_documents", 3), ("no_text", 1)]));
    assert_eq!(report.chars_in, chars(&[page, only_scripts, plain, unclosed]));
    assert_eq!(report.chars_removed, report.chars_in - chars(&kept));
    assert_eq!(report.examples[0].reason, "html: no text left");
    assert_eq!(report.examples[0].text, only_scripts);
}

const ENGLISH: [&str; 3] = [
    "The river runs through the old town, past the market and the church. In the summer, families \
     walk along its banks and children feed the ducks. The bridge was built two hundred years ago.",
    "Learning to cook takes patience and practice. Start with simple recipes, taste as you go, and \
     do not be afraid to make mistakes. Every meal teaches you something new.",
    "The library opens at nine in the morning and closes at six in the evening. Visitors can borrow \
     up to ten books at a time and return them within three weeks.",
];
const OTHERS: [&str; 6] = [
    "Der Fluss fließt durch die Altstadt, vorbei am Markt und an der Kirche. Im Sommer spazieren \
     Familien am Ufer entlang und die Kinder füttern die Enten.",
    "Kochen zu lernen braucht Geduld und Übung. Beginnen Sie mit einfachen Rezepten, probieren Sie \
     unterwegs und haben Sie keine Angst vor Fehlern.",
    "La rivière traverse la vieille ville, passe devant le marché et l'église. En été, les familles \
     se promènent le long des berges et les enfants nourrissent les canards.",
    "Apprendre à cuisiner demande de la patience et de la pratique. Commencez par des recettes \
     simples, goûtez au fur et à mesure et n'ayez pas peur de vous tromper.",
    "El río atraviesa el casco antiguo, pasa junto al mercado y la iglesia. En verano, las familias \
     pasean por la orilla y los niños dan de comer a los patos.",
    "Aprender a cocinar requiere paciencia y práctica. Empieza con recetas sencillas, prueba \
     mientras cocinas y no tengas miedo de equivocarte.",
];

fn language(keep: &[&str], min_confidence: f64) -> CleanSettings {
    let keep = keep.iter().map(|code| code.to_string()).collect();
    let language = clean::LanguageSettings { enabled: true, keep, min_confidence };
    CleanSettings { language, ..Default::default() }
}

#[test]
fn language_keeps_only_the_chosen_languages() {
    let mixed = [ENGLISH[0], OTHERS[0], OTHERS[2], ENGLISH[1], OTHERS[4], OTHERS[1], ENGLISH[2], OTHERS[3]];
    let text = paragraphs(&[&mixed[..], &OTHERS[5..]].concat());
    let out = cleaned(&text, &language(&["eng"], 0.5));
    assert_eq!(out.text, paragraphs(&ENGLISH));
    let report = only_report(&out, Step::Language);
    assert_eq!((report.docs_in, report.docs_removed), (9, 6));
    assert_eq!(report.counts, counts(&[("deu", 2), ("fra", 2), ("spa", 2)]));
    assert_eq!(report.examples[0].reason, "language: deu is not kept");

    let out = cleaned(&text, &language(&["eng", "deu"], 0.5));
    assert_eq!(only_report(&out, Step::Language).docs_removed, 4);
    let out = cleaned(&text, &language(&["eng"], 1.01));
    assert_eq!(only_report(&out, Step::Language).counts["low_confidence"], 3, "no English is that sure");
}

#[test]
fn dedup_removes_repeated_documents_and_lines_seen_before() {
    let first = "Home | About | Contact\nThe first article talks about rivers.\nSubscribe to our newsletter.";
    let same_again =
        "HOME | about |  Contact\nThe first article   talks about rivers.\nSubscribe to our newsletter.";
    let second =
        "Home | About | Contact\nThe second article talks about mountains.\nSubscribe to our newsletter.";
    let only_boilerplate = "Subscribe to our newsletter.\nHome | About | Contact";
    let repeats_itself = "A line said twice.\nA line said twice.";
    let text = paragraphs(&[first, same_again, second, only_boilerplate, repeats_itself]);
    let settings = CleanSettings {
        dedup: clean::DedupSettings { enabled: true, ..Default::default() },
        ..Default::default()
    };
    let out = cleaned(&text, &settings);
    let kept = [first, "The second article talks about mountains.", repeats_itself];
    assert_eq!(out.text, paragraphs(&kept));
    let report = only_report(&out, Step::Dedup);
    assert_eq!((report.docs_in, report.docs_removed), (5, 2));
    let expected = [("duplicate_documents", 1), ("repeated_lines", 4), ("documents_of_repeated_lines", 1)];
    assert_eq!(report.counts, counts(&expected));
    assert_eq!(report.chars_removed, report.chars_in - chars(&kept));
    assert_eq!(report.examples[0].reason, "duplicate document");
    assert_eq!(report.examples[1].text, "Home | About | Contact");
}

/// `count` distinct made-up words from the `start`th: "bada", "deba", ... (never repeating
/// below 4,900, so their text has no repeated n-gram).
fn words(start: usize, count: usize) -> Vec<String> {
    let syllable =
        |i: usize| format!("{}{}", b"bdfgklmnprstvz"[i % 14] as char, b"aeiou"[i / 14 % 5] as char);
    (start..start + count)
        .map(|i| format!("{}{}{}", syllable(i % 70), syllable(i / 70), syllable(i % 7)))
        .collect()
}

#[test]
fn near_duplicates_above_the_threshold_go_and_dissimilar_pairs_stay() {
    let original = words(0, 100);
    let mut edited = original.clone();
    edited[50] = "changed".into(); // 91 of 101 distinct 5-shingles shared: Jaccard 0.90
    let other = words(1000, 100);
    let overlapping = [&other[..48], &words(2000, 52)[..]].concat(); // 44 of 148: Jaccard 0.30
    let docs = [original, edited, other, overlapping].map(|words| words.join(" "));
    let text = paragraphs(&docs.each_ref().map(String::as_str));
    let near = |threshold| clean::NearDedupSettings { enabled: true, threshold, ..Default::default() };
    let out = cleaned(&text, &CleanSettings { near_dedup: near(0.8), ..Default::default() });
    assert_eq!(out.text, paragraphs(&[&docs[0], &docs[2], &docs[3]]));
    let report = only_report(&out, Step::NearDedup);
    assert_eq!((report.docs_in, report.docs_removed), (4, 1));
    assert_eq!(report.counts, counts(&[("near_duplicates", 1)]));
    assert!(report.examples[0].reason.starts_with("near duplicate of document 1 (similarity 0.9"));

    let strict = cleaned(&text, &CleanSettings { near_dedup: near(0.95), ..Default::default() });
    assert_eq!(only_report(&strict, Step::NearDedup).docs_removed, 0);
    // Bands of one row compare every pair with a MinHash value in common, so the estimate
    // decides: 200 values put the 0.90 pair at 0.91 and the 0.30 pair at 0.36 (σ ≈ 0.03).
    let every_pair = clean::NearDedupSettings { bands: 200, rows: 1, ..near(0.25) };
    let loose = cleaned(&text, &CleanSettings { near_dedup: every_pair, ..Default::default() });
    let reasons: Vec<&str> = loose.report[0].examples.iter().map(|example| example.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "near duplicate of document 1 (similarity 0.91 >= 0.25)",
            "near duplicate of document 3 (similarity 0.36 >= 0.25)",
        ]
    );
}

/// A line of prose: `count` made-up words from the `start`th, a full stop after every tenth.
fn prose(start: usize, count: usize) -> String {
    let words = words(start, count);
    let sentences: Vec<String> =
        words.chunks(10).map(|sentence| format!("{}.", sentence.join(" "))).collect();
    sentences.join(" ")
}

/// `prose` with `insert(i)` after every `every`th word.
fn prose_with(start: usize, count: usize, every: usize, insert: impl Fn(usize) -> String) -> String {
    let mut words = words(start, count);
    for i in (1..=count / every).rev() {
        words.insert(i * every, insert(i));
    }
    format!("{}.", words.join(" "))
}

/// One document per filter, each built to fail that filter only, with the filter's name.
fn failing_documents() -> Vec<(&'static str, String)> {
    let sentence = |words: Vec<String>| format!("{}.", words.join(" "));
    let short = words(0, 60).iter().map(|word| word[..2].to_string()).collect();
    let long = words(0, 60).iter().map(|word| format!("{word}ization")).collect();
    let unfinished_lines: Vec<String> = words(100, 60).chunks(6).map(|line| line.join(" ")).collect();
    let phrase = words(300, 12).join(" ");
    vec![
        ("min_words", prose(0, 20)),
        ("max_words", prose(0, 90)),
        ("min_mean_word_length", sentence(short)),
        ("max_mean_word_length", sentence(long)),
        ("max_symbol_ratio", prose_with(100, 53, 7, |i| format!("#tag{i}"))),
        ("max_digit_fraction", prose_with(100, 40, 2, |i| format!("{}", 100_000 + 7919 * i))),
        ("min_punctuated_lines", unfinished_lines.join("\n")),
        ("top_2gram", prose_with(100, 40, 4, |_| "click here".into())),
        ("duplicate_5gram", format!("{} {phrase}. {} {phrase}.", prose(400, 18), prose(500, 18))),
    ]
}

/// Gopher's thresholds, but at most 80 words, so a document can pass the maximum with others.
fn quality(adjust: impl FnOnce(&mut QualitySettings)) -> CleanSettings {
    let mut quality = QualitySettings { enabled: true, max_words: Some(80), ..Default::default() };
    adjust(&mut quality);
    CleanSettings { quality, ..Default::default() }
}

fn switch_off(filter: &str, quality: &mut QualitySettings) {
    match filter {
        "min_words" => quality.min_words = None,
        "max_words" => quality.max_words = None,
        "min_mean_word_length" => quality.min_mean_word_length = None,
        "max_mean_word_length" => quality.max_mean_word_length = None,
        "max_symbol_ratio" => quality.max_symbol_ratio = None,
        "max_digit_fraction" => quality.max_digit_fraction = None,
        "min_punctuated_lines" => quality.min_punctuated_lines = None,
        "top_2gram" => quality.max_top_ngram.retain(|limit| limit.n != 2),
        // A repeated 12-word phrase repeats every n-gram up to 12: the whole family goes.
        "duplicate_5gram" => quality.max_duplicate_ngram.clear(),
        _ => unreachable!("{filter} is a filter of failing_documents"),
    }
}

#[test]
fn each_quality_filter_removes_the_document_built_to_fail_it() {
    let good = [prose(1000, 60), prose(2000, 70)];
    let failing = failing_documents();
    let mut docs = vec![good[0].as_str()];
    docs.extend(failing.iter().map(|(_, doc)| doc.as_str()));
    docs.push(&good[1]);
    let out = cleaned(&paragraphs(&docs), &quality(|_| ()));
    assert_eq!(out.text, paragraphs(&[&good[0], &good[1]]));
    let report = only_report(&out, Step::Quality);
    assert_eq!((report.docs_in, report.docs_removed), (11, 9));
    let each_once: Vec<(&str, usize)> = failing.iter().map(|&(filter, _)| (filter, 1)).collect();
    assert_eq!(report.counts, counts(&each_once));
    let reasons: Vec<&str> = report.examples.iter().map(|example| example.reason.as_str()).collect();
    assert_eq!(reasons[..2], ["min_words: 20 < 50", "max_words: 90 > 80"]);
    for (filter, doc) in &failing {
        let out = cleaned(&paragraphs(&[doc, &good[0]]), &quality(|q| switch_off(filter, q)));
        assert_eq!(out.report[0].docs_removed, 0, "{filter} is the only filter that {doc:?} fails");
    }
    let gopher = NgramLimit { n: 2, max_fraction: 0.2 };
    assert_eq!(QualitySettings::default().max_top_ngram[0], gopher);
}

#[test]
fn pii_is_masked_where_its_checksum_holds() {
    let docs = [
        "Write to jane.doe@example.com or JOHN_SMITH+news@mail.example.co.uk today.",
        "Call +44 20 7946 0958, +1 415-555-0132, (555) 123-4567 or 555-123-4567 after 9.",
        "Pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000, not GB82 WEST 1234 5698 7654 33.",
        "Cards 4111 1111 1111 1111 and 5500-0000-0000-0004 are masked; 4111 1111 1111 1112 is not.",
        "On 2024-05-01 we shipped order 12345678 to 3 people in room 101.",
    ];
    let masked = [
        "Write to <EMAIL> or <EMAIL> today.",
        "Call <PHONE>, <PHONE>, <PHONE> or <PHONE> after 9.",
        "Pay <IBAN> or <IBAN>, not GB82 WEST 1234 5698 7654 33.",
        "Cards <CARD> and <CARD> are masked; 4111 1111 1111 1112 is not.",
        docs[4],
    ];
    let settings = CleanSettings {
        pii: clean::PiiSettings { enabled: true, ..Default::default() },
        ..Default::default()
    };
    let out = cleaned(&paragraphs(&docs), &settings);
    assert_eq!(out.text, paragraphs(&masked));
    let report = only_report(&out, Step::Pii);
    assert_eq!((report.docs_in, report.docs_removed), (5, 0));
    assert_eq!(report.counts, counts(&[("card", 2), ("email", 2), ("iban", 2), ("phone", 4)]));
    let found = [
        "jane.doe@example.com",
        "JOHN_SMITH+news@mail.example.co.uk",
        "+44 20 7946 0958",
        "+1 415-555-0132",
        "(555) 123-4567",
        "555-123-4567",
        "GB82 WEST 1234 5698 7654 32",
        "DE89370400440532013000",
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
    ];
    assert_eq!(report.chars_removed, chars(&found));
    assert_eq!(report.examples[0].text, masked[0]);
}

/// 1,500 one-line documents.
fn many_lines() -> String {
    (0..1500).map(|i| format!("{}\n", prose(i * 3, 60))).collect()
}

#[test]
fn progress_reaches_the_end_of_every_step() {
    let mut heard: Vec<Progress> = Vec::new();
    let result = clean::clean(&many_lines(), &CleanSettings::every_step(), |progress| {
        heard.push(progress);
        ControlFlow::Continue(())
    });
    assert_eq!(result.unwrap().report.len(), 6);
    let html: Vec<usize> = heard.iter().filter(|p| p.step == Step::Html).map(|p| p.docs_done).collect();
    assert_eq!(html, [0, 512, 1024, 1500]);
    for number in 1..=6 {
        let step: Vec<&Progress> = heard.iter().filter(|p| p.step_number == number).collect();
        assert!(step.iter().all(|p| p.steps == 6 && p.docs_total == step[0].docs_total));
        assert!(step.windows(2).all(|pair| pair[0].docs_done < pair[1].docs_done || pair[1].docs_total == 0));
        assert_eq!((step[0].docs_done, step.last().unwrap().docs_done), (0, step[0].docs_total));
    }
    assert_eq!(heard.last().unwrap().step, Step::Pii);
}

#[test]
fn cancelling_stops_cleaning_at_once() {
    let mut calls = 0;
    let result = clean::clean(&many_lines(), &CleanSettings::every_step(), |_| {
        calls += 1;
        if calls == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    });
    assert_eq!(result, Err(Cancelled));
    assert_eq!(calls, 3);
}

#[test]
fn settings_and_reports_read_as_the_model_card_stores_them() {
    assert_eq!(serde_json::from_str::<CleanSettings>("{}").unwrap(), CleanSettings::default());
    let partial = r#"{"quality": {"enabled": true, "min_words": null}}"#;
    let partial: CleanSettings = serde_json::from_str(partial).unwrap();
    assert!(partial.quality.enabled && partial.quality.min_words.is_none());
    assert_eq!(partial.quality.max_words, Some(100_000));
    let every = CleanSettings::every_step();
    assert_eq!(
        serde_json::from_str::<CleanSettings>(&serde_json::to_string(&every).unwrap()).unwrap(),
        every
    );
    assert_eq!(serde_json::to_string(&Step::NearDedup).unwrap(), "\"near_dedup\"");
}
