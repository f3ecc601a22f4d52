"""Per-frame checks: rendered flow against predictions that never read the Vector pass.

Each function takes the passes of rendered frame ``t`` (and ``t+1`` where needed) as
:class:`FrameData` and returns flat error samples (pixels) for :mod:`synthgen.verify.stats`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..export import qa
from ..job import Job
from . import geometry as geo
from .masks import background, bilinear_taps, near_discontinuity, sample_bilinear

log = logging.getLogger(__name__)

#: Depth agreement (relative) for "the same surface point" in the visibility tests.
VERTEX_DEPTH_TOL = 0.01
#: ... and within this many pixel footprints (z / fx metres): rejects grazing surfaces, whose
#: neighbouring pixel centres hit points of the surface far apart in 3D (they move apart).
VERTEX_DEPTH_FOOTPRINTS = 2.0
FB_DEPTH_TOL = 0.01


@dataclass
class FrameData:
    """Passes of one rendered frame, as the dataset will hold them.

    ``fwd``/``bwd``: ``(H, W, 2)`` float32 forward (t→t+1) and backward (t→t-1) flow in
    pixels, background already filled; ``depth`` ``(H, W)`` planar metres (>=1e9 background);
    ``ids`` ``(H, W)`` int32 instance ids; ``blended`` bool, ids that are a mix of two objects;
    ``rgb`` ``(H, W, 3)`` linear RGB of the quality pass or ``None``.
    """

    frame: int
    fwd: np.ndarray
    bwd: np.ndarray
    depth: np.ndarray
    ids: np.ndarray
    blended: np.ndarray
    rgb: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.bg = background(self.depth)
        self.near = near_discontinuity(self.depth, self.ids, self.blended)

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth.shape


@dataclass
class PixelResult:
    """Output of :func:`pixel_checks` for one frame.

    ``errors``: check name -> 1-D EPE samples; ``error_map`` ``(H, W)`` EPE where any pixel
    check ran, NaN elsewhere; ``pred`` ``(H, W, 2)`` the predicted flow (NaN where unknown);
    ``z_next`` ``(H, W)`` predicted planar depth at t+1 (inf for the background, NaN where
    unknown: deforming subjects, unknown ids).
    """

    errors: dict[str, np.ndarray]
    error_map: np.ndarray
    pred: np.ndarray
    z_next: np.ndarray


def prop_pose(prop, index: int) -> np.ndarray:
    """4x4 pose of a job prop at per-frame array ``index`` (static props have one entry)."""
    loc = prop.location[index if len(prop.location) > 1 else 0]
    rot = prop.rotation_quat[index if len(prop.rotation_quat) > 1 else 0]
    return geo.rigid_pose(loc, rot)


def rigid_motions(job: Job, t: int, to: int | None = None) -> dict[int, np.ndarray]:
    """Instance id -> world motion t→``to`` (default t+1) of every prop with per-frame
    transforms."""
    i0, i1 = job.index_of(t), job.index_of(t + 1 if to is None else to)
    return {p.instance_id: geo.rigid_motion(prop_pose(p, i0), prop_pose(p, i1))
            for p in job.props if not p.is_static}


def static_ids(job: Job) -> list[int]:
    """Instance ids that never move: 0 (environment), props with a single transform and the
    objects of the environment's layout."""
    return [0] + [p.instance_id for p in job.props if p.is_static] + \
        [o.instance_id for o in job.world_objects() if o.instance_id > 0]


def pixel_checks(job: Job, fd: FrameData) -> PixelResult:
    """Static geometry, background and rigid-prop EPE of frame ``fd.frame`` against geometry."""
    t = fd.frame
    K0, c0, K1, c1 = job.K(t), job.c2w(t), job.K(t + 1), job.c2w(t + 1)
    h, w = fd.shape
    depth = np.where(fd.bg, 1.0, fd.depth)          # background handled apart
    ok = ~fd.blended
    pred = np.full((h, w, 2), np.nan)
    z_next = np.full((h, w), np.nan)
    stat_mask = np.isin(fd.ids, static_ids(job)) & ~fd.bg & ok
    p, z = geo.static_flow(depth, K0, c0, K1, c1)
    pred[stat_mask], z_next[stat_mask] = p[stat_mask], z[stat_mask]
    rigid_mask = np.zeros((h, w), bool)
    for iid, motion in rigid_motions(job, t).items():
        m = (fd.ids == iid) & ~fd.bg & ok
        if m.any():
            p, z = geo.static_flow(depth, K0, c0, K1, c1, motion)
            pred[m], z_next[m] = p[m], z[m]
            rigid_mask |= m
    bg_mask = fd.bg & ok
    pred[bg_mask] = geo.rotation_only_flow(K0, c0, K1, c1, w, h)[bg_mask]
    z_next[bg_mask] = np.inf
    err = np.linalg.norm(fd.fwd.astype(np.float64) - pred, axis=-1)
    defined = np.isfinite(err)
    interior = defined & ~fd.near
    errors = {
        "static": err[interior & stat_mask],
        "background": err[interior & bg_mask],
        "rigid": err[interior & rigid_mask],
        "edges": err[defined & fd.near & (stat_mask | bg_mask | rigid_mask)],
    }
    return PixelResult(errors, np.where(defined, err, np.nan), pred, z_next)


