"""Cleans one channel of a long stereo file in a separate process (a second CPU core).

Invoked by clean.py as ``python -m voiceclean.channel_worker '<json>'``; imports only the cleaning
code (no Gradio), writes float32 samples to the given raw file, exits non-zero on failure.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    from voiceclean.clean import clean_channel

    job = json.loads(argv[0])
    clean_channel(
        job["path"], int(job["channel"]), float(job["gain"]), int(job["rate"]), float(job["strength"]), job["out"]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
