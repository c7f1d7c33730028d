//! Models from elsewhere against recorded responses: a Hub GPT-2's three files (the ones the
//! browser tests' Hub stand-in serves), a pretrained tokenizer.json, and checkpoint links.

use burn::prelude::*;
use gptlab::checkpoint;
use gptlab::data::fetch::FetchError;
use gptlab::data::hub::HubError;
use gptlab::data::models::{
    self, HfGpt2, LinkError, ModelError, SharedCheckpoint, checkpoint_url, file_name, share_link,
};
use pollster::block_on;
use url::Url;

use super::recorded::{Recorded, endpoints, fixture, ok, status};

const TINY_GPT2: &str = "gptlab/tiny-gpt2";
const GPT2_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// The host of the page in these tests: this machine, as in the browser tests.
const PAGE_HOST: &str = "127.0.0.1";
const LOCAL_LINK: &str = "http://127.0.0.1:8000/shared/model.safetensors";

impl Recorded {
    /// A Hub model repository serving its fixture files from `tests/fixtures/hf/hub/{model}`.
    fn model(model: &str, files: &[&str]) -> Self {
        files.iter().fold(Recorded::default(), |fake, file| {
            let body = fixture(&format!("hub/{model}/resolve/main/{file}"));
            fake.with(endpoints().model_file(model, file), ok(body))
        })
    }

