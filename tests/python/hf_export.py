"""What the independent references share: reading gptlab's Hugging Face export zip, checking its
safetensors metadata, comparing logits, and loading it with transformers where installed. Each
family's forward pass stays in its own script (gpt2_reference.py, llama_reference.py)."""

import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

TOLERANCE = 1e-4


def read_export(directory):
    """The three files of DIR/export.zip: the model's bytes, config.json and tokenizer.json."""
    with zipfile.ZipFile(Path(directory) / "export.zip") as archive:
        names = set(archive.namelist())
        expected = {"model.safetensors", "config.json", "tokenizer.json"}
        assert expected <= names, f"the export holds {sorted(names)}, not {sorted(expected)}"
        model = archive.read("model.safetensors")
        config = json.loads(archive.read("config.json"))
        tokenizer = json.loads(archive.read("tokenizer.json"))
    return model, config, tokenizer


def check_metadata(model_bytes):
    """transformers loads only safetensors marked `format: pt`; gptlab writes F32 throughout."""
    header_length = int.from_bytes(model_bytes[:8], "little")
    header = json.loads(model_bytes[8:8 + header_length])
    fmt = header.get("__metadata__", {}).get("format")
    assert fmt == "pt", f"transformers refuses safetensors whose format is {fmt!r}, not 'pt'"
    dtypes = {t["dtype"] for name, t in header.items() if name != "__metadata__"}
    assert dtypes == {"F32"}, f"dtypes {dtypes}"


def compare_logits(directory, logits_of, who):
    """Checks `logits_of(ids)` against gptlab's logits in DIR/logits.json; returns the largest
    difference."""
    ours = json.loads((Path(directory) / "logits.json").read_text())
    worst = 0.0
    for case in ours["cases"]:
        diff = float(np.abs(logits_of(case["ids"]) - np.array(case["logits"])).max())
        worst = max(worst, diff)
        assert diff < TOLERANCE, f"ids {case['ids']}: {who}'s logits differ by {diff}"
    return worst


def check_against(directory, logits_of, what, class_name):
    """gptlab's logits against `logits_of(ids)`, a numpy forward pass of `what`; then against
    transformers' `class_name` where it is installed (skipped, saying so, where it is not)."""
    worst = compare_logits(directory, logits_of, "numpy")
    cases = len(json.loads((Path(directory) / "logits.json").read_text())["cases"])
    print(f"numpy {what} forward matches gptlab's logits on {cases} prompts "
          f"(largest difference {worst:.2e}, tolerance {TOLERANCE})")
    missing = transformers_missing()
    if missing:
        print(f"transformers check skipped: {missing}")
        return
    check_with_transformers(directory, class_name)


def transformers_missing():
    """Why transformers cannot check the export here, or None when it can."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as missing:
        return str(missing)
    return None


def check_with_transformers(directory, class_name):
    """Loads DIR/export.zip with transformers' `class_name` (GPT2LMHeadModel, LlamaForCausalLM)
    and compares its logits with gptlab's."""
    import torch
    import transformers

    with tempfile.TemporaryDirectory() as unpacked:
        zipfile.ZipFile(Path(directory) / "export.zip").extractall(unpacked)
        model = getattr(transformers, class_name).from_pretrained(unpacked).eval()

        def logits_of(ids):
            with torch.no_grad():
                return model(torch.tensor([ids])).logits[0].double().numpy()

        worst = compare_logits(directory, logits_of, "transformers")
    print(f"transformers {transformers.__version__} {class_name} matches gptlab's logits "
          f"(largest difference {worst:.2e})")


def probabilities(logits):
    """Softmax of one row of logits, as a JSON list."""
    exp = np.exp(logits - logits.max())
    return json.dumps((exp / exp.sum()).tolist())
