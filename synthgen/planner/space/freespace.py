"""The free-space map of a world: a voxel distance field, the navigable volume and the exact
triangles, built from the world's meshes.

Build (:meth:`FreeSpace.build`): the triangles are sampled densely (spacing <= voxel / 2)
and every voxel holding a sample is a *surface* voxel, labelled with the instance id of the
object it belongs to (0 = structure). ``dist`` is the Euclidean distance transform of the
non-surface voxels (scipy), i.e. the distance from a voxel centre to the nearest surface
voxel centre; the true distance to geometry of any point in a voxel is at least
``dist - h·√3`` (half a voxel diagonal on each side). The *navigable* volume is the
connected set of voxels inside ``bounds`` whose ``dist`` leaves ``clearance`` plus half a
diagonal, that holds the seed points (or, without seeds, the largest such set): closed
solids (a sofa, a building) are never inside it, because their surface shells cut them off.

Queries: :meth:`FreeSpace.clearance` (exact, from :class:`TriangleSet`),
:meth:`FreeSpace.is_navigable` / :meth:`reach` (grid), :meth:`raycast` (first surface voxel
along rays: distance and label), :meth:`sample` (navigable points). Units: metres, world
axes (Z up).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .triangles import TriangleSet, split_triangles

DEFAULT_CLEARANCE_M = 0.3
SAMPLE_SPACING = 0.75           # surface samples per voxel size
#: the true distance of any point to geometry is at least ``dist - BOUND·h`` at its voxel: half
#: a voxel diagonal at each end and the sample spacing's covering radius (spacing / √3)
BOUND = math.sqrt(3) + SAMPLE_SPACING / math.sqrt(3)


def surface_samples(tris: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Points (M, 3) covering triangles (F, 3, 3) with gaps below ``spacing``, and the
    triangle of each point (M,)."""
    tris = np.asarray(tris, float)
    e = np.linalg.norm(tris[:, [1, 2, 0]] - tris, axis=2).max(axis=1)
    n = np.maximum(np.ceil(e / spacing), 1).astype(int)
    pts, src = [], []
    for k in np.unique(n):
        sel = np.flatnonzero(n == k)
        i, j = np.meshgrid(np.arange(k + 1), np.arange(k + 1), indexing="ij")
        keep = (i + j) <= k
        u, v = (i[keep] / k)[None, :, None], (j[keep] / k)[None, :, None]
        t = tris[sel]
        p = t[:, None, 0] + u * (t[:, None, 1] - t[:, None, 0]) + v * (t[:, None, 2] - t[:, None, 0])
        pts.append(p.reshape(-1, 3))
        src.append(np.repeat(sel, keep.sum()))
    if not pts:
        return np.zeros((0, 3)), np.zeros(0, int)
    return np.concatenate(pts), np.concatenate(src)


