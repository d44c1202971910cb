"""Stage one Space (or all) into a self-contained folder and push it to Hugging Face.

    python deploy.py bank_bot --repo-id you/bank-bot          # stage and push
    python deploy.py all --owner you --dry-run                 # stage only, into ./stage/<name>
    python deploy.py bank_bot --model DIR --repo-id you/my-bot  # bank_bot serving a company's own bot

A staged Space is its folder plus a copy of the repository's ``shared/`` package, so it runs
on its own, exactly as "Duplicate this Space" will run it. Pushing needs a token with write
access (``HF_TOKEN`` or ``hf auth login``); starting a Space never does. A staged Space carries this
file too, so a running bank_bot can stage and publish itself with a visitor's bot ("Make it yours").
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from collection import SPACE_NAMES

ROOT = Path(__file__).resolve().parent
IGNORE = ("__pycache__", "*.pyc", ".gradio", ".env", "*.log", ".pytest_cache")
COMPANY_MODEL = "company_model"  # bank_bot serves the bot in this folder when it is there


def _space_source(name: str) -> Path:
    """``spaces/<name>`` in the repository; inside a staged Space (this file next to app.py), the Space itself."""
    if (ROOT / "spaces" / name).is_dir():
        return ROOT / "spaces" / name
    if (ROOT / "app.py").is_file() and (ROOT / "shared").is_dir():
        return ROOT
    raise ValueError(f"cannot find the {name} Space next to {Path(__file__).name}")


def stage(name: str, dest: Path) -> Path:
    """Copy ``spaces/<name>``, ``shared/`` and this file into ``dest`` (replaced if it exists)."""
    if name not in SPACE_NAMES:
        raise ValueError(f"unknown Space {name!r}; choose from {', '.join(SPACE_NAMES)}")
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns(*IGNORE, COMPANY_MODEL)
    shutil.copytree(_space_source(name), dest, ignore=ignore)
    shutil.copytree(ROOT / "shared", dest / "shared", ignore=ignore, dirs_exist_ok=True)
    shutil.copy2(ROOT / "deploy.py", dest / "deploy.py")
    return dest


def stage_company(model_dir: Path, dest: Path) -> Path:
    """Stage bank_bot serving a company's own bot (a folder written by specialize.py)."""
    model_dir = Path(model_dir)
    if not (model_dir / "manifest.json").is_file():
        raise ValueError(f"{model_dir} is not a trained bot folder (no manifest.json)")
    folder = stage("bank_bot", dest)
    shutil.copytree(model_dir, folder / COMPANY_MODEL, ignore=shutil.ignore_patterns(*IGNORE))
    return folder


def push(folder: Path, repo_id: str, private: bool = False, token: str | None = None, api=None) -> str:
    """Create the Space if needed and upload ``folder``; ``token`` (a visitor's) overrides the saved login."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="space", space_sdk="gradio", exist_ok=True, private=private)
    api.upload_folder(
        repo_id=repo_id,
        repo_type="space",
        folder_path=folder,
        delete_patterns="*",
        ignore_patterns=[f"{p}/*" if "*" not in p else p for p in IGNORE],
        commit_message="Deploy from the small-specialists monorepo",
    )
    return f"https://huggingface.co/spaces/{repo_id}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("space", choices=(*SPACE_NAMES, "all"))
    parser.add_argument("--repo-id", help="owner/name of the Space (one Space only)")
    parser.add_argument("--owner", help="user or organisation; the Space name is derived (bank_bot -> bank-bot)")
    parser.add_argument("--out", type=Path, default=ROOT / "stage", help="where staged folders go")
    parser.add_argument("--dry-run", action="store_true", help="only write the staged folder(s)")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--model", type=Path, help="bank_bot only: serve this trained bot (specialize.py's --out)")
    args = parser.parse_args(argv)

    names = SPACE_NAMES if args.space == "all" else (args.space,)
    if args.repo_id and len(names) > 1:
        parser.error("--repo-id names one Space; use --owner with 'all'")
    if not args.dry_run and not (args.repo_id or args.owner):
        parser.error("pushing needs --repo-id or --owner (or use --dry-run)")
    if args.model and names != ("bank_bot",):
        parser.error("--model goes with the bank_bot Space")

    for name in names:
        folder = stage_company(args.model, args.out / name) if args.model else stage(name, args.out / name)
        print(f"staged {name} -> {folder}")
        if args.dry_run:
            continue
        repo_id = args.repo_id or f"{args.owner}/{name.replace('_', '-')}"
        print(f"pushed {name} -> {push(folder, repo_id, args.private)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
