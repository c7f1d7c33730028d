//! The Hugging Face GPT-2 layout: exports an independent numpy GPT-2 computes the same logits
//! for, imports of the Hub's files, and the round trip between them.

use std::fs;

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointError, CheckpointInfo, HfGpt2, TrainingState};
use gptlab::model::{Gpt, GptConfig};
use gptlab::tokenize::Tokenizer;
use safetensors::SafeTensors;
use serde_json::{Value, json};

use super::reference::{check_export, logits};
use super::{seeded_model, small_config};

const FIXTURE: &str = "tests/fixtures/gpt2";
const REFERENCE: &str = "tests/python/gpt2_reference.py";

fn info(config: &GptConfig, tokenizer: Tokenizer) -> CheckpointInfo {
    CheckpointInfo {
        model: config.clone(),
        tokenizer,
        training: TrainingState { step: 5, dataset: "arithmetic".into(), ..Default::default() },
    }
}

fn export(model: &Gpt, info: &CheckpointInfo) -> HfGpt2 {
    pollster::block_on(checkpoint::export_hf(model, info)).unwrap()
}

fn hub_fixture() -> HfGpt2 {
    HfGpt2 {
        model_safetensors: fs::read(format!("{FIXTURE}/model.safetensors")).unwrap(),
        config_json: fs::read_to_string(format!("{FIXTURE}/config.json")).unwrap(),
        tokenizer_json: fs::read_to_string("tests/fixtures/tokenizer-gpt2-style.json").unwrap(),
    }
}

fn import(files: &HfGpt2) -> Result<(Gpt, CheckpointInfo), CheckpointError> {
    checkpoint::import_gpt2(files, "gptlab/tiny-gpt2", &Device::flex())
}

#[test]
fn an_export_gives_the_logits_of_an_independent_numpy_gpt2() {
    let config = small_config().with_n_head(4).with_block_size(32);
    let model = seeded_model(&config, 21);
    let texts = [&b"two plus three equals"[..], b"\nsix times one", &[0, 255, 7, 128]];
    println!("{}", check_export(REFERENCE, &model, &info(&config, Tokenizer::Bytes), &texts));
}

#[test]
fn a_gpt2_from_the_hub_imports_with_the_logits_numpy_computes() {
    let (model, info) = import(&hub_fixture()).unwrap();
    assert_eq!(
        info.model,
        GptConfig::new(261).with_block_size(32).with_n_layer(2).with_n_head(4).with_n_embd(32)
    );
    assert!(info.tokenizer.describe().contains("gptlab/tiny-gpt2"));
    let expected: Value =
        serde_json::from_str(&fs::read_to_string(format!("{FIXTURE}/expected-logits.json")).unwrap())
            .unwrap();
    for case in expected["cases"].as_array().unwrap() {
        let ids: Vec<i64> = serde_json::from_value(case["ids"].clone()).unwrap();
        let want: Vec<Vec<f32>> = serde_json::from_value(case["logits"].clone()).unwrap();
        let got = logits(&model, &ids);
        let worst =
            got.iter().flatten().zip(want.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-4, "ids {ids:?}: logits differ from numpy's by {worst}");
    }
}

#[test]
fn an_export_imports_back_to_identical_logits_and_the_same_card() {
    let tokenizer = Tokenizer::train_bpe(&"the cat sat on the mat. ".repeat(50), 300).unwrap();
    let config = GptConfig { vocab_size: tokenizer.vocab_size(), ..small_config() };
    let model = seeded_model(&config, 22);
    let saved = info(&config, tokenizer.clone());
    let (back, back_info) = import(&export(&model, &saved)).unwrap();
    assert_eq!(back_info.model, config);
    assert_eq!(back_info.training, saved.training, "the export keeps the training state for the card");
    let ids = tokenizer.encode("the cat sat").unwrap().into_iter().map(i64::from).collect::<Vec<_>>();
    assert_eq!(logits(&back, &ids), logits(&model, &ids));
    assert_eq!(
        back_info.tokenizer.encode("the mat sat on the cat"),
        tokenizer.encode("the mat sat on the cat")
    );
}

#[test]
fn the_byte_tokenizer_exports_as_a_bpe_whose_ids_are_the_bytes() {
    let json = Tokenizer::Bytes.to_hf_json().unwrap();
    let exported = Tokenizer::from_json(json.as_bytes(), "export").unwrap();
    assert_eq!(exported.vocab_size(), 256);
    for text in ["two plus three equals five\n", "emoji 👩‍🔬 and 日本語", "\u{0}\t\r\n  spaces  "] {
        let ids = exported.encode(text).unwrap();
        assert_eq!(ids, text.bytes().map(u32::from).collect::<Vec<_>>(), "{text:?}");
        assert_eq!(exported.decode(&ids), text);
    }
}

