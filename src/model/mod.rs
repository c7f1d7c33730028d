//! A GPT-2 style decoder: token + position embeddings, pre-LayerNorm blocks of causal
//! self-attention and a 4x GELU MLP, a final LayerNorm and a head tied to the token embedding.

mod attention;
mod block;
mod config;
mod gpt;
mod init;

pub use attention::{CausalSelfAttention, KeysValues};
pub use block::{Block, Mlp, gelu_tanh};
pub use config::{ConfigError, GptConfig};
pub use gpt::{Gpt, KvCache};
