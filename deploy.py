"""Stage one Space (or all) into a self-contained folder and push it to Hugging Face.

    python deploy.py bank_bot --repo-id you/bank-bot          # stage and push (a private Space)
    python deploy.py all --owner you --dry-run                 # stage only, into ./stage/<name>
    python deploy.py bank_bot --model DIR --repo-id you/my-bot  # bank_bot serving a company's own bot

A staged Space is its folder plus a copy of the repository's ``shared/`` package, so it runs
on its own, exactly as "Duplicate this Space" will run it. Pushing needs a token with write
access (``HF_TOKEN`` or ``hf auth login``); starting a Space never does. A staged Space carries this
file too, so a running bank_bot can stage and publish itself with a visitor's bot ("Make it yours"):
so this file imports nothing that only the repository has.

Safe by default: a new Space is private unless ``--public``; an existing Space is replaced only with
``--replace``, and only when this script created it (it leaves ``published_by.json`` in every Space it
creates). A company's bot goes out with a generated card (the company's name, aggregate numbers) and only
the files its manifest lists: the held-out examples the visitor saw in their report stay behind unless
they are asked for.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
IGNORE = ("__pycache__", "*.pyc", ".gradio", ".env", "*.log", ".pytest_cache")
COMPANY_MODEL = "company_model"  # bank_bot serves the bot in this folder when it is there
MANIFEST = "manifest.json"  # a trained bot's list of files (and their sha256); other files in its folder are private
MARKER = "published_by.json"  # left in every Space this script creates: the only Spaces it will ever replace
MARKER_TAG = "small-specialists-published"


class PublishRefused(ValueError):
    """Publishing was refused before anything changed on the Hub; the message says why."""


def space_names() -> tuple[str, ...]:
    """The collection's Spaces (from ``collection.py`` in the repository; a staged Space is just itself)."""
    if (ROOT / "spaces").is_dir():
        from collection import SPACE_NAMES  # the repository only: a staged Space has no collection.py

        return SPACE_NAMES
    return ("bank_bot",) if (ROOT / "bankbot").is_dir() else ()


def _space_source(name: str) -> Path:
    """``spaces/<name>`` in the repository; inside a staged Space (this file next to app.py), the Space itself."""
    if (ROOT / "spaces" / name).is_dir():
        return ROOT / "spaces" / name
    if (ROOT / "app.py").is_file() and (ROOT / "shared").is_dir():
        return ROOT
    raise ValueError(f"cannot find the {name} Space next to {Path(__file__).name}")


def stage(name: str, dest: Path) -> Path:
    """Copy ``spaces/<name>``, ``shared/`` and this file into ``dest`` (replaced if it exists)."""
    names = space_names()
    if name not in names:
        raise ValueError(f"unknown Space {name!r}; choose from {', '.join(names)}")
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns(*IGNORE, COMPANY_MODEL)
    shutil.copytree(_space_source(name), dest, ignore=ignore)
    shutil.copytree(ROOT / "shared", dest / "shared", ignore=ignore, dirs_exist_ok=True)
    shutil.copy2(ROOT / "deploy.py", dest / "deploy.py")
    return dest


