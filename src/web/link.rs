//! Models from elsewhere: checkpoints shared by link (`?checkpoint=<https URL of a .safetensors
//! file>`, for example a file in a Hugging Face model repository) and GPT-2s from the Hub.

use url::Url;

use super::fetch::BrowserFetch;
use crate::checkpoint::HfGpt2;
use crate::data::fetch::Request;
use crate::data::hub::{self, Endpoints, HubError};

/// The page's own address with `?checkpoint=` set to `checkpoint_url`: the link to share.
pub fn share_link(checkpoint_url: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let mut page = Url::parse(&location.href().ok()?).ok()?;
    page.set_query(None);
    page.set_fragment(None);
    page.query_pairs_mut().append_pair("checkpoint", checkpoint_url.trim());
    Some(page.into())
}

/// Downloads a checkpoint link with progress; returns the file's name and bytes.
pub async fn download(
    link: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(String, Vec<u8>), String> {
    let url = allowed(link)?;
    let what = format!("the checkpoint at {url}");
    let fetch = BrowserFetch::new(None).await;
    match hub::get(&fetch, &Request::whole(url.as_str()), &what, progress).await {
        Ok(response) => {
            let name = url.path_segments().and_then(|mut s| s.next_back().map(str::to_string));
            Ok((
                name.filter(|n| !n.is_empty()).unwrap_or_else(|| "checkpoint.safetensors".into()),
                response.body,
            ))
        }
        Err(e @ HubError::Network { .. }) => Err(format!(
            "{e}. If the file is there, its server may not let other sites read it (CORS); \
             Hugging Face's resolve/ links do"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Only `https:` links; plain `http:` only on this machine (the tests' fixture server).
fn allowed(link: &str) -> Result<Url, String> {
    let url =
        Url::parse(link.trim()).map_err(|e| format!("the checkpoint link “{link}” is not a URL ({e})"))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        scheme => Err(format!("the checkpoint link must be an https: URL, not {scheme}:")),
    }
}

/// A Hub model's GPT-2 files, each fetched with progress (and kept by the browser cache).
pub async fn fetch_gpt2(
    endpoints: &Endpoints,
    model: &str,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<HfGpt2, String> {
    hub::check_repo_id(model).map_err(|e| e.to_string())?;
    let fetch = BrowserFetch::new(None).await;
    let mut file = async |name: &str| -> Result<Vec<u8>, String> {
        let request = Request::whole(endpoints.model_file(model, name));
        let what = format!("{name} of the model {model}");
        let response =
            hub::get(&fetch, &request, &what, &mut |bytes, total| progress(name, bytes, total)).await;
        Ok(response.map_err(|e| e.to_string())?.body)
    };
    let text = |bytes: Vec<u8>, name: &str| {
        String::from_utf8(bytes).map_err(|_| format!("the {name} of the model {model} is not text"))
    };
    let config_json = text(file("config.json").await?, "config.json")?;
    let tokenizer_json = text(file("tokenizer.json").await?, "tokenizer.json")?;
    let model_safetensors = file("model.safetensors").await?;
    Ok(HfGpt2 { model_safetensors, config_json, tokenizer_json })
}
