"""Honest out-of-scope measurement of the "Make it yours" recipe: leave one off-topic source out.

    python spaces/bank_bot/oos_benchmark.py [--clinc ../shared/data/clinc150/data_full_trainval.json]
        [--domains-json ../shared/data/clinc150/domains.json] [--banking77 ../shared/data/banking77/train.csv]
        [--companies "travel,utility,home;kitchen_and_dining,auto_and_commute,work"] [--per-intent 10]
        [--out spaces/bank_bot/results/oos_benchmark.json] [--candidate-bank FILE]

Each company: the CLINC150 intents of its domains, --per-intent examples of each from CLINC150 ``train``
(seed 0); in scope it is scored on CLINC150 ``val`` rows of those intents. Off-topic sources, each scored by a
bot trained WITHOUT that source in its built-in off-topic bank, and with every threshold chosen from the
company's own held-out examples only (never from any off-topic source):

- ``clinc_oos``: CLINC150 ``oos_val`` (the bank loses ``oos_train`` too: same source);
- ``clinc_domains``: CLINC150 ``val`` rows of every other domain (the bank loses every intent of those domains);
- ``banking77``: Banking77 ``train`` rows that are not in the bank (the bank loses all of Banking77);
- ``handwritten``: ``data/offtopic_probes.txt`` (never in the bank; scored by the ``clinc_oos`` bot).

The CLINC150 and Banking77 test splits are never read (the kit does not have them). Per held-out source (3 per
company) two bots are trained, one per recipe: the previous one (``PREVIOUS_RECIPE``: main before this recipe, the
intent loss alone at lr 1e-4, a final fine-tune on every example, energy gate) and this one (``Recipe()``). Every
method is scored on its fold's bot: the floor alone (the head's out_of_scope class or a low top probability), and
the out-of-scope scores of ``bankbot.models.oos`` gated with the threshold of each preset, plus the preset each bot
picks by itself ("auto").
The ``banking77`` bots also score the CLINC150 sources with their own rows in the bank: the old, optimistic check.

Same question, not off-topic (``bankbot/company/overlap.py``, label level): a labelled off-topic row whose intent
asks one of the company's intents (Banking77 ``exchange_rate`` for a company with CLINC150's ``exchange_rate``) is
not scored as "must decline", and the bank groups that ask a company intent leave its bank
(``Recipe.same_question_by_label``: what ``specialize.py`` does for every company). The raw measurement is kept
beside it from the same run: ``raw`` (bots trained on the bank as before, every row scored) and ``raw_bank`` (the
same bots, the overlapping rows not scored), so the filter's share of any change shows. Where the filter leaves
the same bank rows for training (the similarity rules had dropped them already), both share one bot.

``--candidate-bank FILE``: a second built-in off-topic bank (``build_offtopic.py --out FILE``), trialled in the same
run: today's recipe is trained on it too (rows ``this recipe + candidate bank: ...``), each fold dropping the same
groups from it as from the shipped bank; its other groups (a source never scored) stay in for every fold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from company_benchmark import sample_examples  # the same company as company_benchmark.py (this folder)

from bankbot.company.overlap import same_question_labels, split_overlap
from bankbot.company.recipe import Recipe
from bankbot.models.data import DEFAULT_DATA, OUT_OF_SCOPE, read_banking77, read_domains
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
SEED = 0
COMPANIES = "travel,utility,home;kitchen_and_dining,auto_and_commute,work"
PROBES = HERE / "data" / "offtopic_probes.txt"
PREVIOUS = "floor alone (no gate)"
# main before this recipe: the intent loss alone (no pairs, no augmented copies) at lr 1e-4, 4 passes, a final
# fine-tune on every example, the energy gate with its auto preset
PREVIOUS_RECIPE = Recipe(epochs=4, lr=1e-4, contrastive=0.0, augment=0, oos_method="energy", final_finetune=True)
KNN_KS = (1, 3, 10)
CANDIDATE_BANK = "this recipe + candidate bank"


def read_probes(path: Path) -> list[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [t.strip() for t in lines if t.strip() and not t.startswith("#")]


def build_company(clinc: dict, domains: dict[str, str], chosen: list[str], per_intent: int):
    """(examples, in-scope val rows, {source: off-topic texts}, {source: bank groups to drop})."""
    train = sample_examples(clinc, domains, chosen, per_intent)
    in_scope = [(t, i) for t, i in clinc["val"] if domains.get(i) in chosen]
    others = sorted({d for d in domains.values() if d not in chosen})
    sources = {"clinc_oos": [t for t, _ in clinc["oos_val"]]}
    drops = {"clinc_oos": {"clinc:oos"}}
    sources["clinc_domains"] = [t for t, i in clinc["val"] if domains.get(i) in others]
    drops["clinc_domains"] = {f"clinc:{i}" for i, d in domains.items() if d in others}
    return train, in_scope, sources, drops, others


def row_labels(clinc: dict, banking77: Path) -> dict[str, dict[str, set[str]]]:
    """Per labelled source, text -> its labels (``source:intent``): CLINC150 ``val`` and Banking77 ``train``."""
    out: dict[str, dict[str, set[str]]] = {"clinc_domains": {}, "banking77": {}}
    for t, i in clinc["val"]:
        out["clinc_domains"].setdefault(t, set()).add(f"clinc:{i}")
    for t, i in read_banking77(banking77):
        out["banking77"].setdefault(t, set()).add(f"banking77:{i}")
    return out


def read_kit(args, bank, banking77_rows: int = 600) -> tuple[dict, dict[str, str], list[str], list[str]]:
    """(CLINC150, its domains, the Banking77 sample: ``banking77_rows`` rows not in the bank (seed 0), the
    hand-written probes) from ``args.clinc``, ``args.domains_json``, ``args.banking77``, ``args.probes``."""
    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    b77 = sorted({t for t, _ in read_banking77(args.banking77)} - set(bank.texts))
    b77 = random.Random(SEED).sample(b77, min(banking77_rows, len(b77)))
    return clinc, read_domains(args.domains_json), b77, read_probes(getattr(args, "probes", PROBES))


def evaluate_fold(
    result, recipe, lower, texts_in, gold_in, off: dict[str, list[str]], methods, second_encoder=None
) -> dict:
    """Each method x preset on this fold's bot: accuracy / false declines on the in-scope rows, decline rate
    per off-topic source. ``methods``: (name, out-of-scope method, k) or (name, None, None) for the floor alone;
    ``second_encoder``: the e5 of a ``recipe.e5`` bot."""
    from bankbot.company.recipe import decisions, fit_gate_on, proba, with_second
    from bankbot.models import oos
    from bankbot.models.encoder import MiniLM, join_members
    from bankbot.models.finetune import embed_states
    from bankbot.models.model import frozen_encoder

    encoders = [MiniLM(frozen_encoder().folder, d) for d in result.deltas]  # one per member

    def embed(texts: list[str]) -> np.ndarray:
        states = [lower[t] for t in texts]
        tuned = join_members([embed_states(enc, states, recipe.layers) for enc in encoders])
        return with_second(recipe, tuned, texts, second_encoder)

    X_in = embed(texts_in)
    X_off = {s: embed(ts) for s, ts in off.items()}
    labels, spaces = result.labels, result.spaces
    final = spaces["final"]

    def rates(gated_in, gated_off) -> dict:
        pred = decisions(proba(result.weight, result.bias, X_in), labels, recipe.decline_below, gated_in)
        right = sum(p == g for p, g in zip(pred, gold_in, strict=True))
        out = {
            "accuracy": round(right / len(gold_in), 4),
            "false_decline_rate": round(sum(p == OUT_OF_SCOPE for p in pred) / len(gold_in), 4),
        }
        for s, X in X_off.items():
            P = proba(result.weight, result.bias, X)
            pred_off = decisions(P, labels, recipe.decline_below, gated_off[s])
            out[s] = {"declined": sum(p == OUT_OF_SCOPE for p in pred_off), "n": len(pred_off)}
        return out

    table = {}
    for name, method, k in methods:
        if method is None:
            table[name] = rates(np.zeros(len(X_in), bool), {s: np.zeros(len(X), bool) for s, X in X_off.items()})
            continue
        spaces["check"].k = final.k = k
        gate = fit_gate_on(spaces, replace(recipe, oos_method=method, knn_k=k))
        for preset, g in gate["presets"].items():
            t = g["threshold"]
            row = rates(
                oos.declines(final, X_in, method, t), {s: oos.declines(final, X, method, t) for s, X in X_off.items()}
            )
            row["own_estimate"] = {k: g[k] for k in ("decline_rate", "decline_rate_ci95", "false_decline_rate")}
            table[f"{name} / {preset}"] = row
    spaces["check"].k = final.k = recipe.knn_k
    return table


def recipes(
    epochs: int | None, changes: dict | None = None, variant: dict | None = None, previous: bool = True
) -> dict:
    """The previous recipe (main before this recipe: ``PREVIOUS_RECIPE``; unless not ``previous``) and the current
    one, with the methods each is scored with; with ``variant``, a third: the current one with those fields changed,
    scored with the same methods (a trial beside today's recipe in the same run)."""
    from bankbot.models import oos

    now = replace(Recipe(), **(changes or {}))
    now = now if epochs is None else replace(now, epochs=epochs)
    before = replace(PREVIOUS_RECIPE, epochs=epochs or PREVIOUS_RECIPE.epochs)
    methods = [(m, m, now.knn_k) for m in oos.METHODS] + [(f"knn (k={k})", "knn", k) for k in KNN_KS if k != now.knn_k]
    out = {"previous recipe": (before, [(PREVIOUS, None, None), ("energy gate", "energy", before.knn_k)])}
    out = out if previous else {}
    out["this recipe"] = (now, [("floor alone (no gate)", None, None), *methods])
    if variant:
        out[variant_name(variant)] = (replace(now, **variant), out["this recipe"][1])
    return out


def variant_name(variant: dict) -> str:
    """'this recipe + e5' for {"e5": true}; other fields as name=value ('this recipe + members=3')."""
    return "this recipe + " + ", ".join(k if v is True else f"{k}={v}" for k, v in variant.items())


class CachedEncoder:
    """An encoder whose vectors are kept in an .npz (``train_multilingual.encode_cached``): the trial's frozen e5,
    encoded once per sentence across every bot of a run and across runs."""

    def __init__(self, encoder, cache: Path | None) -> None:
        self.encoder, self.cache = encoder, cache

    def encode(self, texts: list[str]) -> np.ndarray:
        from train_multilingual import encode_cached

        return encode_cached(self.encoder, list(texts), self.cache)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains-json", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--probes", type=Path, default=PROBES)
    p.add_argument("--companies", default=COMPANIES, help="';'-separated companies, each ','-separated domains")
    p.add_argument("--per-intent", type=int, default=10)
    p.add_argument("--banking77-rows", type=int, default=600)
    p.add_argument("--limit", type=int, help="at most this many rows per source and in scope (plumbing runs)")
    p.add_argument("--epochs", type=int, help="fine-tuning passes (default: the recipe's; fewer for a plumbing run)")
    p.add_argument("--recipe", type=json.loads, default={}, help='this recipe\'s fields changed, JSON: {"augment": 2}')
    p.add_argument("--variant", type=json.loads, help='a third recipe in the same run, this one changed: {"e5": true}')
    p.add_argument("--without-previous", action="store_true", help="skip the previous recipe's bots (trial runs)")
    p.add_argument("--e5-cache", type=Path, help="an .npz of e5 vectors (reused, updated) for an e5 variant")
    p.add_argument("--candidate-bank", type=Path, help="a second off-topic bank: today's recipe trained on it too")
    p.add_argument("--out", type=Path, default=HERE / "results" / "oos_benchmark.json")
    p.add_argument("--tables", type=Path, help="only print the tables of an earlier run's JSON file")
    p.add_argument("--merge", type=Path, nargs="+", help="join runs of single companies (run side by side) into --out")
    args = p.parse_args(argv)
    if args.merge:
        runs = [json.loads(f.read_text(encoding="utf-8")) for f in args.merge]
        joined = runs[0] | {"companies": {c: v for r in runs for c, v in r["companies"].items()}}
        for c in joined["companies"].values():  # runs made before the auto rows existed get them here
            finish_company(c)
        write_json(args.out, joined)
        args.tables = args.out
    if args.tables:
        earlier = json.loads(args.tables.read_text(encoding="utf-8"))
        for company, c in earlier["companies"].items():
            print(markdown(company, c["summary"]))
            if "summary_raw" in c:
                print(f"rows not scored (they ask the company's own questions): {c['overlap']['rows_removed']}")
                print(markdown(company + " (raw: every row, the bank as before)", c["summary_raw"]))
                print(markdown(company + " (raw bank, overlapping rows not scored)", c["summary_raw_bank"]))
        return earlier

    import torch

    from bankbot.company.data import Examples
    from bankbot.company.offtopic import load_bank, load_builtin_bank
    from bankbot.company.recipe import start_encoder, train_company
    from bankbot.models.finetune import cache_lower_states
    from bankbot.models.model import frozen_encoder
    from shared.device import configure_cpu_threads

    torch.set_num_threads(1)
    configure_cpu_threads()
    bank = load_builtin_bank()
    clinc, domains, b77, probes = read_kit(args, bank, args.banking77_rows)
    labels = row_labels(clinc, args.banking77)
    encoder = frozen_encoder()
    out: dict = {"per_intent": args.per_intent, "companies": {}, "machine": "2 shared vCPUs, one thread per job"}
    plan = recipes(args.epochs, args.recipe, args.variant, previous=not args.without_previous)
    bank_of = dict.fromkeys(plan, bank)
    if args.candidate_bank:
        plan[CANDIDATE_BANK] = plan["this recipe"]
        bank_of[CANDIDATE_BANK] = load_bank(args.candidate_bank)
    # the frozen layers' states per (fine-tuned layers, base): a bot built on the base runs its lower layers through it
    layer_counts = {(r.layers, r.base) for r, _ in plan.values()}
    starts = {False: encoder} | (
        {True: start_encoder(encoder, replace(Recipe(), base=True))[0]} if any(b for _, b in layer_counts) else {}
    )
    second = None
    if any(r.e5 for r, _ in plan.values()):
        from bankbot.models.e5_encoder import load_e5

        second = CachedEncoder(load_e5(), args.e5_cache)
    for company in args.companies.split(";"):
        chosen = company.split(",")
        train, in_scope, sources, drops, others = build_company(clinc, domains, chosen, args.per_intent)
        sources["banking77"] = b77
        drops["banking77"] = {g for g in bank.group_names if g.startswith("banking77:")}
        if args.limit:
            in_scope = random.Random(SEED).sample(in_scope, min(args.limit, len(in_scope)))
            sources = {k: v[: args.limit] for k, v in sources.items()}
        texts_in, gold_in = [t for t, _ in in_scope], [i for _, i in in_scope]
        every = sorted(set(texts_in) | {t for ts in sources.values() for t in ts} | set(probes))
        t0 = time.perf_counter()
        # the frozen layers' states of every scored text, once per number of fine-tuned layers the recipes use
        lowers = {
            (n, b): dict(zip(every, cache_lower_states(starts[b], every, n), strict=True)) for n, b in layer_counts
        }
        print(f"{company}: lower layers of {len(every)} texts in {time.perf_counter() - t0:.0f} s", flush=True)
        examples = Examples([t for t, _ in train], [i for _, i in train])
        kept, removed = split_overlap(sources, labels, examples.labels)
        same = same_question_labels(examples.labels)
        frozen_examples = encoder.encode(list(examples.texts))
        folds: dict = {}
        banks = list({id(b): b for b in bank_of.values()}.values())
        for fold in sources:  # bots per held-out source, trained without it: one per recipe (and per bank)
            rows_of = {id(b): fold_rows(b, drops[fold], same, frozen_examples, examples.intents) for b in banks}
            keep, filtered, reach, same_bot = rows_of[id(bank)]
            now = {"bank_rows": int(len(filtered)), "train_seconds": {}, "cpu_seconds": {}, "methods": {}}
            now["bank_rows_reaching_training"] = {"raw": int(len(reach[False])), "filtered": int(len(reach[True]))}
            now["same_bot"] = same_bot
            raw = {"bank_rows": int(len(keep)), "train_seconds": {}, "cpu_seconds": {}, "methods": {}}
            raw_bank = {"methods": {}}
            folds[fold] = now
            extra = {"handwritten": probes} if fold == "clinc_oos" else {}
            pools_now, pools_raw = {"methods": {fold: kept[fold]} | extra}, {"methods": {fold: sources[fold]} | extra}
            if fold == "banking77":  # the old check: the CLINC150 sources scored WITH their rows in the bank
                pools_now["sources_seen_in_bank"] = {s: kept[s] for s in ("clinc_oos", "clinc_domains")}
                pools_raw["sources_seen_in_bank"] = {s: sources[s] for s in ("clinc_oos", "clinc_domains")}
            if args.candidate_bank:
                c_keep, c_filtered, _, c_same = rows_of[id(bank_of[CANDIDATE_BANK])]
                now["candidate_bank"] = {"bank_rows": int(len(c_filtered)), "raw_bank_rows": int(len(c_keep))}
                now["candidate_bank"]["same_bot"] = c_same
            views = {}  # per bank filter outcome (same bot or not): where a bot's rows go
            for one_bot in (True, False):
                views[one_bot] = {"raw": [(raw, pools_raw), (raw_bank, {"methods": pools_now["methods"]})]}
                views[one_bot]["filtered"] = []
                views[one_bot]["raw" if one_bot else "filtered"].append((now, pools_now))
            for name, (recipe, methods) in plan.items():
                keep, filtered, _, same_bot = rows_of[id(bank_of[name])]
                served = views[same_bot]
                bots = [("raw", replace(recipe, same_question_by_label=False), bank_of[name].subset(keep))]
                bots += [] if same_bot else [("filtered", recipe, bank_of[name].subset(filtered))]
                for which, r, b in bots:
                    result = train_company(examples, b, encoder, r, second_encoder=second)
                    print(f"{company} / {fold} / {name} / {which} bank: trained in {result.timings['total_s']} s")
                    lower = lowers[(recipe.layers, recipe.base)]
                    evaluate = partial(
                        evaluate_fold, result, recipe, lower, texts_in, gold_in, methods=methods, second_encoder=second
                    )
                    score_into(served[which], result, name, evaluate)
                now["raw"], now["raw_bank"] = raw, raw_bank
                out["companies"][company] = {"intents": len(examples.labels), "examples": len(train), "folds": folds}
                write_json(args.out, out)  # a bot at a time
        c = out["companies"][company] = {"intents": len(examples.labels), "examples": len(train), "folds": folds}
        c["overlap"] = {
            "rows_removed": {s: sum(v.values()) for s, v in removed.items()},
            "rows_removed_by_label": removed,
            "rows_scored": {s: len(v) for s, v in kept.items()},
            "rows_scored_raw": {s: len(v) for s, v in sources.items()},
            "bank_groups_asking_company_intents": sorted(same & set(bank.group_names)),
        }
        finish_company(c)
        c["other_domains"] = others
        write_json(args.out, out)
        print(markdown(company, c["summary"]), flush=True)
        print(markdown(company + " (raw: every row, the bank as before)", c["summary_raw"]), flush=True)
    return out


