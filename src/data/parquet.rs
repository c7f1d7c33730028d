//! The text column of a Parquet file (the Hub's dataset conversion format), decoded in memory.

use std::ops::ControlFlow;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_schema::DataType;
use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParquetError {
    #[error("the Parquet file is unreadable: {0}")]
    Unreadable(String),
    #[error("there is no column “{column}” (the columns are: {columns})")]
    NoSuchColumn { column: String, columns: String },
    #[error("the column “{column}” holds {kind}, not text")]
    NotText { column: String, kind: String },
}

/// Calls `each` with every cell of the text column `column` in row order (`None` for a null), until
/// it answers `Break`. Only that column is decompressed.
pub fn for_each_text(
    file: Vec<u8>,
    column: &str,
    mut each: impl FnMut(Option<&str>) -> ControlFlow<()>,
) -> Result<(), ParquetError> {
    let unreadable = |e: parquet::errors::ParquetError| ParquetError::Unreadable(e.to_string());
    let builder = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(file)).map_err(unreadable)?;
    let fields = builder.schema().fields().clone();
    let Some(index) = fields.iter().position(|f| f.name() == column) else {
        let columns = fields.iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ");
        return Err(ParquetError::NoSuchColumn { column: column.into(), columns });
    };
    let data_type = fields[index].data_type().clone();
    if !matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        return Err(ParquetError::NotText { column: column.into(), kind: data_type.to_string() });
    }
    let leaf = builder.parquet_schema().columns().iter().position(|c| c.path().string() == column);
    let Some(leaf) = leaf else {
        return Err(ParquetError::NotText { column: column.into(), kind: data_type.to_string() });
    };
    let mask = ProjectionMask::leaves(builder.parquet_schema(), [leaf]);
    let reader = builder.with_projection(mask).build().map_err(unreadable)?;
    for batch in reader {
        let batch = batch.map_err(|e| ParquetError::Unreadable(e.to_string()))?;
        let cells = batch.column(0);
        for row in 0..cells.len() {
            let text = (!cells.is_null(row)).then(|| match &data_type {
                DataType::Utf8 => cells.as_string::<i32>().value(row),
                DataType::LargeUtf8 => cells.as_string::<i64>().value(row),
                _ => cells.as_string_view().value(row),
            });
            if each(text).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}
