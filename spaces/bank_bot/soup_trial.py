"""Trial: a model soup of Northwind's fine-tuned encoder (Wortsman et al. 2022): the uniform average of the deltas of
runs of the shipped recipe that differ only in their fine-tuning seed. One encoder pass per message, as today.

    python spaces/bank_bot/soup_trial.py --ingredient "shipped (seed 0)" model/encoder_delta.safetensors \\
        --ingredient "seed 1" RUN1/model/encoder_delta.safetensors [--ingredient "seed 2" ...] \\
        --work /tmp/soup [--logs RUN1.log ...] [kit paths] [--json results/northwind_soup_trial.json]

1. writes the soup (the mean of the ingredients' float16 deltas, in float32, stored as float16) to WORK/soup;
2. for every ingredient and the soup, ``train.py --reuse-delta X --knn-weight 0.2 --no-card``: the validation-run head
   fit on the training part over X's vectors, scored on the validation part through the app's policy (seed-0 split);
3. probe_report.py on the four colloquial probe sets over the train + validation heads of the first ingredient (the
   shipped delta) and of the soup, with today's floor, gate and cues;
4. the pre-registered decision (NOTE, RULE) and one JSON object. --logs: the fine-tuning runs' logs (train.py's output
   under GNU ``time -v``), read for their fine-tuning time and their own validation line.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bankbot.model_spec import DELTA_FILE
from bankbot.models.data import add_kit_arguments
from bankbot.models.encoder import load_tensors
from bankbot.models.model import save_delta
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
PROBE_SETS = ("colloquial_probes", "colloquial_probes_2", "colloquial_probes_3", "colloquial_probes_4")
KNN_WEIGHT = 0.2  # the shipped head's neighbour weight
NOTE = (
    "Pre-registered before any soup number was seen: THE candidate is the uniform soup (mean of the float16 deltas) "
    "of every fine-tune that finished: the shipped delta (commit 3da5a03, seed 0) plus train.py --finetune-seed 1 "
    "(and 2), each the shipped recipe (all 6 layers, 3 epochs, AdamW lr 5e-5, batch 32, label smoothing 0, no "
    "colloquial rows in fine-tuning, as in 3da5a03; the seed-0 split). No other mix or weighting is a candidate. All "
    "rows come from one run of this script: train.py --reuse-delta X --knn-weight 0.2 --no-card (today's head recipe "
    "with the colloquial rows; validation-run head fit on the training part, scored on the validation part through "
    "the app's policy), and probe_report.py over the train + validation heads with today's floor, gate and cues. "
    "Validation only: the kit has no test split. Shared 2-vCPU machine, one thread."
)
COMMAND = (
    "train.py --banking77 DATA/banking77/train.csv --clinc DATA/clinc150/data_full_trainval.json "
    "--domains DATA/clinc150/domains.json --threads 1 --reuse-delta X --knn-weight 0.2 --no-card"
)
RULE = (
    "The soup wins if Banking77 >= 94.00% AND banking + cards accuracy not lower than shipped by more than 0.5 pt AND "
    "decline rate not lower by more than 0.2 pt AND false declines not higher by more than 0.2 pt AND no more wrong "
    "answers than shipped on probe sets 1-4 in total."
)


def average_deltas(deltas: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The uniform soup: each tensor's mean over the ingredients (computed in float32), as float16. The ingredients
    must fine-tune the same tensors with the same shapes (the same recipe from the same pretrained weights)."""
    if not deltas:
        raise ValueError("a soup needs at least one ingredient")
    names = sorted(deltas[0])
    for delta in deltas[1:]:
        if sorted(delta) != names or any(delta[n].shape != deltas[0][n].shape for n in names):
            raise ValueError("the ingredients do not fine-tune the same tensors")
    return {n: np.mean([d[n].astype(np.float32) for d in deltas], axis=0).astype(np.float16) for n in names}


def soup_wins(shipped: dict, soup: dict, wrong_shipped: int, wrong_soup: int) -> dict[str, bool]:
    """RULE, one entry per condition (validation metrics as train.py's ``score`` writes them, fractions)."""
    eps = 1e-9  # the metrics are rounded to 4 decimals
    return {
        "banking77_at_least_94": soup["banking77_accuracy"] >= 0.94 - eps,
        "banking_within_0.5pt": soup["banking_accuracy"] >= shipped["banking_accuracy"] - 0.005 - eps,
        "declines_within_0.2pt": soup["decline_rate"] >= shipped["decline_rate"] - 0.002 - eps,
        "false_declines_within_0.2pt": soup["false_decline_rate"] <= shipped["false_decline_rate"] + 0.002 + eps,
        "probe_wrong_not_more": wrong_soup <= wrong_shipped,
    }


