//! The devices a run trains on: the CPU, and the browser's WebGPU adapter when there is one.

use burn::prelude::*;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::browser::{navigator, sleep_ms};
use crate::session::Backend;
use crate::session::protocol::{DeviceInfo, KernelStore};

/// The browser's WebGPU adapter, as the page sees it before burn claims it.
enum Adapter {
    Missing(String),
    Found { name: String, software: bool, max_buffer_bytes: Option<u64> },
}

/// The CPU (WebAssembly): ready at once.
pub fn cpu() -> Backend {
    Backend {
        device: Device::flex(),
        info: DeviceInfo {
            label: "CPU (WebAssembly)".into(),
            note: None,
            max_buffer_bytes: None,
            kernel_store: None,
        },
    }
}

/// The browser's WebGPU device, or why there is none. A software adapter is offered too: the
/// session measures it against the CPU before it trains there, unless WebGPU was chosen.
pub async fn open_gpu() -> Result<Backend, String> {
    let (name, software, max_buffer_bytes) = match probe().await {
        Adapter::Missing(reason) => return Err(reason),
        Adapter::Found { name, software, max_buffer_bytes } => (name, software, max_buffer_bytes),
    };
    limit_autotune_samples();
    let kernel_store = Some(open_kernel_store().await);
    let device =
        Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU could not start ({e})"))?;
    let kind = if software { " (a software renderer)" } else { "" };
    let info =
        DeviceInfo { label: format!("WebGPU: {name}{kind}"), note: None, max_buffer_bytes, kernel_store };
    Ok(Backend { device, info })
}

/// Samples autotune takes of each candidate kernel. In a browser cubecl cannot drop slow
/// candidates between rounds, so each gets the whole budget (10 by default), one GPU round trip
/// apiece: three tell a kernel several times faster from the rest, which is the choice that
/// matters, and a first visit's warm-up submits a third of the work.
const AUTOTUNE_SAMPLES: usize = 3;

fn limit_autotune_samples() {
    use cubecl_environment::config::RuntimeConfig;
    use cubecl_runtime::config::CubeClRuntimeConfig;
    let mut config = CubeClRuntimeConfig::default();
    config.autotune.bench.min_samples = AUTOTUNE_SAMPLES;
    config.autotune.bench.max_samples = AUTOTUNE_SAMPLES;
    // False once cubecl has read its configuration: a second GPU in this worker keeps the first's.
    let _ = CubeClRuntimeConfig::try_set(config);
}

/// How long the page waits for the kernel store when another page holds it: the page this one
/// replaced on a reload lets go of it a moment later, as its worker ends.
const KERNEL_STORE_TRIES: u32 = 20;
const KERNEL_STORE_RETRY_MS: u32 = 250;

/// Opens the store in which cubecl keeps autotune's choice of kernel for each operation and
/// shape: a database in the origin's private file system, which a worker reaches synchronously
/// as cubecl needs. On the first visit the first steps try every candidate kernel (minutes on
/// a slow GPU); later visits read the choices back. The store must be open before the device
/// starts, or cubecl keeps its choices in memory only: so it does when another tab holds the
/// store, or in a browser without that file system.
async fn open_kernel_store() -> KernelStore {
    use cubecl_environment::environment;
    use cubecl_environment::persistence::Database;
    // cubecl calls `navigator.storage.getDirectory` unguarded: where it is missing that would
    // throw through the worker.
    let storage = Reflect::get(&navigator(), &"storage".into()).unwrap_or(JsValue::UNDEFINED);
    let get_directory = Reflect::get(&storage, &"getDirectory".into()).unwrap_or(JsValue::UNDEFINED);
    if !get_directory.is_function() {
        return KernelStore::InMemory {
            reason: "this browser has no private file system to keep them in".into(),
        };
    }
    for attempt in 0..KERNEL_STORE_TRIES {
        if attempt > 0 {
            sleep_ms(KERNEL_STORE_RETRY_MS).await;
        }
        environment::open().await; // a no-op once open; a failure is not cached, so it retries
        if Database::open_active().is_some() {
            let remembered = environment::namespaces()
                .iter()
                .filter(|summary| summary.namespace.starts_with("autotune/"))
                .map(|summary| summary.entries)
                .sum();
            return KernelStore::Kept { remembered };
        }
    }
    KernelStore::InMemory { reason: "another gptlab tab holds this browser's store of them".into() }
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
