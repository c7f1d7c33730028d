//! Reading a tensor's values back from the device, the one way every layer above does it.

use burn::prelude::*;

/// A tensor's values, read back from the device without blocking (the browser allows no other
/// way). When they do not come (a lost or reset GPU), why, in one line.
pub async fn read_floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, String> {
    let count: usize = tensor.dims().iter().product();
    let data = tensor.into_data_async().await.map_err(|e| innermost_cause(&e.to_string()))?;
    let values = data.try_into_vec::<f32>().map_err(|e| format!("{e:?}"))?;
    if values.len() != count {
        return Err(format!("{} values where {count} were expected", values.len()));
    }
    Ok(values)
}

/// The last cause in burn's account of a failed execution ("An error happened during
/// execution / Caused by: … / Backtrace: …"): what went wrong, in one line.
fn innermost_cause(account: &str) -> String {
    let noise = ["An error happened during execution", "Caused by:", "Backtrace:", "No backtrace available"];
    let mut causes = account.lines().map(str::trim).rev();
    causes.find(|line| !line.is_empty() && !noise.contains(line)).unwrap_or(account).to_string()
}
