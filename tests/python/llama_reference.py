"""A Llama forward pass in numpy, written from the Llama papers and Hugging Face's file layout
(`LlamaForCausalLM`'s names and config.json, not from gptlab's code), to check gptlab's Llama
export independently.

    python3 llama_reference.py check-export DIR   # DIR: export.zip and logits.json, from gptlab
                                                  # (and with transformers too, where installed)
    python3 llama_reference.py transformers DIR   # only the transformers check
    python3 llama_reference.py next-token DIR IDS # next-token probabilities (JSON) after the ids (JSON)

Needs numpy and safetensors (PyPI); transformers and torch only for the transformers check.
"""

import json
import sys

import numpy as np
from hf_export import check_against, check_metadata, check_with_transformers, probabilities, read_export
from safetensors.numpy import load as load_safetensors


def rms_norm(x, weight, eps):
    """Scales each vector by its root mean square: no centring, no bias."""
    return x / np.sqrt((x**2).mean(-1, keepdims=True) + eps) * weight


def silu(x):
    return x / (1.0 + np.exp(-x))


def rotate(x, theta):
    """Rotary position embedding in transformers' layout: value i of a head pairs with value
    i + head_dim/2 (`rotate_half`), turned by position * theta^(-2i/head_dim).
    x: [heads, t, head_dim]."""
    t, hd = x.shape[1], x.shape[2]
    inverse_frequencies = 1.0 / theta ** (np.arange(0, hd, 2) / hd)  # [hd/2]
    angles = np.outer(np.arange(t), inverse_frequencies)  # [t, hd/2]
    angles = np.concatenate([angles, angles], -1)  # [t, hd]
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return x * np.cos(angles) + np.concatenate([-x2, x1], -1) * np.sin(angles)


def forward(w, config, ids):
    """Next-token logits `[len(ids), vocab]` of one sequence of token ids."""
    nh, nkv = config["num_attention_heads"], config["num_key_value_heads"]
    d = config["hidden_size"]
    hd = config.get("head_dim") or d // nh
    eps, theta = config["rms_norm_eps"], config["rope_theta"]
    assert config["hidden_act"] == "silu", config["hidden_act"]
    t = len(ids)
    x = w["model.embed_tokens.weight"][ids]  # [t, d]
    future = np.triu(np.ones((t, t), dtype=bool), k=1)
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        # nn.Linear weights are [out, in]: y = h @ W.T
        heads = lambda name, n: (h @ w[p + f"self_attn.{name}.weight"].T).reshape(t, n, hd).transpose(1, 0, 2)
        q, k, v = heads("q_proj", nh), heads("k_proj", nkv), heads("v_proj", nkv)  # [heads, t, hd]
        q, k = rotate(q, theta), rotate(k, theta)
        # Grouped-query attention: query head j reads key/value head j // (nh / nkv).
        k, v = np.repeat(k, nh // nkv, axis=0), np.repeat(v, nh // nkv, axis=0)
        scores = np.where(future, -np.inf, q @ k.transpose(0, 2, 1) / np.sqrt(hd))  # [nh, t, t]
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        y = (scores / scores.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(t, nh * hd)
        x = x + y @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate, up = h @ w[p + "mlp.gate_proj.weight"].T, h @ w[p + "mlp.up_proj.weight"].T
        x = x + (silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def weights_of(model_bytes):
    """The export's tensors by their Hub names, in float64."""
    return {name: t.astype(np.float64) for name, t in load_safetensors(model_bytes).items()}


def check_names(weights, config):
    """Every tensor LlamaForCausalLM has, in nn.Linear's [out, in] shapes, and nothing else."""
    d, v, hidden = config["hidden_size"], config["vocab_size"], config["intermediate_size"]
    hd = config.get("head_dim") or d // config["num_attention_heads"]
    q, kv = config["num_attention_heads"] * hd, config["num_key_value_heads"] * hd
    expected = {"model.embed_tokens.weight": (v, d), "model.norm.weight": (d,), "lm_head.weight": (v, d)}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        expected.update({
            p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,),
            p + "self_attn.q_proj.weight": (q, d), p + "self_attn.k_proj.weight": (kv, d),
            p + "self_attn.v_proj.weight": (kv, d), p + "self_attn.o_proj.weight": (d, q),
            p + "mlp.gate_proj.weight": (hidden, d), p + "mlp.up_proj.weight": (hidden, d),
            p + "mlp.down_proj.weight": (d, hidden),
        })
    found = {name: t.shape for name, t in weights.items()}
    assert found == expected, f"tensors differ: {set(found.items()) ^ set(expected.items())}"


def check_export(directory):
    model_bytes, config, tokenizer = read_export(directory)
    check_metadata(model_bytes)
    assert config["model_type"] == "llama" and config["architectures"] == ["LlamaForCausalLM"], config
    assert tokenizer["model"]["type"] == "BPE", tokenizer["model"]["type"]
    w = weights_of(model_bytes)
    check_names(w, config)
    heads = f"{config['num_attention_heads']} heads, {config['num_key_value_heads']} key/value heads"
    check_against(directory, lambda ids: forward(w, config, ids), f"Llama ({heads})", "LlamaForCausalLM")


def next_token(directory, ids_json):
    """Prints the next-token probabilities after `ids` for the model in DIR/export.zip."""
    model_bytes, config, _ = read_export(directory)
    print(probabilities(forward(weights_of(model_bytes), config, json.loads(ids_json))[-1]))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"check-export": check_export, "next-token": next_token,
     "transformers": lambda directory: check_with_transformers(directory, "LlamaForCausalLM")}[command](*arguments)
