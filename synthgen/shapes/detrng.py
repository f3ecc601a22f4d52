"""A tiny deterministic random generator for mesh details (splitmix64 on numpy uint64).

Shapes are built twice, by the planner (free-space maps) and by the Blender worker (render
meshes), possibly under different numpy versions; numpy's own generators promise no stream
stability across versions, this one is defined here bit for bit. Not for sampling clip
parameters: those come from the clip's ``numpy.random.Generator`` streams.
"""
from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


class DetRng:
    """Uniform and normal draws from a seed; each call consumes ``n`` values of the stream."""

    def __init__(self, seed: int):
        self._state = np.uint64(int(seed) & 0xFFFFFFFFFFFFFFFF)
        self._count = 0

    def _next(self, n: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            k = np.arange(self._count + 1, self._count + n + 1, dtype=np.uint64)
            z = self._state + k * _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * _M1
            z = (z ^ (z >> np.uint64(27))) * _M2
            z = z ^ (z >> np.uint64(31))
        self._count += n
        return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)

    def uniform(self, lo: float, hi: float, n: int | None = None):
        """``n`` floats in [lo, hi) (one float when ``n`` is None)."""
        u = lo + (hi - lo) * self._next(1 if n is None else n)
        return float(u[0]) if n is None else u

    def normal(self, n: int) -> np.ndarray:
        """``n`` standard normal floats (Box-Muller)."""
        u = self._next(2 * n).reshape(2, n)
        return np.sqrt(-2.0 * np.log(1.0 - u[0])) * np.cos(2 * np.pi * u[1])

    def integers(self, lo: int, hi: int, n: int | None = None):
        """Integers in [lo, hi)."""
        v = np.floor(self.uniform(lo, hi, n if n is not None else 1)).astype(np.int64)
        v = np.minimum(v, hi - 1)
        return int(v[0]) if n is None else v
