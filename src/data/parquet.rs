//! The text column of a Parquet file (the Hub's dataset conversion format): decoded from the whole
//! file, or read by byte ranges, the footer first and then one row group's column at a time, so a
//! small take of a large file downloads a small part of it.

use std::ops::{ControlFlow, Range};
use std::sync::Arc;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_schema::DataType;
use bytes::{Buf, Bytes};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::errors::ParquetError as Decode;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, Length};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParquetError {
    #[error("the Parquet file is unreadable: {0}")]
    Unreadable(String),
    #[error("there is no column “{column}” (the columns are: {columns})")]
    NoSuchColumn { column: String, columns: String },
    #[error("the column “{column}” holds {kind}, not text")]
    NotText { column: String, kind: String },
}

fn unreadable(error: Decode) -> ParquetError {
    ParquetError::Unreadable(error.to_string())
}

/// Calls `each` with every cell of the text column `column` in row order (`None` for a null), until
/// it answers `Break`. Only that column is decompressed.
pub fn for_each_text(
    file: Vec<u8>,
    column: &str,
    each: impl FnMut(Option<&str>) -> ControlFlow<()>,
) -> Result<(), ParquetError> {
    let file = Bytes::from(file);
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(unreadable)?;
    let (mask, data_type) = text_column(&metadata, column)?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
    let reader = builder.with_projection(mask).build().map_err(unreadable)?;
    each_cell(reader, &data_type, each).map(|_| ())
}

/// The bytes read from the end of a file first: the footer of a typical file fits.
const FOOTER_GUESS: u64 = 64 * 1024;

/// A Parquet file read by byte ranges: ask `next_footer_range` until it answers `None` (the
/// metadata is read), then `chunk_ranges` for the column, and `for_each_text_in` a row group once
/// its range is added.
pub struct RangedFile {
    parts: Parts,
    metadata: Option<ArrowReaderMetadata>,
}

impl RangedFile {
    /// A file of `size` bytes (the Hub's listing gives it), nothing of it fetched yet.
    pub fn new(size: u64) -> Self {
        Self { parts: Parts { size, parts: Vec::new() }, metadata: None }
    }

    /// Whether the bytes of `range` are at hand (a small file's footer fetch holds all of it).
    pub fn has(&self, range: &Range<u64>) -> bool {
        self.parts.slice(range.start, (range.end - range.start) as usize).is_ok()
    }

    /// Adds the bytes fetched from `start` on.
    pub fn add(&mut self, start: u64, bytes: Vec<u8>) {
        self.parts.parts.push((start, Bytes::from(bytes)));
    }

    /// The range to fetch next for the footer (its metadata), or `None` once it is read.
    pub fn next_footer_range(&mut self) -> Result<Option<Range<u64>>, ParquetError> {
        if self.metadata.is_some() {
            return Ok(None);
        }
        let size = self.parts.size;
        let Some(tail) = self.parts.suffix() else {
            return Ok(Some(size.saturating_sub(FOOTER_GUESS)..size));
        };
        let mut reader = ParquetMetaDataReader::new();
        match reader.try_parse_sized(&tail, size) {
            Ok(()) => {
                let metadata = Arc::new(reader.finish().map_err(unreadable)?);
                self.metadata = Some(
                    ArrowReaderMetadata::try_new(metadata, ArrowReaderOptions::new()).map_err(unreadable)?,
                );
                Ok(None)
            }
            Err(Decode::NeedMoreData(needed))
                if (needed as u64) > tail.len() as u64 && needed as u64 <= size =>
            {
                Ok(Some(size - needed as u64..size))
            }
            Err(error) => Err(unreadable(error)),
        }
    }

    /// The byte range of the text column `column` in each row group, in row order.
    pub fn chunk_ranges(&self, column: &str) -> Result<Vec<Range<u64>>, ParquetError> {
        let metadata = self.metadata()?;
        text_column(metadata, column)?;
        let leaf = leaf_index(metadata.metadata(), column).unwrap_or_default(); // text_column found it
        metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|group| chunk_range(group.column(leaf), self.parts.size))
            .collect()
    }

    /// Calls `each` with the texts of row group `group` of `column`, whose chunk must have been
    /// added; `Break` when `each` asked to stop.
    pub fn for_each_text_in(
        &self,
        group: usize,
        column: &str,
        each: impl FnMut(Option<&str>) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ParquetError> {
        let metadata = self.metadata()?.clone();
        let (mask, data_type) = text_column(&metadata, column)?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(self.parts.clone(), metadata);
        let reader =
            builder.with_row_groups(vec![group]).with_projection(mask).build().map_err(unreadable)?;
        each_cell(reader, &data_type, each)
    }

    fn metadata(&self) -> Result<&ArrowReaderMetadata, ParquetError> {
        self.metadata.as_ref().ok_or_else(|| ParquetError::Unreadable("its footer was not read".into()))
    }
}

