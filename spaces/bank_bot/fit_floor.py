"""Refit the confidence floor of the bank policy on validation data and print its table (fixed seed, CPU).

    python spaces/bank_bot/fit_floor.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json [--cache vectors.npz]

The shipped head was refit on training + validation, so its probabilities on validation rows are not honest.
This script rebuilds the validation-run head exactly as train.py does (same split, seed 0, the shipped
encoder, whose fine-tuned layers saw only the training part; same C, out-of-scope weight and neighbour vote),
scores the validation rows (15% of Banking77 train.csv, CLINC150 val + oos_val) through the app's policy at
each floor, chooses the floor (bankbot.conversation.floor), and writes it to the FLOOR block of bankbot/model_spec.py
and the floor section of MODEL_CARD.md (--dry-run: print only). No test split is used. About 25 CPU-minutes on
a busy 2-vCPU machine, most of it encoding 28k sentences once (--cache keeps the vectors).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bankbot.conversation.floor import MAX_OFF_TOPIC_ANSWERED, MAX_WRONG, as_dicts, fit_floor, markdown_table
from bankbot.conversation.policy import answer_table
from bankbot.conversation.safety import harm_cue
from bankbot.model_spec import HEAD_FILE, MODEL_DIR
from bankbot.models.data import COLLOQUIAL_FILE, OUT_OF_SCOPE, Source, add_kit_arguments, build_splits
from bankbot.models.headfit import encode_with_cache, fit_head
from bankbot.models.model import Head, Memory, head_proba, in_scope_memory, load_encoder, load_head
from bankbot.models.oos import GATE_K, GATE_LOW_SHARE, GATE_SHARE, gate_cuts, nearest_similarity

HERE = Path(__file__).resolve().parent
SEED = 0
FLOOR_BEGIN, FLOOR_END = "# BEGIN FLOOR (written by fit_floor.py; do not edit by hand)", "# END FLOOR"
CARD_BEGIN, CARD_END = "<!-- BEGIN FLOOR (written by fit_floor.py) -->", "<!-- END FLOOR -->"


def write_floor(module: Path, floor: float, min_similarity: float, low_similarity: float) -> None:
    text = module.read_text(encoding="utf-8")
    start, end = text.index(FLOOR_BEGIN), text.index(FLOOR_END)
    block = f"{FLOOR_BEGIN}\nCONFIDENCE_FLOOR = {floor}\nMIN_SIMILARITY = {min_similarity:.4f}\n"
    block += f"LOW_SIMILARITY = {low_similarity:.4f}\n"
    module.write_text(text[:start] + block + text[end:], encoding="utf-8")


def harm_false_positives(split, cue=harm_cue) -> tuple[int, int]:
    """How many in-scope banking rows (Banking77 + CLINC150 banking/credit cards) the harm cues (``cue``) flag."""
    rows = [t for t, s in zip(split.texts, split.sources, strict=True) if s in (Source.BANKING77, Source.CLINC_BANK)]
    return sum(cue(t) is not None for t in rows), len(rows)


def card_section(
    floor: float,
    min_similarity: float,
    low_similarity: float,
    rows,
    n_in: int,
    n_off: int,
    fp: tuple[int, int],
    fp_all: tuple[int, int],
) -> str:
    return f"""{CARD_BEGIN}
