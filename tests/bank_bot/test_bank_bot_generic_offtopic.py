"""The generic off-topic questions (bankbot/company/generic_offtopic.py), build_offtopic.py's --generic flag (off: the
bank as shipped), oos_benchmark.py's second bank and the trial's pre-registered rule. Tiny inline data: no kit."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from test_bank_bot_scripts import load_script

from bankbot.company.generic_offtopic import CASUAL_SHARE, generate, key
from bankbot.company.offtopic import OffTopicBank, load_bank
from harness import SPACES

SPACE = SPACES / "bank_bot"


@pytest.fixture(scope="module")
def questions() -> list[tuple[str, str]]:
    return generate()


def test_the_questions_are_the_same_for_a_seed_and_change_with_it(questions):
    assert generate() == questions
    assert generate(seed=1) != questions


def test_the_questions_are_distinct_broad_and_mostly_typed_with_care(questions):
    assert 2000 <= len(questions) <= 3000
    assert len({key(t) for t, _ in questions}) == len(questions)
    topics = {g.split(":")[1] for _, g in questions}
    assert len(topics) >= 15 and all(g.startswith("generic:") for _, g in questions)
    no_capital = sum(t[0].islower() for t, _ in questions) / len(questions)
    assert no_capital < 2 * CASUAL_SHARE  # casual variants present, not dominant
    assert not any("{" in t or "}" in t for t, _ in questions)  # every slot filled


@pytest.fixture
def build(monkeypatch):
    monkeypatch.syspath_prepend(str(SPACE))  # build_offtopic.py imports probe_overlap.py and oos_benchmark.py
    return load_script("build_offtopic")


def test_close_to_any_drops_a_close_paraphrase_and_keeps_a_new_question(build):
    from probe_overlap import close_to_any

    seen = ["what is the weather like in lisbon tomorrow", "how do I reset my router"]
    drafts = ["What's the weather like in Lisbon tomorrow?", "Who invented the bicycle and in what year?"]
    assert close_to_any(drafts, seen, 0.5) == {drafts[0]}
    assert close_to_any(drafts, [], 0.5) == set()


def test_generic_rows_leave_out_every_question_close_to_a_seen_message(build, questions):
    seen = [t.upper() for t, _ in questions[:25]] + ["an unrelated sentence about nothing"]
    rows, removed = build.generic_rows(seen)
    assert removed >= 25
    assert not {t for t, _ in rows} & {t for t, _ in questions[:25]}
    assert len(rows) + removed == len(questions)


CLINC = {
    "train": [[f"set a timer for {n} minutes", "timer"] for n in range(12)]
    + [[f"what is {n} plus {n}", "calculator"] for n in range(12)],
    "oos_train": [["who painted the mona lisa", "oos"], ["how tall is a giraffe", "oos"]],
    "val": [["set a timer please", "timer"]],
}
BANKING77 = [(f"my card number {n} has not arrived", "card_arrival") for n in range(12)]


def test_the_kit_rows_and_their_groups_are_unchanged_by_the_generic_rows(build):
    texts, groups, names = build.kit_rows(CLINC, BANKING77, per_intent=5, per_banking77=3)
    assert len(texts) == 5 + 5 + 2 + 3 and names == [
        "banking77:card_arrival",
        "clinc:calculator",
        "clinc:oos",
        "clinc:timer",
    ]
    more = (list(texts), list(groups), list(names))
    build.add_rows(*more, [("Will it rain in Oslo tomorrow?", "generic:weather:1")])
    assert more[0][: len(texts)] == texts and more[1][: len(groups)] == groups and more[2][: len(names)] == names
    assert more[2][more[1][-1]] == "generic:weather:1"


class FakeEncoder:
    """Vectors from the text's hash: the same text, the same vector (the real MiniLM is not needed here)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        seeds = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) for t in texts]
        X = np.stack([np.random.default_rng(s).normal(size=8) for s in seeds])
        return X / np.linalg.norm(X, axis=1, keepdims=True)


