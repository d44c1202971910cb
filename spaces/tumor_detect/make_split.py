"""Build the de-duplicated, near-duplicate-grouped split of the kit (writes split.json).

Usage: python spaces/tumor_detect/make_split.py [--data ../shared/data/brain_mri] [--out split.json]
"""

import argparse
import json
from pathlib import Path

from braintumor.data import DEFAULT_DATA, build_split

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=HERE / "split.json")
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    split = build_split(args.data, threshold=args.threshold, seed=args.seed)
    args.out.write_text(json.dumps(split, separators=(",", ":")))
    print(json.dumps(split["stats"], indent=1))


if __name__ == "__main__":
    main()
