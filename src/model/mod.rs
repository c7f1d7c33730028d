//! A GPT-2 style decoder: token + position embeddings, pre-LayerNorm blocks of causal
//! self-attention and a 4x GELU MLP, a final LayerNorm and a head tied to the token embedding.

//! The config is plain data that the page's interface uses too; the modules need the engine.

#[cfg(feature = "engine")]
mod attention;
#[cfg(feature = "engine")]
mod block;
mod config;
#[cfg(feature = "engine")]
mod gpt;
#[cfg(feature = "engine")]
mod init;

#[cfg(feature = "engine")]
pub use attention::{CausalSelfAttention, KeysValues};
#[cfg(feature = "engine")]
pub use block::{Block, Mlp, gelu_tanh};
pub use config::{ConfigError, GptConfig};
#[cfg(feature = "engine")]
pub use gpt::{Gpt, KvCache};
