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
from .raycast import FrameScene, affine, groups

log = logging.getLogger(__name__)

#: Visibility from neighbouring pixel-centre rays (:meth:`Engine._decided`): the depth seen
#: around a point equals its own within this fraction (1 mm at 1 m) ...
SAME_DEPTH = 1e-3
#: ... or is nearer than its own by at least this fraction everywhere around it.
NEARER = 0.01


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
    """What frame ``frame`` sees: ``pix`` int64 flat pixel indices (row-major) of the pixels
    that hit a surface, sorted by object, and ``points`` there (same order); every other
    pixel sees the world at infinity. ``depth`` float32 (H, W) planar metres (+inf there),
    ``ids`` (H, W) instance ids (0 there), ``objs`` (H, W) int32 object index (-1 there),
    ``sky_dirs`` (m, 3) the world ray directions of the pixels at infinity (``sky``)."""

    frame: int
    pix: np.ndarray
    points: Points
    depth: np.ndarray
    ids: np.ndarray
    objs: np.ndarray
    sky_dirs: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.sky = np.flatnonzero(np.isinf(self.depth.reshape(-1)))   # pixels at infinity
        self._taps = None

    def taps(self) -> tuple[np.ndarray, np.ndarray]:
        """Per pixel i, the inverse depth (float32, 0 at infinity) and object index of pixels
        i, i+1, i+W, i+W+1, as (H*W, 4) arrays (computed once)."""
        if self._taps is None:
            H, W = self.depth.shape
            n = H * W
            inv = np.zeros(n + W + 1, np.float32)
            inv[:n] = np.float32(1.0) / self.depth.reshape(-1)
            obj = np.full(n + W + 1, -1, np.int32)
            obj[:n] = self.objs.reshape(-1)
            offsets = (0, 1, W, W + 1)
            self._taps = (np.stack([inv[o:o + n] for o in offsets], axis=1),
                          np.stack([obj[o:o + n] for o in offsets], axis=1))
        return self._taps

    def drop_taps(self) -> None:
        """Free :meth:`taps` (a frame no longer looked up)."""
        self._taps = None

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
        self._cam_dirs: OrderedDict[bytes, np.ndarray] = OrderedDict()
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
            c2w, K = self.job.c2w(frame), self.job.K(frame)
            cam = self._cam_dirs.get(K.tobytes())
            if cam is None:                       # camera-space rays: one per distinct K
                inv = np.linalg.inv(K)
                cam = self._cam_dirs[K.tobytes()] = self.centres @ inv[:, :2].T + inv[:, 2]   # once
                while len(self._cam_dirs) > 2:
                    self._cam_dirs.popitem(last=False)
            got = (c2w[:3, 3].copy(), affine(cam, c2w[:3, :3]))
            self._rays[frame] = got
            while len(self._rays) > 2:
                self._rays.popitem(last=False)
        return got

    def project(self, points: np.ndarray, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """World points (n, 3) -> pixels (n, 2) and planar depth (n,) at ``frame``."""
        c2w = self.job.c2w(frame)
        P = self.job.K(frame) @ c2w[:3, :3].T          # world -> image, homogeneous
        uvw = affine(points, P, -P @ c2w[:3, 3])
        z = uvw[:, 2]                                   # K's last row is (0, 0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            uvw[:, 0] /= z
            uvw[:, 1] /= z
        return uvw[:, :2], z

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
        pts = Points(hits.obj, hits.tri, hits.bary, hits.point, hits.local)
        n = self.H * self.W
        depth = np.full(n, np.inf, np.float32)
        depth[hits.ray] = hits.t
        objs = np.full(n, -1, np.int32)
        objs[hits.ray] = hits.obj
        shape = (self.H, self.W)
        seen = Seen(frame, hits.ray, pts, depth.reshape(shape), self._inst[objs].reshape(shape),
                    objs.reshape(shape))
        seen.sky_dirs = dirs[seen.sky]
        return seen

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
        with np.errstate(invalid="ignore"):
            inside = (x0 >= 0) & (x0 <= W - 2) & (y0 >= 0) & (y0 <= H - 2)
        i00 = np.where(inside, y0 * W + x0, 0).astype(np.int64)
        inv, objs = target.taps()
        I, O = inv[i00], objs[i00]               # (n, 4): the pixel and its right/lower ones
        if z is None:
            far = I == 0
            all_far = far[:, 0] & far[:, 1] & far[:, 2] & far[:, 3]
            none_far = ~(far[:, 0] | far[:, 1] | far[:, 2] | far[:, 3])
            return inside & (all_far | none_far), inside & all_far
        same = inside & (O[:, 0] == obj) & (O[:, 1] == obj) & (O[:, 2] == obj) & (O[:, 3] == obj)
        ax, ay = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
        top = I[:, 0] + (I[:, 1] - I[:, 0]) * ax
        bot = I[:, 2] + (I[:, 3] - I[:, 2]) * ax
        with np.errstate(invalid="ignore"):
            near = same & (np.abs((top + (bot - top) * ay) * z - 1.0) <= SAME_DEPTH)
            lim = (1.0 / (z * (1.0 - NEARER))).astype(np.float32)     # nearer: larger 1/z
            front = inside & (I[:, 0] > lim) & (I[:, 1] > lim) & (I[:, 2] > lim) & (I[:, 3] > lim)
        return near | front, near

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
            vis[seen.sky] = self._sky_vis(seen, flow, ahead, frame_to, target)
            vis[seen.pix] = vis_pts
        else:
            uv, _ = self.project(moved, frame_to)
        flow[seen.pix] = uv - self.centres[seen.pix]
        return flow.reshape(self.H, self.W, 2), vis.reshape(self.H, self.W)

    def _sky_vis(self, seen: Seen, flow: np.ndarray, ahead: np.ndarray, frame_to: int, target):
        sky = seen.sky
        if not len(sky):
            return np.zeros(0, bool)
        uv = self.centres[sky] + flow[sky]
        return self.sky_visible(seen.sky_dirs, uv, ahead.reshape(-1)[sky], frame_to, target)

    def scene_flow(self, seen: Seen, frame_to: int) -> np.ndarray:
        """World displacement float32 (H, W, 3) metres of each pixel's point from
        ``seen.frame`` to ``frame_to``; 0 where the pixel sees the world at infinity."""
        out = np.zeros((self.H * self.W, 3), np.float32)
        out[seen.pix] = self.move(seen.points, seen.frame, frame_to) - seen.points.point
        return out.reshape(self.H, self.W, 3)
