"""MODEL_CARD.md for a company's own bot, written by specialize.py from the numbers it just measured."""

from __future__ import annotations

import datetime


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(pair) -> str:
    return f"{100 * pair[0]:.0f}–{100 * pair[1]:.0f}%"


def _final_model(recipe: dict) -> str:
    if recipe.get("final_finetune"):
        return (
            "After this check the encoder was fine-tuned once more and the head refit on all examples (the check "
            "scored runs that had not seen the examples they scored); each preset's threshold was carried over so "
            "that it declines the same share of the unseen built-in topics as in the check."
        )
    return "The final head was refit on all examples after this check."


def company_card(company: str, result) -> str:
    m, b, d, r, t = result.metrics, result.baseline, result.data, result.recipe, result.timings
    intents = [lab for lab in result.labels if lab != "out_of_scope"]
    # aggregate only: the card is published with the bot, and the examples and the checks' findings quote rows
    confusions = "\n".join(f"| `{c['intent']}` | `{c['answered_as']}` | {c['count']} |" for c in result.confusions)
    confusions = confusions or "| – | – | no mistakes on the held-out examples |"
    n_warnings = len(d["warnings"])
    warnings = f"- {n_warnings} finding(s), listed in the trainer's own report" if n_warnings else "- none"
    gate = result.oos or {}
    presets = "\n".join(
        f"| {name}{' (in use)' if name == gate.get('preset') else ''} | {_pct(p['false_decline_rate'])} | "
        f"{_pct(p['decline_rate'])} ({_ci(p['decline_rate_ci95'])}) |"
        for name, p in gate.get("presets", {}).items()
    )
    dropped = ", ".join(d["builtin_groups_dropped"][:12]) or "none"
    dropped += " ..." if len(d["builtin_groups_dropped"]) > 12 else ""
    n = r.get("augment", 0)
    copies = (
        f", each example with {n} altered cop{'y' if n == 1 else 'ies'} (a word dropped or swapped, a typo)"
        if n
        else ""
    )
    return f"""# Model card: {company} support bot

*Written by `specialize.py` on {datetime.date.today().isoformat()}; retrain to change it.*

## What it is
A support bot for {company}: it picks one of {d["intents"]} intents for a customer's message and answers from
the answer table (`answers.json`), or declines questions that are not {company}'s business. It never writes
free text.
- **Encoder**: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), sha256-pinned original weights; its top
  {r["layers"]} layers were fine-tuned on these examples ({r["epochs"]} passes, learning rate {r["lr"]}, seed
  {r["seed"]}{copies}) and ship as `encoder_delta.safetensors` (fine-tuned minus original, float16).
- **Head**: logistic regression (C={r["C"]}) over the intents plus `out_of_scope`, in
  `intent_head.safetensors`.
- **Off-topic knowledge**: {d["builtin_negatives_used"]} built-in off-topic sentences (from CLINC150, CC BY
  3.0, and Banking77, CC BY 4.0) were used as `out_of_scope`; groups close to your intents were left out so they
  do not fight them: {dropped}.

- **Declining what is not {company}'s business**: besides the head's `out_of_scope` class, the bot declines a
  message whose {gate.get("method", "energy")} score (bankbot/models/oos.py) is below
  {gate.get("threshold", 0):.3f}, the threshold of the preset
  "{gate.get("preset", "")}", chosen from held-out examples (nobody typed it).

## Data
- {d["examples"]} examples for {d["intents"]} intents ({d["examples_per_intent"]["min"]} to
  {d["examples_per_intent"]["max"]} per intent), plus {d["own_out_of_scope_examples"]} of your own
  `out_of_scope` examples.
- Intents: {", ".join(f"`{i}`" for i in intents[:60])}{" ..." if len(intents) > 60 else ""}
- Checks before training:
{warnings}

## Held-out check
{d["held_out_examples"]} of your examples (stratified folds of {100 * r["holdout"]:.0f}%, {m.get("check_folds", 1)}
fine-tuning run(s), each scoring examples it never saw) and {d["held_out_negatives"]} built-in off-topic
sentences from topics never used in training were scored with the same decision rule as the app.
With this few examples the numbers are rough: the ranges are 95% confidence intervals.

| | this bot | baseline (frozen encoder + logistic regression, same rows) |
|---|---|---|
| accuracy on your held-out examples | {_pct(m["accuracy"])} ({_ci(m["accuracy_ci95"])}) | {_pct(b["accuracy"])} |
| off-topic questions declined | {_pct(m["decline_rate"])} ({_ci(m["decline_rate_ci95"])}) | {_pct(b["decline_rate"])} |
| your questions wrongly declined | {_pct(m["false_decline_rate"])} | {_pct(b["false_decline_rate"])} |
| mistakes | {m["errors"]} | {b["errors"]} |

Presets (held-out examples; unrelated questions from {len(d.get("held_out_negative_topics", []))} built-in
topics that training never saw, 95% intervals):

| preset | your questions declined | unrelated questions declined |
|---|---|---|
{presets}

Most confused intents on the held-out examples:

| intent | answered as | times |
|---|---|---|
{confusions}

{_final_model(r)} Training took {t.get("total_s", 0):.0f} s
({t.get("cpu_s", 0):.0f} s of CPU).

## Limits
- English only. Questions unlike both your examples and the built-in off-topic sentences can still be matched
  to the closest intent.
- A few examples per intent cannot cover every way customers ask: watch the most confused intents above and add
  examples for them.
"""
