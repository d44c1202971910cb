"""The "Make it yours" numbers the README quotes are the ones the scripts wrote: the leave-one-source-out table
(``oos_benchmark.py`` -> results/oos_benchmark.json) and the example company's report (``specialize.py --summary``
-> results/example_company.json). A number changed in one place and not the other fails here."""

from __future__ import annotations

import json
import re

from harness import SPACES

SPACE = SPACES / "bank_bot"
COLUMNS = ("accuracy", "false_decline_rate", "clinc_oos", "clinc_domains", "banking77", "handwritten", "pooled")


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _rows_match_their_json(json_name: str, pattern: str, method_key=lambda m: m) -> int:
    """Every README row the pattern finds (company, method, 7 cells) quotes that company's summary row in the JSON."""
    companies = json.loads((SPACE / "results" / json_name).read_text())["companies"]
    rows = re.findall(pattern, (SPACE / "README.md").read_text(), re.M)
    for company_cell, method, cells in rows:
        company = next(c for c in companies if c.startswith(company_cell.split(",")[0].strip()))
        summary = companies[company]["summary"][method_key(method)]
        quoted = [c.strip().strip("*") for c in cells.split("|")[:-1]]
        assert quoted == [_pct(summary[k]) for k in COLUMNS], (company, method)
    return len(rows)


def test_the_leave_one_source_out_table_is_the_benchmarks_json():
    pattern = r"^\| ([a-z_, ]+) \| `([^`]+)`[^|]* \|((?: [^|]+ \|){7})"
    assert _rows_match_their_json("oos_benchmark.json", pattern) >= 4, "the README's leave-one-source-out table"


SOURCE_NAMES = (("clinc_domains", "other domains"), ("banking77", "Banking77"))
MEASUREMENTS = {"raw": "summary_raw", "raw bots, own questions not scored": "summary_raw_bank", "now": "summary"}


def test_the_raw_and_filtered_rows_are_the_benchmarks_json():
    """The raw measurement (every row scored, the bank as before), the same bots without the rows that ask the
    company's own questions, and today's measurement: each README row quotes its summary in the same run's JSON."""
    companies = json.loads((SPACE / "results" / "oos_benchmark.json").read_text())["companies"]
    readme = (SPACE / "README.md").read_text()
    kinds = "|".join(re.escape(k) for k in MEASUREMENTS)
    rows = re.findall(rf"^\| ([a-z, ]+) \| ({kinds}) \| `([^`]+)`[^|]* \|((?: [^|]+ \|){{7}})", readme, re.M)
    for company_cell, kind, method, cells in rows:
        company = next(c for c in companies if c.startswith(company_cell.split(",")[0].strip()))
        summary = companies[company][MEASUREMENTS[kind]][method]
        quoted = [c.strip().strip("*") for c in cells.split("|")[:-1]]
        assert quoted == [_pct(summary[k]) for k in COLUMNS], (company, kind, method)
    assert {k for _, k, _, _ in rows} == set(MEASUREMENTS) and len(rows) >= 12
    text = " ".join(readme.split())  # the README wraps its lines
    for company, c in companies.items():  # the rows removed per source, as the README quotes them
        o, short = c["overlap"], company.split("_")[0].split(",")[0]
        removed = [f"{label} {o['rows_removed'][s]} of {o['rows_scored_raw'][s]}" for s, label in SOURCE_NAMES]
        assert f"{short}: {', '.join(removed)}" in text, company


def test_the_example_company_sentence_is_the_reports_json():
    ex = json.loads((SPACE / "results" / "example_company.json").read_text())
    readme = (SPACE / "README.md").read_text()
    held, base = ex["held_out"], ex["baseline_held_out"]
    lo, hi = held["accuracy_ci95"]
    sentence = re.search(r"\*\*Example company\*\*.*?(?=\n\n)", readme, re.S).group(0)
    sentence = " ".join(sentence.split())  # the README wraps its lines
    assert f"accuracy {100 * held['accuracy']:.0f}% (95% interval {100 * lo:.0f}-{100 * hi:.0f}%)" in sentence
    assert f"{held['errors']} mistakes against the baseline's {base['errors']}" in sentence
    assert f"{ex['cpu_seconds']:.0f} s of CPU time" in sentence
    # the report came from what ships: the recipe's gate, and the preset it picks by itself
    from bankbot.company.recipe import Recipe
    from bankbot.models.oos import auto_preset

    gate = ex["out_of_scope"]
    assert gate["method"] == Recipe().oos_method and gate["preset"] == auto_preset(gate["presets"])


