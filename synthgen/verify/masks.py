"""Pixel masks and lookups shared by the checks: instance ids, depth discontinuities, bilinear taps.

Definition used throughout (the "away from depth discontinuities" of the static checks):
two 8-neighbouring pixels *jump* when their instance ids differ, when exactly one of them
sees the background (depth >= 1e9), or when their depths differ by more than
``rel_jump`` (default 5 %) of the smaller one. A pixel is **near a discontinuity** when it
or any pixel within Chebyshev distance ``radius`` (default 1) takes part in a jump; with the
defaults every pixel kept is at least 2 pixels from the nearest jump.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .geometry import BACKGROUND_MIN_DEPTH

#: Relative depth difference between neighbours that counts as a discontinuity.
REL_JUMP = 0.05
#: Pixels within this Chebyshev distance of a jump are excluded from the static checks.
EDGE_RADIUS = 1
#: An object-index value farther than this from an integer is a blend of two objects.
INDEX_TOL = 1e-3

# The four neighbour offsets (dy, dx) that cover all 8-neighbour pairs once.
_PAIRS = ((0, 1), (1, 0), (1, 1), (1, -1))


def instance_ids(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Object-index pass ``(H, W)`` float → ``(ids int32, blended bool)``.

    ``blended`` marks non-integer values (an anti-aliased mix of two objects).
    """
    idx = np.asarray(index, np.float64)
    ids = np.rint(idx)
    return ids.astype(np.int32), np.abs(idx - ids) > INDEX_TOL


def background(depth: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)``: pixels seeing the world background (depth >= 1e9 or not finite)."""
    return ~(np.asarray(depth) < BACKGROUND_MIN_DEPTH)


def jump_pixels(depth: np.ndarray, ids: np.ndarray, rel_jump: float = REL_JUMP) -> np.ndarray:
    """Boolean ``(H, W)``: pixels taking part in a jump with one of their 8 neighbours."""
    d = np.asarray(depth, np.float64)
    bg = background(d)
    out = np.zeros(d.shape, bool)
    h, w = d.shape
    for dy, dx in _PAIRS:
        ys_a = slice(0, h - dy)
        ys_b = slice(dy, h)
        xs_a = slice(max(0, -dx), w - max(0, dx))
        xs_b = slice(max(0, dx), w - max(0, -dx))
        za, zb = d[ys_a, xs_a], d[ys_b, xs_b]
        lo = np.minimum(za, zb)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            depth_jump = np.abs(za - zb) > rel_jump * lo
        j = (ids[ys_a, xs_a] != ids[ys_b, xs_b]) | (bg[ys_a, xs_a] != bg[ys_b, xs_b])
        j |= depth_jump & ~bg[ys_a, xs_a] & ~bg[ys_b, xs_b]
        out[ys_a, xs_a] |= j
        out[ys_b, xs_b] |= j
    return out


def near_discontinuity(depth: np.ndarray, ids: np.ndarray, blended: np.ndarray | None = None, *,
                       rel_jump: float = REL_JUMP, radius: int = EDGE_RADIUS) -> np.ndarray:
    """Boolean ``(H, W)``: pixels within Chebyshev ``radius`` of a jump (or of a blended id)."""
    j = jump_pixels(depth, ids, rel_jump)
    if blended is not None:
        j |= blended
    if radius > 0:
        j = ndimage.binary_dilation(j, structure=np.ones((3, 3), bool), iterations=radius)
    return j


def bilinear_taps(x: np.ndarray, y: np.ndarray, width: int, height: int):
    """The four pixels around continuous positions ``x, y`` (pixel centres at +0.5).

    Returns ``(cols (..., 4) int, rows (..., 4) int, weights (..., 4) float64, inside bool)``;
    ``inside`` is False where a tap would leave the image (positions closer than half a pixel
    to the border, or NaN); taps there are clamped so indexing stays safe.
    """
    fx = np.asarray(x, np.float64) - 0.5
    fy = np.asarray(y, np.float64) - 0.5
    inside = (fx >= 0) & (fx <= width - 1) & (fy >= 0) & (fy <= height - 1)
    fx = np.where(inside, fx, 0.0)
    fy = np.where(inside, fy, 0.0)
    x0 = np.minimum(np.floor(fx).astype(np.int64), max(width - 2, 0))
    y0 = np.minimum(np.floor(fy).astype(np.int64), max(height - 2, 0))
    ax, ay = fx - x0, fy - y0
    x1 = np.minimum(x0 + 1, width - 1)
    y1 = np.minimum(y0 + 1, height - 1)
    cols = np.stack([x0, x1, x0, x1], axis=-1)
    rows = np.stack([y0, y0, y1, y1], axis=-1)
    weights = np.stack([(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay], axis=-1)
    return cols, rows, weights, inside


def sample_bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear lookup of ``img`` ``(H, W[, C])`` at ``x, y``: returns ``(values float64, inside)``."""
    h, w = img.shape[:2]
    cols, rows, wts, inside = bilinear_taps(x, y, w, h)
    vals = np.asarray(img, np.float64)[rows, cols]              # (..., 4[, C])
    if np.ndim(img) == 3:
        return (vals * wts[..., None]).sum(axis=-2), inside
    return (vals * wts).sum(axis=-1), inside
