"""A trained company bot on disk: write it (specialize.py, the "Make it yours" tab) and load it
(``BANK_BOT_MODEL=DIR``, evaluate.py --model). Gradio-free and torch-free.

DIR holds ``intent_head.safetensors`` (head, labels, decision thresholds), ``encoder_delta.safetensors``
(fine-tuned top layers, float16, added to the pinned original MiniLM; an ensemble bot of ``Recipe.members`` also
``encoder_delta_1.safetensors``, ... one per further member, each pinned like the first), ``labels.json``,
``answers.json`` (the answer table in the stock bot's format), ``report.json`` (data summary and held-out metrics),
``MODEL_CARD.md``, and ``manifest.json`` with the sha256 of every other file, checked at load. Those files hold
aggregate numbers only. ``private_report.json`` (not in the manifest) keeps what quotes the trainer's own rows:
the held-out examples the bot confused and the checks' findings; it is shown in the trainer's report and is
published only when they ask for it (deploy.py copies the manifest's files).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from shared.model_source import sha256_of, write_folder_pins

from .data import OUT_OF_SCOPE

MANIFEST = "manifest.json"
HEAD = "intent_head.safetensors"
DELTA = "encoder_delta.safetensors"
ANSWERS = "answers.json"
LABELS = "labels.json"
REPORT = "report.json"
CARD = "MODEL_CARD.md"
PRIVATE = "private_report.json"
FORMAT = "bank_bot company model, format 1"
MODEL_ENV = "BANK_BOT_MODEL"  # serve this company's bot instead of the stock Northwind bot
STAGED_DIR = "company_model"  # ... or the one deploy.py staged next to app.py


def topic_name(intent: str) -> str:
    return intent.replace("_", " ").strip().capitalize()


def default_answer(intent: str, company: str) -> str:
    return (
        f"This is about **{topic_name(intent)}**. I don't have a written answer for it yet, but a person "
        f"from the {company} team can help you: just ask to talk to someone."
    )


def answer_table_data(labels: list[str], answers: dict[str, str], company: str) -> dict:
    """The answer table in the stock bot's answers.json format, for a company's intents."""
    topics = [topic_name(i) for i in labels if i != OUT_OF_SCOPE]
    listed = ", ".join(topics[:6]) + (" and more" if len(topics) > 6 else "")
    intents = {i: {"topic": topic_name(i), "answers": [answers.get(i) or default_answer(i, company)]} for i in labels}
    intents[OUT_OF_SCOPE] = {
        "topic": "Not something we handle",
        "answers": [f"Sorry, that's not something I can help with. I can help with: {listed}."],
    }
    return {
        "bank_name": company,
        "note": "Written by specialize.py; edit the answers, keep the intent keys.",
        "policy": {
            "clarify": "I'm not sure I understood. Did you mean **{a}** or **{b}**? Reply 1 or 2, or rephrase.",
            "low_confidence": f"Sorry, I'm not sure I understood, so I'd rather not guess. I can help with: {listed}. "
            "Could you rephrase your question in a few more words?",
            "handoff_low_confidence": f"I'm sorry I couldn't understand you. A person from the {company} team "
            "can help you.",
            "harmful": "I can't help with that. If you think someone is trying to trick you or take your money, "
            f"please contact {company} through its official channels.",
            "others_data": f"I can't share information about other people. I can help with: {listed}.",
            "dangerous": "I can't help with that. If you or someone else is in danger, please call the emergency "
            f"services. I can help with: {listed}.",
            "prompt_trick": f"I can't change how I work. I can help with: {listed}.",
            "empty": "Please type a question.",
            "no_words": "I can only read words. Could you type your question as text?",
            "other_language": "Sorry, I can only understand English for now. Could you ask in English?",
            "truncated": "(Your message was very long, so I only read the first {n} characters.)",
            "masked": "(For your safety I hid the card or account number you typed.)",
        },
        "intents": intents,
    }


def member_delta(member: int) -> str:
    """The file of an ensemble member's encoder delta (member 0: the one delta of a single bot)."""
    return DELTA if member == 0 else DELTA.replace(".safetensors", f"_{member}.safetensors")


