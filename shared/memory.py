"""Keep a long-running server's resident memory flat.

Measured on tumor_detect under 6 concurrent clients: RSS climbed about 0.5 MB per request with a flat
count of Python objects and tracemalloc showing only tens of KiB of growth, so the growth is native
heap fragmentation: each of the server's worker threads gets its own glibc malloc arena, and freed
image and tensor buffers stay mapped. Capping the arenas and returning free pages to the system every
few seconds made RSS oscillate around a level instead (611-653 MB over 400 requests, against a steady
rise from 650 to 780 MB without). A no-op where glibc is absent (macOS, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h
_started = threading.Event()


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None  # glibc only


def keep_rss_flat(arenas: int = 2, trim_every_s: float = 5.0) -> bool:
    """Cap glibc's malloc arenas and trim free memory back to the system periodically (once per
    process; later calls do nothing). Returns True when the allocator is glibc and the trimmer runs."""
    if _started.is_set():
        return True
    libc = _glibc()
    if libc is None:
        return False
    _started.set()
    libc.mallopt(_M_ARENA_MAX, arenas)

    def trim() -> None:
        while True:
            time.sleep(trim_every_s)
            libc.malloc_trim(0)

    threading.Thread(target=trim, name="malloc-trim", daemon=True).start()
    log.info("memory: %d malloc arenas, trimmed every %.0f s", arenas, trim_every_s)
    return True
