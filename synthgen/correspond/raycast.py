"""Which surface a ray meets, at one frame: every pixel centre at once by rasterising
(:class:`Rasteriser`), any other ray with Embree (``embreex``, :class:`FrameScene`).

The rasteriser finds the nearest triangle at each pixel centre (a z-buffer on each
triangle's exact float64 planar depth, triangles clipped at the near plane), which is the
first one the pixel's ray meets; the hit is then recomputed in float64 on that triangle
(Möller-Trumbore, :func:`~synthgen.correspond.kernels.refine_hits`), so a surface point seen
at a pixel centre lies on that pixel's ray to double precision and its barycentric
coordinates are exact for the triangle Blender rendered. Embree answers the visibility rays
from a camera centre to points the pixels cannot decide.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..camera import inverse_K
from . import kernels
from .geometry import SceneGeometry

log = logging.getLogger(__name__)

#: A ray cast towards a point counts the point visible when the first hit is its own
#: triangle, or no nearer than this fraction of the way (an occluder must stand in front of
#: it by 1e-4 of its distance: 1 mm at 10 m).
VISIBILITY_EPS = 1e-4


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


class FrameScene:
    """An Embree scene of every object of ``geometry`` at baked index ``i``; geometry ids are
    object indices."""

    def __init__(self, geometry: SceneGeometry, i: int):
        from embreex import mesh_construction, rtcore_scene

        self.geometry, self.i = geometry, i
        self.scene = rtcore_scene.EmbreeScene()
        for obj in geometry.objects:
            w = obj.world(i)
            tris = obj.tris if len(obj.tris) else np.zeros((1, 3), np.int64)   # keep ids aligned
            verts = w if len(w) else np.zeros((1, 3))
            mesh_construction.TriangleMesh(self.scene, verts.astype(np.float32),
                                           tris.astype(np.int32))

    def _run(self, origin, dirs: np.ndarray, t_min: float) -> dict:
        d32 = np.ascontiguousarray(dirs, np.float32)
        o32 = np.asarray(origin, np.float32) + d32 * np.float32(t_min) if t_min else \
            np.ascontiguousarray(np.broadcast_to(np.asarray(origin, np.float32), d32.shape))
        return self.scene.run(o32, d32, output=1)

    def any_hit(self, origin: np.ndarray, dirs: np.ndarray, t_min: float = 0.0) -> np.ndarray:
        """bool (n,): the ray ``origin + t dirs``, ``t > t_min``, meets a surface."""
        return self._run(origin, dirs, t_min)["geomID"] >= 0

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


class Rasteriser:
    """The first surface on every pixel-centre ray of a camera, by rasterising every triangle
    of ``geometry`` (:func:`~synthgen.correspond.kernels.rasterise`) and refining the hit in
    float64 on the triangle found (:func:`~synthgen.correspond.kernels.refine_hits`).
    Work arrays are kept from frame to frame."""

    def __init__(self, geometry: SceneGeometry, width: int, height: int):
        import numba

        self.geometry, self.W, self.H = geometry, width, height
        tab = geometry.table
        F, n = len(tab.tris), width * height
        self._setup = (np.empty((2 * F, 6)), np.empty((2 * F, 4), np.int32), np.empty((F, 4)),
                       np.empty(2 * F, bool))
        self._cam = (np.empty_like(tab.lverts), None)
        self._out = (np.empty(n), np.empty(n, np.int32), np.empty(n, np.int32))
        self.n_bands = max(1, min(height, 4 * numba.get_num_threads()))

    def hits(self, i: int, c2w: np.ndarray, K: np.ndarray, t_min: float, t_max: float) -> Hits:
        """First hits with ``t_min < t <= t_max`` (t: planar depth) at baked index ``i`` seen
        from camera ``c2w`` (4, 4, OpenCV axes) with intrinsics ``K``, in pixel order."""
        tab = self.geometry.table
        R, origin = np.ascontiguousarray(c2w[:3, :3]), np.ascontiguousarray(c2w[:3, 3])
        w2c = np.concatenate([R.T, (-R.T @ origin)[:, None]], axis=1)
        M, Minv = tab.matrices(i)
        C = np.einsum("ij,kjl->kil", w2c[:, :3], M)          # object -> camera, (n_obj, 3, 4)
        C[:, :, 3] += w2c[:, 3]
        dverts = tab.dverts(i)
        lcam, dcam = self._cam[0], np.empty_like(dverts)
        kernels.camera_vertices(tab.lverts, tab.lobj, C, dverts, w2c, lcam, dcam)
        sv, box, plane, ok = self._setup
        K = np.ascontiguousarray(K, np.float64)
        Kinv = inverse_K(K)
        kernels.setup_triangles(tab.tri_obj, tab.kind, tab.tris, lcam, dcam, K, float(t_min),
                                self.W, self.H, sv, box, plane, ok)
        depth, geom, prim = self._out
        kernels.rasterise(sv, box, plane, ok, tab.tri_obj, tab.tri_local, Kinv, float(t_min),
                          float(t_max), self.W, self.H, self.n_bands, depth, geom, prim)
        ray = np.flatnonzero(geom >= 0)
        m = len(ray)
        t, bary, point, local = np.empty(m), np.empty((m, 3)), np.empty((m, 3)), np.empty((m, 3))
        kernels.refine_hits(origin, Kinv, R, self.W, ray, geom, prim, tab.kind, Minv, tab.tri_off,
                            tab.tris, tab.lverts, dverts, t, bary, point, local)
        with np.errstate(invalid="ignore"):
            keep = (t > t_min) & (t <= t_max)
        obj, tri = geom[ray], prim[ray].astype(np.int64)
        if not keep.all():
            ray, obj, tri, bary, point, t, local = (a[keep] for a in (ray, obj, tri, bary, point, t, local))
        return Hits(ray, obj, tri, bary, point, t, local)


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