def fold_rows(bank, drop: set[str], same: set[str], vectors: np.ndarray, intents: list[str]):
    """(the bank's rows outside the fold's dropped groups ``drop``; those without the groups that ask a company
    intent; ``banks_for``'s rows reaching training; whether both leave the same rows, so one bot serves both)."""
    keep = np.flatnonzero([bank.group_names[g] not in drop for g in bank.groups])
    filtered, reach = banks_for(bank, keep, same, vectors, intents)
    return keep, filtered, reach, bool(np.array_equal(reach[False], reach[True]))


def banks_for(bank, keep: np.ndarray, same: set[str], vectors: np.ndarray, intents: list[str]):
    """(the fold's bank rows ``keep`` without the groups that ask a company intent; {by_label: the bank rows that
    reach training}, as ``train_company`` picks them: False = the similarity rules alone, True = the label rule too)."""
    from bankbot.company.offtopic import negatives_for

    filtered = keep[[bank.group_names[bank.groups[i]] not in same for i in keep]]
    reach = {
        by_label: rows[negatives_for(bank.subset(rows), vectors, intents, by_label=by_label)[0]]
        for by_label, rows in ((False, keep), (True, filtered))
    }
    return filtered, reach


def score_into(served: list[tuple[dict, dict]], result, name: str, evaluate) -> None:
    """One trained bot's timings and rows into each (view, {key: off-topic rows}) it serves; ``evaluate(rows)``
    once per distinct set of rows."""
    memo: dict = {}
    for view, pools in served:
        if "cpu_seconds" in view:
            view["train_seconds"][name] = result.timings["total_s"]
            view["cpu_seconds"][name] = result.timings["cpu_s"]
        for key, pool in pools.items():
            rows = tuple((s, tuple(ts)) for s, ts in pool.items())
            if rows not in memo:
                memo[rows] = evaluate(pool)
            view.setdefault(key, {}).update({f"{name}: {m}": row for m, row in memo[rows].items()})