def test_every_recipe_trial_has_its_readme_row_with_its_numbers():
    """results/company_recipe_trials*.json (recipe_trials.py) -> the README's trials tables, row by row."""
    readme = (SPACE / "README.md").read_text()
    trials = [
        (name, v)
        for f in ("company_recipe_trials.json", "company_recipe_trials_kitchen.json")
        for name, v in json.loads((SPACE / "results" / f).read_text())["variants"].items()
    ]
    assert len(trials) >= 5
    for name, v in trials:
        auto, balanced = v["energy/auto"], v["energy/balanced"]
        cells = [str(v["cpu_s"]), *(_pct(x) for x in auto[:3]), auto[3], _pct(balanced[0]), _pct(balanced[2])]
        row = f"| {name} | " + " | ".join(cells) + " |"
        assert row in readme.replace("**", ""), name


def test_the_augmentation_trial_rows_are_its_benchmarks_json():
    """The trial that did not ship (results/oos_benchmark_augment_trial.json) -> its README rows."""
    pattern = r"^\| ([a-z, ]+) \| ((?:previous recipe|augment 2): [^|`]+?) \|((?: [^|]+ \|){7})"
    n = _rows_match_their_json(
        "oos_benchmark_augment_trial.json", pattern, lambda m: m.replace("augment 2", "this recipe")
    )
    assert n >= 4, "the README's augmentation trial table"


def test_the_gate_and_head_trial_rows_are_their_json():
    """results/company_gate_trials.json (company_gate_trials.py) -> the README's gate and head trials table."""
    pattern = r"^\| ([a-z, ]+) \| trial: ([^|]+?) \|((?: [^|]+ \|){7})"
    variants = json.loads((SPACE / "results" / "company_gate_trials.json").read_text())["variants"]
    assert _rows_match_their_json("company_gate_trials.json", pattern) == 2 * len(variants)


def _example_company_sentences(json_name: str, trial: str, words: str) -> None:
    """A company trial's example-company sentences quote its JSON (``company_e5_trial.report_bots``): mistakes against
    the frozen baseline, training CPU, latency, and the fresh questions (the same for both bots)."""
    ex = json.loads((SPACE / "results" / json_name).read_text())
    today, bot, lat = ex["bots"]["today"], ex["bots"][trial], ex["latency"]
    text = " ".join((SPACE / "README.md").read_text().split())
    assert (
        f"takes {lat[trial]['p50_ms']:.1f} ms per message against {lat['today']['p50_ms']:.1f} ms "
        f"(p50, {lat[trial]['p50_ratio']:.2f}x" in text
    )
    assert (
        f"today {today['mistakes']} mistakes against the frozen baseline's {today['baseline_mistakes']} "
        f"(accuracy {100 * today['held_out']['accuracy']:.1f}%), {words} {bot['mistakes']} "
        f"({100 * bot['held_out']['accuracy']:.1f}%)" in text
    )
    assert (
        f"Training {today['timings']['cpu_s']:.1f} s of CPU for today, {bot['timings']['cpu_s']:.1f} s {words} "
        f"({bot['cpu_ratio_to_today']:.2f}x" in text
    )
    assert ex["fresh"]["today"] == ex["fresh"][trial]
    f = ex["fresh"]["today"]
    assert (
        f"both bots answer {f['right']} of {f['in_scope']} right ({f['wrong']} wrong) and decline "
        f"{f['off_topic_declined']} of {f['off_topic']} unrelated ones" in text
    )


def _trial_companies(json_name: str) -> dict:
    return json.loads((SPACE / "results" / json_name).read_text())["companies"]


def _todays_rows_are_shipped(trial: dict) -> None:
    """A trial that did not ship ran today's recipe beside it: every "this recipe:" row of each company is the shipped
    benchmark's row, to the digit."""
    shipped = _trial_companies("oos_benchmark.json")
    for company, c in trial.items():
        todays = {m: row for m, row in c["summary"].items() if m.startswith("this recipe:")}
        assert todays and all(shipped[company]["summary"][m] == row for m, row in todays.items()), company


def _training_sentence(trial: dict, variant: str, text: str) -> None:
    """The README's training-time sentence of a trial: its CPU ratio and seconds per bot against today's."""
    times = [c["training"] for c in trial.values()]
    today, other = [t["this recipe"] for t in times], [t[variant] for t in times]
    assert (
        f"training takes {other[0]['cpu_ratio_to_previous']:.2f}x / {other[1]['cpu_ratio_to_previous']:.2f}x "
        f"today's CPU time in the benchmark ({other[0]['cpu_s_mean']:.1f} / {other[1]['cpu_s_mean']:.1f} s "
        f"against {today[0]['cpu_s_mean']:.1f} / {today[1]['cpu_s_mean']:.1f} s per bot" in text
    )


