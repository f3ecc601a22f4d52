"""The correspondence engine: the surface point seen at every pixel, and where it is at any frame.

For each pixel centre of frame t a ray through it (the job's ``K(t)`` and ``c2w(t)``, OpenCV
axes, pixel centres at integer + 0.5) is cast into the scene at t
(:class:`~synthgen.correspond.raycast.FrameScene`): the first hit gives the object, the
triangle and the barycentric weights of the point seen. That point at frame s is the same
barycentric combination of the triangle's corners at s: deforming meshes from their
per-frame vertices, rigid objects through their per-frame matrices, the static world as it
is. Pixels that hit nothing see the world at infinity, which only the camera rotation moves:
``x' ~ K(s) R_w2c(s) R_c2w(t) K(t)^-1 x``.

A point is **visible** at s when it projects inside frame s, in front of the camera, and a
ray from the camera centre at s to the point meets nothing before it (its own triangle, or
nothing nearer than :data:`~synthgen.correspond.raycast.VISIBILITY_EPS` of the way). A point
at infinity is visible when its direction lies in frame s and meets no surface. numpy and
embreex only.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..export.flow import rotation_flow
from ..job import Job
from .geometry import SceneGeometry
from .raycast import FrameScene, groups

log = logging.getLogger(__name__)

#: Visibility from neighbouring pixel-centre rays (:meth:`Engine._decided`): the depth seen
#: around a point equals its own within this fraction (1 mm at 1 m) ...
SAME_DEPTH = 1e-3
#: ... or is nearer than its own by at least this fraction everywhere around it.
NEARER = 0.01


@dataclass
class Points:
    """Surface points: ``obj`` int32, ``tri`` int64, ``bary`` float64 (n, 3), and ``point``
    float64 (n, 3) their world positions at the frame they were found."""

    obj: np.ndarray
    tri: np.ndarray
    bary: np.ndarray
    point: np.ndarray

    def __len__(self) -> int:
        return len(self.obj)

    def take(self, idx) -> "Points":
        return Points(self.obj[idx], self.tri[idx], self.bary[idx], self.point[idx])


@dataclass
class Seen:
    """What frame ``frame`` sees: ``pix`` int64 flat pixel indices (row-major) of the pixels
    that hit a surface, sorted by object, and ``points`` there (same order); every other
    pixel sees the world at infinity. ``depth`` float32 (H, W) planar metres (+inf there),
    ``ids`` (H, W) instance ids (0 there), ``objs`` (H, W) int32 object index (-1 there)."""

    frame: int
    pix: np.ndarray
    points: Points
    depth: np.ndarray
    ids: np.ndarray
    objs: np.ndarray

    @property
    def background(self) -> np.ndarray:
        return np.isinf(self.depth)


class Engine:
    """Correspondences of one clip from its job and its :class:`SceneGeometry`.

    Frames are Blender frame numbers of the baked range (``frame_start - 1 ..
    frame_end + 1``). Embree scenes of the last :attr:`cache_frames` frames are kept. With
    ``exact`` every visibility is ray cast (see :meth:`_decided` for what it shortcuts)."""

    def __init__(self, job: Job, geometry: SceneGeometry, cache_frames: int = 10,
                 exact: bool = False):
        self.job, self.geometry, self.exact = job, geometry, exact
        self.W, self.H = job.width, job.height
        self.cache_frames = cache_frames
        self._scenes: OrderedDict[int, FrameScene] = OrderedDict()
        self._rays: OrderedDict[int, tuple] = OrderedDict()
        self._inst = np.array([o.instance_id for o in geometry.objects] + [0], np.int32)  # [-1]: 0
        u = np.arange(self.W, dtype=np.float64) + 0.5
        v = np.arange(self.H, dtype=np.float64) + 0.5
        self.centres = np.stack(np.broadcast_arrays(u[None, :], v[:, None]), -1).reshape(-1, 2)

    def instance_of(self, obj: np.ndarray) -> np.ndarray:
        """Instance ids (object pass indices) of object indices ``obj``."""
        return self._inst[obj]

    # ------------------------------------------------------------------ cameras
    def rays(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Camera centre (3,) and world directions (H*W, 3) through every pixel centre, scaled
        so that the ray parameter is planar depth (camera z = 1). The last few are cached."""
        got = self._rays.get(frame)
        if got is None:
            c2w = self.job.c2w(frame)
            R = c2w[:3, :3] @ np.linalg.inv(self.job.K(frame))
            dirs = self.centres @ R[:, :2].T + R[:, 2]
            got = (c2w[:3, 3].copy(), dirs)
            self._rays[frame] = got
            while len(self._rays) > 3:
                self._rays.popitem(last=False)
        return got

    def project(self, points: np.ndarray, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """World points (n, 3) -> pixels (n, 2) and planar depth (n,) at ``frame``."""
        c2w = self.job.c2w(frame)
        cam = (points - c2w[:3, 3]) @ c2w[:3, :3]
        z = cam[:, 2]
        uvw = cam @ self.job.K(frame).T
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = uvw[:, :2] / uvw[:, 2:3]
        return uv, z

    def in_frame(self, uv: np.ndarray, z: np.ndarray) -> np.ndarray:
        cam = self.job.camera
        with np.errstate(invalid="ignore"):
            return ((z > cam.clip_start) & (z <= cam.clip_end) & (uv[:, 0] >= 0) & (uv[:, 0] < self.W)
                    & (uv[:, 1] >= 0) & (uv[:, 1] < self.H))

    # ------------------------------------------------------------------ scenes
    def scene(self, frame: int) -> FrameScene:
        sc = self._scenes.get(frame)
        if sc is None:
            sc = FrameScene(self.geometry, self.geometry.index(frame))
            self._scenes[frame] = sc
            while len(self._scenes) > self.cache_frames:
                self._scenes.popitem(last=False)
        else:
            self._scenes.move_to_end(frame)
        return sc

    def seen(self, frame: int) -> Seen:
        """Cast a ray through every pixel centre of ``frame`` (see :class:`Seen`)."""
        origin, dirs = self.rays(frame)
        cam = self.job.camera
        hits = self.scene(frame).first_hits(origin, dirs, t_min=cam.clip_start, t_max=cam.clip_end)
        pts = Points(hits.obj, hits.tri, hits.bary, hits.point)
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
        i0, i1 = self.geometry.index(frame_from), self.geometry.index(frame_to)
        for k, sel in groups(pts.obj):
            obj = self.geometry.objects[k]
            if obj.kind == "static":
                continue
            if obj.kind == "rigid":
                M = obj.matrix_at(i1) @ np.linalg.inv(obj.matrix_at(i0))
                out[sel] = pts.point[sel] @ M[:3, :3].T + M[:3, 3]
                continue
            w, f, b = obj.world(i1), obj.tris[pts.tri[sel]], pts.bary[sel]
            out[sel] = b[:, :1] * w[f[:, 0]] + b[:, 1:2] * w[f[:, 1]] + b[:, 2:] * w[f[:, 2]]
        return out

    def at(self, pts: Points, frame: int) -> np.ndarray:
        """World positions float64 (n, 3) at ``frame`` of surface points found at any frame:
        the barycentric combination of their triangles' corners at ``frame`` (exact for
        every kind of object: a rigid or static triangle's corners move with it)."""
        out = np.empty((len(pts), 3))
        i = self.geometry.index(frame)
        for k, sel in groups(pts.obj):
            obj = self.geometry.objects[k]
            w, f, b = obj.world(i), obj.tris[pts.tri[sel]], pts.bary[sel]
            out[sel] = b[:, :1] * w[f[:, 0]] + b[:, 1:2] * w[f[:, 1]] + b[:, 2:] * w[f[:, 2]]
        return out

    def visible(self, pts: Points, moved: np.ndarray, frame: int, target: Seen | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixels (n, 2), planar depth (n,) and visibility (n,) at ``frame`` of surface points
        now at world positions ``moved``. With ``target`` (what ``frame`` sees) points its
        pixel-centre rays decide are not ray cast (:meth:`_decided`)."""
        uv, z = self.project(moved, frame)
        vis = self.in_frame(uv, z)
        idx = np.flatnonzero(vis)
        if target is not None and len(idx) and not self.exact:
            decided, v = self._decided(target, uv[idx], z[idx], pts.obj[idx])
            vis[idx[decided]] = v[decided]
            idx = idx[~decided]
        if len(idx):
            origin = self.job.c2w(frame)[:3, 3]
            vis[idx] = self.scene(frame).visible(origin, moved[idx], pts.obj[idx], pts.tri[idx])
        return uv, z, vis

    def sky_visible(self, dirs: np.ndarray, uv: np.ndarray, ahead: np.ndarray, frame: int,
                    target: Seen | None = None) -> np.ndarray:
        """Visibility at ``frame`` of points at infinity in world directions ``dirs`` (n, 3)
        that land at ``uv`` (n, 2) (``ahead``: in front of that camera)."""
        with np.errstate(invalid="ignore"):
            vis = ahead & (uv[:, 0] >= 0) & (uv[:, 0] < self.W) & (uv[:, 1] >= 0) & (uv[:, 1] < self.H)
        idx = np.flatnonzero(vis)
        if target is not None and len(idx) and not self.exact:
            decided, v = self._decided(target, uv[idx], None, None)
            vis[idx[decided]] = v[decided]
            idx = idx[~decided]
        if len(idx):
            origin = self.job.c2w(frame)[:3, 3]
            vis[idx] = ~self.scene(frame).any_hit(origin, dirs[idx], t_min=self.job.camera.clip_start)
        return vis

    def _decided(self, target: Seen, uv: np.ndarray, z, obj) -> tuple[np.ndarray, np.ndarray]:
        """``(decided, visible)`` from the four pixel-centre rays of ``target`` around each
        landing position: visible when all four see the point's object and their depth,
        interpolated (1/z, bilinear), is the point's within :data:`SAME_DEPTH`; hidden when
        all four see something nearer by :data:`NEARER` or more. A point at infinity
        (``z`` None): visible when all four see the world at infinity, hidden when none does.
        Anything else (edges, the image border) is left to a ray cast."""
        W, H = self.W, self.H
        x, y = uv[:, 0] - 0.5, uv[:, 1] - 0.5
        x0, y0 = np.floor(x), np.floor(y)
        inside = (x0 >= 0) & (x0 <= W - 2) & (y0 >= 0) & (y0 <= H - 2)
        i00 = np.where(inside, y0 * W + x0, 0).astype(np.int64)
        taps = i00[:, None] + np.array([0, 1, W, W + 1])
        D = target.depth.reshape(-1)[taps]
        if z is None:
            far = np.isinf(D)
            return inside & (far.all(1) | ~far.any(1)), inside & far.all(1)
        same = (target.objs.reshape(-1)[taps] == obj[:, None]).all(1)
        ax, ay = x - x0, y - y0
        inv = 1.0 / D.astype(np.float64)
        top = inv[:, 0] + (inv[:, 1] - inv[:, 0]) * ax
        bot = inv[:, 2] + (inv[:, 3] - inv[:, 2]) * ax
        with np.errstate(invalid="ignore"):
            near = same & (np.abs((top + (bot - top) * ay) * z - 1.0) <= SAME_DEPTH)
            front = (D < (z * (1.0 - NEARER))[:, None]).all(1)
        return inside & (near | front), inside & near

    # ------------------------------------------------------------------ members
    def flow(self, seen: Seen, frame_to: int, *, occlusion: bool = True, target: Seen | None = None):
        """Flow float32 (H, W, 2) from ``seen.frame`` to ``frame_to`` ((u, v) px, right/down)
        and, with ``occlusion``, visibility bool (H, W) of each pixel's point at ``frame_to``
        (``target``: what ``frame_to`` sees, which spares most visibility rays)."""
        t, n = seen.frame, self.H * self.W
        job = self.job
        flow, ahead = rotation_flow(job.K(t), job.c2w(t), job.K(frame_to), job.c2w(frame_to),
                                    self.W, self.H)
        flow = flow.reshape(n, 2)
        moved = self.move(seen.points, t, frame_to)
        vis = np.zeros(n, bool)
        if occlusion:
            uv, _, vis_pts = self.visible(seen.points, moved, frame_to, target)
            vis[seen.background.reshape(-1)] = self._sky_vis(seen, flow, ahead, frame_to, target)
            vis[seen.pix] = vis_pts
        else:
            uv, _ = self.project(moved, frame_to)
        flow[seen.pix] = uv - self.centres[seen.pix]
        return flow.reshape(self.H, self.W, 2), vis.reshape(self.H, self.W)

    def _sky_vis(self, seen: Seen, flow: np.ndarray, ahead: np.ndarray, frame_to: int, target):
        bg = seen.background.reshape(-1)
        if not bg.any():
            return np.zeros(0, bool)
        _, dirs = self.rays(seen.frame)
        uv = self.centres[bg] + flow[bg]
        return self.sky_visible(dirs[bg], uv, ahead.reshape(-1)[bg], frame_to, target)

    def scene_flow(self, seen: Seen, frame_to: int) -> np.ndarray:
        """World displacement float32 (H, W, 3) metres of each pixel's point from
        ``seen.frame`` to ``frame_to``; 0 where the pixel sees the world at infinity."""
        out = np.zeros((self.H * self.W, 3), np.float32)
        out[seen.pix] = self.move(seen.points, seen.frame, frame_to) - seen.points.point
        return out.reshape(self.H, self.W, 3)
