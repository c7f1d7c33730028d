//! The Hugging Face Hub and its dataset viewer: URLs, the JSON they answer, and GETs that retry
//! what is worth retrying and explain what is not.

use serde::{Deserialize, Serialize};
use url::Url;

pub use super::download::{MAX_TRIES, get, get_json, parse_json};
use super::fetch::{Fetch, FetchError, Request};

/// Where the Hub and the dataset viewer live. Tests point both at a local fixture server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub hub: String,
    pub viewer: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self { hub: "https://huggingface.co".into(), viewer: "https://datasets-server.huggingface.co".into() }
    }
}

/// Whether `host` is this machine. Only a page served from it (a developer's, or the tests')
/// may point itself at other Hub hosts or load plain-`http:` links.
pub fn is_this_machine(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

impl Endpoints {
    /// The endpoints of a page on `page_host` whose URL asks for `hub` and `viewer` instead of
    /// Hugging Face's (`?hf_hub=`, `?hf_viewer=`). Honoured only on a page served from this
    /// machine: elsewhere a crafted link could serve "gpt2" from anywhere. The note says when
    /// they were ignored.
    pub fn for_page(
        page_host: &str,
        hub: Option<String>,
        viewer: Option<String>,
    ) -> (Endpoints, Option<String>) {
        let defaults = Endpoints::default();
        if hub.is_none() && viewer.is_none() {
            return (defaults, None);
        }
        if !is_this_machine(page_host) {
            let note = "this link names other Hugging Face hosts (hf_hub, hf_viewer); only a page served \
                        from this machine uses them, so this one uses huggingface.co";
            return (defaults, Some(note.into()));
        }
        let endpoints =
            Endpoints { hub: hub.unwrap_or(defaults.hub), viewer: viewer.unwrap_or(defaults.viewer) };
        (endpoints, None)
    }

    /// `{viewer}/splits?dataset=…`: every config and split.
    pub fn splits(&self, dataset: &str) -> String {
        url(&self.viewer, &["splits"], &[("dataset", dataset)])
    }

    /// `{viewer}/info?dataset=…&config=…`: a config's columns and split sizes.
    pub fn info(&self, dataset: &str, config: &str) -> String {
        url(&self.viewer, &["info"], &[("dataset", dataset), ("config", config)])
    }

    /// `{viewer}/parquet?dataset=…`: the Parquet conversion's files.
    pub fn parquet_files(&self, dataset: &str) -> String {
        url(&self.viewer, &["parquet"], &[("dataset", dataset)])
    }

    /// `{viewer}/rows?…`: up to `MAX_ROWS_PER_REQUEST` rows from `offset`.
    pub fn rows(&self, dataset: &str, config: &str, split: &str, offset: usize, length: usize) -> String {
        let (offset, length) = (offset.to_string(), length.to_string());
        let query = [
            ("dataset", dataset),
            ("config", config),
            ("split", split),
            ("offset", &offset),
            ("length", &length),
        ];
        url(&self.viewer, &["rows"], &query)
    }

    /// `{hub}/api/datasets/{id}/tree/main?recursive=true`: the repository's files.
    pub fn repo_files(&self, dataset: &str) -> String {
        let mut segments = vec!["api", "datasets"];
        segments.extend(dataset.split('/'));
        segments.extend(["tree", "main"]);
        url(&self.hub, &segments, &[("recursive", "true")])
    }

    /// `{hub}/datasets/{id}/resolve/main/{path}`: a file as uploaded.
    pub fn raw_file(&self, dataset: &str, path: &str) -> String {
        let mut segments = vec!["datasets"];
        segments.extend(dataset.split('/'));
        segments.extend(["resolve", "main"]);
        segments.extend(path.split('/'));
        url(&self.hub, &segments, &[])
    }

    /// `{hub}/{model}/resolve/main/tokenizer.json`: a model's pretrained tokenizer.
    pub fn tokenizer(&self, model: &str) -> String {
        self.model_file(model, "tokenizer.json")
    }

    /// `{hub}/{model}/resolve/main/{file}`: a file of a model repository (`config.json`,
    /// `model.safetensors`, …).
    pub fn model_file(&self, model: &str, file: &str) -> String {
        let mut segments: Vec<&str> = model.split('/').collect();
        segments.extend(["resolve", "main", file]);
        url(&self.hub, &segments, &[])
    }
}

/// `base` with path segments appended (each percent-encoded) and a query.
fn url(base: &str, segments: &[&str], query: &[(&str, &str)]) -> String {
    let Ok(mut url) = Url::parse(base) else { return format!("{base}/{}", segments.join("/")) };
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url.into()
}

/// A repository id as the Hub spells them: `name` or `owner/name`, of letters, digits, `-_.`.
pub fn check_repo_id(id: &str) -> Result<(), HubError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() <= 2 && parts.iter().all(|p| part_ok(p)) {
        Ok(())
    } else {
        Err(HubError::BadId(id.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    #[error("“{0}” is not a Hugging Face id: write it as name or owner/name, e.g. karpathy/tiny_shakespeare")]
    BadId(String),
    #[error(
        "{0} was not found, or it is private or gated (the Hub gives the same answer for all three \
         to visitors who are not signed in)"
    )]
    NotFound(String),
    #[error("the Hugging Face dataset viewer cannot serve {what}: {message}")]
    Viewer { what: String, message: String },
    #[error("{what}: the server answered HTTP {status}")]
    Http { what: String, status: u16 },
    #[error(
        "{what}: Hugging Face is limiting requests from this address (HTTP 429), still after {tries} tries; wait a few minutes and try again"
    )]
    RateLimited { what: String, tries: u32 },
    #[error("{what}: the server failed (HTTP {status}), still after {tries} tries; try again later")]
    Server { what: String, status: u16, tries: u32 },
    #[error("{what}: the network failed ({message}), still after {tries} tries")]
    Network { what: String, message: String, tries: u32 },
    #[error("cancelled")]
    Cancelled,
    #[error("{what}: {error}")]
    TooLarge { what: String, error: FetchError },
    #[error("{what}: the answer is not what the Hub sends ({reason})")]
    Unparsable { what: String, reason: String },
}