    /// The Hub's answer to anonymous requests for a repository that does not exist.
    fn missing_model(model: &str, file: &str) -> Self {
        let body = format!(r#"{{"error":"RepoNotFound: {model}/resolve/main/{file}"}}"#);
        Recorded::default()
            .with(endpoints().model_file(model, file), status(401, Some("RepoNotFound"), &body))
    }
}

/// What the page checks of a Hub GPT-2's config and tokenizer before fetching its weights.
fn vet(model: &str) -> impl FnOnce(&str, &str) -> Result<(), String> {
    move |config: &str, tokenizer: &str| {
        checkpoint::check_gpt2_files(config, tokenizer, model).map(|_| ()).map_err(|e| e.to_string())
    }
}

fn fetch_gpt2(fetch: &Recorded, model: &str) -> Result<HfGpt2, ModelError> {
    block_on(models::fetch_gpt2(fetch, &endpoints(), model, vet(model), &mut |_, _, _| {}))
}

fn download(fetch: &Recorded, link: &str) -> Result<SharedCheckpoint, LinkError> {
    block_on(models::download_checkpoint(fetch, link, PAGE_HOST, &mut |_, _| {}))
}

#[test]
fn a_hub_gpt2_arrives_as_its_three_files_with_progress_for_each() {
    let fetch = Recorded::model(TINY_GPT2, &GPT2_FILES);
    let mut reported = Vec::new();
    let progress = &mut |file: &str, bytes, total| reported.push((file.to_string(), bytes, total));
    let files =
        block_on(models::fetch_gpt2(&fetch, &endpoints(), TINY_GPT2, vet(TINY_GPT2), progress)).unwrap();

    let served = |file| fixture(&format!("hub/{TINY_GPT2}/resolve/main/{file}"));
    assert_eq!(files.config_json.as_bytes(), served("config.json"));
    assert_eq!(files.tokenizer_json.as_bytes(), served("tokenizer.json"));
    assert_eq!(files.model_safetensors, served("model.safetensors"));
    let each: Vec<_> = GPT2_FILES.iter().map(|f| (f.to_string(), served(f).len() as u64)).collect();
    let reported: Vec<_> = reported.into_iter().map(|(file, bytes, _)| (file, bytes)).collect();
    assert_eq!(reported, each, "one report per file, named, in the order fetched");

    let (_, info) = checkpoint::import_gpt2(&files, TINY_GPT2, &Device::flex()).unwrap();
    assert_eq!((info.model.n_layer, info.model.n_head, info.model.n_embd), (2, 4, 32));
}

#[test]
fn a_missing_model_is_explained_and_nothing_more_is_fetched() {
    let fetch = Recorded::missing_model("gptlab/nope", "config.json");
    let error = fetch_gpt2(&fetch, "gptlab/nope").unwrap_err();
    assert_eq!(error, ModelError::Hub(HubError::NotFound("config.json of the model gptlab/nope".into())));
    assert!(error.to_string().contains("config.json of the model gptlab/nope was not found"), "{error}");
    assert_eq!(fetch.urls(), [endpoints().model_file("gptlab/nope", "config.json")]);
}

#[test]
fn a_model_id_is_checked_before_any_request() {
    let fetch = Recorded::default();
    let error = fetch_gpt2(&fetch, "not a model id").unwrap_err();
    assert!(error.to_string().contains("is not a Hugging Face id"), "{error}");
    let error = block_on(models::pretrained_tokenizer(&fetch, &endpoints(), "a/b/c")).unwrap_err();
    assert!(matches!(error, ModelError::Hub(HubError::BadId(_))), "{error}");
    assert!(fetch.requests.borrow().is_empty());
}

#[test]
fn a_config_json_that_is_not_text_is_refused() {
    let fetch =
        Recorded::default().with(endpoints().model_file("a/b", "config.json"), ok(vec![0xff, 0xfe, 0]));
    let error = fetch_gpt2(&fetch, "a/b").unwrap_err();
    assert_eq!(error.to_string(), "the config.json of the model a/b is not text");
}

#[test]
fn a_pretrained_tokenizer_is_fetched_and_parsed() {
    let fetch = Recorded::model(TINY_GPT2, &["tokenizer.json"]);
    let tokenizer = block_on(models::pretrained_tokenizer(&fetch, &endpoints(), TINY_GPT2)).unwrap();
    assert_eq!(tokenizer.describe(), "tokenizer.json of gptlab/tiny-gpt2 (261 tokens)");
    assert_eq!(tokenizer.encode("a the").unwrap().len(), 2, "its merges apply");
    assert_eq!(fetch.urls(), [endpoints().tokenizer(TINY_GPT2)]);
}

#[test]
fn an_unparsable_tokenizer_json_is_refused_with_a_message() {
    let fetch = Recorded::model("gptlab/garbled", &["tokenizer.json"]);
    let error = block_on(models::pretrained_tokenizer(&fetch, &endpoints(), "gptlab/garbled")).unwrap_err();
    assert!(matches!(error, ModelError::Tokenizer { .. }));
    assert!(error.to_string().starts_with("the tokenizer.json of gptlab/garbled: "), "{error}");

    let fetch = Recorded::missing_model("gptlab/nope", "tokenizer.json");
    let error = block_on(models::pretrained_tokenizer(&fetch, &endpoints(), "gptlab/nope")).unwrap_err();
    assert!(error.to_string().contains("model gptlab/nope was not found"), "{error}");
}

#[test]
fn a_checkpoint_link_must_be_https_except_on_this_machine() {
    for allowed in [
        "https://huggingface.co/you/model/resolve/main/model.safetensors",
        " https://example.com/a.safetensors ",
        "http://127.0.0.1:8080/model.safetensors",
        "http://localhost/model.safetensors",
    ] {
        assert!(checkpoint_url(allowed, PAGE_HOST).is_ok(), "{allowed}");
    }
    let refused = checkpoint_url("http://example.com/model.safetensors", PAGE_HOST).unwrap_err();
    assert_eq!(refused.to_string(), "the checkpoint link must be an https: URL, not http:");
    let refused = checkpoint_url("ftp://example.com/model.safetensors", PAGE_HOST).unwrap_err();
    assert_eq!(refused, LinkError::NotHttps { scheme: "ftp".into() });
    // A page out on the web does not fetch from the visitor's own machine in the clear.
    let refused = checkpoint_url("http://localhost/model.safetensors", "gptlab.example").unwrap_err();
    assert_eq!(refused, LinkError::NotHttps { scheme: "http".into() });
    assert!(checkpoint_url("https://localhost/model.safetensors", "gptlab.example").is_ok());
    let garbage = checkpoint_url("model.safetensors", PAGE_HOST).unwrap_err();
    assert!(garbage.to_string().starts_with("the checkpoint link “model.safetensors” is not a URL ("));
}

#[test]
fn a_refused_link_is_never_fetched() {
    let fetch = Recorded::default();
    let error = download(&fetch, "ftp://example.com/model.safetensors").unwrap_err();
    assert!(error.to_string().contains("must be an https: URL"), "{error}");
    assert!(fetch.requests.borrow().is_empty());
}

#[test]
fn the_share_link_is_the_page_with_only_the_checkpoint_in_its_query() {
    let checkpoint = "https://huggingface.co/you/model/resolve/main/model.safetensors";
    let page = "http://127.0.0.1:8080/lab/?backend=cpu&checkpoint=old#samples";
    let link = share_link(page, &format!("  {checkpoint}\n")).unwrap();
    assert_eq!(
        link,
        "http://127.0.0.1:8080/lab/?checkpoint=https%3A%2F%2Fhuggingface.co%2Fyou%2Fmodel%2Fresolve%2Fmain%2Fmodel.safetensors"
    );
    let pairs: Vec<_> = Url::parse(&link).unwrap().query_pairs().into_owned().collect();
    assert_eq!(pairs, [("checkpoint".to_string(), checkpoint.to_string())]);
    assert_eq!(share_link("not a page", checkpoint), None);
}

#[test]
fn a_linked_checkpoint_is_named_after_the_links_last_path_segment() {
    let name = |link: &str| file_name(&Url::parse(link).unwrap());
    assert_eq!(name("https://hf.co/a/b/resolve/main/model.safetensors?download=true"), "model.safetensors");
    assert_eq!(name("https://example.com/runs/"), "checkpoint.safetensors");
    assert_eq!(name("https://example.com"), "checkpoint.safetensors");
}

#[test]
fn a_shared_checkpoint_downloads_with_progress() {
    let fetch = Recorded::default().with(LOCAL_LINK.into(), ok(b"safetensors bytes".to_vec()));
    let mut reported = Vec::new();
    let shared = block_on(models::download_checkpoint(&fetch, LOCAL_LINK, PAGE_HOST, &mut |bytes, _| {
        reported.push(bytes)
    }))
    .unwrap();
    let expected =
        SharedCheckpoint { file_name: "model.safetensors".into(), bytes: b"safetensors bytes".to_vec() };
    assert_eq!(shared, expected);
    assert_eq!(reported, [17]);
}

#[test]
fn an_unreachable_link_suggests_cors_and_a_missing_file_is_not_found() {
    let cut = Err(FetchError::Network("Failed to fetch".into()));
    let error = download(&Recorded::default().then(LOCAL_LINK.into(), cut), LOCAL_LINK).unwrap_err();
    assert!(matches!(error, LinkError::Unreachable(HubError::Network { .. })));
    let message = error.to_string();
    assert!(message.contains("the network failed (Failed to fetch), still after 4 tries."), "{message}");
    assert!(message.contains("its server may not let other sites read it (CORS)"), "{message}");

    let error = download(&Recorded::default(), LOCAL_LINK).unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with(&format!("the checkpoint at {LOCAL_LINK} was not found")), "{message}");
    assert!(!message.contains("CORS"), "{message}");
}

