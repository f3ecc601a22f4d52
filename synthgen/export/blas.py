"""Keep numpy's OpenBLAS single-threaded while exporting.

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
