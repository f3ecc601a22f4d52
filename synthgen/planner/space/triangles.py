"""Exact distances from points to a world's triangles.

:class:`TriangleSet` holds a world's triangles (F, 3, 3), split so that no piece is larger
than ``piece_m`` across, and a k-d tree of the pieces' centres; :meth:`TriangleSet.distance`
returns, per query point, the exact Euclidean distance to the nearest triangle when it is
below ``cutoff`` (else ``cutoff``: "at least that far"). Planned camera paths are accepted
on these exact distances, never on the voxel map's estimate.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def closest_on_triangles(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(M, 3) closest points on triangles (a, b, c) (each (M, 3)) to points ``p`` (M, 3)
    (the Voronoi-region test of Ericson, *Real-Time Collision Detection* §5.1.5, vectorised)."""
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = (ab * ap).sum(-1), (ac * ap).sum(-1)
    bp = p - b
    d3, d4 = (ab * bp).sum(-1), (ac * bp).sum(-1)
    cp = p - c
    d5, d6 = (ab * cp).sum(-1), (ac * cp).sum(-1)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    out = np.empty_like(p)
    done = np.zeros(len(p), bool)

    def take(mask, value):
        m = mask & ~done
        out[m] = value[m] if value.ndim == 2 else value
        done[m] = True

    with np.errstate(divide="ignore", invalid="ignore"):
        take((d1 <= 0) & (d2 <= 0), a)
        take((d3 >= 0) & (d4 <= d3), b)
        take((d6 >= 0) & (d5 <= d6), c)
        v = d1 / (d1 - d3)
        take((vc <= 0) & (d1 >= 0) & (d3 <= 0), a + v[:, None] * ab)
        w = d2 / (d2 - d6)
        take((vb <= 0) & (d2 >= 0) & (d6 <= 0), a + w[:, None] * ac)
        w = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        take((va <= 0) & ((d4 - d3) >= 0) & ((d5 - d6) >= 0), b + w[:, None] * (c - b))
        denom = 1.0 / (va + vb + vc)
        v, w = vb * denom, vc * denom
        inside = a + v[:, None] * ab + w[:, None] * ac
    rest = ~done
    out[rest] = inside[rest]
    bad = ~np.isfinite(out).all(axis=1)          # degenerate (zero-area) triangles: nearest corner
    if bad.any():
        corners = np.stack([a[bad], b[bad], c[bad]], 1)
        k = np.argmin(((corners - p[bad, None]) ** 2).sum(-1), axis=1)
        out[bad] = corners[np.arange(bad.sum()), k]
    return out


def split_triangles(tris: np.ndarray, piece_m: float, keep_box=None) -> tuple[np.ndarray, np.ndarray]:
    """Pieces (P, 3, 3) of ``tris`` no longer than ``piece_m`` on any edge (bisection across
    the longest edge, repeated), and each piece's source triangle (P,); with
    ``keep_box`` [xmin, ymin, zmin, xmax, ymax, zmax], pieces wholly outside it are dropped."""
    tris = np.asarray(tris, float)
    src = np.arange(len(tris))
    done_t, done_s = [], []
    while len(tris):
        if keep_box is not None:
            lo, hi = tris.min(axis=1), tris.max(axis=1)
            keep = np.all((hi >= keep_box[:3]) & (lo <= keep_box[3:]), axis=1)
            tris, src = tris[keep], src[keep]
        e = np.linalg.norm(tris[:, [1, 2, 0]] - tris, axis=2).max(axis=1)
        ok = e <= piece_m
        done_t.append(tris[ok])
        done_s.append(src[ok])
        t, s = tris[~ok], src[~ok]
        if not len(t):
            break
        # bisect across the longest edge (linear in the length for slivers, unlike 1-to-4 splits)
        edges = np.linalg.norm(t[:, [1, 2, 0]] - t, axis=2)
        k = np.argmax(edges, axis=1)                      # edge k runs from corner k to corner k+1
        rows = np.arange(len(t))
        a, b, c = t[rows, k], t[rows, (k + 1) % 3], t[rows, (k + 2) % 3]
        m = (a + b) / 2
        tris = np.concatenate([np.stack([a, m, c], 1), np.stack([m, b, c], 1)])
        src = np.tile(s, 2)
    return np.concatenate(done_t) if done_t else np.zeros((0, 3, 3)), \
        np.concatenate(done_s) if done_s else np.zeros(0, int)