#[test]
fn only_a_page_on_this_machine_may_name_other_hub_hosts() {
    use gptlab::data::hub::Endpoints;
    let asked =
        || (Some("http://127.0.0.1:9/hub".to_string()), Some("http://127.0.0.1:9/viewer".to_string()));
    let (hub, viewer) = asked();
    let (endpoints, note) = Endpoints::for_page("localhost", hub, viewer);
    assert_eq!((endpoints.hub.as_str(), note), ("http://127.0.0.1:9/hub", None));
    let (hub, viewer) = asked();
    let (endpoints, note) = Endpoints::for_page("gptlab.example", hub, viewer);
    assert_eq!(endpoints, Endpoints::default());
    assert!(note.expect("the page says why").contains("uses huggingface.co"));
    assert_eq!(Endpoints::for_page("gptlab.example", None, None), (Endpoints::default(), None));
}

#[test]
fn a_model_gptlab_cannot_run_is_refused_before_its_weights_are_fetched() {
    let served = |file| fixture(&format!("hub/{TINY_GPT2}/resolve/main/{file}"));
    let mut config: serde_json::Value = serde_json::from_slice(&served("config.json")).unwrap();
    config["activation_function"] = "relu".into();
    let fetch = Recorded::default()
        .with(endpoints().model_file(TINY_GPT2, "config.json"), ok(config.to_string().into_bytes()))
        .with(endpoints().model_file(TINY_GPT2, "tokenizer.json"), ok(served("tokenizer.json")));
    let error = fetch_gpt2(&fetch, TINY_GPT2).unwrap_err().to_string();
    assert!(
        error.starts_with("the model gptlab/tiny-gpt2: this is not a GPT-2 model gptlab can run"),
        "{error}"
    );
    assert!(error.contains("relu"), "{error}");
    assert!(!fetch.urls().iter().any(|url| url.ends_with("model.safetensors")), "no weights were fetched");
}

#[test]
fn a_body_larger_than_the_page_takes_is_refused_with_its_size_and_the_cap() {
    use gptlab::data::fetch::{MAX_DOCUMENT_BYTES, MAX_FILE_BYTES};
    let huge_tokenizer = vec![b' '; MAX_DOCUMENT_BYTES as usize + 10_000_000];
    let fetch = Recorded::default().with(endpoints().tokenizer(TINY_GPT2), ok(huge_tokenizer));
    let error =
        block_on(models::pretrained_tokenizer(&fetch, &endpoints(), TINY_GPT2)).unwrap_err().to_string();
    assert_eq!(error, "model gptlab/tiny-gpt2: it is 60.0 MB, more than the 50.0 MB the page downloads");
    assert_eq!(fetch.requests.borrow().len(), 1, "a body too large is not tried again");
    assert_eq!(fetch.requests.borrow()[0].max_bytes, MAX_DOCUMENT_BYTES);
    let fetch = Recorded::default().with(LOCAL_LINK.into(), ok(b"x".to_vec()));
    let _ = download(&fetch, LOCAL_LINK);
    assert_eq!(fetch.requests.borrow()[0].max_bytes, MAX_FILE_BYTES, "a checkpoint is a file");
}
