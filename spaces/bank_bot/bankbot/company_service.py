"""What the "Make it yours" tab does, without gradio: train in a capped child process, keep each visitor's
bot apart, write the report, zip the folder, publish through deploy.py."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

from shared.model_source import RecentModels
from shared.results import fresh_dir

from .company_data import OUT_OF_SCOPE, Examples
from .jobs import TrainingError, run_training, write_csv

SPACE = "bank_bot"
KEEP_S = 2 * 3600  # a visitor's trained bot is kept two hours
LOOKALIKE_SHARE = 0.5  # half of an intent's examples have their nearest example in another intent
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


class PublishError(RuntimeError):
    """Publishing did not happen; the message is for the visitor."""


def lookalikes(examples: Examples) -> list[str]:
    """Warnings for pairs of intents whose examples look alike to the (frozen) encoder."""
    from .model import frozen_encoder

    own = [i for i, intent in enumerate(examples.intents) if intent != OUT_OF_SCOPE]
    if len(own) < 2:
        return []
    vectors = frozen_encoder().encode([examples.texts[i] for i in own])
    labels = np.array([examples.intents[i] for i in own])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    nearest = labels[sims.argmax(axis=1)]
    out = []
    for intent in sorted(set(labels)):
        mask = labels == intent
        for other, n in Counter(nearest[mask]).most_common():
            if other != intent and n / mask.sum() >= LOOKALIKE_SHARE and intent < other:
                out.append(
                    f"'{intent}' and '{other}' look alike: {n} of {mask.sum()} examples of '{intent}' are closest to "
                    f"an example of '{other}'. Merge them, or add examples that show the difference."
                )
    return out


def train_in_child(examples: Examples, answers: dict[str, str], company: str, progress) -> tuple[Path, dict]:
    """Train in a capped child process (jobs.run_training); returns (model folder, summary)."""
    work = fresh_dir(SPACE, max_age_s=KEEP_S)
    write_csv(work / "examples.csv", ("text", "intent"), zip(examples.texts, examples.intents, strict=True))
    answers_csv = None
    if answers:
        answers_csv = work / "answers.csv"
        write_csv(answers_csv, ("intent", "answer"), answers.items())
    folder = work / "model"
    summary = run_training(work / "examples.csv", folder, answers_csv, company, progress)
    for name in ("examples.csv", "answers.csv"):  # the visitor's data is not kept once the bot is trained
        (work / name).unlink(missing_ok=True)
    return folder, summary


MAX_LOADED = 3
_bots = RecentModels(MAX_LOADED)


def session_bot(model_dir: str):
    """(model, table) of a visitor's trained bot; the few most recently used stay loaded."""
    from .company_folder import load_company

    return _bots.get(model_dir, load_company)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def report_markdown(folder: Path, extra_warnings: list[str] = ()) -> str:
    """The honest report shown after training (everything escaped: intents and examples are the visitor's)."""
    r = json.loads((Path(folder) / "report.json").read_text(encoding="utf-8"))
    m, b, d, t = r["metrics"], r["baseline"], r["data"], r["timings"]
    e = html.escape
    lo, hi = m["accuracy_ci95"]
    lines = [
        f"### Your bot is ready: {d['intents']} intents, {d['examples']} examples, trained in {t['total_s']:.0f} s",
        "",
        f"- **Accuracy on {m['n_in_scope']} of your examples kept aside**: {_pct(m['accuracy'])} "
        f"(95% confidence interval {_pct(lo)}–{_pct(hi)}; few examples give wide intervals).",
        f"- **Off-topic questions declined** ({m['n_off_topic']} built-in questions it never trained on): "
        f"{_pct(m['decline_rate'])}; your own questions wrongly declined: {_pct(m['false_decline_rate'])}.",
        f"- **Simple baseline** (frozen encoder + logistic regression, same rows): accuracy {_pct(b['accuracy'])}, "
        f"declines {_pct(b['decline_rate'])}; {b['errors']} mistakes against this bot's {m['errors']}.",
    ]
    if r["confusions"]:
        lines += ["", "**Most confused intents** (add examples that show the difference):", ""]
        lines += ["| intent | answered as | example |", "|---|---|---|"]
        for c in r["confusions"]:
            lines.append(f"| {e(c['intent'])} | {e(c['answered_as'])} | {e(c['example'][:80])} |")
    warnings = list(d.get("warnings", [])) + list(extra_warnings)
    if warnings:
        lines += ["", "**Checks**:"] + [f"- {e(w)}" for w in warnings]
    if d["builtin_groups_dropped"]:
        lines += [
            "",
            f"Built-in off-topic topics left out because they are close to yours: "
            f"{e(', '.join(g.split(':', 1)[1] for g in d['builtin_groups_dropped'][:10]))}.",
        ]
    return "\n".join(lines)


def zip_folder(folder: Path) -> Path:
    """The model folder as a zip next to it (for the download button)."""
    folder = Path(folder)
    return Path(shutil.make_archive(str(folder.parent / "my_support_bot"), "zip", root_dir=folder))


def publish(model_dir: str, token: str, repo_id: str, api=None) -> str:
    """Stage bank_bot with this bot (deploy.stage_company) and push it with the visitor's token."""
    import deploy  # the repository's deploy.py (staged Spaces carry it too)

    if not token:
        raise PublishError("Paste a Hugging Face token with write access.")
    if not _REPO_ID.match(repo_id or ""):
        raise PublishError("The Space name must look like 'your-name/my-support-bot'.")
    stage = fresh_dir(SPACE, max_age_s=600) / "space"
    try:
        folder = deploy.stage_company(Path(model_dir), stage)
        return deploy.push(folder, repo_id, token=token, api=api)
    except Exception as exc:  # the visitor sees why, never the token or a stack trace
        msg = str(exc).replace(token, "***")
        raise PublishError(f"Publishing failed: {msg[:300]}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


__all__ = ["TrainingError", "PublishError", "lookalikes", "train_in_child", "session_bot", "report_markdown"]
