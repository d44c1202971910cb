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
from shared.results import fresh_dir, lifetime_s

from .data import OUT_OF_SCOPE, Examples
from .folder import PRIVATE, REPORT
from .jobs import TrainingError, run_training, write_csv

SPACE = "bank_bot"
LOOKALIKE_SHARE = 0.5  # half of an intent's examples have their nearest example in another intent
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


class PublishError(RuntimeError):
    """Publishing did not happen; the message is for the visitor."""


def lookalikes(examples: Examples) -> list[str]:
    """Warnings for pairs of intents whose examples look alike to the (frozen) encoder."""
    from ..models.model import frozen_encoder

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
    """Train in a capped child process (jobs.run_training); returns (model folder, summary).

    The visitor's examples and answers leave with the job, however it ends (done, failed, stopped at a cap,
    or interrupted); a job that does not end with a bot leaves nothing at all."""
    work = fresh_dir(SPACE, "trained_bot")
    uploads = (work / "examples.csv", work / "answers.csv")
    done = False
    try:
        write_csv(uploads[0], ("text", "intent"), zip(examples.texts, examples.intents, strict=True))
        if answers:
            write_csv(uploads[1], ("intent", "answer"), answers.items())
        folder = work / "model"
        summary = run_training(uploads[0], folder, uploads[1] if answers else None, company, progress)
        done = True
        return folder, summary
    finally:
        for path in uploads:
            path.unlink(missing_ok=True)
        if not done:
            shutil.rmtree(work, ignore_errors=True)


def kept_for() -> str:
    """How long a trained bot stays on this Space, in words ("2 hours")."""
    hours = lifetime_s("trained_bot") / 3600
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


MAX_LOADED = 3
_bots = RecentModels(MAX_LOADED)


def session_bot(model_dir: str):
    """(model, table) of a visitor's trained bot; the few most recently used stay loaded."""
    from .folder import load_company

    return _bots.get(model_dir, load_company)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def report_markdown(folder: Path, extra_warnings: list[str] = ()) -> str:
    """The honest report shown after training (everything escaped: intents and examples are the visitor's)."""
    r = json.loads((Path(folder) / REPORT).read_text(encoding="utf-8"))
    private_path = Path(folder) / PRIVATE  # the trainer's own rows: shown to them, published only if they ask
    private = json.loads(private_path.read_text(encoding="utf-8")) if private_path.is_file() else {}
    examples = private.get("confusion_examples", [])
    m, b, d, t = r["metrics"], r["baseline"], r["data"], r["timings"]
    e = html.escape
    lo, hi = m["accuracy_ci95"]
    gate = r.get("out_of_scope") or {}
    if gate.get("presets"):  # the preset in use (the company may have switched it after training)
        m = m | {k: gate["presets"][gate["preset"]][k] for k in ("decline_rate", "decline_rate_ci95")}
        m["false_decline_rate"] = gate["presets"][gate["preset"]]["false_decline_rate"]
    lines = [
        f"### Your bot is ready: {d['intents']} intents, {d['examples']} examples, trained in {t['total_s']:.0f} s",
        "",
        f"- **Accuracy on {m['n_in_scope']} of your examples kept aside**: {_pct(m['accuracy'])} "
        f"(95% confidence interval {_pct(lo)}–{_pct(hi)}; few examples give wide intervals).",
        f"- **Unrelated questions declined**: about {_pct(m['decline_rate'])} (95% confidence interval "
        f"{_pct(m['decline_rate_ci95'][0])}–{_pct(m['decline_rate_ci95'][1])}), measured on {m['n_off_topic']} "
        f"built-in questions from {len(d.get('held_out_negative_topics', []))} topics it never trained on; your own "
        f"questions wrongly declined: {_pct(m['false_decline_rate'])}.",
        f"- **Simple baseline** (frozen encoder + logistic regression, same rows): accuracy {_pct(b['accuracy'])}, "
        f"declines {_pct(b['decline_rate'])}; {b['errors']} mistakes against this bot's {m['errors']}.",
    ]
    lines += preset_lines(gate)
    if m["accuracy"] < 0.85 or m["decline_rate"] < 0.9:
        lines += [
            "",
            "**Not good enough yet**: add more varied examples (10 or more per intent), and merge intents that "
            "customers cannot tell apart, then train again.",
        ]
    if r["confusions"]:
        lines += ["", "**Most confused intents** (add examples that show the difference):", ""]
        lines += ["| intent | answered as | example |", "|---|---|---|"]
        for i, c in enumerate(r["confusions"]):
            example = examples[i] if i < len(examples) else ""
            lines.append(f"| {e(c['intent'])} | {e(c['answered_as'])} | {e(example[:80])} |")
    warnings = list(private.get("warnings", [])) + list(extra_warnings)
    if warnings:
        lines += ["", "**Checks**:"] + [f"- {e(w)}" for w in warnings]
    if d["builtin_groups_dropped"]:
        lines += [
            "",
            f"Built-in off-topic topics left out because they are close to yours: "
            f"{e(', '.join(g.split(':', 1)[1] for g in d['builtin_groups_dropped'][:10]))}.",
        ]
    lines += [
        "",
        f"Your bot stays on this Space for **{kept_for()}** (then it is deleted): chat with it, download it or "
        "publish it before then. Your examples were deleted when training ended.",
    ]
    return "\n".join(lines)


