"""Train a company's own support bot from its own examples (CPU, minutes) and write it to a folder.

    python spaces/bank_bot/specialize.py --examples FILE.csv --out DIR [--answers FILE.csv] [--name="Acme"]

--examples: CSV with a header ``text,intent`` (5 to 50 examples per intent work well). Rows whose intent is
``out_of_scope`` are optional extra things the company does not handle; everything else off-topic is built
in. --answers: CSV ``intent,answer`` (optional; intents without one get a reply that names the topic and
offers a person). DIR gets everything the app needs (serve it with ``BANK_BOT_MODEL=DIR python app.py``).
The last line printed is one JSON object: train_seconds, counts, and the held-out metrics.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from shared.jsonfile import write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def arguments() -> argparse.ArgumentParser:
    from bankbot.models.oos import DEFAULT_PRESET, PRESETS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=Path, required=True, help="CSV with header text,intent")
    p.add_argument("--out", type=Path, required=True, help="folder to write the trained bot to")
    p.add_argument("--answers", type=Path, help="CSV with header intent,answer")
    p.add_argument("--name", default="our", help="company name used in the generated answers")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--layers", type=int, help="top encoder layers to fine-tune (default: the recipe's)")
    p.add_argument("--epochs", type=int, help="fine-tuning passes (default: the recipe's)")
    p.add_argument("--negatives", type=int, help="built-in off-topic sentences the head sees (default: the recipe's)")
    p.add_argument("--augment", type=int, help="altered copies of each example for fine-tuning (default: the recipe's)")
    p.add_argument(
        "--preset",
        choices=[*PRESETS, DEFAULT_PRESET],
        default=DEFAULT_PRESET,
        help="how readily the bot declines what is not your business (every preset is measured in report.json); "
        "auto: the one answering most among those declining at least 95%% of the unseen built-in topics",
    )
    p.add_argument("--summary", type=Path, help="also write the printed JSON summary to this file")
    return p


def main(argv=None) -> int:
    args = arguments().parse_args(argv)

    from bankbot.company.data import DataError, read_answers, read_examples

    try:
        examples = read_examples(args.examples.read_bytes())
        answers, answer_warnings = ({}, [])
        if args.answers:
            answers, answer_warnings = read_answers(args.answers.read_bytes(), examples.labels)
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in examples.warnings + answer_warnings:
        print(f"warning: {w}", file=sys.stderr)

    from dataclasses import replace

    from bankbot.company.recipe import Recipe, specialize

    recipe = Recipe(preset=args.preset)
    for name, field in (
        ("layers", "layers"),
        ("epochs", "epochs"),
        ("negatives", "head_negatives"),
        ("augment", "augment"),
    ):
        if getattr(args, name) is not None:
            recipe = replace(recipe, **{field: getattr(args, name)})
    if args.negatives is not None:
        recipe = replace(recipe, finetune_negatives=min(recipe.finetune_negatives, args.negatives))

    t0 = time.perf_counter()
    result, digests = specialize(
        examples,
        answers,
        args.out,
        company=args.name,
        recipe=recipe,
        threads=args.threads,
        progress=lambda f, msg: print(f"[{f:4.0%}] {msg}", file=sys.stderr, flush=True),
    )
    summary = {
        "train_seconds": round(time.perf_counter() - t0, 1),
        "cpu_seconds": result.timings.get("cpu_s"),
        "intents": result.data["intents"],
        "examples": result.data["examples"],
        "builtin_negatives_used": result.data["builtin_negatives_used"],
        "held_out": result.metrics,
        "baseline_held_out": result.baseline,
        "out_of_scope": {k: result.oos[k] for k in ("method", "preset", "threshold", "presets")},
        "out": str(args.out),
        "sha256": digests,
    }
    print(json.dumps(summary))
    if args.summary:
        write_json(args.summary, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
