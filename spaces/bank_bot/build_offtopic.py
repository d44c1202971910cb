"""Build the built-in off-topic bank that every company's bot learns to decline (data kit -> one file).

    python spaces/bank_bot/build_offtopic.py [--clinc ../shared/data/clinc150/data_full_trainval.json]
                                             [--banking77 ../shared/data/banking77/train.csv] [--generic]

Takes a fixed-seed sample of CLINC150's ``train`` split (--per-intent sentences of each of its 150 intents),
all of its ``oos_train`` queries, and --per-banking77 sentences of each Banking77 intent; encodes them with
the pinned frozen MiniLM; writes ``model/offtopic_bank.safetensors`` (float16 vectors, texts, intent groups)
and its sha256 into the PINS block of ``bankbot/model_spec.py``. CLINC150's ``val``/``oos_val`` rows never
enter the bank: ``specialize.py``'s own check and the README's numbers evaluate on them.

``--generic`` (off by default: the shipped bank is built without it) adds the generic questions written by code
(``bankbot/company/generic_offtopic.py``, groups ``generic:<topic>:<n>``) after the kit's rows, less every one whose
content words are within Jaccard 0.5 of any kit row (every CLINC150 split in the file, Banking77) or hand-written
probe (``data/offtopic_probes.txt``, the probe sets in ``tests/bank_bot``): what is scored stays unseen.
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
GENERIC_JACCARD = 0.5  # a generic question this close to a kit row or a probe is left out
PROBE_SETS = sorted((HERE.parents[1] / "tests" / "bank_bot").glob("*probes*.py"))


def kit_rows(
    clinc: dict, banking77: list[tuple[str, str]], per_intent: int, per_banking77: int
) -> tuple[list[str], list[int], list[str]]:
    """(texts, group index per text, group names): the fixed-seed sample of the kit described above."""
    rng = random.Random(SEED)
    by_group: dict[str, list[str]] = defaultdict(list)
    for text, intent in clinc["train"]:
        by_group[f"clinc:{intent}"].append(text)
    for text, _ in clinc.get("oos_train", []):
        by_group["clinc:oos"].append(text)
    for text, intent in banking77:
        by_group[f"banking77:{intent}"].append(text)
    texts, groups, names = [], [], sorted(by_group)
    for g, name in enumerate(names):
        rows = sorted(set(by_group[name]))
        n = len(rows) if name == "clinc:oos" else per_banking77 if name.startswith("banking77:") else per_intent
        chosen = rng.sample(rows, min(n, len(rows)))
        texts += chosen
        groups += [g] * len(chosen)
    return texts, groups, names


def generic_rows(seen: list[str]) -> tuple[list[tuple[str, str]], int]:
    """(the generic questions far from every ``seen`` message, with their groups; how many were left out)."""
    from probe_overlap import close_to_any

    from bankbot.company.generic_offtopic import generate

    rows = generate()
    close = close_to_any([t for t, _ in rows], seen, GENERIC_JACCARD)
    return [r for r in rows if r[0] not in close], len(close)


def add_rows(texts: list[str], groups: list[int], names: list[str], rows: list[tuple[str, str]]) -> None:
    """Append (text, group name) rows after the kit's, their groups after the kit's groups (kit indices unchanged)."""
    for name in sorted({g for _, g in rows}):
        names.append(name)
    index = {n: i for i, n in enumerate(names)}
    texts += [t for t, _ in rows]
    groups += [index[g] for _, g in rows]


def seen_messages(clinc: dict, banking77: list[tuple[str, str]], probe_sets: list[Path]) -> list[str]:
    """Every kit row (each CLINC150 split in the file, Banking77) and every hand-written probe."""
    from oos_benchmark import PROBES, read_probes
    from probe_overlap import messages_of

    seen = [row[0] for split in clinc.values() for row in split] + [t for t, _ in banking77] + read_probes(PROBES)
    for path in probe_sets:
        seen += messages_of(path)
    return seen


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--per-intent", type=int, default=PER_INTENT)
    p.add_argument("--per-banking77", type=int, default=PER_BANKING77)
    p.add_argument("--out", type=Path, default=HERE / "model" / BANK_FILE)
    p.add_argument("--no-pins", action="store_true", help="do not rewrite the pin in bankbot/model_spec.py")
    p.add_argument("--generic", action="store_true", help="add the generic off-topic questions (off: as shipped)")
    args = p.parse_args(argv)

    from bankbot.models.model import load_encoder_with
    from shared.device import configure_cpu_threads

    configure_cpu_threads()
    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    banking77 = read_banking77(args.banking77)
    texts, groups, names = kit_rows(clinc, banking77, args.per_intent, args.per_banking77)
    generic: dict = {}
    if args.generic:
        rows, removed = generic_rows(seen_messages(clinc, banking77, PROBE_SETS))
        add_rows(texts, groups, names, rows)
        generic = {"generic_questions": len(rows), "generic_removed_as_close": removed}
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
    if args.generic:  # only then: the bank built without it stays byte for byte the shipped one
        info["generic"] = f"{generic['generic_questions']} generic questions (bankbot/company/generic_offtopic.py)"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_bank(args.out, bank, info)
    args.out.chmod(0o644)
    summary = {"sentences": len(texts), "groups": len(names), "mb": round(args.out.stat().st_size / 1e6, 2)}
    summary |= generic
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