def stage_company(model_dir: Path, dest: Path, company: str | None = None, include_examples: bool = False) -> Path:
    """Stage bank_bot serving a company's own bot (a folder written by specialize.py), with a generated card.

    Only the files the bot's manifest lists are copied: anything else in its folder (the held-out examples
    shown in the visitor's report) stays behind unless ``include_examples``."""
    model_dir = Path(model_dir)
    try:
        listed = json.loads((model_dir / MANIFEST).read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError("This is not a trained bot folder (no readable manifest.json).") from None
    report = _read_json(model_dir / "report.json")
    company = (company or report.get("company") or "Our company").strip()
    folder = stage("bank_bot", dest)
    keep = {MANIFEST, *listed}
    if include_examples:
        keep |= {p.name for p in model_dir.iterdir() if p.is_file()}
    (folder / COMPANY_MODEL).mkdir()
    for name in sorted(keep):
        if Path(name).name != name or not (model_dir / name).is_file():
            raise ValueError(f"The trained bot folder lists a file it does not hold ({name}).")
        shutil.copy2(model_dir / name, folder / COMPANY_MODEL / name)
    (folder / "README.md").write_text(company_space_card(folder / "README.md", company, report), encoding="utf-8")
    return folder


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pct(x) -> str:
    return f"{100 * x:.0f}%" if isinstance(x, (int, float)) else "n/a"


def company_space_card(base_card: Path, company: str, report: dict) -> str:
    """The Space card of a company's bot: the stock card's settings, the company's name, aggregate numbers from
    report.json. No customer text: not the examples, not the checks' findings (they can quote rows)."""
    from huggingface_hub import SpaceCard, SpaceCardData

    base = SpaceCard.load(base_card).data.to_dict()
    keep = ("emoji", "colorFrom", "colorTo", "sdk", "sdk_version", "python_version", "app_file", "license", "models",
            "hf_oauth", "hf_oauth_scopes")  # fmt: skip
    data = SpaceCardData(
        title=f"{company} support bot",
        short_description=f"Support bot for {company}"[:60],
        tags=[MARKER_TAG, "intent-classification", "chatbot"],
        **{k: base[k] for k in keep if k in base},
    )
    m, d = report.get("metrics", {}), report.get("data", {})
    name = html.escape(company)
    body = f"""
# {name} support bot

A support chat for {name}: it picks one of {d.get("intents", "its")} topics for a customer's message and answers
from {name}'s own answer table, or politely declines questions that are not {name}'s business. It never writes
free text. Trained with the "Make it yours" tab of the small-specialists bank_bot Space (`specialize.py`).

| held-out check ({m.get("n_in_scope", "?")} of the company's examples kept aside) | |
|---|---|
| topic right | {_pct(m.get("accuracy"))} |
| off-topic questions declined | {_pct(m.get("decline_rate"))} |
| the company's own questions wrongly declined | {_pct(m.get("false_decline_rate"))} |

Trained on {d.get("examples", "?")} examples. This card and the files in `{COMPANY_MODEL}/` hold aggregate
numbers only, no customer messages. `{COMPANY_MODEL}/MODEL_CARD.md` has the recipe and its limits.
"""
    return SpaceCard(f"---\n{data.to_yaml()}\n---\n{body}").content  # parsed once more: a valid card


def push(
    folder: Path,
    repo_id: str,
    private: bool = True,
    token: str | None = None,
    api=None,
    replace: bool = False,
) -> str:
    """Upload ``folder`` as the Space ``repo_id``; ``token`` (a visitor's) overrides the saved login.

    A new Space is created (private unless ``private=False``) and marked as made here. An existing Space is
    replaced only with ``replace=True`` and only if it carries that mark; otherwise PublishRefused, with
    nothing changed on the Hub."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    exists = api.repo_exists(repo_id, repo_type="space")
    if exists and not replace:
        raise PublishRefused(
            f"A Space named {repo_id} already exists. Confirm that you want to replace it, or choose another name."
        )
    if exists and not api.file_exists(repo_id, MARKER, repo_type="space"):
        raise PublishRefused(
            f"The Space {repo_id} was not created by this publishing tool, so it is never replaced. "
            "Choose another name."
        )
    if exists:
        api.update_repo_settings(repo_id, private=private, repo_type="space")
    else:
        api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=False)
    (Path(folder) / MARKER).write_text(
        json.dumps({"published_by": "deploy.py (small specialists)", "format": 1}) + "\n", encoding="utf-8"
    )
    api.upload_folder(
        repo_id=repo_id,
        repo_type="space",
        folder_path=folder,
        delete_patterns="*" if exists else None,  # a Space this tool made: its old files go
        ignore_patterns=[f"{p}/*" if "*" not in p else p for p in IGNORE],
        commit_message="Deploy from the small-specialists monorepo",
    )
    return f"https://huggingface.co/spaces/{repo_id}"


def main(argv: list[str] | None = None) -> int:
    names_all = space_names()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("space", choices=(*names_all, "all"))
    parser.add_argument("--repo-id", help="owner/name of the Space (one Space only)")
    parser.add_argument("--owner", help="user or organisation; the Space name is derived (bank_bot -> bank-bot)")
    parser.add_argument("--out", type=Path, default=ROOT / "stage", help="where staged folders go")
    parser.add_argument("--dry-run", action="store_true", help="only write the staged folder(s)")
    parser.add_argument("--public", action="store_true", help="make a new Space public (default: private)")
    parser.add_argument("--replace", action="store_true", help="replace an existing Space this script created")
    parser.add_argument("--model", type=Path, help="bank_bot only: serve this trained bot (specialize.py's --out)")
    parser.add_argument("--company", help="with --model: the company's name for the Space card")
    args = parser.parse_args(argv)

    names = names_all if args.space == "all" else (args.space,)
    if args.repo_id and len(names) > 1:
        parser.error("--repo-id names one Space; use --owner with 'all'")
    if not args.dry_run and not (args.repo_id or args.owner):
        parser.error("pushing needs --repo-id or --owner (or use --dry-run)")
    if args.model and names != ("bank_bot",):
        parser.error("--model goes with the bank_bot Space")

    for name in names:
        if args.model:
            folder = stage_company(args.model, args.out / name, args.company)
        else:
            folder = stage(name, args.out / name)
        print(f"staged {name} -> {folder}")
        if args.dry_run:
            continue
        repo_id = args.repo_id or f"{args.owner}/{name.replace('_', '-')}"
        try:
            url = push(folder, repo_id, private=not args.public, replace=args.replace)
        except PublishRefused as exc:
            parser.error(f"{exc} (--replace replaces a Space this script created)")
        print(f"pushed {name} -> {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
