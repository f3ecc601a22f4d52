"""Which surface a ray from a camera meets, at one frame, by rasterising the scene's
triangles (no ray tracer): the first surface at every pixel centre (:meth:`Rasteriser.hits`)
and whether points anywhere on screen are hidden (:meth:`Rasteriser.visible`).

Every triangle is clipped at the near plane and projected; the nearest triangle containing a
pixel centre (a z-buffer on each triangle's exact float64 planar depth, taken from its
camera-space plane) is the first one the pixel's ray meets, and the hit is then recomputed in
float64 on that triangle (Möller-Trumbore, :func:`~synthgen.correspond.kernels.refine_hits`),
so a surface point seen at a pixel centre lies on that pixel's ray to double precision and
its barycentric coordinates are exact for the triangle Blender rendered. A point elsewhere
on screen is hidden when another triangle covers its position nearer than it
(:func:`~synthgen.correspond.kernels.occlusion_sweep`): the same answer as a ray from the
camera centre to it, in the same float64 arithmetic. ``tests/test_correspond.py`` checks both
against Embree.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..camera import inverse_K
from . import kernels
from .geometry import SceneGeometry

log = logging.getLogger(__name__)


@dataclass
class Hits:
    """First hits of rays, in ray order: ``ray`` int64 indices of the rays that hit,
    ``obj`` int32 object index, ``tri`` int64 triangle index in that object, ``point``
    float64 (m, 3) world position, ``t`` float64 (m,) ray parameter, ``bary`` float64 (m, 3)
    barycentric weights of the triangle's corners and
    ``local`` float64 (m, 3) object-space position (static and rigid objects; NaN on
    deforming ones)."""

    ray: np.ndarray
    obj: np.ndarray
    tri: np.ndarray
    bary: np.ndarray
    point: np.ndarray
    t: np.ndarray
    local: np.ndarray


class Rasteriser:
    """Every triangle of ``geometry`` seen by a camera of ``width`` x ``height`` pixels at one
    baked frame (:func:`~synthgen.correspond.kernels.setup_triangles`); the set-up of the last
    camera is kept, and so are the work arrays from frame to frame."""

    def __init__(self, geometry: SceneGeometry, width: int, height: int):
        import numba

        self.geometry, self.W, self.H = geometry, width, height
        tab = geometry.table
        F, n = len(tab.tris), width * height
        self._setup = (np.empty((2 * F, 6)), np.empty((2 * F, 4), np.int32), np.empty((F, 4)),
                       np.empty(2 * F, bool))
        self._lcam = np.empty_like(tab.lverts)
        self._out = (np.empty(n), np.empty(n, np.int32), np.empty(n, np.int32))
        self.n_bands = max(1, min(height // kernels.TILE, 4 * numba.get_num_threads()))
        self._key = None

    def _prepare(self, i: int, c2w: np.ndarray, K: np.ndarray, near: float) -> dict:
        """Set up the triangles at baked index ``i`` for camera ``c2w`` (4, 4, OpenCV axes),
        ``K``: camera-space vertices, then clipped and projected screen triangles."""
        c2w, K = np.asarray(c2w, np.float64), np.ascontiguousarray(K, np.float64)
        key = (i, c2w.tobytes(), K.tobytes(), float(near))
        if self._key is not None and self._key[0] == key:
            return self._key[1]
        tab = self.geometry.table
        R, origin = np.ascontiguousarray(c2w[:3, :3]), np.ascontiguousarray(c2w[:3, 3])
        w2c = np.concatenate([R.T, (-R.T @ origin)[:, None]], axis=1)
        M, Minv = tab.matrices(i)
        C = np.einsum("ij,kjl->kil", w2c[:, :3], M)          # object -> camera, (n_obj, 3, 4)
        C[:, :, 3] += w2c[:, 3]
        dverts = tab.dverts(i)
        dcam = np.empty_like(dverts)
        kernels.camera_vertices(tab.lverts, tab.lobj, C, dverts, w2c, self._lcam, dcam)
        sv, box, plane, ok = self._setup
        kernels.setup_triangles(tab.tri_obj, tab.kind, tab.tris, self._lcam, dcam, K, float(near),
                                self.W, self.H, sv, box, plane, ok)
        prep = {"R": R, "origin": origin, "Kinv": inverse_K(K), "Minv": Minv, "dverts": dverts}
        self._key = (key, prep)
        return prep

    def hits(self, i: int, c2w: np.ndarray, K: np.ndarray, t_min: float, t_max: float) -> Hits:
        """First hits with ``t_min < t <= t_max`` (t: planar depth) at baked index ``i`` seen
        from camera ``c2w`` (4, 4, OpenCV axes) with intrinsics ``K``, in pixel order."""
        tab, prep = self.geometry.table, self._prepare(i, c2w, K, t_min)
        sv, box, plane, ok = self._setup
        depth, geom, prim = self._out
        kernels.rasterise(sv, box, plane, ok, tab.tri_obj, tab.tri_local, prep["Kinv"], float(t_min),
                          float(t_max), self.W, self.H, self.n_bands, depth, geom, prim)
        ray = np.flatnonzero(geom >= 0)
        m = len(ray)
        t, bary, point, local = np.empty(m), np.empty((m, 3)), np.empty((m, 3)), np.empty((m, 3))
        kernels.refine_hits(prep["origin"], prep["Kinv"], prep["R"], self.W, ray, geom, prim,
                            tab.kind, prep["Minv"], tab.tri_off, tab.tris, tab.lverts,
                            prep["dverts"], t, bary, point, local)
        with np.errstate(invalid="ignore"):
            keep = (t > t_min) & (t <= t_max)
        obj, tri = geom[ray], prim[ray].astype(np.int64)
        if not keep.all():
            ray, obj, tri, bary, point, t, local = (a[keep] for a in (ray, obj, tri, bary, point, t, local))
        return Hits(ray, obj, tri, bary, point, t, local)

    def visible(self, i: int, c2w: np.ndarray, K: np.ndarray, near: float, far: float,
                uvz: np.ndarray, own: np.ndarray) -> np.ndarray:
        """bool (n,): points at pixel positions ``uvz[:, :2]`` (inside the frame) with planar
        depth ``uvz[:, 2]`` (+inf: at infinity) on global triangles ``own`` (-1: none) are not
        hidden by any other triangle with depth in (``near``, ``far``]
        (:func:`~synthgen.correspond.kernels.occlusion_sweep`)."""
        n = len(uvz)
        if not n:
            return np.zeros(0, bool)
        prep = self._prepare(i, c2w, K, near)
        T = kernels.TILE
        ntx, nty = -(-self.W // T), -(-self.H // T)
        tile = (np.floor(uvz[:, 1]).astype(np.int64) // T) * ntx + np.floor(uvz[:, 0]).astype(np.int64) // T
        order = np.argsort(tile, kind="stable")
        start = np.searchsorted(tile[order], np.arange(ntx * nty + 1))
        hidden = np.zeros(n, bool)
        sv, _, plane, ok = self._setup
        kernels.occlusion_sweep(sv, ok, plane, prep["Kinv"], float(near), float(far), self.W, self.H,
                                self.n_bands, start, order, np.ascontiguousarray(uvz, np.float64),
                                np.ascontiguousarray(own, np.int64), hidden)
        return ~hidden


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
