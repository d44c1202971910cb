"""An adapted model folder: the released folder's four files (adapted), ``report.json``, a generated
``MODEL_CARD.md`` and ``pins.json`` (the sha256 of every other file, checked before it is served).

``TUMOR_MODEL=DIR`` makes the app, the launcher and the batch job serve such a folder (``served_folder``).
Torch-free at import.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from shared.model_source import ModelSourceError, sha256_of, write_folder_pins

from ..model_spec import CALIBRATION_FILE, INPUT_CHECK_FILE, MODEL_FILES
from . import FORMAT

PINS_FILE = "pins.json"
REPORT_FILE = "report.json"
CARD_FILE = "MODEL_CARD.md"
ENV_VAR = "TUMOR_MODEL"  # an adapted folder to serve instead of the released model; verified by its own pins


def write_folder(out: Path, base_dir: Path, outcome, card: str) -> dict[str, str]:
    """Write the adapted predictor of ``outcome`` (and its report and card) into ``out``; returns the pins."""
    from safetensors.torch import load_file, save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pred = outcome.predictor
    # The released file's tensors, with every tensor the adapted network has replaced (fp16, as released):
    # the identity squeeze-excite stays, so transformers' from_pretrained still opens the folder.
    state = load_file(Path(base_dir) / "model.safetensors")
    for name, t in pred.model.state_dict().items():
        if name in state:
            state[name] = t.detach().to(state[name].dtype).contiguous()
    save_file(state, str(out / "model.safetensors"), {"format": "pt"})
    (out / "config.json").write_bytes((Path(base_dir) / "config.json").read_bytes())
    tensors = {f"pooled.{k}": v for k, v in pred.input_check.tensors().items()}
    tensors.update({f"low.{k}": v for k, v in pred.low_check.tensors().items()})
    if pred.notumor_check is not None:
        tensors.update({f"notumor.{k}": v for k, v in pred.notumor_check.tensors().items()})
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / INPUT_CHECK_FILE))
    cal = {k: (v if not isinstance(v, float) or v == v else None) for k, v in pred.cal.items()}
    margins = (pred.cal.get("fitted_on") or {}).get("input_check_margins")
    cal["fitted_on"] = {"adapted": "the site's slices and kit anchors (adapt.py)", "format": FORMAT}
    if margins:  # the input-check thresholds over their validation percentiles (checks.low_cap reads them)
        cal["fitted_on"]["input_check_margins"] = margins
    (out / CALIBRATION_FILE).write_text(json.dumps(cal, indent=1) + "\n")
    (out / REPORT_FILE).write_text(json.dumps(outcome.report, indent=1) + "\n")
    (out / CARD_FILE).write_text(card)
    return write_folder_pins(out, PINS_FILE, FORMAT)


def verify_folder(folder: Path) -> dict:
    """The folder's pins after checking every listed file (ModelSourceError if one is missing or differs)."""
    folder = Path(folder)
    try:
        pins = json.loads((folder / PINS_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ModelSourceError(f"{folder} is not an adapted model folder (no readable {PINS_FILE}).") from exc
    if pins.get("format") != FORMAT:
        raise ModelSourceError(f"{folder}: unknown model format {pins.get('format')!r}.")
    missing = [n for n in MODEL_FILES if n not in pins.get("sha256", {})]
    if missing:
        raise ModelSourceError(f"{folder}: {', '.join(missing)} not pinned in {PINS_FILE}.")
    for name, digest in pins["sha256"].items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise ModelSourceError(f"{path} is missing; the adapted model cannot be loaded.")
        if sha256_of(path) != digest:
            raise ModelSourceError(f"{path} does not match its sha256 in {PINS_FILE}; refusing changed files.")
    return pins


def served_folder() -> Path | None:
    """``$TUMOR_MODEL`` (verified), or None for the released model."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    verify_folder(folder)
    return folder


def _pct(m: dict) -> str:
    v, (lo, hi) = m["value"], m["ci95"]
    return "n/a" if v is None else f"{v:.1%} ({lo:.1%}-{hi:.1%})"


def report_table(report: dict) -> str:
    """Markdown table of the out-of-fold report: before, recalibration only, after (95% intervals)."""
    cols = [("released model", report["before"]), ("recalibration only", report["recalibration_only"]),
            ("adapted", report["after"])]  # fmt: skip
    rows = [
        ("accuracy", "accuracy"),
        ("tumours called a tumour", "tumour_sensitivity"),
        ('tumours told "no tumour"', "notumor_on_tumours"),
        ('no-tumour slices told "no tumour"', "notumor_cleared"),
        ("refused as unfamiliar", "refused"),
        ('"uncertain"', "uncertain"),
    ]
    head = "| on your slices, out of fold | " + " | ".join(c for c, _ in cols) + " |\n|---|" + "---|" * len(cols)
    lines = [head]
    for title, key in rows:
        lines.append(f"| {title} | " + " | ".join(_pct(m[key]) for _, m in cols) + " |")
    ece = " | ".join(
        "n/a"
        if m["ece"]["value"] is None
        else f"{m['ece']['value']:.3f} ({m['ece']['ci95'][0]:.3f}-{m['ece']['ci95'][1]:.3f})"
        for _, m in cols
    )
    lines.append(f"| calibration error (ECE) | {ece} |")
    return "\n".join(lines)


def gates_sentence(report: dict) -> str:
    """The answer's gates refitted on the site's slices, and what they did there (out of fold), in words."""
    choice = report.get("gates")
    if not choice:
        return "The answer's gates (how sure \"no tumour\" must be, and the rest) are the released model's."
    g, got, rel = choice["gates"], choice["on_fitting_slices"], choice["released_gates_gave"]
    floor, views, scale = g["notumor_min_confidence"], g["consistency_min_confidence"], g["notumor_threshold_scale"]
    named = g["tumour_min_confidence"]
    named = "never" if named is None else f"at {named:.0%} for all tumour types together"
    return (
        f'The answer\'s gates, refitted on your slices out of fold: "no tumour" needs {floor:.0%} confidence, the '
        f"contrast-equalised view {views:.0%}, and a distance to the no-tumour slices up to {scale:g} times the "
        f"refitted one; a tumour of uncertain type is named {named}. On your slices: {got['healthy_cleared']} "
        f"no-tumour slices cleared (the released gates: {rel['healthy_cleared']}), {got['notumor_on_tumours']} "
        f'tumours told "no tumour" (released gates: {rel["notumor_on_tumours"]}; never more).'
    )


def model_card(report: dict, base_name: str) -> str:
    s = report["slices"]
    counts = ", ".join(f"{c} {n}" for c, n in s["per_class"].items())
    verdict = (
        "**Shipped**: not worse than the released model on any of accuracy, tumour sensitivity and tumours told "
        '"no tumour" (out of fold).'
        if report["shipped"]
        else "**Not shipped**: " + "; ".join(report["not_shipped_because"]) + "."
    )
    warnings = "".join(f"\n- {w}" for w in report["warnings"]) or "\n- none"
    return f"""# Model card: tumor_detect, adapted to one site (generated by adapt.py)

**Research demo, not a medical device.** Not validated for any clinical use.

- Started from: {base_name} (EfficientNet-Lite0, see the released model card).
- Adapted on {s["total"]} labelled slices of this site ({counts}); recipe {report["recipe"]["train"]},
  {report["recipe"]["steps"]} steps, {report["anchors"]} kit slices replayed against forgetting; temperature
  {report["temperature"]}; input check and "no tumour" rule refitted to include this site's slices.
- {gates_sentence(report)}
- {verdict}

## Out-of-fold report on this site's own slices ({s["folds"]} folds, whole near-duplicate groups)

Each slice was answered by a model adapted without it. Refused slices count as errors and as missed tumours.
95% intervals in brackets (Wilson; ECE by bootstrap): with few slices they are wide.

{report_table(report)}

## Checks on the uploaded slices
{warnings}

## Limits

- Measured on this site's slices only, with the labels given; wrong labels are learned as they are.
- Four classes only; a slice from another scanner, sequence or orientation than those uploaded may do worse.
- Adaptation changes the last blocks of the network; the heatmap may move with them.
"""
