"""One round of colloquial training rows: today's head against candidate heads, in one run; one JSON object.

    python spaces/bank_bot/colloquial_round.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json \\
        --head NAME=RUN ... --probes tests/bank_bot/colloquial_probes.py ... \\
        [--final-probes tests/bank_bot/colloquial_probes_5.py] [--cache vectors.npz] [--out results/F.json]

RUN is a train.py run on the shipped fine-tuned layers (``--reuse-delta``) whose ``--out`` was RUN/model (the head
the Space would ship: training + validation) and ``--val-out`` RUN/val (its validation-run head: training part only).
For each head, as ``fit_floor.py`` would set it up if that head shipped:

- **validation** (choices): the validation-run head through the app's policy with the distance gate refit on it (its
  cut and lower cut where 0.5% and 0.1% of the in-scope validation rows fall) and the floor ``fit_floor`` picks;
  ``train.py``'s metrics (Banking77, CLINC150 banking, off-topic declined, false declines);
- **probes** (choices): the RUN/model head through the app (``probe_report.score_probes``) with those cuts;
- **final probes** (``--final-probes``): a set no choice saw, scored once per head, after the choice was fixed.

No test split is used. Vectors come from the shipped encoder (``--cache`` reuses them).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from gate_trial import PROBE_KEYS, false_declines_all_in_scope
from probe_report import load_probes, score_probes
from train import score

from bankbot.conversation.floor import fit_floor
from bankbot.conversation.policy import answer_table
from bankbot.model_spec import CONFIDENCE_FLOOR, HEAD_FILE
from bankbot.models.data import OUT_OF_SCOPE, Source, add_kit_arguments, build_splits
from bankbot.models.headfit import encode_with_cache
from bankbot.models.model import head_proba, in_scope_memory, load_encoder, load_head, load_intent_model
from bankbot.models.oos import (
    GATE_K,
    GATE_LOW_SHARE,
    GATE_SHARE,
    distance_declines,
    gate,
    nearest_similarity,
    threshold_at,
)
from shared.jsonfile import write_json

SEED = 0


def validation(run: Path, val, xva: np.ndarray, table) -> dict:
    """The validation-run head with its own gate cuts and floor: metrics as gate_trial.py reports them."""
    head = load_head(run / "val" / "model" / HEAD_FILE)
    labels, oos_index = head.labels, head.labels.index(OUT_OF_SCOPE)
    probs = head_proba(head, xva)
    floor, _ = fit_floor(probs, val, labels, table)
    similarity = nearest_similarity(xva, in_scope_memory(head), GATE_K)
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])
    cut, low = threshold_at(similarity[inside], GATE_SHARE), threshold_at(similarity[inside], GATE_LOW_SHARE)
    declined = distance_declines(similarity, probs, oos_index, cut, low, CONFIDENCE_FLOOR)
    v = score(val, gate(probs, declined, oos_index, top=1.0), labels, table)
    v["false_declines_all_in_scope"] = false_declines_all_in_scope(v)
    return {"floor_fit": floor, "cut": round(cut, 4), "low": round(low, 4), "validation": v}


def probe_counts(run: Path, cuts: tuple[float, float], paths: list[Path], table) -> dict:
    """The RUN/model head in the app's path, its gate at these cuts, on each probe set: counts and every miss."""
    model = load_intent_model(run / "model")
    model.english.use_gate(*cuts, CONFIDENCE_FLOOR)
    out = {}
    for path in paths:
        r = score_probes(load_probes(path), model, table)
        out[path.stem] = {k: r[k] for k in PROBE_KEYS} | {"n_colloquial": r["n_colloquial"]}
        out[path.stem] |= {k: r[k] for k in ("wrong", "asked_back_or_declined_messages", "off_topic_answered")}
        out[path.stem]["others_data_declined_as_such"] = f"{r['others_data_declined_as_such']} of {r['n_others_data']}"
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p)
    p.add_argument("--head", action="append", required=True, help="NAME=RUN (a train.py run folder), repeatable")
    p.add_argument("--probes", type=Path, nargs="+", required=True, help="probe sets the choice may use")
    p.add_argument("--final-probes", type=Path, help="a probe set no choice saw, scored once per head")
    p.add_argument("--cache", type=Path, help="an .npz of the shipped encoder's sentence vectors (reused, updated)")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    args = p.parse_args(argv)

    _, val = build_splits(args.banking77, args.clinc, args.domains, seed=SEED)  # colloquial rows only train
    xva = encode_with_cache(load_encoder(), sorted(set(val.texts)), args.cache)
    row = {t: i for i, t in enumerate(sorted(set(val.texts)))}
    xva = xva[[row[t] for t in val.texts]]
    table = answer_table()
    out: dict = {"floor_shipped": CONFIDENCE_FLOOR, "k": GATE_K, "heads": {}}
    for name, run in (h.split("=", 1) for h in args.head):
        entry = validation(Path(run), val, xva, table)
        entry["probes"] = probe_counts(Path(run), (entry["cut"], entry["low"]), args.probes, table)
        if args.final_probes:
            cuts = (entry["cut"], entry["low"])
            entry["final_probes"] = probe_counts(Path(run), cuts, [args.final_probes], table)
        out["heads"][name] = entry
        print(json.dumps({name: entry}), flush=True)
    if args.out:
        write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
