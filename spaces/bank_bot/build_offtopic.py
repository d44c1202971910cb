"""Build the built-in off-topic bank that every company's bot learns to decline (data kit -> one file).

    python spaces/bank_bot/build_offtopic.py [--clinc ../shared/data/clinc150/data_full_trainval.json]
                                             [--banking77 ../shared/data/banking77/train.csv]

Takes a fixed-seed sample of CLINC150's ``train`` split (--per-intent sentences of each of its 150 intents),
all of its ``oos_train`` queries, and --per-banking77 sentences of each Banking77 intent; encodes them with
the pinned frozen MiniLM; writes ``model/offtopic_bank.safetensors`` (float16 vectors, texts, intent groups)
and its sha256 into the PINS block of ``bankbot/model_spec.py``. CLINC150's ``val``/``oos_val`` rows never
enter the bank: ``specialize.py``'s own check and the README's numbers evaluate on them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bankbot.company.offtopic import OffTopicBank, save_bank
from bankbot.model_spec import BANK_FILE
from bankbot.models.data import DEFAULT_DATA, read_banking77

HERE = Path(__file__).resolve().parent
SEED = 0
PER_INTENT = 30  # of CLINC150's 100 train sentences per intent
PER_BANKING77 = 10


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--per-intent", type=int, default=PER_INTENT)
    p.add_argument("--per-banking77", type=int, default=PER_BANKING77)
    p.add_argument("--out", type=Path, default=HERE / "model" / BANK_FILE)
    p.add_argument("--no-pins", action="store_true", help="do not rewrite the pin in bankbot/model_spec.py")
    args = p.parse_args(argv)

    from bankbot.models.model import load_encoder_with
    from shared.device import configure_cpu_threads

    configure_cpu_threads()
    rng = random.Random(SEED)
    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    by_group: dict[str, list[str]] = defaultdict(list)
    for text, intent in clinc["train"]:
        by_group[f"clinc:{intent}"].append(text)
    for text, _ in clinc.get("oos_train", []):
        by_group["clinc:oos"].append(text)
    for text, intent in read_banking77(args.banking77):
        by_group[f"banking77:{intent}"].append(text)
    texts, groups, names = [], [], sorted(by_group)
    for g, name in enumerate(names):
        rows = sorted(set(by_group[name]))
        n = (
            len(rows)
            if name == "clinc:oos"
            else args.per_banking77
            if name.startswith("banking77:")
            else args.per_intent
        )
        chosen = rng.sample(rows, min(n, len(rows)))
        texts += chosen
        groups += [g] * len(chosen)
    t0 = time.perf_counter()
    vectors = load_encoder_with(None).encode(texts)
    bank = OffTopicBank(vectors, np.array(groups), names, texts)
    info = {
        "seed": SEED,
        "per_intent": args.per_intent,
        "per_banking77": args.per_banking77,
        "sources": "CLINC150 train + oos_train (CC BY 3.0), Banking77 train.csv (CC BY 4.0)",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2, frozen",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_bank(args.out, bank, info)
    args.out.chmod(0o644)
    summary = {"sentences": len(texts), "groups": len(names), "mb": round(args.out.stat().st_size / 1e6, 2)}
    summary["encode_s"] = round(time.perf_counter() - t0, 1)
    if not args.no_pins:
        from bankbot import model_spec
        from shared.model_source import write_pins

        # one PINS block for every shipped file: keep the head's and the delta's pins as they are
        folder = args.out.parent
        names = [n for n in model_spec.PINNED_FILES if (folder / n).exists()]
        summary["pins"] = write_pins(Path(model_spec.__file__), folder, names)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
