//! The benchmarks' backends by name.

use burn::prelude::*;
use burn::tensor::DeviceKind;
use burn::tensor::wgpu::WgpuBackend;

/// `cpu` (burn's flex), `wgpu` (Vulkan on a CPU adapter: Mesa's lavapipe) or `gpu` (wgpu's
/// first adapter).
pub fn by_name(backend: &str) -> Device {
    match backend {
        "cpu" => Device::flex(),
        "wgpu" => Device::wgpu_options()
            .device_kind(DeviceKind::Cpu)
            .graphics_api(WgpuBackend::Vulkan)
            .init()
            .expect("no Vulkan device (lavapipe)"),
        "gpu" => Device::wgpu_options().init().expect("no GPU"),
        other => panic!("unknown backend {other}: cpu, wgpu (lavapipe) or gpu"),
    }
}
