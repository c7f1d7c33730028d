//! The independent Python references (`tests/python/*_reference.py`), run on an export: each
//! computes a family's forward pass from the Hub's format alone and compares it with gptlab's.

use std::fs;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo};
use gptlab::model::Gpt;
use serde_json::{Value, json};

use super::{floats, tokens};

/// Logits `[seq, vocab]` of one sequence.
pub fn logits(model: &Gpt, ids: &[i64]) -> Vec<Vec<f32>> {
    let logits = model.forward(tokens(ids, &Device::flex()));
    let vocab = logits.dims()[2];
    floats(logits).chunks(vocab).map(<[f32]>::to_vec).collect()
}

/// Exports `model`, writes the zip and gptlab's logits for each of `texts` (as byte ids) to a
/// scratch folder, and runs `script check-export` on it with `$PYTHON` (default `python3`; one
/// with transformers installed checks the export with transformers too). Returns its output;
/// panics with it if the check fails.
pub fn check_export(script: &str, model: &Gpt, info: &CheckpointInfo, texts: &[&[u8]]) -> String {
    let files = pollster::block_on(checkpoint::export_hf(model, info)).unwrap();
    let cases: Vec<Value> = texts
        .iter()
        .map(|text| {
            let ids: Vec<i64> = text.iter().map(|&b| b as i64).collect();
            json!({"ids": ids, "logits": logits(model, &ids)})
        })
        .collect();
    // A folder of its own for each check: tests run side by side.
    static CHECKS: AtomicUsize = AtomicUsize::new(0);
    let check = CHECKS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("gptlab-export-{}-{check}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("export.zip"), checkpoint::zip_hf(&files)).unwrap();
    fs::write(dir.join("logits.json"), json!({"cases": cases}).to_string()).unwrap();
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args([script, "check-export", dir.to_str().unwrap()])
        .output()
        .expect("python3 runs (scripts/setup.sh installs numpy and safetensors for it)");
    fs::remove_dir_all(dir).unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} check-export failed:\n{text}");
    text
}