/// One (config, split) pair of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SplitRef {
    pub config: String,
    pub split: String,
}

/// `/splits`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Splits {
    pub splits: Vec<SplitRef>,
}

impl Splits {
    /// Config names in the order the viewer lists them, each once.
    pub fn configs(&self) -> Vec<String> {
        let mut configs: Vec<String> = Vec::new();
        for s in &self.splits {
            if !configs.contains(&s.config) {
                configs.push(s.config.clone());
            }
        }
        configs
    }

    pub fn splits_of(&self, config: &str) -> Vec<String> {
        self.splits.iter().filter(|s| s.config == config).map(|s| s.split.clone()).collect()
    }
}

/// A column of a config, from `/info`'s features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `string`, `int64`, …; `Image`, `Sequence`, … for columns that are not plain values.
    pub kind: String,
}

impl Column {
    pub fn is_text(&self) -> bool {
        matches!(self.kind.as_str(), "string" | "large_string")
    }
}

/// `/info` for one config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInfo {
    pub columns: Vec<Column>,
}

impl ConfigInfo {
    pub fn parse(body: &[u8], what: &str) -> Result<Self, HubError> {
        #[derive(Deserialize)]
        struct Info {
            dataset_info: DatasetInfo,
        }
        #[derive(Deserialize)]
        struct DatasetInfo {
            // A JSON object, kept in the order the dataset declares its columns.
            features: serde_json::Map<String, serde_json::Value>,
        }
        let info: Info = parse_json(body, what)?;
        let columns = info
            .dataset_info
            .features
            .into_iter()
            .map(|(name, feature)| {
                let kind = feature
                    .get("dtype")
                    .or_else(|| feature.get("_type"))
                    .and_then(|k| k.as_str())
                    .unwrap_or("unknown")
                    .to_string();
                Column { name, kind }
            })
            .collect();
        Ok(Self { columns })
    }

