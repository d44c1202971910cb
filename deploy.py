"""Stage one Space (or all) into a self-contained folder and push it to Hugging Face.

    python deploy.py bank_bot --repo-id you/bank-bot          # stage and push
    python deploy.py all --owner you --dry-run                 # stage only, into ./stage/<name>

A staged Space is its folder plus a copy of the repository's ``shared/`` package, so it runs
on its own, exactly as "Duplicate this Space" will run it. Pushing needs a token with write
access (``HF_TOKEN`` or ``hf auth login``); starting a Space never does.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from collection import SPACE_NAMES

ROOT = Path(__file__).resolve().parent
IGNORE = ("__pycache__", "*.pyc", ".gradio", ".env", "*.log", ".pytest_cache")


def stage(name: str, dest: Path) -> Path:
    """Copy ``spaces/<name>`` and ``shared/`` into ``dest`` (replaced if it exists)."""
    if name not in SPACE_NAMES:
        raise ValueError(f"unknown Space {name!r}; choose from {', '.join(SPACE_NAMES)}")
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns(*IGNORE)
    shutil.copytree(ROOT / "spaces" / name, dest, ignore=ignore)
    shutil.copytree(ROOT / "shared", dest / "shared", ignore=ignore)
    return dest


def push(folder: Path, repo_id: str, private: bool = False) -> str:
    from huggingface_hub import HfApi

    api = HfApi()
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
    args = parser.parse_args(argv)

    names = SPACE_NAMES if args.space == "all" else (args.space,)
    if args.repo_id and len(names) > 1:
        parser.error("--repo-id names one Space; use --owner with 'all'")
    if not args.dry_run and not (args.repo_id or args.owner):
        parser.error("pushing needs --repo-id or --owner (or use --dry-run)")

    for name in names:
        folder = stage(name, args.out / name)
        print(f"staged {name} -> {folder}")
        if args.dry_run:
            continue
        repo_id = args.repo_id or f"{args.owner}/{name.replace('_', '-')}"
        print(f"pushed {name} -> {push(folder, repo_id, args.private)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