class TriangleSet:
    """A world's triangles for exact distance queries (see the module docstring). Pieces are
    bucketed by size, each bucket with its own k-d tree, so that a query only gathers the
    pieces that can be within ``cutoff`` (small furniture triangles are not searched with
    the radius a wall's pieces need)."""

    BUCKETS = (0.08, 0.2, 0.6)     # piece radius limits (the last bucket takes the rest)

    def __init__(self, tris: np.ndarray, piece_m: float = 1.0, keep_box=None):
        tris = np.asarray(tris, float).reshape(-1, 3, 3)
        self.pieces, _ = split_triangles(tris, piece_m, None if keep_box is None else np.asarray(keep_box, float))
        centres = self.pieces.mean(axis=1)
        radius = np.linalg.norm(self.pieces - centres[:, None], axis=2).max(axis=1) if len(self.pieces) else np.zeros(0)
        self._buckets = []
        lo = -1.0
        for hi in self.BUCKETS + (np.inf,):
            idx = np.flatnonzero((radius > lo) & (radius <= hi))
            if len(idx):
                self._buckets.append((idx, float(radius[idx].max()), cKDTree(centres[idx])))
            lo = hi

    def __len__(self) -> int:
        return len(self.pieces)

    def distance(self, points: np.ndarray, cutoff: float = 1.0) -> np.ndarray:
        """(M,) exact distance of each point to the nearest triangle, or ``cutoff`` where none
        is closer than that."""
        pts = np.asarray(points, float).reshape(-1, 3)
        out = np.full(len(pts), float(cutoff))
        for idx, rad, tree in self._buckets:
            near = tree.query_ball_point(pts, cutoff + rad)
            counts = np.fromiter((len(n) for n in near), int, len(near))
            if not counts.sum():
                continue
            qi = np.repeat(np.arange(len(pts)), counts)
            ti = idx[np.fromiter((i for n in near for i in n), int, int(counts.sum()))]
            for lo in range(0, len(qi), 200_000):           # bounded memory for dense queries
                self._nearest(pts, qi[lo:lo + 200_000], ti[lo:lo + 200_000], out)
        return np.minimum(out, cutoff)

    def height_below(self, point: np.ndarray, depth: float) -> float | None:
        """The highest surface crossed by the vertical segment from ``point`` down by ``depth``
        (exact: a point-in-triangle test in xy and the triangle's plane), or None."""
        p = np.asarray(point, float)
        mid = p - [0.0, 0.0, depth / 2]
        best = None
        for idx, rad, tree in self._buckets:
            cand = idx[tree.query_ball_point(mid, depth / 2 + rad)]
            if not len(cand):
                continue
            t = self.pieces[cand]
            a, b, c = t[:, 0], t[:, 1], t[:, 2]
            v0, v1 = (b - a)[:, :2], (c - a)[:, :2]
            v2 = p[:2] - a[:, :2]
            den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
            ok = np.abs(den) > 1e-12
            safe = np.where(ok, den, 1.0)       # vertical triangles (den 0) are never crossed
            u = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / safe
            w = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / safe
            inside = ok & (u >= -1e-9) & (w >= -1e-9) & (u + w <= 1 + 1e-9)
            z = a[:, 2] + u * (b[:, 2] - a[:, 2]) + w * (c[:, 2] - a[:, 2])
            z = z[inside & (z <= p[2]) & (z >= p[2] - depth)]
            if len(z):
                best = float(z.max()) if best is None else max(best, float(z.max()))
        return best

    def _nearest(self, pts: np.ndarray, q: np.ndarray, t: np.ndarray, out: np.ndarray) -> None:
        tri = self.pieces[t]
        d = np.linalg.norm(closest_on_triangles(pts[q], tri[:, 0], tri[:, 1], tri[:, 2]) - pts[q], axis=1)
        order = np.lexsort((d, q))
        q_s, d_s = q[order], d[order]
        first = np.r_[True, q_s[1:] != q_s[:-1]]
        better = d_s[first] < out[q_s[first]]
        out[q_s[first][better]] = d_s[first][better]
