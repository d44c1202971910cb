"""Train the intent-pretrained base encoder that company bots may start from ("Make it yours", ``Recipe.base``).

    python spaces/bank_bot/train_company_base.py --banking77 ../shared/data/banking77/train.csv
        [--epochs 2] [--threads 1] [--out spaces/bank_bot/model] [--no-pin] [--limit N]

IntentBERT / CPFT (Zhang et al. 2021): a sentence encoder fine-tuned on labelled intents of *other* domains learns a
better few-shot intent geometry for new ones. Here: the pinned all-MiniLM-L6-v2 with all 6 layers fine-tuned together
with a 77-intent head on the Banking77 ``train`` rows only (Northwind's own fine-tuning recipe: AdamW lr 5e-5, batch 32,
seed 0, the head started from a logistic regression on the frozen vectors; 2 passes, fixed before any number for the
time budget). Banking77 only, on purpose: the benchmark companies (``oos_benchmark.py``) and any hidden company are
CLINC150 domains, so a base that saw CLINC150 would not be meeting a new company. It did see every Banking77 row,
so Banking77 is not an unseen off-topic source for a bot built on it.

Writes ``company_base_delta.safetensors`` (float16, fine-tuned minus original, all 6 layers) into ``--out`` and, when
``--out`` is the Space's model folder, its sha256 into the PINS block of ``bankbot/model_spec.py`` (every pinned file
present is hashed again), and ``--info`` (rows, settings, CPU and wall seconds, sha256).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bankbot.model_spec import COMPANY_BASE_FILE, MODEL_DIR, PINNED_FILES
from bankbot.models.data import DEFAULT_DATA, read_banking77
from shared.model_source import sha256_of, write_pins

HERE = Path(__file__).resolve().parent
SEED = 0
LAYERS = 6  # every layer: the lower layers are the ones a company never fine-tunes
EPOCHS = 2
LR = 5e-5
BATCH = 32
C = 10.0  # the starting head's logistic regression (train.py's value)


def train_base(rows: list[tuple[str, str]], epochs: int, log=print) -> tuple[dict[str, np.ndarray], dict]:
    """(the delta of all 6 layers, info) from labelled ``rows`` (text, intent)."""
    import torch

    from bankbot.models.finetune import cache_lower_states, embed_states, finetune_top_layers
    from bankbot.models.headfit import fit_head
    from bankbot.models.model import frozen_encoder

    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    c0, t0 = time.process_time(), time.perf_counter()
    encoder = frozen_encoder()
    texts, intents = [t for t, _ in rows], [i for _, i in rows]
    labels = sorted(set(intents))
    states = cache_lower_states(encoder, texts, LAYERS)
    frozen = embed_states(encoder, states, LAYERS)
    w0, b0 = fit_head(frozen, intents, labels, C, 1.0, SEED)
    log(f"frozen vectors and starting head: {time.perf_counter() - t0:.0f} s", flush=True)
    targets = np.array([labels.index(i) for i in intents])
    delta, _ = finetune_top_layers(
        encoder,
        texts,
        targets,
        np.ones(len(texts), np.float32),
        w0,
        b0,
        layers=LAYERS,
        epochs=epochs,
        lr=LR,
        batch_size=BATCH,
        seed=SEED,
        states=states,
        log=lambda m: log(m, flush=True),
    )
    info = {
        "rows": len(rows),
        "intents": len(labels),
        "layers": LAYERS,
        "epochs": epochs,
        "lr": LR,
        "batch_size": BATCH,
        "seed": SEED,
        "cpu_s": round(time.process_time() - c0, 1),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    return delta, info


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, help="only the first N rows (a plumbing run)")
    p.add_argument("--out", type=Path, default=MODEL_DIR)
    p.add_argument("--no-pin", action="store_true", help="do not rewrite the PINS block")
    p.add_argument("--info", type=Path, default=HERE / "results" / "company_base.json")
    args = p.parse_args(argv)

    import torch

    from bankbot.models.model import save_delta
    from shared.device import configure_cpu_threads

    torch.set_num_threads(args.threads)
    configure_cpu_threads(args.threads)
    rows = read_banking77(args.banking77)
    if args.limit:  # a seeded sample: the file is sorted by intent
        rows = random.Random(SEED).sample(rows, min(args.limit, len(rows)))
    delta, info = train_base(rows, args.epochs, log=print)
    sample = f", a sample of {args.limit}" if args.limit else ""
    info["source"] = "Banking77 train.csv (every row; no CLINC150 row)" + sample
    args.out.mkdir(parents=True, exist_ok=True)
    save_delta(args.out / COMPANY_BASE_FILE, delta)
    info["sha256"] = sha256_of(args.out / COMPANY_BASE_FILE)
    args.info.parent.mkdir(parents=True, exist_ok=True)
    args.info.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    if args.out.resolve() == MODEL_DIR.resolve() and not args.no_pin:
        present = [n for n in PINNED_FILES if (MODEL_DIR / n).exists()]
        write_pins(HERE / "bankbot" / "model_spec.py", MODEL_DIR, present)
    print(json.dumps(info), flush=True)
    return info


if __name__ == "__main__":
    main()
