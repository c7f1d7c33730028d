use burn::prelude::*;
use rand::RngExt;
use rand::rngs::StdRng;

/// Inputs and the next token at each position.
pub struct Batch {
    /// `[batch, block_size]`
    pub inputs: Tensor<2, Int>,
    /// `[batch, block_size]`: `inputs` shifted left by one token.
    pub targets: Tensor<2, Int>,
}

/// `batch_size` windows of `block_size + 1` tokens starting at random offsets of `tokens`.
/// The caller checks that `tokens` holds at least one window.
pub fn random_windows(
    tokens: &[u32],
    block_size: usize,
    batch_size: usize,
    rng: &mut StdRng,
    device: &Device,
) -> Batch {
    assert!(tokens.len() > block_size, "need more than {block_size} tokens for one window");
    let mut inputs = Vec::with_capacity(batch_size * block_size);
    let mut targets = Vec::with_capacity(batch_size * block_size);
    for _ in 0..batch_size {
        let start = rng.random_range(0..tokens.len() - block_size);
        let window = &tokens[start..start + block_size + 1];
        inputs.extend(window[..block_size].iter().map(|&t| t as i64));
        targets.extend(window[1..].iter().map(|&t| t as i64));
    }
    let tensor =
        |ids: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(ids, [batch_size, block_size]), device);
    Batch { inputs: tensor(inputs), targets: tensor(targets) }
}