#[test]
fn the_zip_holds_the_three_files_transformers_reads() {
    let config = small_config();
    let files = export(&seeded_model(&config, 23), &info(&config, Tokenizer::Bytes));
    let zipped = checkpoint::zip_hf(&files);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["config.json", "model.safetensors", "tokenizer.json"]);
    let mut model = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("model.safetensors").unwrap(), &mut model).unwrap();
    let (_, header) = SafeTensors::read_metadata(&model).unwrap();
    assert_eq!(header.metadata().as_ref().unwrap()["format"], "pt");
    let file = SafeTensors::deserialize(&model).unwrap();
    for name in [
        "transformer.wte.weight",
        "transformer.h.1.ln_2.weight",
        "transformer.h.0.attn.c_attn.bias",
        "transformer.ln_f.bias",
    ] {
        assert!(file.names().contains(&name), "{name} missing");
    }
    assert_eq!(
        file.tensor("transformer.h.0.mlp.c_fc.weight").unwrap().shape(),
        [32, 128],
        "Conv1D weights are [in, out]"
    );
}

/// The fixture with `edit` applied to its config.json.
fn with_config(edit: impl Fn(&mut Value)) -> HfGpt2 {
    let mut files = hub_fixture();
    let mut config: Value = serde_json::from_str(&files.config_json).unwrap();
    edit(&mut config);
    files.config_json = config.to_string();
    files
}

/// The fixture's tensors, renamed or changed by `edit`, written again.
fn with_tensors(edit: impl Fn(&mut Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)>)) -> HfGpt2 {
    let mut files = hub_fixture();
    let file = SafeTensors::deserialize(&files.model_safetensors).unwrap();
    let mut tensors: Vec<_> = file
        .tensors()
        .into_iter()
        .map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
        .collect();
    edit(&mut tensors);
    let views = tensors.iter().map(|(n, dtype, shape, data)| {
        (n.clone(), safetensors::tensor::TensorView::new(*dtype, shape.clone(), data).unwrap())
    });
    files.model_safetensors = safetensors::serialize(views, None).unwrap();
    files
}

fn refusal(files: &HfGpt2) -> String {
    import(files).expect_err("the file was imported").to_string()
}

#[test]
fn what_gptlab_cannot_run_is_refused_with_the_reason() {
    let relu = with_config(|c| c["activation_function"] = json!("relu"));
    assert!(
        refusal(&relu).contains("uses the \"relu\" activation, not GPT-2's tanh GELU"),
        "{}",
        refusal(&relu)
    );
    let wide = with_config(|c| c["n_inner"] = json!(96));
    assert!(refusal(&wide).contains("MLP 96 wide"), "{}", refusal(&wide));
    let llama = with_config(|c| c["model_type"] = json!("llama"));
    assert!(refusal(&llama).contains("model_type is \"llama\""), "{}", refusal(&llama));
    let huge = with_config(|c| c["n_layer"] = json!(4000));
    assert!(refusal(&huge).contains("but the file is only"), "{}", refusal(&huge));
    let missing = with_tensors(|t| t.retain(|(n, ..)| n != "h.1.mlp.c_fc.bias"));
    assert!(refusal(&missing).contains("missing tensor h.1.mlp.c_fc.bias"), "{}", refusal(&missing));
    let untied = with_tensors(|t| {
        let (_, dtype, shape, mut data) = t.iter().find(|(n, ..)| n == "wte.weight").unwrap().clone();
        data[0] ^= 1;
        t.push(("lm_head.weight".into(), dtype, shape, data));
    });
    assert!(refusal(&untied).contains("lm_head.weight differs"), "{}", refusal(&untied));
    let mut garbled = hub_fixture();
    garbled.tokenizer_json = "{\"model\":".into();
    assert!(refusal(&garbled).contains("tokenizer.json"), "{}", refusal(&garbled));
}

#[test]
fn half_precision_weights_are_widened_on_import() {
    let halved = with_tensors(|t| {
        for (_, dtype, _, data) in t.iter_mut() {
            *data = data
                .chunks_exact(4)
                .flat_map(|b| half::f16::from_f32(f32::from_le_bytes(b.try_into().unwrap())).to_le_bytes())
                .collect();
            *dtype = safetensors::Dtype::F16;
        }
    });
    let (model, _) = import(&halved).unwrap();
    let (exact, _) = import(&hub_fixture()).unwrap();
    let (a, b) = (logits(&model, &[1, 2, 3]), logits(&exact, &[1, 2, 3]));
    let worst = a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(worst > 0.0 && worst < 0.5, "f16 weights give nearly the same logits: {worst}");
}