VIEWS = {"summary": None, "summary_raw": "raw", "summary_raw_bank": "raw_bank"}


def finish_company(c: dict) -> None:
    """The auto rows, the summaries (filtered; raw; raw bots with the overlapping rows not scored) and the times."""
    folds = c["folds"]
    source_fold = {s: s for s in folds} | {"handwritten": "clinc_oos"}
    for key, view in VIEWS.items():
        if view and not all(view in f for f in folds.values()):
            continue  # a run made before the overlap filter
        these = {f: (v[view] if view else v) for f, v in folds.items()}
        add_auto_rows(these)
        c[key] = summarize(these, source_fold)
    c["training"] = training_times(folds)
    if all("raw" in f for f in folds.values()):
        c["training_raw"] = training_times({f: v["raw"] for f, v in folds.items()})


def add_auto_rows(folds: dict) -> None:
    """Each gate's "auto" row: in every fold, the row of the preset the bot picks by itself (``oos.auto_preset`` on
    that bot's own estimates, so no off-topic source it is scored on takes part)."""
    from bankbot.models.oos import PRESETS, auto_preset

    for fold in folds.values():
        for table in (fold["methods"], fold.get("sources_seen_in_bank", {})):
            gates = {m.rsplit(" / ", 1)[0] for m in table if m.rsplit(" / ", 1)[-1] in PRESETS}
            for g in sorted(gates):
                rows = {p: fold["methods"][f"{g} / {p}"] for p in PRESETS}
                chosen = auto_preset({p: r["own_estimate"] for p, r in rows.items()})
                table[f"{g} / auto"] = table[f"{g} / {chosen}"] | {"preset": chosen}


