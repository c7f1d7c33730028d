//! The devices a run trains on: the CPU, and the browser's WebGPU adapter when there is one.

use burn::prelude::*;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::browser::navigator;
use crate::session::Backend;
use crate::session::protocol::DeviceInfo;

/// The browser's WebGPU adapter, as the page sees it before burn claims it.
enum Adapter {
    Missing(String),
    Found { name: String, software: bool, max_buffer_bytes: Option<u64> },
}

/// The CPU (WebAssembly): ready at once.
pub fn cpu() -> Backend {
    Backend {
        device: Device::flex(),
        info: DeviceInfo { label: "CPU (WebAssembly)".into(), note: None, max_buffer_bytes: None },
    }
}

/// The browser's WebGPU device, or why there is none. A software adapter is offered too: the
/// session measures it against the CPU before it trains there, unless WebGPU was chosen.
pub async fn open_gpu() -> Result<Backend, String> {
    let (name, software, max_buffer_bytes) = match probe().await {
        Adapter::Missing(reason) => return Err(reason),
        Adapter::Found { name, software, max_buffer_bytes } => (name, software, max_buffer_bytes),
    };
    crate::train::choose_kernels_untimed();
    let device =
        Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU could not start ({e})"))?;
    let kind = if software { " (a software renderer)" } else { "" };
    let info = DeviceInfo { label: format!("WebGPU: {name}{kind}"), note: None, max_buffer_bytes };
    Ok(Backend { device, info })
}

/// Why WebGPU is not there to use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum NoAdapter {
    #[error("this browser has no WebGPU")]
    NoWebGpu,
    #[error("this browser's WebGPU cannot request adapters")]
    CannotRequest,
    #[error("WebGPU adapter request failed: {0}")]
    RequestFailed(String),
    #[error("this browser offers WebGPU but found no GPU adapter")]
    NoGpu,
}

async fn probe() -> Adapter {
    match request_adapter().await {
        Ok(adapter) => describe(&adapter),
        Err(reason) => Adapter::Missing(reason.to_string()),
    }
}

async fn request_adapter() -> Result<JsValue, NoAdapter> {
    let gpu = Reflect::get(&navigator(), &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(NoAdapter::NoWebGpu);
    }
    let request: Function = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(NoAdapter::CannotRequest)?;
    let promise: Promise =
        request.call0(&gpu).ok().and_then(|p| p.dyn_into().ok()).ok_or(NoAdapter::CannotRequest)?;
    let adapter = JsFuture::from(promise).await.map_err(|e| NoAdapter::RequestFailed(format!("{e:?}")))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(NoAdapter::NoGpu);
    }
    Ok(adapter)
}

fn describe(adapter: &JsValue) -> Adapter {
    let text = |object: &JsValue, key: &str| {
        Reflect::get(object, &key.into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
    };
    let flag = |object: &JsValue, key: &str| {
        Reflect::get(object, &key.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
    };
    let info = Reflect::get(adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .map(|key| text(&info, key))
        .filter(|s| !s.is_empty())
        .collect();
    let name = if parts.is_empty() { "unnamed adapter".to_string() } else { parts.join(" ") };
    let software = flag(adapter, "isFallbackAdapter")
        || flag(&info, "isFallbackAdapter")
        || name.to_lowercase().contains("swiftshader");
    // burn asks for the adapter's own limits, so this is the device's limit too.
    let limits = Reflect::get(adapter, &"limits".into()).unwrap_or(JsValue::UNDEFINED);
    let max_buffer_bytes = Reflect::get(&limits, &"maxStorageBufferBindingSize".into())
        .ok()
        .and_then(|v| v.as_f64())
        .map(|v| v as u64);
    Adapter::Found { name, software, max_buffer_bytes }
}
