//! Models from elsewhere: a Hub model's GPT-2 files and pretrained `tokenizer.json`, and
//! checkpoints shared by link (`?checkpoint=<https URL of a .safetensors file>`, for example a
//! file in a Hugging Face model repository).

use url::Url;

use super::fetch::{Fetch, OnProgress, Request};
use super::hub::{self, Endpoints, HubError};
use crate::tokenize::{Tokenizer, TokenizerError};

/// A model in the Hub's GPT-2 layout: the three files `GPT2LMHeadModel.from_pretrained` reads.
#[derive(Debug, Clone)]
pub struct HfGpt2 {
    pub model_safetensors: Vec<u8>,
    pub config_json: String,
    pub tokenizer_json: String,
}

/// A checkpoint downloaded from a shared link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCheckpoint {
    /// The link's last path segment, shown in the page as the model's name.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Why a Hub model or its tokenizer could not be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("the {file} of the model {model} is not text")]
    NotText { model: String, file: String },
    #[error("the tokenizer.json of {model}: {error}")]
    Tokenizer { model: String, error: TokenizerError },
    /// Its `config.json` and `tokenizer.json` describe a model that cannot be used; its weights
    /// were not fetched.
    #[error("the model {model}: {reason}")]
    Unusable { model: String, reason: String },
}

/// Why a shared checkpoint link could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the checkpoint link “{link}” is not a URL ({reason})")]
    NotAUrl { link: String, reason: String },
    #[error("the checkpoint link must be an https: URL, not {scheme}:")]
    NotHttps { scheme: String },
    /// A browser reports a server that does not allow other sites as a network failure, so the
    /// message names that likely cause.
    #[error(
        "{0}. If the file is there, its server may not let other sites read it (CORS); \
         Hugging Face's resolve/ links do"
    )]
    Unreachable(HubError),
    #[error(transparent)]
    Hub(HubError),
}

impl From<HubError> for LinkError {
    fn from(error: HubError) -> Self {
        match error {
            HubError::Network { .. } => LinkError::Unreachable(error),
            _ => LinkError::Hub(error),
        }
    }
}

/// The name a link's file gets when its URL ends in `/`.
const DEFAULT_CHECKPOINT_NAME: &str = "checkpoint.safetensors";

/// The page at `page_url` with `?checkpoint=` set to `checkpoint_url`, and no other query or
/// fragment: the link to share. `None` when `page_url` is not a URL.
pub fn share_link(page_url: &str, checkpoint_url: &str) -> Option<String> {
    let mut page = Url::parse(page_url).ok()?;
    page.set_query(None);
    page.set_fragment(None);
    page.query_pairs_mut().append_pair("checkpoint", checkpoint_url.trim());
    Some(page.into())
}

/// Only `https:` links, since a checkpoint fetched in the clear could be swapped on the way;
/// plain `http:` only from this machine to a page on this machine (the tests' fixture server).
pub fn checkpoint_url(link: &str, page_host: &str) -> Result<Url, LinkError> {
    let url = Url::parse(link.trim())
        .map_err(|e| LinkError::NotAUrl { link: link.to_string(), reason: e.to_string() })?;
    let local = url.host_str().is_some_and(hub::is_this_machine) && hub::is_this_machine(page_host);
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        scheme => Err(LinkError::NotHttps { scheme: scheme.to_string() }),
    }
}

/// The file name a link's checkpoint is shown under: the URL's last path segment.
pub fn file_name(url: &Url) -> String {
    let last = url.path_segments().and_then(|mut segments| segments.next_back());
    last.filter(|name| !name.is_empty()).unwrap_or(DEFAULT_CHECKPOINT_NAME).to_string()
}

/// Downloads a shared checkpoint link with progress, after checking it is one the page may load.
pub async fn download_checkpoint(
    fetch: &impl Fetch,
    link: &str,
    page_host: &str,
    progress: OnProgress<'_>,
) -> Result<SharedCheckpoint, LinkError> {
    let url = checkpoint_url(link, page_host)?;
    let what = format!("the checkpoint at {url}");
    let response = hub::get(fetch, &Request::file(url.as_str()), &what, progress).await?;
    Ok(SharedCheckpoint { file_name: file_name(&url), bytes: response.body })
}

/// A Hub model's GPT-2 files, each fetched with progress (`progress` gets the file's name).
/// `vet` sees `config.json` and `tokenizer.json` before the weights are fetched, and refuses a
/// model that cannot be used with the reason.
pub async fn fetch_gpt2(
    fetch: &impl Fetch,
    endpoints: &Endpoints,
    model: &str,
    vet: impl FnOnce(&str, &str) -> Result<(), String>,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<HfGpt2, ModelError> {
    hub::check_repo_id(model)?;
    let mut file = async |name: &str, request: Request| -> Result<Vec<u8>, HubError> {
        let what = format!("{name} of the model {model}");
        let response =
            hub::get(fetch, &request, &what, &mut |bytes, total| progress(name, bytes, total)).await?;
        Ok(response.body)
    };
    let text = |bytes: Vec<u8>, name: &str| {
        String::from_utf8(bytes)
            .map_err(|_| ModelError::NotText { model: model.to_string(), file: name.to_string() })
    };
    let url = |name| endpoints.model_file(model, name);
    let config_json = text(file("config.json", Request::whole(url("config.json"))).await?, "config.json")?;
    let tokenizer_json =
        text(file("tokenizer.json", Request::whole(url("tokenizer.json"))).await?, "tokenizer.json")?;
    vet(&config_json, &tokenizer_json)
        .map_err(|reason| ModelError::Unusable { model: model.to_string(), reason })?;
    let model_safetensors = file("model.safetensors", Request::file(url("model.safetensors"))).await?;
    Ok(HfGpt2 { model_safetensors, config_json, tokenizer_json })
}

/// A Hub model's `tokenizer.json`, fetched and parsed.
pub async fn pretrained_tokenizer(
    fetch: &impl Fetch,
    endpoints: &Endpoints,
    model: &str,
) -> Result<Tokenizer, ModelError> {
    hub::check_repo_id(model)?;
    let request = Request::whole(endpoints.tokenizer(model));
    let response = hub::get(fetch, &request, &format!("model {model}"), &mut |_, _| {}).await?;
    Tokenizer::from_hub(&response.body, model)
        .map_err(|error| ModelError::Tokenizer { model: model.to_string(), error })
}
