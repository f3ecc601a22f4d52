"""The correspondence engine: the surface point seen at every pixel, and where it is at any frame.

For each pixel centre of frame t the first surface on the ray through it (the job's ``K(t)``
and ``c2w(t)``, OpenCV axes, pixel centres at integer + 0.5) is found in the scene at t
(:class:`~synthgen.correspond.raycast.Rasteriser`): the object, the triangle and the
barycentric weights of the point seen. That point at frame s is the same
barycentric combination of the triangle's corners at s: deforming meshes from their
per-frame vertices, rigid objects through their per-frame matrices, the static world as it
is. Pixels that hit nothing see the world at infinity, which only the camera rotation moves:
``x' ~ K(s) R_w2c(s) R_c2w(t) K(t)^-1 x``.

A point is **visible** at s when it projects inside frame s with planar depth in
(``clip_start``, ``clip_end``] and no other triangle covers its position at s nearer than
it by :data:`~synthgen.correspond.kernels.VISIBILITY_EPS` of its depth (what a ray from the
camera centre to it meets before it, among the surfaces the renderer shows). A point at
infinity is visible when its direction lies in frame s and no surface covers it. Most
visibilities are decided from what frame s itself sees around the landing position
(:func:`~synthgen.correspond.kernels._decide_point`); the rest by the exact test
(:meth:`Engine.hidden_test`). numpy, and numba for the per-pixel loops
(:mod:`synthgen.correspond.kernels`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..export.flow import rotation_homography
from ..job import Job
from . import kernels
from .geometry import SceneGeometry, affine
from .kernels import UNDECIDED, VISIBLE
from .raycast import Rasteriser, groups

log = logging.getLogger(__name__)



@dataclass
class Points:
    """Surface points: ``obj`` int32, ``tri`` int64, ``point`` float64 (n, 3) their world
    positions at the frame they were found; where they are at another frame follows from
    ``bary`` float64 (n, 3), their triangle's corner weights (deforming objects), or
    ``local`` float64 (n, 3), their object-space position (static and rigid objects)."""

    obj: np.ndarray
    tri: np.ndarray
    bary: np.ndarray
    point: np.ndarray
    local: np.ndarray

    FIELDS = ("obj", "tri", "bary", "point", "local")

    def __len__(self) -> int:
        return len(self.obj)

    def take(self, idx) -> "Points":
        return Points(*(getattr(self, f)[idx] for f in self.FIELDS))


@dataclass
class Seen:
    """What frame ``frame`` sees: ``pix`` int64 flat pixel indices (row-major, ascending) of
    the pixels that hit a surface and ``points`` there (same order); every other pixel sees
    the world at infinity (``sky``, its flat indices). ``depth`` float32 (H, W) planar metres
    (+inf there), ``ids`` (H, W) instance ids (0 there), ``objs`` (H, W) int32 object index
    (-1 there), ``inv_depth`` float32 (H*W,) 1 / depth (0 there)."""

    frame: int
    pix: np.ndarray
    points: Points
    depth: np.ndarray
    ids: np.ndarray
    objs: np.ndarray

    def __post_init__(self) -> None:
        flat = self.depth.reshape(-1)
        self.sky = np.flatnonzero(np.isinf(flat))   # pixels at infinity
        self.inv_depth = np.float32(1.0) / flat

    @property
    def background(self) -> np.ndarray:
        return np.isinf(self.depth)


class Engine:
    """Correspondences of one clip from its job and its :class:`SceneGeometry`.

    Frames are Blender frame numbers of the baked range (``frame_start - 1 ..
    frame_end + 1``). With ``exact`` no visibility is decided from the target frame's pixel
    centres: every one goes to the exact test (see :meth:`visible` for what it shortcuts)."""

    def __init__(self, job: Job, geometry: SceneGeometry, exact: bool = False):
        self.job, self.geometry, self.exact = job, geometry, exact
        self.W, self.H = job.width, job.height
        self.raster = Rasteriser(geometry, self.W, self.H)
        self._und = None                          # see _undecided
        self._inst = np.array([o.instance_id for o in geometry.objects] + [0], np.int32)  # [-1]: 0
        self._no_f32, self._no_i32 = np.zeros(1, np.float32), np.zeros(1, np.int32)  # no target

    def instance_of(self, obj: np.ndarray) -> np.ndarray:
        """Instance ids (object pass indices) of object indices ``obj``."""
        return self._inst[obj]

    # ------------------------------------------------------------------ cameras
    def world_to_image(self, frame: int) -> np.ndarray:
        """``P`` (3, 4) at ``frame``: homogeneous pixel (u w, v w, w) = P (x, y, z, 1), w the
        planar depth (K's last row is (0, 0, 1))."""
        c2w = self.job.c2w(frame)
        P = self.job.K(frame) @ c2w[:3, :3].T
        return np.concatenate([P, (-P @ c2w[:3, 3])[:, None]], axis=1)

    def project(self, points: np.ndarray, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """World points (n, 3) -> pixels (n, 2) and planar depth (n,) at ``frame``."""
        P = self.world_to_image(frame)
        uvw = affine(points, P[:, :3], P[:, 3])
        z = uvw[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            uvw[:, 0] /= z
            uvw[:, 1] /= z
        return uvw[:, :2], z

    def in_frame(self, uv: np.ndarray, z: np.ndarray) -> np.ndarray:
        cam = self.job.camera
        with np.errstate(invalid="ignore"):
            return ((z > cam.clip_start) & (z <= cam.clip_end) & (uv[:, 0] >= 0) & (uv[:, 0] < self.W)
                    & (uv[:, 1] >= 0) & (uv[:, 1] < self.H))

    def hidden_test(self, frame: int, uvz: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Exact visibility bool (n,) at ``frame`` of points at pixel positions and planar
        depths ``uvz`` (n, 3; inside the frame, depth +inf at infinity) on global triangles
        ``own`` (-1: none) (:meth:`Rasteriser.visible`)."""
        cam = self.job.camera
        return self.raster.visible(self.geometry.index(frame), self.job.c2w(frame), self.job.K(frame),
                                   cam.clip_start, cam.clip_end, uvz, own)

    def seen(self, frame: int) -> Seen:
        """The first surface on the ray through every pixel centre of ``frame`` (see
        :class:`Seen`)."""
        cam = self.job.camera
        hits = self.raster.hits(self.geometry.index(frame), self.job.c2w(frame), self.job.K(frame),
                                 cam.clip_start, cam.clip_end)
        pts = Points(hits.obj, hits.tri, hits.bary, hits.point, hits.local)
        n = self.H * self.W
        depth = np.full(n, np.inf, np.float32)
        depth[hits.ray] = hits.t
        objs = np.full(n, -1, np.int32)
        objs[hits.ray] = hits.obj
        shape = (self.H, self.W)
        return Seen(frame, hits.ray, pts, depth.reshape(shape), self._inst[objs].reshape(shape),
                    objs.reshape(shape))

    # ------------------------------------------------------------------ motion
    def move(self, pts: Points, frame_from: int, frame_to: int) -> np.ndarray:
        """World positions float64 (n, 3) at ``frame_to`` of points found at ``frame_from``."""
        out = pts.point.copy()
        if frame_to == frame_from:
            return out
        i1 = self.geometry.index(frame_to)
        for k, sel in groups(pts.obj):
            obj = self.geometry.objects[k]
            if obj.kind == "static":
                continue
            out[sel] = self._place(obj, pts.take(sel), i1)
        return out

    @staticmethod
    def _place(obj, pts: Points, i: int) -> np.ndarray:
        """World positions at baked index ``i`` of points on one object."""
        if obj.kind == "deforming":
            w, f, b = obj.world(i), obj.tris[pts.tri], pts.bary
            return b[:, :1] * w[f[:, 0]] + b[:, 1:2] * w[f[:, 1]] + b[:, 2:] * w[f[:, 2]]
        M = obj.matrix_at(i)
        return affine(pts.local, M[:3, :3], M[:3, 3])

    def at(self, pts: Points, frame: int) -> np.ndarray:
        """World positions float64 (n, 3) at ``frame`` of surface points found at any frame:
        the barycentric combination of their triangle's corners at ``frame`` (deforming
        objects), their object-space position through the object's matrix at ``frame``
        (static and rigid ones)."""
        out = np.empty((len(pts), 3))
        i = self.geometry.index(frame)
        for k, sel in groups(pts.obj):
            out[sel] = self._place(self.geometry.objects[k], pts.take(sel), i)
        return out

    def visible(self, pts: Points, moved: np.ndarray, frame: int, target: Seen | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixels (n, 2), planar depth (n,) and visibility (n,) at ``frame`` of surface points
        now at world positions ``moved``. With ``target`` (what ``frame`` sees) points its
        pixel-centre rays decide (:func:`~synthgen.correspond.kernels._decide_point`: all four
        around the landing position see the point's object at its depth, or all see something
        nearer) go without the exact test (:meth:`hidden_test`)."""
        uv, z = self.project(moved, frame)
        vis = self.in_frame(uv, z)
        idx = np.flatnonzero(vis)
        if target is not None and len(idx) and not self.exact:
            code = np.empty(len(idx), np.uint8)
            kernels.decide_points(np.ascontiguousarray(uv[idx]), z[idx], pts.obj[idx],
                                  target.inv_depth, target.objs.reshape(-1), self.W, self.H, code)
            vis[idx] = code == VISIBLE
            idx = idx[code == UNDECIDED]
        if len(idx):
            uvz = np.concatenate([uv[idx], z[idx, None]], axis=1)
            vis[idx] = self.hidden_test(frame, uvz, self.geometry.table.tri_off[pts.obj[idx]] + pts.tri[idx])
        return uv, z, vis

    # ------------------------------------------------------------------ members
    def flow(self, seen: Seen, frame_to: int, *, occlusion: bool = True, target: Seen | None = None):
        """Flow float32 (H, W, 2) from ``seen.frame`` to ``frame_to`` ((u, v) px, right/down)
        and, with ``occlusion``, visibility bool (H, W) of each pixel's point at ``frame_to``
        (``target``: what ``frame_to`` sees, whose pixel-centre rays decide most visibilities
        without the exact test). Surface points move with their object, points at infinity by
        the camera rotation only (0 where they end behind the camera)."""
        t, s, n = seen.frame, frame_to, self.H * self.W
        job, tab, i = self.job, self.geometry.table, self.geometry.index(frame_to)
        decide = occlusion and target is not None and not self.exact
        tinv, tobj = (target.inv_depth, target.objs.reshape(-1)) if decide else (self._no_f32, self._no_i32)
        flow, code = np.empty((n, 2), np.float32), np.empty(n, np.uint8)
        p = seen.points
        kernels.point_gap(seen.pix, p.point, p.local, p.obj, p.tri, p.bary, tab.kind,
                          tab.matrices(i)[0], tab.tri_off, tab.tris, tab.dverts(i), self.world_to_image(s),
                          job.camera.clip_start, job.camera.clip_end, self.W, self.H, tinv, tobj,
                          decide, flow, code, *self._undecided())
        kernels.sky_gap(seen.sky, rotation_homography(job.K(t), job.c2w(t), job.K(s), job.c2w(s)),
                        self.W, self.H, tinv, decide, flow, code, *self._undecided())
        vis = np.zeros(n, bool)
        if occlusion:
            vis = code == VISIBLE
            self._cast_undecided(seen, s, np.flatnonzero(code == UNDECIDED), vis)
        return flow.reshape(self.H, self.W, 2), vis.reshape(self.H, self.W)

    def _undecided(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel buffers (reused) the gap kernels fill at undecided pixels: pixel position
        and planar depth at the target frame float64 (H*W, 3; +inf at infinity) and global
        triangle int64 (H*W,; -1 at infinity)."""
        if self._und is None:
            n = self.H * self.W
            self._und = (np.empty((n, 3)), np.empty(n, np.int64))
        return self._und

    def _cast_undecided(self, seen: Seen, frame_to: int, und: np.ndarray, vis: np.ndarray) -> None:
        """The exact visibility at ``frame_to`` of pixels ``und`` of ``seen`` (in frame there,
        not decided by its pixel-centre rays) into ``vis`` (H*W,), from the positions the gap
        kernels left in :meth:`_undecided`."""
        if len(und):
            uvz, tri = self._undecided()
            vis[und] = self.hidden_test(frame_to, uvz[und], tri[und])

    def scene_flow(self, seen: Seen, frame_to: int) -> np.ndarray:
        """World displacement float32 (H, W, 3) metres of each pixel's point from
        ``seen.frame`` to ``frame_to``; 0 where the pixel sees the world at infinity."""
        out = np.zeros((self.H * self.W, 3), np.float32)
        out[seen.pix] = self.move(seen.points, seen.frame, frame_to) - seen.points.point
        return out.reshape(self.H, self.W, 3)
