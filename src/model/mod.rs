//! A decoder-only transformer of one of two families: GPT-2 (token + position embeddings,
//! pre-LayerNorm blocks of causal self-attention and a 4x GELU MLP, a final LayerNorm and a head
//! tied to the token embedding) or Llama (rotary positions, RMSNorm, grouped-query attention, a
//! SwiGLU MLP, no biases, a head of its own).

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
mod mlp;
#[cfg(feature = "engine")]
mod norm;
#[cfg(feature = "engine")]
mod path;
#[cfg(feature = "engine")]
mod read_back;
#[cfg(feature = "engine")]
mod rotary;

#[cfg(feature = "engine")]
pub use attention::{CausalSelfAttention, KeysValues};
#[cfg(feature = "engine")]
pub use block::Block;
pub use config::{ConfigError, Family, GptConfig};
#[cfg(feature = "engine")]
pub use gpt::{Gpt, KvCache};
#[cfg(feature = "engine")]
pub use mlp::{Mlp, gelu_tanh};
#[cfg(feature = "engine")]
pub use norm::{Norm, RMS_NORM_EPSILON};
#[cfg(feature = "engine")]
pub use path::ParamPath;
#[cfg(feature = "engine")]
pub use read_back::read_floats;
#[cfg(feature = "engine")]
pub use rotary::{ROPE_THETA, Rotary};
