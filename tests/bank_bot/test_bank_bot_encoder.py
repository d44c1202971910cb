"""The numpy MiniLM must compute what transformers' BertModel computes, with and without a delta."""

from __future__ import annotations

import numpy as np
import pytest

TEXTS = [
    "I lost my card yesterday!",
    "What is the meaning of life?",
    "Can I top up with Apple Pay? 🙂",
    "Wie hoch ist der Wechselkurs?",
    "<script>alert(1)</script>",
    "",
    "card " * 400,  # longer than the 128-token limit: truncated the same way
]


@pytest.fixture(scope="module")
def folder():
    from bankbot.model_spec import ENCODER_SPEC
    from shared.model_source import resolve

    return resolve(ENCODER_SPEC)


def reference(folder, texts, delta=None) -> np.ndarray:
    """sentence-transformers' recipe on transformers' BertModel (the model's reference implementation)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from bankbot.models.encoder import MAX_TOKENS

    tok = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder), use_safetensors=True).eval()
    if delta:
        state = model.state_dict()
        for name, d in delta.items():
            state[name] += torch.from_numpy(d.astype(np.float32))
        model.load_state_dict(state)
    with torch.inference_mode():
        batch = tok(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_numpy_encoder_matches_transformers(folder):
    from bankbot.models.encoder import MiniLM

    ours = MiniLM(folder).encode(TEXTS)
    assert ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, reference(folder, TEXTS), atol=2e-5)


def test_one_at_a_time_equals_batched(folder):
    from bankbot.models.encoder import MiniLM

    enc = MiniLM(folder)
    batched = enc.encode(TEXTS)
    for text, row in zip(TEXTS, batched, strict=True):
        np.testing.assert_allclose(enc.encode([text])[0], row, atol=2e-5)


def test_delta_is_added_to_the_named_tensors(folder):
    from bankbot.models.encoder import MiniLM

    rng = np.random.default_rng(0)
    base = MiniLM(folder)
    names = ["encoder.layer.5.intermediate.dense.weight", "encoder.layer.5.output.LayerNorm.bias"]
    delta = {n: (0.02 * rng.standard_normal(base.w[n].shape)).astype(np.float16) for n in names}
    tuned = MiniLM(folder, delta)
    for n in names:
        np.testing.assert_allclose(tuned.w[n], base.w[n] + delta[n].astype(np.float32))
    ours = tuned.encode(TEXTS[:3])
    assert np.abs(ours - base.encode(TEXTS[:3])).max() > 1e-3  # the delta changes the vectors ...
    np.testing.assert_allclose(ours, reference(folder, TEXTS[:3], delta), atol=2e-5)  # ... as BertModel would


def test_a_delta_that_does_not_fit_is_refused(folder):
    from bankbot.models.encoder import MiniLM

    with pytest.raises(ValueError, match="does not fit"):
        MiniLM(folder, {"encoder.layer.9.output.dense.bias": np.zeros(384, np.float16)})
    with pytest.raises(ValueError, match="does not fit"):
        MiniLM(folder, {"encoder.layer.5.output.dense.bias": np.zeros(10, np.float16)})


def test_shipped_delta_is_pinned_and_small():
    from bankbot.model_spec import DELTA_FILE, MODEL_DIR, PINS
    from bankbot.models.model import shipped_delta
    from shared.model_source import sha256_of

    if DELTA_FILE not in PINS:
        pytest.skip("this checkout ships a frozen encoder (no delta)")
    path = MODEL_DIR / DELTA_FILE
    assert sha256_of(path) == PINS[DELTA_FILE]
    assert path.stat().st_size < 25_000_000  # float16 differences of the 6 layers; the encoder itself is 90 MB
    delta = shipped_delta()
    assert delta and all(v.dtype == np.float16 for v in delta.values())


def test_finetuned_top_layers_match_the_numpy_forward(folder):
    """train.py's torch copy of the top layers computes exactly the numpy layers (dropout off)."""
    import torch

    from bankbot.models.encoder import MiniLM, pool
    from bankbot.models.finetune import _top_layers_module, cache_lower_states

    enc = MiniLM(folder)
    states = cache_lower_states(enc, TEXTS[:3], layers=2)
    top = _top_layers_module(enc, layers=2, dropout=0.1).eval()
    length = max(len(s) for s in states)
    x = np.zeros((3, length, 384), np.float32)
    mask = np.zeros((3, length), np.float32)
    for i, s in enumerate(states):
        x[i, : len(s)], mask[i, : len(s)] = s, 1.0
    with torch.no_grad():
        ours = top(torch.from_numpy(x), torch.from_numpy(mask)).numpy()
    ids, m = enc.tokenize(TEXTS[:3])
    np.testing.assert_allclose(ours, pool(enc.hidden_states(ids, m), m), atol=2e-5)


@pytest.mark.slow
def test_the_app_runs_without_torch():
    """torch is in the Space's requirements for "Make it yours" training (a child process) only: building the app
    must not import it (cold start, memory)."""
    import os
    import subprocess
    import sys

    from harness import ROOT, SPACES

    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('bank_bot_app', {str(SPACES / 'bank_bot' / 'app.py')!r})\n"
        "app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)\n"
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'scipy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["HF_HUB_OFFLINE"] = "1"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HEAVY []" in out.stdout, out.stdout
