//! Taking text from a Hub dataset: some rows of a column through the dataset viewer (its `/rows`
//! pages for small takes, its Parquet files for the rest), or the start of a plain-text file.

use std::ops::{ControlFlow, Range};

use serde::{Deserialize, Serialize};

use super::fetch::{Fetch, Request, Response};
use super::hub::{self, Endpoints, HubError, MAX_ROWS_PER_REQUEST, ParquetFile, ParquetFiles, Rows};
use super::parquet::{self, ParquetError, RangedFile};
use super::{Corpus, MAX_TEXT_BYTES};

/// How much text to take.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Amount {
    /// About this many bytes of UTF-8 text: whole rows or lines until the next would pass it.
    Bytes(u64),
    Rows(usize),
}

impl Amount {
    /// A tenth, for a validation split taken beside the training one.
    fn tenth(self) -> Amount {
        match self {
            Amount::Bytes(b) => Amount::Bytes((b / 10).max(1)),
            Amount::Rows(r) => Amount::Rows((r / 10).max(1)),
        }
    }
}

/// Row takes up to this size use the viewer's `/rows` pages instead of whole Parquet files.
pub const MAX_ROWS_BY_PAGE: usize = 1000;

/// Where the text comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A text column of a split, through the dataset viewer.
    Viewer(SplitColumn),
    /// A plain-text file of the dataset's repository, as uploaded.
    TextFile { dataset: String, path: String },
}

/// A column of one split of one config of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitColumn {
    pub dataset: String,
    pub config: String,
    pub split: String,
    pub column: String,
}

impl SplitColumn {
    /// The same column of another split.
    pub fn of_split(&self, split: &str) -> SplitColumn {
        SplitColumn { split: split.to_string(), ..self.clone() }
    }

    fn describe(&self) -> String {
        format!("{} ({}/{}, {})", self.dataset, self.config, self.split, self.column)
    }
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Viewer(column) => column.describe(),
            Source::TextFile { dataset, path } => format!("{dataset}/{path}"),
        }
    }

    fn dataset(&self) -> &str {
        match self {
            Source::Viewer(column) => &column.dataset,
            Source::TextFile { dataset, .. } => dataset,
        }
    }
}

/// How a take is going: bytes of the current download, rows kept so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TakeError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(
        "{0} has no Parquet conversion for this split, so the page cannot read it; pick a plain-text file instead"
    )]
    NoParquet(String),
    #[error("{what}: {error}")]
    Parquet { what: String, error: ParquetError },
    #[error("{0}: the take is empty: there is no text there")]
    Empty(String),
}

/// Rows kept until the amount is reached.
struct Kept {
    rows: Vec<String>,
    bytes: u64,
    amount: Amount,
}

impl Kept {
    fn new(amount: Amount) -> Self {
        Self { rows: Vec::new(), bytes: 0, amount }
    }

    /// The amount is reached, or the most text a corpus may hold.
    fn full(&self) -> bool {
        let amount_reached = match self.amount {
            Amount::Bytes(b) => self.bytes >= b,
            Amount::Rows(r) => self.rows.len() >= r,
        };
        amount_reached || self.bytes >= MAX_TEXT_BYTES
    }

    /// Keeps a row unless the take is full or the row would overshoot a byte amount.
    fn push(&mut self, row: &str) -> ControlFlow<()> {
        if self.full() {
            return ControlFlow::Break(());
        }
        let size = row.len() as u64 + 1;
        if let Amount::Bytes(b) = self.amount
            && self.bytes + size > b
            && !self.rows.is_empty()
        {
            self.bytes = b; // full: the next row would pass the amount
            return ControlFlow::Break(());
        }
        self.rows.push(row.to_string());
        self.bytes += size;
        if self.full() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }
}