def test_the_e5_trial_rows_and_sentences_are_their_json():
    """The e5 trial that did not ship: results/oos_benchmark_e5_trial.json -> its README table rows, and
    results/company_e5_trial.json (company_e5_trial.py) -> the example company, latency and training sentences."""
    pattern = r"^\| ([a-z, ]+) \| e5 trial, ((?:today|with e5): [^|]+?) \|((?: [^|]+ \|){7})"
    n = _rows_match_their_json(
        "oos_benchmark_e5_trial.json",
        pattern,
        lambda m: m.replace("with e5:", "this recipe + e5:").replace("today:", "this recipe:"),
    )
    assert n == 9, "the README's e5 trial table"
    _example_company_sentences("company_e5_trial.json", "today + e5", "with e5")
    # what ships is unchanged: the trial stays off, and today's rows repeat the shipped benchmark's
    from bankbot.company.recipe import Recipe

    assert Recipe().e5 is False
    _todays_rows_are_shipped(_trial_companies("oos_benchmark_e5_trial.json"))


def _declined(c: dict, m: str) -> tuple[int, int]:
    """(declined, scored) of method ``m``, pooled over every scored off-topic source of every fold of company ``c``."""
    cells = [x for f in c["folds"].values() for x in f["methods"][m].values() if isinstance(x, dict) and "n" in x]
    return sum(x["declined"] for x in cells), sum(x["n"] for x in cells)


def test_the_ensemble_trial_rows_and_sentences_are_their_json():
    """The deep-ensemble trial that did not ship: results/oos_benchmark_ensemble_trial.json -> its README table rows
    and training sentence, results/company_ensemble_trial.json (company_ensemble_trial.py) -> the example company,
    latency and two-thread training sentences; the trial stays off and today's rows repeat the shipped benchmark's."""
    from bankbot.company.recipe import Recipe

    pattern = r"^\| ([a-z, ]+) \| ensemble trial, ((?:today|3 members): [^|]+?) \|((?: [^|]+ \|){7})"
    n = _rows_match_their_json(
        "oos_benchmark_ensemble_trial.json",
        pattern,
        lambda m: m.replace("3 members:", "this recipe + members=3:").replace("today:", "this recipe:"),
    )
    assert n == 8, "the README's ensemble trial table"
    trial = _trial_companies("oos_benchmark_ensemble_trial.json")
    text = " ".join((SPACE / "README.md").read_text().split())
    _training_sentence(trial, "this recipe + members=3", text)
    times = [c["training"] for c in trial.values()]
    today, members = [t["this recipe"] for t in times], [t["this recipe + members=3"] for t in times]

    gained, cis = [], []
    for c in trial.values():
        (k0, n0), (k3, n3) = (
            _declined(c, "this recipe: energy / auto"),
            _declined(c, "this recipe + members=3: energy / auto"),
        )
        assert n0 == n3
        gained.append(f"{k3 - k0} more of {n3:,}")
        lo, hi = c["summary"]["this recipe: energy / auto"]["pooled_ci95"]
        cis.append(f"{100 * lo:.2f}-{100 * hi:.2f}%")
    assert f"({gained[0]} unrelated questions)" in text and f"({gained[1]})" in text
    assert f"({cis[0]} and {cis[1]} for today)" in text
    _example_company_sentences("company_ensemble_trial.json", "3 members", "with 3 members")
    slowest = max(t["cpu_s_max"] for t in members), max(t["cpu_s_max"] for t in today)
    assert f"slowest three-member bot needed {slowest[0]:.1f} s of CPU (today's slowest {slowest[1]:.1f} s)" in text
    assert f"its wall time reached {max(t['wall_s_max'] for t in members):.1f} s" in text
    assert Recipe().members == 1
    _todays_rows_are_shipped(trial)


def test_the_near_miss_trial_rows_and_sentences_are_their_json():
    """The synthetic near-miss trial that did not ship: results/oos_benchmark_nearmiss_trial.json -> its README table
    rows, pooled counts and training sentence; the trial stays off and today's rows repeat the shipped benchmark's."""
    from bankbot.company.recipe import Recipe

    variant = "this recipe + near_misses=2, near_miss_share=0.3"
    pattern = r"^\| ([a-z, ]+) \| near-miss trial, ((?:today|2 near-misses): [^|]+?) \|((?: [^|]+ \|){7})"
    n = _rows_match_their_json(
        "oos_benchmark_nearmiss_trial.json",
        pattern,
        lambda m: m.replace("2 near-misses:", f"{variant}:").replace("today:", "this recipe:"),
    )
    assert n == 8, "the README's near-miss trial table"
    assert Recipe().near_misses == 0
    trial = _trial_companies("oos_benchmark_nearmiss_trial.json")
    _todays_rows_are_shipped(trial)
    text = " ".join((SPACE / "README.md").read_text().split())
    _training_sentence(trial, variant, text)
    fewer = []
    for c in trial.values():
        (k0, n0), (k2, n2) = _declined(c, "this recipe: energy / auto"), _declined(c, f"{variant}: energy / auto")
        assert n0 == n2 and k2 < k0  # it lost: the README says so
        fewer.append(f"{k0 - k2} fewer of {n2:,}")
    assert f"({fewer[0]} unrelated questions)" in text and f"({fewer[1]})" in text