@dataclass
class FreeSpace:
    origin: np.ndarray          # (3,) world position of voxel (0, 0, 0)'s lower corner
    h: float                    # voxel size, metres
    dist: np.ndarray            # (X, Y, Z) float32: distance to the nearest surface voxel centre
    label: np.ndarray           # (X, Y, Z) int32: instance id of a surface voxel, -1 elsewhere
    nav: np.ndarray             # (X, Y, Z) bool: navigable with the clearance
    bounds: np.ndarray          # (6,) the navigable volume's box
    clearance_m: float
    triangles: TriangleSet
    triangles_source: np.ndarray | None = None     # (F, 3, 3) as built (written by save)
    labels_source: np.ndarray | None = None        # (F,)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, tris: np.ndarray, labels: np.ndarray, bounds, h: float, *,
              seeds: np.ndarray | None = None, clearance_m: float = DEFAULT_CLEARANCE_M,
              pad_m: float = 1.0, region=None) -> "FreeSpace":
        """The map of triangles (F, 3, 3) with instance ids ``labels`` (F,), navigable inside
        ``bounds`` [xmin, ymin, zmin, xmax, ymax, zmax] (grid padded by ``pad_m``) and, when
        given, where ``region`` (a function of (M, 2) xy points -> (M,) bool) holds."""
        bounds = np.asarray(bounds, float)
        origin = bounds[:3] - pad_m
        shape = tuple(int(s) for s in np.ceil((bounds[3:] + pad_m - origin) / h).astype(int))
        box = np.concatenate([origin, origin + np.array(shape) * h])
        pieces, piece_src = split_triangles(tris, 8 * h, box)        # only what the grid holds
        pts, src = surface_samples(pieces, SAMPLE_SPACING * h)
        src = piece_src[src]
        idx = np.floor((pts - origin) * (1.0 / h)).astype(np.int64)
        ok = ((idx >= 0) & (idx < np.array(shape))).all(axis=1)
        flat = np.ravel_multi_index(tuple(idx[ok].T), shape)
        label = np.full(int(np.prod(shape)), -1, np.int32)
        label[flat] = np.asarray(labels, np.int32)[src[ok]]
        label = label.reshape(shape)
        surface = label >= 0
        dist = (ndimage.distance_transform_edt(~surface) * h).astype(np.float32)
        space = cls(origin, float(h), dist, label, np.zeros(shape, bool), bounds, float(clearance_m),
                    TriangleSet(tris, keep_box=box))
        space.nav = space._navigable(seeds, region)
        space.triangles_source, space.labels_source = np.asarray(tris, float), np.asarray(labels)
        return space

    def _navigable(self, seeds: np.ndarray | None, region=None) -> np.ndarray:
        free = self.dist >= self.clearance_m + 0.5 * math.sqrt(3) * self.h
        inside = self._inside_bounds()
        if region is not None:
            X, Y = self.dist.shape[:2]
            xs = self.origin[0] + (np.arange(X) + 0.5) * self.h
            ys = self.origin[1] + (np.arange(Y) + 0.5) * self.h
            gx, gy = np.meshgrid(xs, ys, indexing="ij")
            inside &= np.asarray(region(np.stack([gx.ravel(), gy.ravel()], 1))).reshape(X, Y)[:, :, None]
        comp, n = ndimage.label(free & inside)
        if n == 0:
            return np.zeros_like(free)
        if seeds is not None and len(seeds):
            ids = {int(comp[tuple(i)]) for i in self.index(np.asarray(seeds, float)) if self._valid(i)}
            ids.discard(0)
            if ids:
                return np.isin(comp, sorted(ids))
        sizes = np.bincount(comp.ravel())
        sizes[0] = 0
        return comp == int(np.argmax(sizes))

    def _inside_bounds(self) -> np.ndarray:
        c = [self.origin[k] + (np.arange(self.dist.shape[k]) + 0.5) * self.h for k in range(3)]
        masks = [(c[k] >= self.bounds[k]) & (c[k] <= self.bounds[k + 3]) for k in range(3)]
        return masks[0][:, None, None] & masks[1][None, :, None] & masks[2][None, None, :]

    # ------------------------------------------------------------------ indexing
    def index(self, points: np.ndarray) -> np.ndarray:
        """(M, 3) voxel indices of world points (may lie outside the grid)."""
        return np.floor((np.asarray(points, float).reshape(-1, 3) - self.origin) / self.h).astype(int)

    def centre(self, idx: np.ndarray) -> np.ndarray:
        return self.origin + (np.asarray(idx, float) + 0.5) * self.h

    def _valid(self, i) -> bool:
        return bool(np.all((np.asarray(i) >= 0) & (np.asarray(i) < np.array(self.dist.shape))))

    def _lookup(self, grid: np.ndarray, points: np.ndarray, outside) -> np.ndarray:
        idx = self.index(points)
        ok = np.all((idx >= 0) & (idx < np.array(grid.shape)), axis=1)
        out = np.full(len(idx), outside, dtype=grid.dtype)
        out[ok] = grid[idx[ok, 0], idx[ok, 1], idx[ok, 2]]
        return out

    # ------------------------------------------------------------------ queries
    @property
    def volume_m3(self) -> float:
        return float(self.nav.sum()) * self.h ** 3

    def is_navigable(self, points: np.ndarray) -> np.ndarray:
        """(M,) bool: points in the navigable volume (grid)."""
        return self._lookup(self.nav, points, False)

    def grid_distance(self, points: np.ndarray) -> np.ndarray:
        """(M,) the voxel estimate of the distance to geometry (0 outside the grid)."""
        return self._lookup(self.dist, points, np.float32(0.0)).astype(float)

    def clearance(self, points: np.ndarray, cutoff: float = 0.6) -> np.ndarray:
        """(M,) exact distance to the nearest triangle, capped at ``cutoff``: the grid's lower
        bound where it already proves ``cutoff``, the triangles elsewhere."""
        pts = np.asarray(points, float).reshape(-1, 3)
        out = np.full(len(pts), float(cutoff))
        near = self.grid_distance(pts) - BOUND * self.h < cutoff
        if near.any():
            out[near] = self.triangles.distance(pts[near], cutoff)
        return out

    def inside_bounds(self, points: np.ndarray) -> np.ndarray:
        p = np.asarray(points, float).reshape(-1, 3)
        return np.all((p >= self.bounds[:3]) & (p <= self.bounds[3:]), axis=1)

    def reach(self, p: np.ndarray, axis: np.ndarray, step: float | None = None, limit: float = 60.0) -> float:
        """How far from ``p`` along unit ``axis`` the navigable volume goes (0 if ``p`` is not in it)."""
        step = step or self.h / 2.0
        t = np.arange(0.0, limit, step)
        ok = self.is_navigable(np.asarray(p, float) + t[:, None] * np.asarray(axis, float))
        bad = np.flatnonzero(~ok)
        return float(t[bad[0] - 1]) if len(bad) and bad[0] > 0 else (0.0 if len(bad) else float(t[-1]))

    def raycast(self, origins: np.ndarray, dirs: np.ndarray, max_dist: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
        """(M,) distance to the first surface voxel along each ray (``max_dist`` when none)
        and its label (-1 when none), marching by half a voxel."""
        o, d = np.asarray(origins, float).reshape(-1, 3), np.asarray(dirs, float).reshape(-1, 3)
        steps = np.arange(self.h / 2.0, max_dist, self.h / 2.0)
        hit = np.full(len(o), max_dist)
        lab = np.full(len(o), -1)
        todo = np.arange(len(o))
        for lo in range(0, len(steps), 64):
            if not len(todo):
                break
            t = steps[lo:lo + 64]
            pts = o[todo, None] + d[todo, None] * t[None, :, None]
            labels = self._lookup(self.label, pts.reshape(-1, 3), np.int32(-1)).reshape(len(todo), len(t))
            got = labels >= 0
            first = np.argmax(got, axis=1)
            any_hit = got.any(axis=1)
            rows = todo[any_hit]
            hit[rows] = t[first[any_hit]]
            lab[rows] = labels[any_hit, first[any_hit]]
            todo = todo[~any_hit]
        return hit, lab

    def sample(self, rng: np.random.Generator, n: int, z_range: tuple[float, float] | None = None,
               min_grid_dist: float = 0.0) -> np.ndarray:
        """Up to ``n`` random navigable points (voxel centres jittered within the voxel), with
        ``z`` in ``z_range`` and a grid distance of at least ``min_grid_dist``."""
        mask = self.nav & (self.dist >= min_grid_dist)
        if z_range is not None:
            zc = self.origin[2] + (np.arange(mask.shape[2]) + 0.5) * self.h
            mask &= ((zc >= z_range[0]) & (zc <= z_range[1]))[None, None, :]
        cells = np.flatnonzero(mask)
        if not len(cells):
            return np.zeros((0, 3))
        pick = rng.choice(cells, size=min(n, len(cells)), replace=False)
        idx = np.stack(np.unravel_index(pick, mask.shape), axis=1)
        return self.centre(idx) + rng.uniform(-0.3, 0.3, (len(idx), 3)) * self.h

    def snap(self, p: np.ndarray, radius_m: float = 3.0, min_dist: float = 0.0) -> np.ndarray | None:
        """The navigable voxel centre nearest to ``p`` within ``radius_m`` whose grid distance
        to geometry is at least ``min_dist`` (None when none is)."""
        r = int(math.ceil(radius_m / self.h))
        i = self.index(np.asarray(p, float)[None])[0]
        lo = np.maximum(i - r, 0)
        hi = np.minimum(i + r + 1, np.array(self.nav.shape))
        if np.any(hi <= lo):
            return None
        sub = self.nav[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        if min_dist > 0:
            sub = sub & (self.dist[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] >= min_dist)
        cells = np.argwhere(sub)
        if not len(cells):
            return None
        c = self.centre(cells + lo)
        d = np.linalg.norm(c - p, axis=1)
        k = int(np.argmin(d))
        return c[k] if d[k] <= radius_m else None

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the map (grid, navigable mask, labels and triangles) as a compressed npz."""
        with open(path, "wb") as f:
            np.savez_compressed(f, origin=self.origin, h=np.float64(self.h), dist=self.dist.astype(np.float16),
                                label=self.label, nav=self.nav, bounds=self.bounds,
                                clearance_m=np.float64(self.clearance_m),
                                triangles=self.triangles_source.astype(np.float32), labels=self.labels_source)

    @classmethod
    def load(cls, path) -> "FreeSpace":
        with np.load(path) as z:
            tris, labels = z["triangles"].astype(np.float64), z["labels"]
            shape = np.array(z["dist"].shape)
            box = np.concatenate([z["origin"], z["origin"] + shape * float(z["h"])])
            space = cls(z["origin"], float(z["h"]), z["dist"].astype(np.float32), z["label"], z["nav"],
                        z["bounds"], float(z["clearance_m"]), TriangleSet(tris, keep_box=box))
        space.triangles_source, space.labels_source = tris, labels
        return space