## Confidence floor and harmful requests (bank policy)
- **Distance gate**: an English message whose mean cosine to its {GATE_K} nearest in-scope training sentences is
  below {min_similarity:.4f} is declined as not a banking question (`bankbot/models/oos.py`; the cut
  declines {100 * GATE_SHARE:.1f}% of the in-scope validation rows; `northwind_oos.py` compares it with the floor
  alone, leave one off-topic source out: README.md), unless it is still above {low_similarity:.4f} (where
  {100 * GATE_LOW_SHARE:.1f}% of them fall) and the head gives one in-scope intent at least the floor: a colloquial
  message phrased unlike any training row then reaches the floor (`gate_trial.py`: README.md, "The distance gate
  and the head's evidence").
- **Floor {floor:.2f}**: the bot answers from the table only when the top intent's probability is at least
  {floor:.2f}; below it, it offers the two closest topics (when they are within 0.20 and together reach the floor)
  or asks to rephrase, and a second unclear message in a row goes to a person.
- **How it was fitted** (`fit_floor.py`, seed 0): the validation-run head (fit on the training part only, as in
  `train.py`) scored the validation rows ({n_in} in-scope: Banking77 15% + CLINC150 banking/credit-card `val`;
  {n_off} off-topic: CLINC150 other-domain `val` + `oos_val`) through the app's policy at each floor. Chosen:
  the floor that answers the most in-scope questions correctly while at most {100 * MAX_WRONG:.1f}% of in-scope
  questions get a wrong answer and at most {100 * MAX_OFF_TOPIC_ANSWERED:.1f}% of off-topic ones get any answer.
  No test split was used. The shipped head (refit on training + validation) is slightly more confident.

{markdown_table(rows, floor)}

The 0.30 row is this policy with the earlier rephrase threshold (0.30) as its floor.
- **Harmful or fraud-seeking requests** (someone else's account or card, stealing or cloning cards, phishing,
  laundering, evading checks, "ignore your instructions" tricks) are caught before the model by a short list of
  clear cues (`bankbot/conversation/safety.py`) and declined with the way to the fraud team; never answered. False
  positives: {fp[0]} of the {fp[1]} in-scope validation rows and {fp_all[0]} of all {fp_all[1]} in-scope kit rows
  (training + validation) are flagged, and the tests check that every harmful probe in
  `tests/bank_bot/bank_probes.py` is. Harm phrased in ways the list does not know falls back on the
  floor and the off-topic class.
{CARD_END}"""


def write_card(card: Path, section: str) -> None:
    text = card.read_text(encoding="utf-8")
    if CARD_BEGIN in text:
        text = re.sub(re.escape(CARD_BEGIN) + ".*?" + re.escape(CARD_END), lambda _: section, text, flags=re.DOTALL)
    else:
        text = text.replace("\n## Limits", f"\n{section}\n\n## Limits", 1)
    card.write_text(text, encoding="utf-8")


def validation_run_head(shipped: Head, train, xtr: np.ndarray) -> Head:
    """The shipped head's recipe (labels, C, weights, neighbour vote) refit on the training part only."""
    labels, knn, info = shipped.labels, shipped.memory, shipped.info
    weights = np.where(np.array(train.sources) == Source.COLLOQUIAL, info.get("colloquial_weight", 1.0), 1.0)
    w, b = fit_head(xtr, train.labels, labels, info["C"], info["oos_weight"], SEED, row_weights=weights)
    targets = np.array([labels.index(lab) for lab in train.labels])
    memory = Memory(xtr.astype(np.float16).astype(np.float32), targets, knn.k, knn.temperature, knn.weight)
    return Head(w, b, labels, {"name": "validation-run head"}, memory)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p)
    p.add_argument("--cache", type=Path, help="an .npz of the shipped encoder's sentence vectors; written when missing")
    p.add_argument("--dry-run", action="store_true", help="print the table only; write nothing")
    p.add_argument(
        "--colloquial", type=Path, help="the colloquial rows the shipped head trained on (default: train.py's file)"
    )
    p.add_argument(
        "--val-head",
        type=Path,
        help="train.py's validation-run head (--val-out DIR/model/intent_head.safetensors) instead of refitting it",
    )
    args = p.parse_args(argv)

    shipped = load_head(MODEL_DIR / HEAD_FILE)  # its labels and hyper-parameters, not its weights
    colloquial = args.colloquial or (COLLOQUIAL_FILE if shipped.info.get("colloquial_rows") else None)
    train, val = build_splits(args.banking77, args.clinc, args.domains, seed=SEED, colloquial=colloquial)
    texts = sorted(set(train.texts) | set(val.texts))
    vectors = encode_with_cache(load_encoder(), texts, args.cache)
    row = {t: i for i, t in enumerate(texts)}
    xtr, xva = vectors[[row[t] for t in train.texts]], vectors[[row[t] for t in val.texts]]

    labels = shipped.labels
    if args.val_head:  # train.py's validation-run head (the same fit as below, already done)
        head = load_head(args.val_head)
    else:
        head = validation_run_head(shipped, train, xtr)
    floor, rows = fit_floor(head_proba(head, xva), val, labels, answer_table())
    # the distance gate (northwind_oos.py's best): its cut declines GATE_SHARE of the in-scope validation rows
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])
    similarity = nearest_similarity(xva[inside], in_scope_memory(head), GATE_K)
    min_similarity, low_similarity = gate_cuts(similarity)
    print(f"distance gate: mean cosine to the {GATE_K} nearest in-scope training sentences >= {min_similarity:.4f}")
    print(f"... or >= {low_similarity:.4f} with the head at least {floor:.2f} sure of one in-scope intent")

    n_in = sum(s in (Source.BANKING77, Source.CLINC_BANK) for s in val.sources)
    n_off = sum(s in Source.OFF_TOPIC and g == OUT_OF_SCOPE for s, g in zip(val.sources, val.labels, strict=True))
    fp, fp_all = harm_false_positives(val), harm_false_positives(train)
    fp_all = (fp[0] + fp_all[0], fp[1] + fp_all[1])
    print(markdown_table(rows, floor))
    print(f"harm cues on in-scope rows: {fp[0]} of {fp[1]} validation rows, {fp_all[0]} of {fp_all[1]} kit rows")
    print(json.dumps({"floor": floor, "rows": as_dicts(rows)}))
    if not args.dry_run:
        write_floor(HERE / "bankbot" / "model_spec.py", floor, min_similarity, low_similarity)
        section = card_section(floor, min_similarity, low_similarity, rows, n_in, n_off, fp, fp_all)
        write_card(HERE / "MODEL_CARD.md", section)
    return floor


if __name__ == "__main__":
    main()
