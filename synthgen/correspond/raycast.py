"""Ray casting the scene at one frame with Embree (``embreex``), refined in float64.

Embree finds which triangle a ray hits first (single precision); the hit itself is then
recomputed in float64 on that triangle (Möller-Trumbore), so a surface point seen at a
pixel centre lies on that pixel's ray to double precision and its barycentric coordinates
are exact for the triangle Blender rendered.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .geometry import SceneGeometry

log = logging.getLogger(__name__)

#: A ray cast towards a point counts the point visible when the first hit is its own
#: triangle, or no nearer than this fraction of the way (an occluder must stand in front of
#: it by 1e-4 of its distance: 1 mm at 10 m).
VISIBILITY_EPS = 1e-4


@dataclass
class Hits:
    """First hits of rays, **sorted by object**: ``ray`` int64 indices of the rays that hit,
    ``obj`` int32 object index, ``tri`` int64 triangle index in that object, ``bary``
    float64 (m, 3) barycentric weights of its corners, ``point`` float64 (m, 3) world
    position, ``t`` float64 (m,) ray parameter."""

    ray: np.ndarray
    obj: np.ndarray
    tri: np.ndarray
    bary: np.ndarray
    point: np.ndarray
    t: np.ndarray


class FrameScene:
    """An Embree scene of every object of ``geometry`` at baked index ``i``; geometry ids are
    object indices."""

    def __init__(self, geometry: SceneGeometry, i: int):
        from embreex import mesh_construction, rtcore_scene

        self.geometry, self.i = geometry, i
        self.scene = rtcore_scene.EmbreeScene()
        self.world = []
        for obj in geometry.objects:
            w = obj.world(i)
            self.world.append(w)
            tris = obj.tris if len(obj.tris) else np.zeros((1, 3), np.int64)   # keep ids aligned
            verts = w if len(w) else np.zeros((1, 3))
            mesh_construction.TriangleMesh(self.scene, verts.astype(np.float32),
                                           tris.astype(np.int32))

    def _run(self, origin, dirs: np.ndarray, t_min: float) -> dict:
        d32 = np.ascontiguousarray(dirs, np.float32)
        o32 = np.asarray(origin, np.float32) + d32 * np.float32(t_min) if t_min else \
            np.ascontiguousarray(np.broadcast_to(np.asarray(origin, np.float32), d32.shape))
        return self.scene.run(o32, d32, output=1)

    def first_hits(self, origin: np.ndarray, dirs: np.ndarray, t_min: float = 0.0,
                   t_max: float | None = None) -> Hits:
        """First hit of rays ``origin + t dirs`` (origin (3,), dirs float64 (n, 3)) with
        ``t_min < t <= t_max``."""
        res = self._run(origin, dirs, t_min)
        geom = res["geomID"]
        ray = np.flatnonzero(geom >= 0)
        order = np.argsort(geom[ray].astype(np.uint16), kind="stable")   # radix sort
        ray = ray[order]
        obj = geom[ray].astype(np.int32)
        tri = res["primID"][ray].astype(np.int64)
        d = dirs[ray]
        bary, t = self._refine(np.asarray(origin, np.float64), d, obj, tri)
        point = origin + t[:, None] * d
        with np.errstate(invalid="ignore"):
            keep = (t > t_min) if t_max is None else (t > t_min) & (t <= t_max)
        if not keep.all():
            ray, obj, tri, bary, point, t = ray[keep], obj[keep], tri[keep], bary[keep], point[keep], t[keep]
        return Hits(ray, obj, tri, bary, point, t)

    def any_hit(self, origin: np.ndarray, dirs: np.ndarray, t_min: float = 0.0) -> np.ndarray:
        """bool (n,): the ray ``origin + t dirs``, ``t > t_min``, meets a surface."""
        return self._run(origin, dirs, t_min)["geomID"] >= 0

    def corners(self, obj: np.ndarray, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World corners A, B, C float64 (m, 3) of triangles ``tri`` of objects ``obj``."""
        A, B, C = (np.empty((len(obj), 3)) for _ in range(3))
        for k, sel in groups(obj):
            f = self.geometry.objects[k].tris[tri[sel]]
            w = self.world[k]
            A[sel], B[sel], C[sel] = w[f[:, 0]], w[f[:, 1]], w[f[:, 2]]
        return A, B, C

    def _refine(self, o, d, obj, tri) -> tuple[np.ndarray, np.ndarray]:
        """Möller-Trumbore in float64 on the triangles Embree reported."""
        A, B, C = self.corners(obj, tri)
        e1, e2 = B - A, C - A
        p = _cross(d, e2)
        det = _dot(e1, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / det
            s = o - A
            u = _dot(s, p) * inv
            q = _cross(s, e1)
            v = _dot(d, q) * inv
            t = _dot(e2, q) * inv
        t[~np.isfinite(t)] = np.nan        # degenerate triangle: dropped as a miss
        bary = np.stack([1.0 - u - v, u, v], axis=-1)
        return bary, t

    def visible(self, origin: np.ndarray, points: np.ndarray, obj: np.ndarray,
                tri: np.ndarray) -> np.ndarray:
        """bool (n,): nothing of this scene stands between ``origin`` (3,) and ``points``
        (n, 3) lying on triangles ``tri`` of objects ``obj`` (see :data:`VISIBILITY_EPS`)."""
        if not len(points):
            return np.zeros(0, bool)
        res = self._run(origin, points - origin, 0.0)
        geom, prim, tfar = res["geomID"], res["primID"], res["tfar"]
        own = (geom == obj) & (prim == tri)
        return (geom < 0) | own | (tfar >= 1.0 - VISIBILITY_EPS)


def groups(obj: np.ndarray):
    """(object index, selection) pairs: slices when ``obj`` is sorted, else index arrays."""
    if not len(obj):
        return []
    if np.all(obj[1:] >= obj[:-1]):
        ks = np.flatnonzero(np.diff(obj)) + 1
        starts = np.concatenate([[0], ks])
        ends = np.concatenate([ks, [len(obj)]])
        return [(int(obj[a]), slice(int(a), int(b))) for a, b in zip(starts, ends)]
    order = np.argsort(obj, kind="stable")
    ks = np.flatnonzero(np.diff(obj[order])) + 1
    return [(int(obj[g[0]]), g) for g in np.split(order, ks)]


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1] + a[:, 2] * b[:, 2]


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out
