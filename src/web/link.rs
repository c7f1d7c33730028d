//! The browser's side of models from elsewhere (the rules live in `data::models`): the page's
//! own address for share links, and the browser's fetch for downloads.

use web_sys::AbortSignal;

use super::fetch::BrowserFetch;
use crate::checkpoint;
use crate::data::hub::Endpoints;
use crate::data::models::{self, HfGpt2, LinkError, ModelError, SharedCheckpoint};

/// The page's own address with `?checkpoint=` set to `checkpoint_url`: the link to share.
pub fn share_link(checkpoint_url: &str) -> Option<String> {
    let page = web_sys::window()?.location().href().ok()?;
    models::share_link(&page, checkpoint_url)
}

/// Downloads a checkpoint link with progress (and keeps it in the browser cache); `cancel`
/// aborts it.
pub async fn download(
    link: &str,
    cancel: Option<AbortSignal>,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<SharedCheckpoint, LinkError> {
    models::download_checkpoint(&BrowserFetch::new(cancel).await, link, &page_host(), progress).await
}

/// The host the page is served from, without its port.
pub fn page_host() -> String {
    web_sys::window().and_then(|w| w.location().hostname().ok()).unwrap_or_default()
}

/// A Hub model's GPT-2 files, each fetched with progress (and kept by the browser cache);
/// `cancel` aborts them.
pub async fn fetch_gpt2(
    endpoints: &Endpoints,
    model: &str,
    cancel: Option<AbortSignal>,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<HfGpt2, ModelError> {
    let vet = |config: &str, tokenizer: &str| {
        checkpoint::check_gpt2_files(config, tokenizer, model).map(|_| ()).map_err(|e| e.to_string())
    };
    models::fetch_gpt2(&BrowserFetch::new(cancel).await, endpoints, model, vet, progress).await
}
