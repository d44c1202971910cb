"""Runs one planned segment of a long file in a separate process (a second CPU core).

Invoked by pipeline.py as ``python -m voiceclean.segment_worker '<json>'``; imports only the
engine (no Gradio), writes float32 samples to the given raw file, exits non-zero on failure.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    from voiceclean.pipeline import Segment, run_segment

    job = json.loads(argv[0])
    run_segment(
        job["path"],
        bool(job["mixdown"]),
        float(job["gain"]),
        Segment(**job["segment"]),
        int(job["rate"]),
        float(job["atten"]),
        job["out"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