/// Takes `amount` of text from `source`, reporting progress as it downloads.
pub async fn take(
    fetch: &impl Fetch,
    endpoints: &Endpoints,
    source: &Source,
    amount: Amount,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<String>, TakeError> {
    hub::check_repo_id(source.dataset())?;
    let mut taker = Taker { fetch, endpoints, progress };
    let rows = match (source, amount) {
        (Source::Viewer(column), Amount::Rows(n)) if n <= MAX_ROWS_BY_PAGE => taker.pages(column, n).await?,
        (Source::Viewer(column), _) => taker.parquet(column, amount).await?,
        (Source::TextFile { dataset, path }, _) => taker.text_file(dataset, path, amount).await?,
    };
    if rows.iter().all(|r| r.trim().is_empty()) {
        return Err(TakeError::Empty(source.describe()));
    }
    Ok(rows)
}

/// What every way of taking needs.
struct Taker<'a, F> {
    fetch: &'a F,
    endpoints: &'a Endpoints,
    progress: &'a mut dyn FnMut(Progress),
}

impl<F: Fetch> Taker<'_, F> {
    /// Rows through `/rows`, a hundred per request.
    async fn pages(&mut self, source: &SplitColumn, wanted: usize) -> Result<Vec<String>, TakeError> {
        let SplitColumn { dataset, config, split, column } = source;
        let what = format!("dataset {dataset}");
        let mut kept = Kept::new(Amount::Rows(wanted));
        let mut bytes = 0;
        while !kept.full() {
            let offset = kept.rows.len();
            let length = (wanted - offset).min(MAX_ROWS_PER_REQUEST);
            let url = self.endpoints.rows(dataset, config, split, offset, length);
            let response = hub::get(self.fetch, &Request::whole(url), &what, &mut |_, _| {}).await?;
            bytes += response.body.len() as u64;
            let page: Rows = hub::parse_json(&response.body, &what)?;
            if page.rows.is_empty() {
                break; // the split has fewer rows than asked for
            }
            for text in page.texts(column) {
                let Some(text) = text else {
                    let kind = "values that are not strings".into();
                    let error = ParquetError::NotText { column: column.clone(), kind };
                    return Err(TakeError::Parquet { what, error });
                };
                let _ = kept.push(&text);
            }
            (self.progress)(Progress { bytes, total_bytes: None, rows: kept.rows.len() });
        }
        Ok(kept.rows)
    }

    /// Rows from the split's Parquet files, one after another until the take is full.
    async fn parquet(&mut self, source: &SplitColumn, amount: Amount) -> Result<Vec<String>, TakeError> {
        let what = format!("dataset {}", source.dataset);
        let listing: ParquetFiles =
            hub::get_json(self.fetch, &self.endpoints.parquet_files(&source.dataset), &what).await?;
        let files = listing.of(&source.config, &source.split);
        if files.is_empty() {
            return Err(TakeError::NoParquet(source.describe()));
        }
        let mut kept = Kept::new(amount);
        for file in files {
            let what = format!("{what}, file {}", file.filename);
            self.parquet_file(&file, &source.column, &what, &mut kept).await?;
            if kept.full() {
                break;
            }
        }
        Ok(kept.rows)
    }

    /// Rows of one Parquet file: its footer first, then the column's chunk of one row group
    /// after another until the take is full, each by a `Range` request. A server that ignores
    /// ranges sends the whole file at the first request; it is read as it is.
    async fn parquet_file(
        &mut self,
        file: &ParquetFile,
        column: &str,
        what: &str,
        kept: &mut Kept,
    ) -> Result<(), TakeError> {
        let decoded = |error| TakeError::Parquet { what: what.to_string(), error };
        let mut ranged = RangedFile::new(file.size);
        let mut fetched = 0;
        while let Some(range) = ranged.next_footer_range().map_err(decoded)? {
            let response = self.file_range(file, range.clone(), &mut fetched, what, kept.rows.len()).await?;
            if response.status != 206 {
                parquet::for_each_text(response.body, column, |text| kept.push(text.unwrap_or_default()))
                    .map_err(decoded)?;
                self.report(fetched, file.size, kept);
                return Ok(());
            }
            ranged.add(range.start, response.body);
        }
        for (group, range) in ranged.chunk_ranges(column).map_err(decoded)?.into_iter().enumerate() {
            if !ranged.has(&range) {
                let response =
                    self.file_range(file, range.clone(), &mut fetched, what, kept.rows.len()).await?;
                ranged.add(range.start, response.body);
            }
            let each = |text: Option<&str>| kept.push(text.unwrap_or_default());
            let flow = ranged.for_each_text_in(group, column, each).map_err(decoded)?;
            self.report(fetched, file.size, kept);
            if flow.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Reports the rows kept once a file's bytes so far are decoded.
    fn report(&mut self, fetched: u64, size: u64, kept: &Kept) {
        (self.progress)(Progress { bytes: fetched, total_bytes: Some(size), rows: kept.rows.len() });
    }

    /// `range` of a Parquet file, reporting the bytes fetched of it so far.
    async fn file_range(
        &mut self,
        file: &ParquetFile,
        range: Range<u64>,
        fetched: &mut u64,
        what: &str,
        rows: usize,
    ) -> Result<Response, TakeError> {
        let before = *fetched;
        let progress = &mut *self.progress;
        let total_bytes = Some(file.size);
        let mut report = |bytes: u64, _| progress(Progress { bytes: before + bytes, total_bytes, rows });
        let response =
            hub::get(self.fetch, &Request::file_range(&file.url, range), what, &mut report).await?;
        *fetched += response.body.len() as u64;
        Ok(response)
    }

    /// Lines from the start of a text file: a byte amount asks the server for just that much.
    async fn text_file(
        &mut self,
        dataset: &str,
        path: &str,
        amount: Amount,
    ) -> Result<Vec<String>, TakeError> {
        let first_bytes = match amount {
            Amount::Bytes(b) => Some(b.min(MAX_TEXT_BYTES)),
            Amount::Rows(_) => None,
        };
        let url = self.endpoints.raw_file(dataset, path);
        let request = match first_bytes {
            Some(n) => Request::file_range(url, 0..n),
            None => Request::file(url),
        };
        let what = format!("file {path} of dataset {dataset}");
        let progress = &mut *self.progress;
        let mut report = |bytes, total| progress(Progress { bytes, total_bytes: total, rows: 0 });
        let response = hub::get(self.fetch, &request, &what, &mut report).await?;
        let mut body = response.body;
        let cut = first_bytes.is_some_and(|b| body.len() as u64 > b);
        if let Some(limit) = first_bytes {
            body.truncate(limit as usize);
        }
        let text = whole_lines(&body, cut || response.status == 206);
        let mut kept = Kept::new(amount);
        for line in text.lines() {
            if kept.push(line).is_break() {
                break;
            }
        }
        let size = body.len() as u64;
        (self.progress)(Progress { bytes: size, total_bytes: Some(size), rows: kept.rows.len() });
        Ok(kept.rows)
    }
}

/// The text of `bytes`; when they are a prefix of a longer file, without the last partial line
/// (or, for text without line breaks, the last partial character).
fn whole_lines(bytes: &[u8], is_prefix: bool) -> String {
    let end = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(newline) if is_prefix => newline + 1,
        _ => bytes.len(),
    };
    let bytes = &bytes[..end];
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(e) if is_prefix && e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into()
        }
        Err(_) => String::from_utf8_lossy(bytes).into(),
    }
}

/// Split names that hold held-out data, most preferred first.
const VALIDATION_SPLITS: [&str; 4] = ["validation", "valid", "val", "test"];

/// The split to validate on beside `split`, if the config has one.
pub fn validation_split(split: &str, splits: &[String]) -> Option<String> {
    VALIDATION_SPLITS.iter().find(|v| **v != split && splits.iter().any(|s| s == *v)).map(|v| v.to_string())
}

/// A corpus from `source`: `amount` for training, and for validation a tenth as much from
/// `validation_split` when the dataset has one, else the last tenth of the take.
pub async fn corpus(
    fetch: &impl Fetch,
    endpoints: &Endpoints,
    source: &Source,
    validation_split: Option<&str>,
    amount: Amount,
    progress: &mut dyn FnMut(Progress),
) -> Result<Corpus, TakeError> {
    let train = take(fetch, endpoints, source, amount, progress).await?;
    let validation = match (source, validation_split) {
        (Source::Viewer(column), Some(split)) => {
            let held_out = Source::Viewer(column.of_split(split));
            Some(take(fetch, endpoints, &held_out, amount.tenth(), progress).await?)
        }
        _ => None,
    };
    Ok(Corpus::from_rows(source.describe(), &train, validation.as_deref()))
}