def summarize(folds: dict, source_fold: dict[str, str]) -> dict:
    """Per method: in-scope accuracy and false declines (mean over the folds' bots), decline rate per held-out
    source (scored by the bot trained without it), pooled over every off-topic row; and, for the old check,
    the CLINC150 rows scored by a bot whose bank held their sources."""
    from bankbot.models.oos import wilson

    methods = list(next(iter(folds.values()))["methods"])
    out = {}
    for m in methods:
        rows = [folds[f]["methods"][m] for f in folds]
        row = {
            "accuracy": round(float(np.mean([r["accuracy"] for r in rows])), 4),
            "false_decline_rate": round(float(np.mean([r["false_decline_rate"] for r in rows])), 4),
        }
        k = n = 0
        for s, fold in source_fold.items():
            c = folds[fold]["methods"][m][s]
            row[s] = round(c["declined"] / c["n"], 4)
            k, n = k + c["declined"], n + c["n"]
        row["pooled"] = round(k / n, 4)
        row["pooled_ci95"] = wilson(k, n)
        seen = folds.get("banking77", {}).get("sources_seen_in_bank", {}).get(m)
        if seen:
            kk = sum(v["declined"] for v in seen.values() if isinstance(v, dict) and "n" in v)
            nn = sum(v["n"] for v in seen.values() if isinstance(v, dict) and "n" in v)
            row["clinc_with_sources_in_bank"] = round(kk / nn, 4)
        out[m] = row
    return out