def write_folder(out: Path, result, answers: dict[str, str], company: str, card: str) -> dict[str, str]:
    """Write every file of a trained company bot into ``out``; returns {file: sha256} (also in manifest.json)."""
    from ..models.model import Head, Memory, save_delta, save_head

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = {
        "name": f"{company} bot (specialize.py)",
        "company": company,
        "format": FORMAT,
        "decline_below": result.recipe["decline_below"],
        "layers": result.recipe["layers"],
    }
    deltas = result.deltas
    if len(deltas) > 1:
        info["members"] = len(deltas)  # an ensemble: the encoder joins every member's vector
    memory = None
    if result.oos:  # the out-of-scope gate: its method, threshold and the company's own examples (kNN memory)
        keys = ("method", "k", "preset", "threshold", "standardisation")  # standardisation: energy+knn only
        info["oos"] = {k: result.oos[k] for k in keys if k in result.oos}
        memory = Memory(result.memory, result.memory_targets, k=result.oos["k"], weight=0.0)
    save_head(out / HEAD, Head(result.weight, result.bias, result.labels, info, memory))
    for member, delta in enumerate(deltas):
        save_delta(out / member_delta(member), delta)
    (out / LABELS).write_text(json.dumps(result.labels, indent=1), encoding="utf-8")
    table = answer_table_data(result.labels, answers, company)
    (out / ANSWERS).write_text(json.dumps(table, indent=1, ensure_ascii=False), encoding="utf-8")
    report = {
        "company": company,
        "metrics": result.metrics,
        "baseline": result.baseline,
        "data": {**result.data, "warnings": len(result.data["warnings"])},  # how many; the findings quote rows
        "confusions": [{k: v for k, v in c.items() if k != "example"} for c in result.confusions],
        "timings": result.timings,
        "recipe": result.recipe,
        "out_of_scope": result.oos,
    }
    (out / REPORT).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / CARD).write_text(card, encoding="utf-8")
    examples = [c.get("example", "") for c in result.confusions]
    private = {"confusion_examples": examples, "warnings": result.data["warnings"]}
    (out / PRIVATE).write_text(json.dumps(private, indent=1, ensure_ascii=False), encoding="utf-8")
    return _write_manifest(out)


def apply_preset(folder: Path, preset: str) -> dict:
    """Switch a trained bot to another of its measured out-of-scope presets ("answers more", "balanced",
    "declines more"): the head's gate threshold, report.json and the manifest follow. Returns the preset's
    measured rates. No retraining: every preset's threshold was chosen during training."""
    from ..models.model import load_head, save_head

    folder = Path(folder)
    verify_folder(folder)
    report = json.loads((folder / REPORT).read_text(encoding="utf-8"))
    gate = report.get("out_of_scope") or {}
    if preset not in gate.get("presets", {}):
        raise ValueError(f"unknown preset {preset!r}; this bot has {sorted(gate.get('presets', {}))}")
    head = load_head(folder / HEAD)
    head.info["oos"] |= {"preset": preset, "threshold": gate["presets"][preset]["threshold"]}
    save_head(folder / HEAD, head)
    gate |= {"preset": preset, "threshold": gate["presets"][preset]["threshold"]}
    (folder / REPORT).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    _write_manifest(folder)
    return gate["presets"][preset]


def _write_manifest(out: Path) -> dict[str, str]:
    return write_folder_pins(out, MANIFEST, FORMAT, private=(PRIVATE,))


def verify_folder(folder: Path) -> dict:
    """The folder's manifest, after checking every listed file's sha256 (ValueError if one differs)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder} is not a trained company bot (no readable {MANIFEST})") from exc
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{folder}: unknown model format {manifest.get('format')!r}")
    for name in (HEAD, ANSWERS):
        if name not in manifest["sha256"]:
            raise ValueError(f"{folder}: {name} is missing from the manifest")
    for name, digest in manifest["sha256"].items():
        if Path(name).name != name or sha256_of(folder / name) != digest:
            raise ValueError(f"{folder}/{name} does not match its sha256 in {MANIFEST}")
    return manifest


def load_company(folder: Path):
    """(IntentModel, AnswerTable) of a trained company bot, after verifying its files."""
    from ..conversation.policy import AnswerTable
    from ..models.model import IntentModel, load_encoder_with, load_head

    folder = Path(folder)
    manifest = verify_folder(folder)
    head = load_head(folder / HEAD)
    deltas = [member_delta(m) for m in range(int(head.info.get("members", 1)))]
    if len(deltas) > 1 and not set(deltas) <= set(manifest["sha256"]):
        raise ValueError(f"{folder}: an ensemble bot needs {', '.join(deltas)} in {MANIFEST}")
    present = [folder / d for d in deltas if d in manifest["sha256"]]
    encoder = load_encoder_with(present, int(head.info.get("layers", 0)))
    model = IntentModel(encoder, head)
    model.thresholds = company_thresholds(head.info)
    model.english_only = True  # MiniLM path only: other languages get the polite "English only" reply
    table = AnswerTable.load(folder / ANSWERS)
    table.check(model.labels)
    return model, table


def company_thresholds(info: dict):
    """A company bot answers, declines, or (below its floor) asks to rephrase; it never offers two topics and never
    answers below its floor on a clear lead: the recipe was measured without those turns."""
    from ..conversation.policy import Thresholds

    return Thresholds(floor=float(info.get("decline_below", 0.0)), clarify_min=1.01).without_lead()


def served_folder() -> Path | None:
    """The company bot this process serves: ``$BANK_BOT_MODEL``, else a staged ``company_model/``; None means
    the stock Northwind bot."""
    from .. import SPACE_DIR

    override = os.environ.get(MODEL_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    staged = SPACE_DIR / STAGED_DIR
    return staged if (staged / MANIFEST).is_file() else None


def company_bot(folder: Path):
    """(model, table) of a company bot folder, loaded once per process."""
    from shared.model_source import models

    folder = Path(folder).resolve()
    return models.get(f"bank_bot.company:{folder}", lambda: load_company(folder))


__all__ = [
    "answer_table_data",
    "apply_preset",
    "company_bot",
    "load_company",
    "served_folder",
    "verify_folder",
    "write_folder",
]
