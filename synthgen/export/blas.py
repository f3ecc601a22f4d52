"""Process-level tuning for the exporter: numpy's OpenBLAS single-threaded while exporting,
and glibc malloc keeping freed frame buffers.

The exporter's linear algebra is tiny (3x3 homographies, one small Plücker product per
frame), but ``np.linalg.inv`` wakes OpenBLAS's worker threads, which then busy-wait with
``sched_yield`` between calls: on a 2-core machine that burned about a third of the
export's CPU time and competed with the EXR reader thread. Results do not depend on the
thread count for these sizes.
"""
from __future__ import annotations

import ctypes
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_lock = threading.Lock()
_depth = 0
_saved: int | None = None
_api: tuple | None = None


def _openblas() -> tuple | None:
    """(get, set) functions of the OpenBLAS that numpy loaded, or None when not found."""
    global _api
    if _api is not None:
        return _api or None
    found: tuple = ()
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("libopenblas*.so*")) if libs.is_dir() else []:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for suffix in ("64_", "_64", ""):
            get = getattr(lib, f"openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                found = (get, put)
                break
        if found:
            break
    if not found:
        log.debug("numpy's OpenBLAS not found; leaving BLAS threads alone")
    _api = found
    return found or None


def blas_threads() -> int | None:
    """Current OpenBLAS thread count (None when numpy's OpenBLAS is not found)."""
    api = _openblas()
    return int(api[0]()) if api else None


@contextmanager
def single_threaded_blas():
    """Context: numpy's OpenBLAS uses one thread; the previous count is restored on exit.
    Re-entrant and safe to nest across threads (restored when the last one leaves)."""
    global _depth, _saved
    api = _openblas()
    if api is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _saved = int(api[0]())
            api[1](1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                api[1](_saved)


#: glibc ``mallopt`` parameters (malloc.h) and the values the exporter sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 128 << 20
_TRIM_THRESHOLD = 256 << 20
_malloc_tuned = False


def keep_freed_memory() -> bool:
    """Let glibc reuse freed frame-sized buffers instead of unmapping them (once per process).

    The exporter allocates and frees a few ``(H, W, 2)`` float32 temporaries per frame
    (1.6-7 MB). By default glibc serves each from a fresh ``mmap`` and returns it on free (or
    trims its heap), so every frame page-faults its temporaries in again: about a third of a
    cold export's CPU time was kernel time. Raising the mmap and trim thresholds (128 / 256
    MB) keeps freed memory for reuse; peak resident memory is unchanged. Returns whether the
    tuning is active (False off glibc).
    """
    global _malloc_tuned
    if _malloc_tuned:
        return True
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    _malloc_tuned = ok
    if not ok:
        log.debug("mallopt refused the thresholds; leaving malloc alone")
    return ok
