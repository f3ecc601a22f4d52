"""Plücker ray embeddings of a camera trajectory (CameraCtrl convention).

Per pixel ``[o × d, d]`` (6 channels, in that order): ``d`` the unit ray direction through
the pixel centre and ``o`` the camera centre, both in the axes of frame 0's camera (poses are
made relative to frame 0: ``c2w_rel(t) = w2c(0) · c2w(t)``, so frame 0 is the identity).
"""
from __future__ import annotations

import numpy as np

from ..camera import pixel_rays


def scale_intrinsics(K, width: int, height: int, new_width: int, new_height: int) -> np.ndarray:
    """K (3x3) of the same camera imaged at ``new_width x new_height`` pixels.

    With pixel centres at +0.5 the image rectangle maps onto itself under ``u' = u · sx``,
    so fx, cx scale by ``sx`` and fy, cy by ``sy`` with no half-pixel term.
    """
    S = np.diag([new_width / width, new_height / height, 1.0])
    return S @ np.asarray(K, np.float64)


def relative_poses(c2ws) -> np.ndarray:
    """``c2w`` (T, 4, 4) -> poses relative to frame 0: ``inv(c2w[0]) @ c2w[t]`` (float64)."""
    c2ws = np.asarray(c2ws, np.float64)
    return np.linalg.inv(c2ws[0])[None] @ c2ws


def plucker_frame(K, c2w, width: int, height: int) -> np.ndarray:
    """Plücker embedding of one camera: float32 ``(6, height, width)`` = ``[o × d, d]``.

    ``K`` is for ``width x height`` pixels; ``c2w`` (4x4, OpenCV axes) gives the axes of
    ``d`` and ``o``.
    """
    c2w = np.asarray(c2w, np.float64)
    rays = pixel_rays(K, width, height) @ c2w[:3, :3].T        # (h, w, 3) world axes
    d = rays / np.linalg.norm(rays, axis=-1, keepdims=True)
    m = np.cross(np.broadcast_to(c2w[:3, 3], d.shape), d)
    return np.concatenate([m, d], axis=-1).transpose(2, 0, 1).astype(np.float32)


def plucker_clip(Ks, c2ws, width: int, height: int, out_width: int, out_height: int
                 ) -> np.ndarray:
    """Plücker embeddings of a clip: float16 ``(T, 6, out_height, out_width)``.

    ``Ks`` (T, 3, 3) are intrinsics at the render size ``width x height``; they are scaled to
    the output size. ``c2ws`` (T, 4, 4) are absolute OpenCV camera-to-world poses.
    """
    rel = relative_poses(c2ws)
    out = np.empty((len(rel), 6, out_height, out_width), np.float16)
    for t, (K, pose) in enumerate(zip(Ks, rel)):
        Ks_ = scale_intrinsics(K, width, height, out_width, out_height)
        out[t] = plucker_frame(Ks_, pose, out_width, out_height)
    return out


def default_resolution(width: int, height: int, divisor: int = 8) -> tuple[int, int]:
    """Default Plücker size: render size / 8 (at least 1 pixel each way)."""
    return max(1, width // divisor), max(1, height // divisor)