def preset_lines(gate: dict) -> list[str]:
    """The presets the company can pick from, with their measured rates (the one in use in bold)."""
    if not gate.get("presets"):
        return []
    lines = [
        "",
        "**How careful your bot is** (pick a preset below; measured on your held-out examples and on unseen "
        "built-in topics):",
        "",
        "| preset | your questions declined | unrelated questions declined (95% interval) |",
        "|---|---|---|",
    ]
    for name, p in gate["presets"].items():
        lo, hi = p["decline_rate_ci95"]
        label = f"**{name} (in use)**" if name == gate.get("preset") else name
        lines.append(
            f"| {label} | {_pct(p['false_decline_rate'])} | {_pct(p['decline_rate'])} ({_pct(lo)}–{_pct(hi)}) |"
        )
    return lines


def set_preset(model_dir: str, preset: str) -> str:
    """Apply one of the trained bot's presets and return the updated report."""
    from .folder import apply_preset

    key = str(Path(model_dir).resolve())
    apply_preset(Path(key), preset)
    _bots.forget(key)  # the visitor's next message loads the bot with its new threshold
    return report_markdown(Path(key))


def zip_folder(folder: Path) -> Path:
    """The model folder as a zip next to it (for the download button)."""
    folder = Path(folder)
    return Path(shutil.make_archive(str(folder.parent / "my_support_bot"), "zip", root_dir=folder))


def _reason(exc: BaseException, token: str) -> str:
    """Why the Hub said no, in one line, never with the token in it."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status == 409:
        return "a Space with this name already exists in your account and was not made here; choose another name"
    if status in (401, 403):
        return "Hugging Face did not allow it (sign in again, or use a token with write access)"
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text.replace(token, "***")[:300] if token else text[:300]


def publish(
    model_dir: str,
    repo_id: str,
    token: str,
    owner: str | None = None,
    public: bool = False,
    replace: bool = False,
    include_examples: bool = False,
    api=None,
) -> str:
    """Stage bank_bot with this bot (deploy.stage_company) and push it (deploy.push) with the visitor's token.

    ``owner``: the signed-in account (Sign in with Hugging Face); the Space goes under it, and ``repo_id`` may be
    just the Space's name. Private unless ``public``; an existing Space only with ``replace`` (and only one this
    tool created); the examples from the report only with ``include_examples``."""
    import deploy  # the repository's deploy.py (staged Spaces carry it too); it imports nothing repository-only

    repo_id = (repo_id or "").strip()
    if owner and "/" not in repo_id:
        repo_id = f"{owner}/{repo_id}"
    if not _REPO_ID.match(repo_id):
        raise PublishError("The Space name must look like 'your-name/my-support-bot' (letters, digits, - _ .).")
    if owner and repo_id.split("/")[0] != owner:
        raise PublishError(f"You are signed in as {owner}: the Space goes under your account ({owner}/...).")
    if not token:
        raise PublishError("Sign in with Hugging Face first (or, running locally, paste a token with write access).")
    if not Path(model_dir or "", REPORT).is_file():
        raise PublishError(f"Your trained bot is no longer here (bots are kept {kept_for()}). Please train it again.")
    stage = fresh_dir(SPACE, "scratch") / "space"
    try:
        folder = deploy.stage_company(Path(model_dir), stage, include_examples=include_examples)
        return deploy.push(folder, repo_id, private=not public, token=token, replace=replace, api=api)
    except deploy.PublishRefused as exc:
        raise PublishError(f"Not published: {exc}") from None
    except Exception as exc:  # the visitor sees why, never the token or a stack trace
        raise PublishError(f"Publishing failed: {_reason(exc, token)}") from None
    finally:
        shutil.rmtree(stage.parent, ignore_errors=True)


__all__ = [
    "TrainingError",
    "PublishError",
    "lookalikes",
    "train_in_child",
    "session_bot",
    "report_markdown",
    "set_preset",
]
