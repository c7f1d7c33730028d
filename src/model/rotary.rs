use burn::prelude::*;

use super::GptConfig;

/// The base of the rotary angles (the Llama export's `rope_theta`).
pub const ROPE_THETA: f64 = 10_000.0;

/// Rotary position embeddings (RoPE, Su et al. 2021): Llama marks a position by turning each
/// query and key, where GPT-2 adds a learned position vector to the token's. Value `i` of a head
/// and value `i + head_size / 2` form a pair (Hugging Face's `rotate_half` layout) that turns by
/// `position * ROPE_THETA^(-2i / head_size)` radians, so a query·key product depends only on how
/// far apart the two positions are.
#[derive(Module, Debug)]
pub struct Rotary {
    /// `cos` and `sin` of every position's angles, `[block_size, head_size]`: each pair's angle
    /// appears twice, at `i` and `i + head_size / 2`. Constants, not parameters.
    cos: Tensor<2>,
    sin: Tensor<2>,
}

impl Rotary {
    pub fn new(config: &GptConfig, device: &Device) -> Self {
        let (t, hs) = (config.block_size, config.head_size());
        let half = hs / 2;
        // Angles in f64, rounded once: the same table on every backend.
        let angles: Vec<f64> = (0..t)
            .flat_map(|position| {
                (0..hs).map(move |i| {
                    let pair = (i % half) as f64;
                    position as f64 * ROPE_THETA.powf(-2.0 * pair / hs as f64)
                })
            })
            .collect();
        let table = |f: fn(f64) -> f64| {
            let values: Vec<f32> = angles.iter().map(|&a| f(a) as f32).collect();
            Tensor::from_data(TensorData::new(values, [t, hs]), device)
        };
        Self { cos: table(f64::cos), sin: table(f64::sin) }
    }

    /// Turns each pair of `x`'s values by the angles of positions `start..start + seq`.
    ///
    /// # Shapes
    /// - x: `[batch, heads, seq, head_size]` -> `[batch, heads, seq, head_size]`
    pub fn rotate(&self, x: Tensor<4>, start: usize) -> Tensor<4> {
        let [_, _, t, hs] = x.dims();
        let angles = |table: &Tensor<2>| table.clone().narrow(0, start, t).unsqueeze::<4>(); // [1, 1, t, hs]
        // rotate_half: (x1, x2) -> (-x2, x1), the pair turned a quarter.
        let half = hs / 2;
        let turned =
            Tensor::cat(vec![x.clone().narrow(3, half, half).neg(), x.clone().narrow(3, 0, half)], 3);
        x * angles(&self.cos) + turned * angles(&self.sin)
    }
}
