"""Optical flow from the Cycles Vector pass, background fill and forward-backward validity.

Conventions (DESIGN.md §3): flow is in pixels at render resolution, ``(u, v)`` = (right,
down); the forward flow ``F_t`` maps frame t to t+1 (the point at pixel ``x`` in frame t is
at ``x + F_t(x)`` in frame t+1), the backward flow ``B_t`` maps t to t-1. Pixel centres
are at integer + 0.5. The Vector pass channels X, Y, Z, W give **forward = (-Z, +W)** and
**backward = (+X, -Y)**.

Cycles writes zero motion for the world background (depth ~1e10); those pixels get the
flow of points at infinity, which only the camera rotation and intrinsics move:
``x' ~ K_to · R_w2c(to) · R_c2w(from) · K_from⁻¹ · x̃``.
"""
from __future__ import annotations

import logging

import numpy as np

from ..camera import pixel_rays

log = logging.getLogger(__name__)

#: Depth at or beyond this (metres) is the world background (Cycles writes 1e10).
BACKGROUND_MIN_DEPTH = 1e9

#: Forward-backward consistency test (Sundaram et al. 2010): a pixel is occluded when
#: |F + B|^2 > FB_ALPHA * (|F|^2 + |B|^2) + FB_BETA  (pixels^2).
FB_ALPHA = 0.01
FB_BETA = 0.5


def vector_to_flows(vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a Vector pass ``(H, W, 4)`` (X, Y, Z, W) into forward and backward flow.

    Returns ``(forward, backward)``, each float32 ``(H, W, 2)`` in pixels, (u, v) =
    (right, down): forward = (-Z, +W), backward = (+X, -Y).
    """
    v = np.asarray(vector, dtype=np.float32)
    fwd = np.empty(v.shape[:2] + (2,), np.float32)
    bwd = np.empty_like(fwd)
    np.negative(v[..., 2], out=fwd[..., 0])
    fwd[..., 1] = v[..., 3]
    bwd[..., 0] = v[..., 0]
    np.negative(v[..., 1], out=bwd[..., 1])
    return fwd, bwd


def background_mask(depth: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)``: pixels that see the world background (depth >= 1e9 or non-finite)."""
    d = np.asarray(depth)
    return ~(d < BACKGROUND_MIN_DEPTH)


def rotation_flow(K_from, c2w_from, K_to, c2w_to, width: int, height: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Flow of points at infinity from camera ``from`` to camera ``to`` at every pixel centre.

    ``K_*`` are 3x3 pixel intrinsics, ``c2w_*`` 4x4 camera-to-world in OpenCV axes. Only
    the rotations matter. Returns ``(flow float32 (H, W, 2), ahead bool (H, W))`` where
    ``ahead`` is False for directions behind the ``to`` camera (flow set to 0 there).
    """
    R = (np.asarray(c2w_to, np.float64)[:3, :3].T @ np.asarray(c2w_from, np.float64)[:3, :3])
    M = np.asarray(K_to, np.float64) @ R
    rays = pixel_rays(K_from, width, height)                 # (H, W, 3), z = 1
    x = rays @ M.T
    ahead = x[..., 2] > 1e-12
    z = np.where(ahead, x[..., 2], 1.0)
    u = np.arange(width) + 0.5
    v = np.arange(height) + 0.5
    flow = np.empty((height, width, 2), np.float32)
    flow[..., 0] = np.where(ahead, x[..., 0] / z - u[None, :], 0.0)
    flow[..., 1] = np.where(ahead, x[..., 1] / z - v[:, None], 0.0)
    return flow, ahead


def fill_background(flow: np.ndarray, depth: np.ndarray, K_from, c2w_from, K_to, c2w_to
                    ) -> np.ndarray:
    """Overwrite ``flow`` (H, W, 2) on background pixels with the rotation-only flow, in place.

    Returns a boolean ``(H, W)`` mask of background pixels whose direction ends behind the
    ``to`` camera (undefined flow; callers mark them invalid).
    """
    bg = background_mask(depth)
    h, w = bg.shape
    behind = np.zeros_like(bg)
    if not bg.any():
        return behind
    rot, ahead = rotation_flow(K_from, c2w_from, K_to, c2w_to, w, h)
    flow[bg] = rot[bg]
    behind[bg] = ~ahead[bg]
    return behind


def bilinear_sample(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample ``img`` (H, W, C) at continuous pixel positions ``x, y`` (pixel centres at +0.5).

    Positions between the outermost pixel centres and the image border take the edge value.
    Returns float32 ``x.shape + (C,)``.
    """
    h, w = img.shape[:2]
    fx = np.clip(np.asarray(x, np.float32) - 0.5, 0.0, w - 1.0)
    fy = np.clip(np.asarray(y, np.float32) - 0.5, 0.0, h - 1.0)
    x0 = np.minimum(fx.astype(np.int32), w - 2) if w > 1 else np.zeros(fx.shape, np.int32)
    y0 = np.minimum(fy.astype(np.int32), h - 2) if h > 1 else np.zeros(fy.shape, np.int32)
    ax = (fx - x0)[..., None]
    ay = (fy - y0)[..., None]
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    top = img[y0, x0] * (1 - ax) + img[y0, x1] * ax
    bot = img[y1, x0] * (1 - ax) + img[y1, x1] * ax
    return (top * (1 - ay) + bot * ay).astype(np.float32, copy=False)


def fb_consistency(fwd: np.ndarray, bwd_next: np.ndarray, *, alpha: float = FB_ALPHA,
                   beta: float = FB_BETA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward-backward check of ``F_t`` (H, W, 2) against ``B_{t+1}`` (H, W, 2).

    ``B_{t+1}`` is looked up bilinearly at ``x + F_t(x)``. Returns
    ``(valid bool, error float32 px = |F + B(x+F)|, inside bool)``: ``inside`` is False where
    ``x + F`` leaves the frame; ``valid`` = inside and consistent within
    ``alpha * (|F|^2 + |B|^2) + beta`` (squared pixels).
    """
    h, w = fwd.shape[:2]
    x = np.arange(w, dtype=np.float32)[None, :] + 0.5 + fwd[..., 0]
    y = np.arange(h, dtype=np.float32)[:, None] + 0.5 + fwd[..., 1]
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    b = bilinear_sample(bwd_next, x, y)
    s = fwd + b
    err2 = np.einsum("...i,...i->...", s, s)
    mag2 = np.einsum("...i,...i->...", fwd, fwd) + np.einsum("...i,...i->...", b, b)
    valid = inside & (err2 <= alpha * mag2 + beta)
    return valid, np.sqrt(err2), inside


def angular_speed_deg_s(c2ws: np.ndarray, fps: float) -> np.ndarray:
    """Camera angular speed (deg/s) between consecutive poses ``c2ws`` (N, 4, 4): shape (N-1,)."""
    R = np.asarray(c2ws, np.float64)[:, :3, :3]
    rel = np.einsum("nji,njk->nik", R[:-1], R[1:])
    cos = np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)
    return np.degrees(np.arccos(cos)) * float(fps)