def training_times(folds: dict) -> dict:
    """Per recipe: wall and CPU seconds of training, mean and max over the folds' bots (the CPU seconds are the
    comparable figure on a shared machine), and the ratio of the means to the previous recipe's."""
    out = {}
    for name in next(iter(folds.values()))["cpu_seconds"]:
        wall = [f["train_seconds"][name] for f in folds.values()]
        cpu = [f["cpu_seconds"][name] for f in folds.values()]
        out[name] = {"wall_s_mean": round(float(np.mean(wall)), 1), "wall_s_max": max(wall)}
        out[name] |= {"cpu_s_mean": round(float(np.mean(cpu)), 1), "cpu_s_max": max(cpu)}
    first = next(iter(out.values()))
    for row in out.values():
        row["cpu_ratio_to_previous"] = round(row["cpu_s_mean"] / first["cpu_s_mean"], 2)
    return out


def markdown(company: str, summary: dict) -> str:
    sources = [k for k in next(iter(summary.values())) if k not in ("accuracy", "false_decline_rate", "pooled_ci95")]
    head = "| method | accuracy | false declines | " + " | ".join(sources) + " |"
    lines = [f"### {company}", head, "|" + "---|" * (3 + len(sources))]
    for m, r in summary.items():
        lines.append(
            f"| {m} | {r['accuracy']:.2%} | {r['false_decline_rate']:.2%} | "
            + " | ".join(f"{r[s]:.2%}" for s in sources)
            + " |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