    pub fn text_columns(&self) -> Vec<String> {
        self.columns.iter().filter(|c| c.is_text()).map(|c| c.name.clone()).collect()
    }
}

/// One file of the viewer's Parquet conversion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ParquetFile {
    pub config: String,
    pub split: String,
    pub url: String,
    pub filename: String,
    pub size: u64,
}

/// `/parquet`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ParquetFiles {
    pub parquet_files: Vec<ParquetFile>,
}

impl ParquetFiles {
    /// The files of one split, in row order.
    pub fn of(&self, config: &str, split: &str) -> Vec<ParquetFile> {
        let mut files: Vec<ParquetFile> =
            self.parquet_files.iter().filter(|f| f.config == config && f.split == split).cloned().collect();
        files.sort_by(|a, b| a.filename.cmp(&b.filename));
        files
    }
}

/// Most rows `/rows` gives per request.
pub const MAX_ROWS_PER_REQUEST: usize = 100;

/// `/rows`: a page of rows, each a JSON object of cells.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Rows {
    pub rows: Vec<RowEntry>,
    pub num_rows_total: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RowEntry {
    pub row: serde_json::Map<String, serde_json::Value>,
}

impl Rows {
    /// The text of `column` in each row; `None` for a cell that is not a string.
    pub fn texts(&self, column: &str) -> Vec<Option<String>> {
        self.rows.iter().map(|r| r.row.get(column).and_then(|v| v.as_str()).map(str::to_string)).collect()
    }
}

/// One entry of the Hub's tree listing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RepoEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    #[serde(default)]
    pub size: u64,
}

/// Plain-text files of a repository listing, the ones the page can train on as they are.
pub fn text_files(entries: &[RepoEntry]) -> Vec<RepoEntry> {
    entries.iter().filter(|e| e.kind == "file" && e.path.ends_with(".txt")).cloned().collect()
}

/// What a dataset offers: the viewer's configs and splits, and the repository's text files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    pub splits: Option<Splits>,
    pub text_files: Vec<RepoEntry>,
}

/// Asks the viewer and the Hub what `dataset` holds. Either may know nothing of it (a repository
/// of text files the viewer has not converted, a dataset whose files are all Parquet); only
/// when neither answers is it an error, the viewer's.
pub async fn browse(fetch: &impl Fetch, endpoints: &Endpoints, dataset: &str) -> Result<Listing, HubError> {
    check_repo_id(dataset)?;
    let what = format!("dataset {dataset}");
    let splits = get_json::<Splits>(fetch, &endpoints.splits(dataset), &what).await;
    if matches!(splits, Err(HubError::Cancelled)) {
        return Err(HubError::Cancelled);
    }
    let files = get_json::<Vec<RepoEntry>>(fetch, &endpoints.repo_files(dataset), &what).await;
    let text_files = files.as_deref().map(text_files).unwrap_or_default();
    match splits {
        Ok(splits) => Ok(Listing { splits: Some(splits), text_files }),
        Err(_) if !text_files.is_empty() => Ok(Listing { splits: None, text_files }),
        Err(error) => Err(error),
    }
}

/// The text columns of a config; an error naming the columns when there is none.
pub async fn text_columns(
    fetch: &impl Fetch,
    endpoints: &Endpoints,
    dataset: &str,
    config: &str,
) -> Result<Vec<String>, HubError> {
    let what = format!("dataset {dataset}");
    let response =
        get(fetch, &Request::whole(endpoints.info(dataset, config)), &what, &mut |_, _| {}).await?;
    let info = ConfigInfo::parse(&response.body, &what)?;
    let columns = info.text_columns();
    if columns.is_empty() {
        let all =
            info.columns.iter().map(|c| format!("{} ({})", c.name, c.kind)).collect::<Vec<_>>().join(", ");
        return Err(HubError::Viewer {
            what,
            message: format!("it has no text column to train on (its columns: {all})"),
        });
    }
    Ok(columns)
}
