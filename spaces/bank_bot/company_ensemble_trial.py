"""Trial: a company bot made of a deep ensemble of fine-tuned top layers (``Recipe.members``), on the example company,
beside today's recipe in the same run.

    python spaces/bank_bot/company_ensemble_trial.py [--members 3] [--rounds 4] [--two-threads]
        [--examples spaces/bank_bot/examples/company_example.csv]
        [--fresh spaces/bank_bot/examples/company_example_fresh.csv]
        [--clinc ../shared/data/clinc150/data_full_trainval.json] [--domains-json ../shared/data/clinc150/domains.json]
        [--out spaces/bank_bot/results/company_ensemble_trial.json]

1. Both recipes train on the example company's examples (one thread), as ``specialize.py`` does: the report's
   held-out numbers and its mistakes against the frozen baseline on the same rows; training wall and CPU seconds.
2. Both final bots on the fresh questions written for the example company (never trained on): right, wrong, declined.
3. Per-message latency of the two bots' model step (encoder, head, out-of-scope gate), one thread, alternating
   message by message, the same messages (the fresh questions, ``--rounds`` times), after one warm-up pass.
4. With ``--two-threads``, the training-time target (3 minutes on 2 vCPUs): both recipes train a 45-intent company of
   10 CLINC150 ``train`` examples per intent (travel, utility, home: ``oos_benchmark.py``'s first company, the whole
   built-in bank) with two threads; wall and CPU seconds. Only meaningful on a machine whose two cores are free.

The leave-one-source-out measurement of the same trial is ``oos_benchmark.py --variant '{"members": 3}'``.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from company_e5_trial import report_bots  # this folder

from bankbot.models.data import DEFAULT_DATA
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
TIMED_COMPANY = ("travel", "utility", "home")


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=3)
    p.add_argument("--examples", type=Path, default=HERE / "examples" / "company_example.csv")
    p.add_argument("--fresh", type=Path, default=HERE / "examples" / "company_example_fresh.csv")
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains-json", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--two-threads", action="store_true", help="also time training on two threads (a quiet machine)")
    p.add_argument("--out", type=Path, default=HERE / "results" / "company_ensemble_trial.json")
    args = p.parse_args(argv)

    from company_benchmark import sample_examples

    from bankbot.company.data import Examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import Recipe, train_company
    from bankbot.models.data import read_domains
    from bankbot.models.model import frozen_encoder
    from shared.device import configure_cpu_threads

    recipes = {"today": Recipe(), f"{args.members} members": replace(Recipe(), members=args.members)}
    out = report_bots(recipes, args.examples, args.fresh, args.rounds) | {"machine": "2 shared vCPUs"}
    write_json(args.out, out)
    print(json.dumps({k: out[k] for k in ("fresh", "latency")}, indent=1), flush=True)
    if not args.two_threads:
        return out

    # the training-time target: a 45-intent company from 10 examples per intent, two threads (torch and numpy's BLAS)
    configure_cpu_threads(2)
    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    train = sample_examples(clinc, read_domains(args.domains_json), TIMED_COMPANY, 10)
    company = Examples([t for t, _ in train], [i for _, i in train])
    timed = {"company": ",".join(TIMED_COMPANY), "examples": len(train), "threads": 2, "bots": {}}
    bank, encoder = load_builtin_bank(), frozen_encoder()
    for name, recipe in recipes.items():
        timed["bots"][name] = train_company(company, bank, encoder, recipe).timings
        print(name, "on 2 threads:", timed["bots"][name], flush=True)
    first = timed["bots"]["today"]
    for row in timed["bots"].values():
        row["wall_ratio_to_today"] = round(row["total_s"] / first["total_s"], 2)
    out["training_two_threads"] = timed
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
