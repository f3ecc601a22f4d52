"""Routes through a world's free space for fly-throughs: a shortest-path search over the
navigable cells of a horizontal flight band, biased toward the middle of corridors and
doorways, simplified to a few key points whose straight joins stay navigable.

Units: metres; points are world xyz, the band's cells are indexed (i, j) like the voxel grid.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from .freespace import FreeSpace

CENTRE_BIAS_M = 0.4         # a step's cost grows by this over the local clearance


def flight_band(space: FreeSpace, z: float, half_m: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) cells navigable at every height within ``z`` ± ``half_m``, and their grid
    clearance (the smallest over the band)."""
    i0 = int(math.floor((z - half_m - space.origin[2]) / space.h))
    i1 = int(math.floor((z + half_m - space.origin[2]) / space.h))
    i0, i1 = max(i0, 0), min(i1, space.nav.shape[2] - 1)
    if i1 < i0:
        return np.zeros(space.nav.shape[:2], bool), np.zeros(space.nav.shape[:2])
    return space.nav[:, :, i0:i1 + 1].all(axis=2), space.dist[:, :, i0:i1 + 1].min(axis=2)


def geodesic(mask: np.ndarray, clear: np.ndarray, start: tuple[int, int], h: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest-path distance (X, Y) from cell ``start`` over ``mask`` (8-neighbour steps,
    longer near obstacles), each cell's predecessor (index into the cells, -9999 where none)
    and the cells (C, 2) themselves."""
    X, Y = mask.shape
    ids = np.full(mask.shape, -1)
    cells = np.argwhere(mask)
    ids[cells[:, 0], cells[:, 1]] = np.arange(len(cells))
    rows, cols, w = [], [], []
    for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
        a = cells
        b = cells + [di, dj]
        ok = (b[:, 0] >= 0) & (b[:, 0] < X) & (b[:, 1] >= 0) & (b[:, 1] < Y)
        a, b = a[ok], b[ok]
        ok = mask[b[:, 0], b[:, 1]]
        a, b = a[ok], b[ok]
        c = 0.5 * (clear[a[:, 0], a[:, 1]] + clear[b[:, 0], b[:, 1]])
        rows.append(ids[a[:, 0], a[:, 1]])
        cols.append(ids[b[:, 0], b[:, 1]])
        w.append(h * math.hypot(di, dj) * (1.0 + CENTRE_BIAS_M / np.maximum(c, 0.05)))
    n = len(cells)
    graph = coo_matrix((np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    dist, pred = dijkstra(graph, directed=False, indices=int(ids[start]), return_predecessors=True)
    out = np.full(mask.shape, np.inf)
    out[cells[:, 0], cells[:, 1]] = dist
    pmap = np.full(mask.shape, -9999)
    pmap[cells[:, 0], cells[:, 1]] = np.where(pred >= 0, pred, -9999)
    return out, pmap, cells


def _walk_back(pmap: np.ndarray, cells: np.ndarray, goal: tuple[int, int]) -> np.ndarray:
    path = [goal]
    cur = pmap[goal]
    while cur >= 0:
        path.append(tuple(cells[cur]))
        cur = pmap[tuple(cells[cur])]
    return np.array(path[::-1])


def simplify(poly: np.ndarray, mask: np.ndarray, tol: float) -> np.ndarray:
    """Ramer-Douglas-Peucker on cell coordinates (tolerance ``tol`` cells), keeping a corner
    wherever the straight join would leave ``mask``."""
    def ok(a, b) -> bool:
        n = int(np.ceil(np.abs(b - a).max() * 2)) + 1
        t = np.linspace(0, 1, n)[:, None]
        q = np.rint(a + t * (b - a)).astype(int)
        return bool(mask[q[:, 0], q[:, 1]].all())

    def rec(i: int, j: int) -> list[int]:
        a, b = poly[i].astype(float), poly[j].astype(float)
        if j <= i + 1:
            return [i, j]
        seg = b - a
        ln = np.linalg.norm(seg)
        mid = poly[i + 1:j].astype(float)
        d = np.abs(np.cross(seg, mid - a)) / ln if ln > 0 else np.linalg.norm(mid - a, axis=1)
        k = int(np.argmax(d)) + i + 1
        if d.max() <= tol and ok(a, b):
            return [i, j]
        return rec(i, k)[:-1] + rec(k, j)

    return poly[rec(0, len(poly) - 1)]


def route(space: FreeSpace, p0: np.ndarray, length: float, rng: np.random.Generator,
          tol_m: float = 0.6) -> np.ndarray | None:
    """Key points (K, 3) of a route from ``p0`` along the free space, about ``length`` metres
    long where the space allows (else as far as it goes), at ``p0``'s height; None when
    ``p0`` is not in the flight band."""
    mask, clear = flight_band(space, float(p0[2]))
    i, j = space.index(p0[None])[0][:2]
    if not (0 <= i < mask.shape[0] and 0 <= j < mask.shape[1]) or not mask[i, j]:
        cells = np.argwhere(mask)                   # start from the nearest cell of the band
        if not len(cells):
            return None
        d = np.hypot(cells[:, 0] - i, cells[:, 1] - j)
        if d.min() * space.h > 1.0:
            return None
        i, j = cells[int(np.argmin(d))]
    dist, pmap, cells = geodesic(mask, clear, (int(i), int(j)), space.h)
    finite = np.isfinite(dist)
    if finite.sum() < 4:
        return None
    far = dist[finite].max()
    want = min(length, far)
    cand = np.argwhere(finite & (dist >= 0.85 * want) & (dist <= max(1.15 * want, want + space.h)))
    goal = tuple(cand[int(rng.integers(len(cand)))]) if len(cand) else tuple(np.argwhere(dist == far)[0])
    poly = simplify(_walk_back(pmap, cells, goal), mask, tol_m / space.h)
    xy = space.origin[:2] + (poly + 0.5) * space.h
    pts = np.column_stack([xy, np.full(len(xy), float(p0[2]))])
    pts[0] = p0
    return pts