/// Where a column chunk lies in the file, checked against it (a file's metadata is untrusted).
fn chunk_range(
    chunk: &parquet::file::metadata::ColumnChunkMetaData,
    size: u64,
) -> Result<Range<u64>, ParquetError> {
    let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset());
    let (start, length) = (u64::try_from(start), u64::try_from(chunk.compressed_size()));
    match (start, length) {
        (Ok(start), Ok(length)) if start.checked_add(length).is_some_and(|end| end <= size) => {
            Ok(start..start + length)
        }
        _ => Err(ParquetError::Unreadable("a column chunk lies outside the file".into())),
    }
}

/// The projection of the text column `column`, and its type: an error names the columns there
/// are, or the type the column has.
fn text_column(
    metadata: &ArrowReaderMetadata,
    column: &str,
) -> Result<(ProjectionMask, DataType), ParquetError> {
    let fields = metadata.schema().fields();
    let Some(field) = fields.iter().find(|f| f.name() == column) else {
        let columns = fields.iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ");
        return Err(ParquetError::NoSuchColumn { column: column.into(), columns });
    };
    let data_type = field.data_type().clone();
    let not_text = || ParquetError::NotText { column: column.into(), kind: data_type.to_string() };
    if !matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        return Err(not_text());
    }
    let leaf = leaf_index(metadata.metadata(), column).ok_or_else(not_text)?;
    Ok((ProjectionMask::leaves(metadata.parquet_schema(), [leaf]), data_type))
}

fn leaf_index(metadata: &ParquetMetaData, column: &str) -> Option<usize> {
    metadata.file_metadata().schema_descr().columns().iter().position(|c| c.path().string() == column)
}

/// Calls `each` with every cell the reader's single text column holds.
fn each_cell(
    reader: ParquetRecordBatchReader,
    data_type: &DataType,
    mut each: impl FnMut(Option<&str>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, ParquetError> {
    for batch in reader {
        let batch = batch.map_err(|e| ParquetError::Unreadable(e.to_string()))?;
        let cells = batch.column(0);
        for row in 0..cells.len() {
            let text = (!cells.is_null(row)).then(|| match data_type {
                DataType::Utf8 => cells.as_string::<i32>().value(row),
                DataType::LargeUtf8 => cells.as_string::<i64>().value(row),
                _ => cells.as_string_view().value(row),
            });
            if each(text).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// The fetched parts of a file of `size` bytes, by their offset in it.
#[derive(Clone)]
struct Parts {
    size: u64,
    parts: Vec<(u64, Bytes)>,
}

impl Parts {
    /// The fetched bytes at the file's end, for the footer.
    fn suffix(&self) -> Option<Bytes> {
        let ends_the_file = |(start, bytes): &&(u64, Bytes)| start + bytes.len() as u64 == self.size;
        self.parts
            .iter()
            .filter(ends_the_file)
            .min_by_key(|(start, _)| *start)
            .map(|(_, bytes)| bytes.clone())
    }

    /// `length` bytes from `start`, from the part that holds them.
    fn slice(&self, start: u64, length: usize) -> Result<Bytes, Decode> {
        let found = self
            .parts
            .iter()
            .find(|(at, bytes)| *at <= start && start + length as u64 <= at + bytes.len() as u64);
        let (at, bytes) =
            found.ok_or_else(|| Decode::General(format!("bytes {start}+{length} were not fetched")))?;
        let from = (start - at) as usize;
        Ok(bytes.slice(from..from + length))
    }
}

impl Length for Parts {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for Parts {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T, Decode> {
        let (at, bytes) = self
            .parts
            .iter()
            .find(|(at, bytes)| *at <= start && start < at + bytes.len() as u64)
            .ok_or_else(|| Decode::General(format!("byte {start} was not fetched")))?;
        Ok(bytes.slice((start - at) as usize..).reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, Decode> {
        self.slice(start, length)
    }
}
