//! The layers only look down (see lib.rs): only `web/` knows the browser, and the layers below
//! the training session never reach up into it. Checked on the source text.

use std::path::{Path, PathBuf};

/// Names only the browser layer may use.
const BROWSER_NAMES: [&str; 5] = ["web::", "leptos", "web_sys", "js_sys", "wasm_bindgen"];
/// The layers below the session.
const BELOW_SESSION: [&str; 6] = ["model", "train", "sample", "tokenize", "data", "checkpoint"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path, text));
        }
    }
    found
}

/// `(file, line)` of each line in `files` that names one of `names`.
fn naming(files: &[(PathBuf, String)], names: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            if names.iter().any(|name| line.contains(name)) {
                hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn only_the_web_module_names_the_browser() {
    let src = src();
    // The binaries are the browser's entry points: main.rs mounts `web::App`, bin/ holds the
    // engine, which exports the workers' entries.
    let entry_point =
        |path: &std::path::Path| path == src.join("main.rs") || path.starts_with(src.join("bin"));
    let outside: Vec<_> = sources(&src)
        .into_iter()
        .filter(|(path, _)| !path.starts_with(src.join("web")) && !entry_point(path))
        .collect();
    assert!(outside.len() > 20, "found only {} files: is src/ where it was?", outside.len());
    assert_eq!(naming(&outside, &BROWSER_NAMES), Vec::<String>::new());
}

#[test]
fn the_layers_below_the_session_never_name_it() {
    let below: Vec<_> = BELOW_SESSION.iter().flat_map(|layer| sources(&src().join(layer))).collect();
    assert_eq!(naming(&below, &["session::", "crate::web"]), Vec::<String>::new());
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let file = vec![(PathBuf::from("x.rs"), "use leptos::prelude::*;\nfn f() {}\n".to_string())];
    assert_eq!(naming(&file, &BROWSER_NAMES), ["x.rs:1: use leptos::prelude::*;"]);
}