def run_json(cmd: list[str]) -> tuple[dict, float]:
    """Run a script, return the JSON object its output ends with and the child's CPU seconds."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=HERE).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    start = out.rfind("\n{")  # train.py's last line is one JSON object; probe_report.py prints one indented object
    return json.loads(out[start + 1 :] if start >= 0 else out), cpu


def finetune_log(path: Path) -> dict:
    """A fine-tuning run's own numbers from its log: wall seconds of the fine-tuning, CPU minutes of the whole run (GNU
    time), and its validation line (its head saw no colloquial rows)."""
    text = path.read_text(encoding="utf-8")
    wall = re.search(r"validation \(fine-tuning took (\d+) s\): (\{.*\})", text)
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    return {
        "log": path.name,
        "finetune_wall_s": int(wall.group(1)),
        "run_cpu_minutes": round((user + system) / 60, 1),
        "own_validation_without_colloquial_rows": json.loads(wall.group(2)),
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p)
    p.add_argument("--ingredient", nargs=2, action="append", metavar=("NAME", "DELTA"), required=True)
    p.add_argument("--work", type=Path, required=True, help="scratch folder (the soup, the runs' heads)")
    p.add_argument("--logs", type=Path, nargs="*", default=[], help="the fine-tuning runs' logs")
    p.add_argument("--json", type=Path, default=HERE / "results" / "northwind_soup_trial.json")
    args = p.parse_args(argv)

    names = [name for name, _ in args.ingredient]
    paths = [Path(path).resolve() for _, path in args.ingredient]
    soup_path = args.work / "soup" / DELTA_FILE
    soup_path.parent.mkdir(parents=True, exist_ok=True)
    save_delta(soup_path, average_deltas([load_tensors(path) for path in paths]))
    runs = dict(zip(names, paths, strict=True)) | {"soup": soup_path.resolve()}

    kit = ["--banking77", str(args.banking77), "--clinc", str(args.clinc), "--domains", str(args.domains)]
    validation, heads, cpu = {}, {}, {}
    for k, (name, delta) in enumerate(runs.items()):
        folder = args.work / f"run{k}"
        heads[name] = folder / "final"
        cmd = [sys.executable, "train.py", *kit, "--threads", "1", "--reuse-delta", str(delta)]
        cmd += ["--knn-weight", str(KNN_WEIGHT), "--no-card", "--val-out", str(folder / "val")]
        cmd += ["--out", str(heads[name])]
        t0 = time.perf_counter()
        out, cpu_s = run_json(cmd)
        validation[name] = out["validation"]
        cpu[name] = {"cpu_s": round(cpu_s, 1), "wall_s": round(time.perf_counter() - t0, 1)}
        print(f"{name}: {json.dumps(validation[name])}", flush=True)

    probes = {}
    for name in (names[0], "soup"):
        probes[name] = {}
        for probe_set in PROBE_SETS:
            probe_file = HERE.parents[1] / "tests" / "bank_bot" / f"{probe_set}.py"
            cmd = [sys.executable, "probe_report.py", "--probes", str(probe_file), "--head-dir", str(heads[name])]
            out, _ = run_json(cmd)
            probes[name][probe_set] = {k: v for k, v in out.items() if k not in ("probes", "model")}
    wrong = {name: sum(r["answered_wrong"] for r in probes[name].values()) for name in probes}
    checks = soup_wins(validation[names[0]], validation["soup"], wrong[names[0]], wrong["soup"])
    result = {
        "note": NOTE,
        "rule": RULE,
        "ingredients": {name: str(path) for name, path in zip(names, paths, strict=True)},
        "command_per_delta": COMMAND,
        "validation": validation,
        "head_refit_seconds": cpu,
        "probes": probes,
        "probe_wrong_total": wrong,
        "checks": checks,
        "soup_wins": all(checks.values()),
        "finetunes": [finetune_log(log) for log in args.logs],
    }
    print(write_json(args.json, result))
    return result


if __name__ == "__main__":
    main()
