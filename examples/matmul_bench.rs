//! The matmuls of a preset's training step, each timed alone on a native wgpu adapter.
//!
//! `cargo run --release --example matmul_bench -- [wgpu|gpu] [tiny|tutorial|small] [reps]`
//! Kernels are chosen as the page chooses them (autotune untimed). Prints the median of `reps`
//! runs of each shape (the result read back) and its GFLOP/s. With
//! `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` the adapter is Chromium's
//! SwiftShader, the browser's software WebGPU, where a step's time is nearly all matmul.

#[path = "support/device.rs"]
mod device;

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;
use cubecl_environment::config::RuntimeConfig;
use cubecl_runtime::config::CubeClRuntimeConfig;
use gptlab::train::{Preset, untimed_kernel_settings};

/// `batch` products of `[m, k] @ [k, n]`; a transposed operand is a view of its transpose, as
/// in the backward pass.
struct Shape {
    name: &'static str,
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    lhs_transposed: bool,
    rhs_transposed: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("wgpu", String::as_str);
    let preset = Preset::from_name(args.get(1).map_or("tutorial", String::as_str))
        .expect("preset: tiny, tutorial or small");
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    assert!(CubeClRuntimeConfig::try_set(untimed_kernel_settings()), "cubecl was configured before");
    let device = device::by_name(backend);

    let mut total = 0.0;
    for shape in step_shapes(preset) {
        let ms = median_ms(&shape, reps, &device);
        let flops = 2.0 * (shape.batch * shape.m * shape.k * shape.n) as f64;
        println!(
            "{:28} {:3} x {:4}x{:4}x{:4}: {ms:8.1} ms {:6.2} GFLOP/s",
            shape.name,
            shape.batch,
            shape.m,
            shape.k,
            shape.n,
            flops / ms / 1e6
        );
        total += ms;
    }
    println!("total {total:.1} ms");
}

/// A GPT-2 block's matmuls, the language-model head's, and the MLP's two backward products.
fn step_shapes(preset: Preset) -> Vec<Shape> {
    let (model, batch) = (preset.model(256), preset.training().batch_size);
    let (e, t) = (model.n_embd, model.block_size);
    let (rows, heads, d) = (batch * t, batch * model.n_head, e / model.n_head);
    let plain =
        |name, batch, m, k, n| Shape { name, batch, m, k, n, lhs_transposed: false, rhs_transposed: false };
    vec![
        plain("query, key, value", 1, rows, e, 3 * e),
        Shape { rhs_transposed: true, ..plain("attention scores", heads, t, d, t) },
        plain("attention-weighted values", heads, t, t, d),
        plain("attention projection", 1, rows, e, e),
        plain("MLP up", 1, rows, e, 4 * e),
        plain("MLP down", 1, rows, 4 * e, e),
        plain("language-model head", 1, rows, e, model.vocab_size),
        Shape { rhs_transposed: true, ..plain("MLP up, input gradient", 1, rows, 4 * e, e) },
        Shape { lhs_transposed: true, ..plain("MLP up, weight gradient", 1, e, rows, 4 * e) },
    ]
}

fn median_ms(shape: &Shape, reps: usize, device: &Device) -> f64 {
    let random = |dims: [usize; 3]| Tensor::<3>::random(dims, Distribution::Default, device);
    let Shape { batch, m, k, n, .. } = *shape;
    let lhs = match shape.lhs_transposed {
        true => random([batch, k, m]).swap_dims(1, 2),
        false => random([batch, m, k]),
    };
    let rhs = match shape.rhs_transposed {
        true => random([batch, n, k]).swap_dims(1, 2),
        false => random([batch, k, n]),
    };
    // Read back as floats: that waits for the kernel (`into_data` alone may not).
    let run = || lhs.clone().matmul(rhs.clone()).into_data().try_to_vec::<f32>().unwrap();
    run(); // compiles the kernel
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}