def file_content(path) -> tuple:
    """A bank file's tensors (as bytes) and metadata."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        return fh.metadata(), {k: fh.get_tensor(k).tobytes() for k in fh.keys()}  # noqa: SIM118


def test_the_flag_is_off_by_default_and_leaves_the_bank_as_it_was_built(build, tmp_path, monkeypatch):
    import bankbot.models.model as model

    monkeypatch.setattr(model, "load_encoder_with", lambda _: FakeEncoder())
    clinc, b77 = tmp_path / "clinc.json", tmp_path / "b77.csv"
    clinc.write_text(json.dumps(CLINC))
    b77.write_text("text,category\n" + "".join(f"{t},{i}\n" for t, i in BANKING77))
    kit = ["--clinc", str(clinc), "--banking77", str(b77), "--no-pins", "--per-intent", "5", "--per-banking77", "3"]
    build.main([*kit, "--out", str(tmp_path / "a.safetensors")])
    build.main([*kit, "--out", str(tmp_path / "b.safetensors")])
    summary = build.main([*kit, "--generic", "--out", str(tmp_path / "c.safetensors")])
    # the same content (the file's bytes are not: safetensors writes its metadata keys in a random order)
    assert file_content(tmp_path / "a.safetensors") == file_content(tmp_path / "b.safetensors")
    off, on = load_bank(tmp_path / "a.safetensors"), load_bank(tmp_path / "c.safetensors")
    assert not any(n.startswith("generic:") for n in off.group_names)
    assert on.texts[: len(off)] == off.texts and on.group_names[: len(off.group_names)] == off.group_names
    assert len(on) == len(off) + summary["generic_questions"] and summary["generic_removed_as_close"] >= 0


def test_the_shipped_bank_is_the_pinned_one_without_generic_questions():
    from bankbot.model_spec import BANK_FILE, PINS

    path = SPACE / "model" / BANK_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == PINS[BANK_FILE]
    assert not any(n.startswith("generic:") for n in load_bank(path).group_names)


def test_a_fold_drops_the_scored_groups_from_either_bank_and_keeps_the_generic_ones(build):
    bench = load_script("oos_benchmark")
    vectors = np.eye(4, 8)[[0, 1, 2, 3, 3]]
    names = ["banking77:card_arrival", "clinc:oos", "clinc:timer", "generic:weather:1"]
    bank = OffTopicBank(vectors, np.array([0, 1, 2, 3, 3]), names, ["a", "b", "c", "d", "e"])
    company = np.eye(8)[[7, 7]]
    keep, filtered, _, same_bot = bench.fold_rows(bank, {"clinc:oos"}, {"clinc:timer"}, company, ["timer", "timer"])
    assert keep.tolist() == [0, 2, 3, 4] and filtered.tolist() == [0, 3, 4] and not same_bot


def _bench(change: dict, cpu: float = 50.0) -> dict:
    base = {"accuracy": 0.92, "false_decline_rate": 0.03, "clinc_oos": 0.9, "clinc_domains": 0.9}
    base |= {"banking77": 0.9, "handwritten": 0.8, "pooled": 0.9}
    cand = {k: v + change.get(k, 0.0) for k, v in base.items()}
    company = {"summary": {"this recipe: energy / auto": base, "this recipe + candidate bank: energy / auto": cand}}
    company["training"] = {"this recipe": {"cpu_s_mean": 50.0}, "this recipe + candidate bank": {"cpu_s_mean": cpu}}
    return company


@pytest.mark.parametrize(
    ("change", "cpu", "ships"),
    [
        ({"pooled": 0.012, "clinc_oos": 0.01}, 55.0, True),
        ({"pooled": 0.008}, 50.0, False),  # not enough
        ({"pooled": 0.02, "handwritten": -0.03}, 50.0, False),  # one source lost too much
        ({"pooled": 0.02, "accuracy": -0.004}, 50.0, False),
        ({"pooled": 0.02, "false_decline_rate": 0.006}, 50.0, False),
        ({"pooled": 0.02}, 70.0, False),  # too slow
    ],
)
def test_the_rule_ships_only_when_every_check_of_both_companies_passes(build, change, cpu, ships):
    trial = load_script("generic_bank_trial")
    bench = {"companies": {"a": _bench(change, cpu), "b": _bench({"pooled": 0.015})}}
    assert trial.verdict(bench)["ships"] is ships
    assert trial.verdict({"companies": {"a": _bench(change, cpu)}})["ships"] is False  # both companies, always


def test_the_readme_generic_bank_table_is_what_the_trial_wrote(build):
    """README "Generic off-topic source trial": the table generic_bank_trial.py prints from the run's JSON, and the
    verdict in results/generic_bank_trial.json is the rule applied to that run."""
    trial = load_script("generic_bank_trial")
    result = json.loads((SPACE / "results" / "generic_bank_trial.json").read_text())
    bench = json.loads((SPACE / "results" / "oos_benchmark_generic_trial.json").read_text())
    assert trial.verdict(bench) == result
    assert trial.table(result) in (SPACE / "README.md").read_text()