def vertex_checks(job: Job, fd: FrameData, vertices: dict[int, np.ndarray], *, gap: int = 1,
                  flow: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """EPE of visible subject vertices at frame ``fd.frame``.

    ``vertices``: instance id -> float ``[n_baked, V, 3]`` world positions. A vertex is
    checked when it projects in front of camera t, its four bilinear taps lie inside the
    image, carry its instance id and have a depth within 1 % of the vertex's own planar
    depth and within 2 pixel footprints (``2 z / fx``) of it (so it is not hidden, the lookup
    does not mix in another surface, and the surface is not seen at a grazing angle).
    The predicted flow is ``project_t+1(V_t+1) - project_t(V_t)``; the rendered one is ``F_t``
    sampled bilinearly at ``project_t(V_t)``. Returns ``(errors (N,), uv_t (N, 2))``.
    With ``gap`` K and ``flow`` (a flow from t to t+K, default ``fd.fwd``) the same holds
    for t+K.
    """
    t = fd.frame
    i0, i1 = job.index_of(t), job.index_of(t + gap)
    flow_t = fd.fwd if flow is None else flow
    h, w = fd.shape
    all_err, all_uv = [], []
    for iid, verts in vertices.items():
        uv0, z0 = geo.project_points(verts[i0], job.K(t), job.c2w(t))
        uv1, z1 = geo.project_points(verts[i1], job.K(t + gap), job.c2w(t + gap))
        flow, inside = sample_bilinear(flow_t, uv0[:, 0], uv0[:, 1])
        cols, rows, _, _ = bilinear_taps(uv0[:, 0], uv0[:, 1], w, h)
        tap_ids = fd.ids[rows, cols]
        tap_z = fd.depth[rows, cols].astype(np.float64)
        same = (tap_ids == iid).all(axis=-1) & ~fd.blended[rows, cols].any(axis=-1)
        with np.errstate(invalid="ignore"):
            tol = np.minimum(VERTEX_DEPTH_TOL, VERTEX_DEPTH_FOOTPRINTS / job.K(t)[0, 0]) * z0
            close = (np.abs(tap_z - z0[:, None]) <= tol[:, None]).all(axis=-1)
            visible = inside & (z0 > 0) & (z1 > 0) & same & close & np.isfinite(uv1).all(axis=-1)
        err = np.linalg.norm(flow - (uv1 - uv0), axis=-1)[visible]
        all_err.append(err)
        all_uv.append(uv0[visible])
    if not all_err:
        return np.zeros(0), np.zeros((0, 2))
    return np.concatenate(all_err), np.concatenate(all_uv)


def fb_valid(fd: FrameData, nxt: FrameData, z_next: np.ndarray, flow: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixels where ``F_t`` is checkable against ``B_t+1``, decided by geometry alone.

    A pixel is valid when it is not near a discontinuity at t, ``x + F_t(x)`` has its four
    bilinear taps inside frame t+1, all carrying the pixel's instance id and none near a
    discontinuity at t+1, and — where the point's depth at t+1 is predictable (static,
    rigid) — the depth there agrees within 1 % (otherwise the point is occluded).
    ``flow`` (default ``fd.fwd``) gives ``x'``. Returns ``(valid (H, W) bool, x', y' (H, W))``.
    """
    h, w = fd.shape
    flow = fd.fwd if flow is None else flow
    grid = geo.pixel_grid(w, h)
    xt = grid[..., 0] + flow[..., 0]
    yt = grid[..., 1] + flow[..., 1]
    cols, rows, _, inside = bilinear_taps(xt, yt, w, h)
    same = (nxt.ids[rows, cols] == fd.ids[..., None]).all(axis=-1)
    clear = ~nxt.near[rows, cols].any(axis=-1) & ~nxt.blended[rows, cols].any(axis=-1)
    with np.errstate(divide="ignore"):
        inv_depth = np.where(nxt.bg, 0.0, 1.0 / nxt.depth.astype(np.float64))
    inv_next, _ = sample_bilinear(inv_depth, xt, yt)         # 1/z is affine on planes
    with np.errstate(invalid="ignore"):
        unknown = np.isnan(z_next)
        both_far = np.isinf(z_next) & (inv_next == 0.0)
        close = np.isfinite(z_next) & (np.abs(inv_next * z_next - 1.0) <= FB_DEPTH_TOL)
    depth_ok = unknown | both_far | close
    valid = inside & same & clear & depth_ok & ~fd.near & ~fd.blended
    return valid, xt, yt


def fb_errors(fd: FrameData, nxt: FrameData, valid: np.ndarray, xt: np.ndarray, yt: np.ndarray
              ) -> np.ndarray:
    """``|F_t(x) + B_t+1(x + F_t(x))|`` (bilinear lookup) on ``valid`` pixels, 1-D float64."""
    b, _ = sample_bilinear(nxt.bwd, xt[valid], yt[valid])
    return np.linalg.norm(fd.fwd[valid].astype(np.float64) + b, axis=-1)


def photometric_sums(fd: FrameData, nxt: FrameData, valid: np.ndarray) -> np.ndarray:
    """:func:`synthgen.export.qa.photometric_sums` of frames t and t+1 with ``F_t`` over
    ``valid`` pixels (callers decide them from the *predicted* flow where there is one, so a
    wrong rendered flow cannot hide its own pixels); zeros without RGB."""
    if fd.rgb is None or nxt.rgb is None:
        return np.zeros(3)
    return qa.photometric_sums(fd.rgb, nxt.rgb, fd.fwd, valid)
