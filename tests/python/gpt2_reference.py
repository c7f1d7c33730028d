"""GPT-2's forward pass in numpy, written from the GPT-2 paper and Hugging Face's file layout
(not from gptlab's code), to check gptlab's exports and imports independently.

    python3 gpt2_reference.py check-export DIR   # DIR: export.zip and logits.json, from gptlab
                                                 # (and with transformers too, where installed)
    python3 gpt2_reference.py make-fixture DIR   # a random GPT-2 in the Hub's layout, and its logits
    python3 gpt2_reference.py transformers DIR   # also load DIR/export.zip with transformers, if installed
    python3 gpt2_reference.py next-token DIR IDS # next-token probabilities (JSON) after the ids (JSON)

Needs numpy and safetensors (PyPI); transformers and torch only for the last command.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
from hf_export import check_against, check_metadata, check_with_transformers, probabilities, read_export
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save_file


def gelu_new(x):
    """GPT-2's GELU, the tanh approximation (`gelu_new` in transformers)."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def weights_by_name(tensors):
    """Tensor names without the `transformer.` prefix that GPT2LMHeadModel files carry, in float64."""
    return {name.removeprefix("transformer."): t.astype(np.float64) for name, t in tensors.items()}


def forward(w, config, ids):
    """Next-token logits `[len(ids), vocab]` of one sequence of token ids."""
    n_head, eps = config["n_head"], config.get("layer_norm_epsilon", 1e-5)
    t = len(ids)
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]  # [t, d]
    d = x.shape[1]
    hs = d // n_head
    future = np.triu(np.ones((t, t), dtype=bool), k=1)
    for i in range(config["n_layer"]):
        p = f"h.{i}."
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # [t, 3d]; Conv1D is [in, out]
        q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(t, n_head, hs).transpose(1, 0, 2) for j in range(3))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(hs)  # [nh, t, t]
        scores = np.where(future, -np.inf, scores)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attention = scores / scores.sum(-1, keepdims=True)
        y = (attention @ v).transpose(1, 0, 2).reshape(t, d)
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        h = gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    head = w.get("lm_head.weight", w["wte.weight"])  # tied unless the file says otherwise
    return x @ head.T


def check_export(directory):
    model_bytes, config, tokenizer = read_export(directory)
    check_metadata(model_bytes)
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"], config
    assert config["activation_function"] == "gelu_new", config["activation_function"]
    assert tokenizer["model"]["type"] == "BPE", tokenizer["model"]["type"]
    w = weights_by_name(load_safetensors(model_bytes))
    assert w["wte.weight"].shape == (config["vocab_size"], config["n_embd"]), w["wte.weight"].shape
    assert w["wpe.weight"].shape == (config["n_positions"], config["n_embd"]), w["wpe.weight"].shape
    check_against(directory, lambda ids: forward(w, config, ids), "GPT-2", "GPT2LMHeadModel")


def next_token(directory, ids_json):
    """Prints the next-token probabilities after `ids` for the model in DIR/export.zip."""
    model_bytes, config, _ = read_export(directory)
    logits = forward(weights_by_name(load_safetensors(model_bytes)), config, json.loads(ids_json))[-1]
    print(probabilities(logits))


def make_fixture(directory):
    """A small random GPT-2 as the Hub has them: `openai-community/gpt2`'s naming (no
    `transformer.` prefix, the causal-mask buffers `h.{i}.attn.bias` stored), a config.json, and
    the logits this reference computes for fixed token ids."""
    rng = np.random.default_rng(2)
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 261,
        "n_positions": 32, "n_ctx": 32, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.1,
        "embd_pdrop": 0.1, "attn_pdrop": 0.1, "initializer_range": 0.02, "bos_token_id": 260,
        "eos_token_id": 260, "tie_word_embeddings": True,
    }
    d, t = config["n_embd"], config["n_positions"]
    normal = lambda *shape: rng.normal(0.0, 0.3, shape).astype(np.float32)
    tensors = {"wte.weight": normal(config["vocab_size"], d), "wpe.weight": normal(t, d)}
    for i in range(config["n_layer"]):
        p = f"h.{i}."
        for norm in ("ln_1", "ln_2"):
            tensors[p + norm + ".weight"] = 1.0 + normal(d)
            tensors[p + norm + ".bias"] = normal(d)
        for name, shape in [("attn.c_attn", (d, 3 * d)), ("attn.c_proj", (d, d)),
                            ("mlp.c_fc", (d, 4 * d)), ("mlp.c_proj", (4 * d, d))]:
            tensors[p + name + ".weight"] = normal(*shape)
            tensors[p + name + ".bias"] = normal(shape[1])
        tensors[p + "attn.bias"] = np.tril(np.ones((t, t), dtype=np.float32))[None, None]
    tensors["ln_f.weight"] = 1.0 + normal(d)
    tensors["ln_f.bias"] = normal(d)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, out / "model.safetensors", metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    w = weights_by_name(tensors)
    cases = [[116, 257, 259, 258, 32], [1, 50, 100, 150, 200, 250, 260, 0, 7]]
    expected = {"cases": [{"ids": ids, "logits": forward(w, config, ids).round(7).tolist()} for ids in cases]}
    (out / "expected-logits.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"check-export": check_export, "make-fixture": make_fixture, "next-token": next_token,
     "transformers": lambda directory: check_with_transformers(directory, "GPT2LMHeadModel")}[command](*arguments)
