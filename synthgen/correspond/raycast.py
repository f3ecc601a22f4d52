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
    ``obj`` int32 object index, ``tri`` int64 triangle index in that object, ``point``
    float64 (m, 3) world position, ``t`` float64 (m,) ray parameter, ``bary`` float64 (m, 3)
    barycentric weights of the triangle's corners (deforming objects; NaN on the others) and
    ``local`` float64 (m, 3) object-space position (static and rigid objects; NaN on
    deforming ones)."""

    ray: np.ndarray
    obj: np.ndarray
    tri: np.ndarray
    bary: np.ndarray
    point: np.ndarray
    t: np.ndarray
    local: np.ndarray


class FrameScene:
    """An Embree scene of every object of ``geometry`` at baked index ``i``; geometry ids are
    object indices."""

    def __init__(self, geometry: SceneGeometry, i: int):
        from embreex import mesh_construction, rtcore_scene

        self.geometry, self.i = geometry, i
        self.scene = rtcore_scene.EmbreeScene()
        self.world, self._planes = [], {}
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
        o = np.asarray(origin, np.float64)
        d = dirs[ray]
        t, bary, local = np.empty(len(ray)), np.full((len(ray), 3), np.nan), np.full((len(ray), 3), np.nan)
        for k, sel in groups(obj):
            if self.geometry.objects[k].kind == "deforming":
                bary[sel], t[sel] = self._refine(o, d[sel], k, tri[sel])
            else:
                t[sel] = self._plane_t(o, d[sel], k, tri[sel])
        point = o + t[:, None] * d
        for k, sel in groups(obj):
            if self.geometry.objects[k].kind != "deforming":
                M = self.geometry.objects[k].matrix_at(self.i)
                inv = np.linalg.inv(M[:3, :3])
                local[sel] = affine(point[sel], inv, -inv @ M[:3, 3])
        with np.errstate(invalid="ignore"):
            keep = (t > t_min) if t_max is None else (t > t_min) & (t <= t_max)
        if not keep.all():
            ray, obj, tri, bary, point, t, local = (a[keep] for a in (ray, obj, tri, bary, point, t, local))
        return Hits(ray, obj, tri, bary, point, t, local)

    def any_hit(self, origin: np.ndarray, dirs: np.ndarray, t_min: float = 0.0) -> np.ndarray:
        """bool (n,): the ray ``origin + t dirs``, ``t > t_min``, meets a surface."""
        return self._run(origin, dirs, t_min)["geomID"] >= 0

    def corners(self, k: int, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World corners A, B, C float64 (m, 3) of triangles ``tri`` of object ``k``."""
        w, f = self.world[k], self.geometry.objects[k].tris[tri]
        return w[f[:, 0]], w[f[:, 1]], w[f[:, 2]]

    def _plane_t(self, o, d, k: int, tri) -> np.ndarray:
        """Ray parameter of the hit on the plane of each triangle, float64: the hit lies on
        its ray exactly (Embree's float32 hit is only used to pick the triangle)."""
        plane = self._planes.get(k)
        if plane is None:                       # (F, 4): unit-free normal and offset, once
            A, B, C = (self.world[k][self.geometry.objects[k].tris[:, j]] for j in range(3))
            n = _cross(B - A, C - A)
            plane = self._planes[k] = np.concatenate([n, _dot(n, A)[:, None]], axis=1)
        p = plane[tri]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (p[:, 3] - (p[:, 0] * o[0] + p[:, 1] * o[1] + p[:, 2] * o[2])) / _dot(p[:, :3], d)
        t[~np.isfinite(t)] = np.nan            # degenerate triangle: dropped as a miss
        return t

    def _refine(self, o, d, k: int, tri) -> tuple[np.ndarray, np.ndarray]:
        """Möller-Trumbore in float64 on the triangles Embree reported: barycentric weights
        (m, 3) and ray parameters (m,)."""
        A, B, C = self.corners(k, tri)
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
        return np.stack([1.0 - u - v, u, v], axis=-1), t

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


def affine(p: np.ndarray, A: np.ndarray, b=None) -> np.ndarray:
    """``p @ A.T + b`` for points (n, 3) and a 3x3 ``A``, by columns: numpy's matmul with an
    inner size of 3 runs several times slower than these element-wise passes."""
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    out = np.empty((len(p), A.shape[0]))
    for r in range(A.shape[0]):
        col = x * A[r, 0]
        col += y * A[r, 1]
        col += z * A[r, 2]
        if b is not None:
            col += b[r]
        out[:, r] = col
    return out
