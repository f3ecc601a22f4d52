"""Long-range point tracks (TAP-Vid layout): query points, then their position and visibility
at every rendered frame.

Query points are pixel centres whose ray hits a surface (the world at infinity is not
tracked). About half or more of them are drawn on frame 0, the rest on later frames among
the points that **appear** there (not visible in the frame before: disoccluded, or entering
the frame), so the tracks cover the whole clip's surfaces. Points are spread over instances:
each instance seen on frame 0 gets at least :data:`MIN_PER_INSTANCE` (or all its pixels),
the rest in proportion to area. Draws come from an explicit generator seeded from the job.

A track at frame s is the exact projection of its surface point (the same barycentric
point of the same triangle, :meth:`Engine.at`); ``track_vis`` is 1 where the point is in
frame and visible (:meth:`Engine.visible`). Where the point is behind the camera its
position is :data:`BEHIND` (far outside every frame) and ``track_vis`` is 0.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .engine import Engine, Points, Seen

log = logging.getLogger(__name__)

#: Fraction of the queries kept for frame 0 at least (when frame 0 sees enough surface).
MIN_FRAME0 = 0.5
MIN_PER_INSTANCE = 16
#: Later frames are searched for appearing points on this pixel grid stride.
APPEAR_STRIDE = 4
#: Position written where a tracked point is behind the camera.
BEHIND = -1.0e4


@dataclass
class Candidates:
    """Points one frame offers as queries: ``pix`` flat pixel indices, ``points``, and
    ``area`` the number of pixels they stand for."""

    frame: int
    pix: np.ndarray
    points: Points
    area: float


@dataclass
class QuerySampler:
    """Collects candidates frame by frame (:meth:`observe`), then draws the queries."""

    engine: Engine
    n: int
    rng: np.random.Generator
    candidates: list[Candidates] = field(default_factory=list)
    _grid_pix: np.ndarray | None = field(default=None, repr=False)

    def observe(self, seen: Seen, previous: Seen | None) -> None:
        """Frame ``seen.frame``'s candidates: every surface pixel on the first frame
        (``previous`` None), else the appearing ones on the :data:`APPEAR_STRIDE` grid
        (not visible in ``previous``, what the frame before sees)."""
        if previous is None:
            self.candidates.append(Candidates(seen.frame, seen.pix, seen.points, float(len(seen.pix))))
            return
        grid = self._grid()
        idx = np.searchsorted(seen.pix, grid[seen.objs.reshape(-1)[grid] >= 0])
        pts = seen.points.take(idx)
        _, _, vis = self.engine.visible(pts, self.engine.at(pts, previous.frame), previous.frame,
                                        previous)
        new = idx[~vis]
        keep = new if len(new) <= self.n else np.sort(self.rng.choice(new, self.n, replace=False))
        self.candidates.append(Candidates(seen.frame, seen.pix[keep], seen.points.take(keep),
                                          float(len(new) * APPEAR_STRIDE ** 2)))

    def _grid(self) -> np.ndarray:
        """Flat indices of the :data:`APPEAR_STRIDE` grid's pixels (row-major)."""
        if self._grid_pix is None:
            W, H = self.engine.W, self.engine.H
            cols, rows = np.arange(0, W, APPEAR_STRIDE), np.arange(0, H, APPEAR_STRIDE)
            self._grid_pix = (rows[:, None] * W + cols[None, :]).reshape(-1)
        return self._grid_pix

    def draw(self) -> tuple[np.ndarray, np.ndarray, Points]:
        """``(query frame (N,), pixel (N, 2) centres, points)`` with N <= n queries."""
        if not self.candidates:
            return np.zeros(0, np.int64), np.zeros((0, 2)), _empty()
        counts = _per_frame(self.candidates, self.n)
        frames, pix, pts = [], [], []
        for c, k in zip(self.candidates, counts):
            if k == 0:
                continue
            sel = self._pick_frame0(c, k) if c is self.candidates[0] else \
                np.sort(self.rng.choice(len(c.pix), k, replace=False))
            frames.append(np.full(len(sel), c.frame))
            pix.append(c.pix[sel])
            pts.append(c.points.take(sel))
        if not pts:
            return np.zeros(0, np.int64), np.zeros((0, 2)), _empty()
        flat = np.concatenate(pix)
        W = self.engine.W
        centres = np.stack([flat % W + 0.5, flat // W + 0.5], axis=-1)
        return np.concatenate(frames), centres, _concat(pts)

    def _pick_frame0(self, c: Candidates, k: int) -> np.ndarray:
        inst = self.engine.instance_of(c.points.obj)
        counts = np.bincount(inst)          # instance ids are small non-negative integers
        ids = np.flatnonzero(counts)
        sizes = counts[ids]
        alloc = allocate(sizes, k, MIN_PER_INSTANCE)
        out = []
        for iid, a in zip(ids, alloc):
            members = np.flatnonzero(inst == iid)
            out.append(self.rng.choice(members, a, replace=False))
        return np.sort(np.concatenate(out))


def _per_frame(cands: list[Candidates], n: int) -> np.ndarray:
    """How many queries each frame gets: frame 0 at least :data:`MIN_FRAME0` of ``n``, the
    rest in proportion to the area that appears; never more than a frame offers."""
    area = np.array([c.area for c in cands])
    avail = np.array([len(c.pix) for c in cands])
    total = area.sum()
    if total <= 0:
        return np.zeros(len(cands), np.int64)
    want = area / total * n
    want[0] = max(want[0], MIN_FRAME0 * n)
    if len(cands) > 1 and area[1:].sum() > 0:
        want[1:] = area[1:] / area[1:].sum() * (n - min(want[0], n))
    counts = np.minimum(np.floor(want).astype(np.int64), avail)
    spare = min(n, avail.sum()) - counts.sum()
    for i in np.argsort(-(want - np.floor(want))):       # largest remainders, then any room
        if spare <= 0:
            break
        add = min(spare, avail[i] - counts[i], 1 if want[i] > counts[i] else 0)
        counts[i] += add
        spare -= add
    for i in range(len(cands)):
        if spare <= 0:
            break
        add = min(spare, avail[i] - counts[i])
        counts[i] += add
        spare -= add
    return counts


def allocate(sizes: np.ndarray, k: int, floor: int) -> np.ndarray:
    """Split ``k`` draws over groups of ``sizes``: each at least ``min(size, floor)`` (while
    ``k`` allows), the rest in proportion to size, never more than a group holds."""
    sizes = np.asarray(sizes, np.int64)
    k = int(min(k, sizes.sum()))
    base = np.minimum(sizes, floor)
    if base.sum() >= k:
        base = np.minimum(sizes, k // max(len(sizes), 1))
    out = base.copy()
    while out.sum() < k:
        room = sizes - out
        share = room / room.sum() * (k - out.sum())
        step = np.minimum(room, np.maximum(np.floor(share).astype(np.int64), 0))
        if step.sum() == 0:
            step[np.argmax(room)] = 1
        out += step
        excess = out.sum() - k
        if excess > 0:
            out[np.argmax(out)] -= excess
    return out


def track(engine: Engine, frames: list[int], pts: Points) -> tuple[np.ndarray, np.ndarray]:
    """``tracks`` float32 (N, T, 2) pixel (x, y) and ``track_vis`` uint8 (N, T) of surface
    points ``pts`` at ``frames`` (see module doc)."""
    n = len(pts)
    tracks = np.empty((n, len(frames), 2), np.float32)
    vis = np.zeros((n, len(frames)), np.uint8)
    for j, frame in enumerate(frames):
        moved = engine.at(pts, frame)
        uv, z, v = engine.visible(pts, moved, frame)
        uv = np.where((z > 1e-9)[:, None] & np.isfinite(uv), uv, BEHIND)
        tracks[:, j] = uv
        vis[:, j] = v
    return tracks, vis


def _empty() -> Points:
    return Points(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros((0, 3)),
                  np.zeros((0, 3)))


def _concat(parts: list[Points]) -> Points:
    return Points(*(np.concatenate([getattr(p, a) for p in parts]) for a in Points.FIELDS))
