"""Flow predicted from geometry alone: depth, intrinsics, camera poses, object transforms.

Nothing here reads the Vector pass; these predictions are what the rendered flow is checked
against. Conventions are docs/CONVENTIONS.md §2 and §4: OpenCV camera axes, ``c2w`` 4x4 camera-to-world, ``K``
3x3 in pixels with pixel centres at integer + 0.5, forward flow maps frame t to t+1 in
``(u, v)`` = (right, down) pixels, planar depth in metres. All maths in float64.
"""
from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

#: Depth at or beyond this (metres) is the world background (Cycles writes 1e10).
BACKGROUND_MIN_DEPTH = 1e9


def pixel_grid(width: int, height: int) -> np.ndarray:
    """Pixel-centre coordinates ``(H, W, 2)`` float64: ``[..., 0] = u = col + 0.5``, ``[..., 1] = v``."""
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    return np.stack([u, v], axis=-1)


def unproject(depth: np.ndarray, K, c2w) -> np.ndarray:
    """World points ``(H, W, 3)`` of every pixel centre at planar ``depth`` ``(H, W)`` metres."""
    h, w = depth.shape
    pix = np.concatenate([pixel_grid(w, h), np.ones((h, w, 1))], axis=-1)
    rays = pix @ np.linalg.inv(np.asarray(K, np.float64)).T          # z = 1
    cam = rays * np.asarray(depth, np.float64)[..., None]
    c2w = np.asarray(c2w, np.float64)
    return cam @ c2w[:3, :3].T + c2w[:3, 3]


def project_points(points: np.ndarray, K, c2w) -> tuple[np.ndarray, np.ndarray]:
    """Project world points ``(..., 3)``: returns ``(uv (..., 2) px, z (...,) planar depth m)``.

    ``uv`` is NaN where ``z <= 0`` (behind the camera).
    """
    c2w = np.asarray(c2w, np.float64)
    R, t = c2w[:3, :3], c2w[:3, 3]
    cam = (np.asarray(points, np.float64) - t) @ R            # = R^T (p - t), row-wise
    z = cam[..., 2]
    uvw = cam @ np.asarray(K, np.float64).T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = uvw[..., :2] / np.where(z > 0, z, np.nan)[..., None]
    return uv, z


def static_flow(depth: np.ndarray, K0, c2w0, K1, c2w1, motion=None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Forward flow of surface points that move rigidly (or not at all) from t to t+1.

    Each pixel centre is unprojected with its ``depth`` ``(H, W)``, ``K0`` and ``c2w0``,
    moved by the world-space rigid ``motion`` (4x4, ``None`` = static) and projected with
    ``K1`` and ``c2w1``. Returns ``(flow (H, W, 2) float64 px, z1 (H, W) planar depth at t+1)``;
    flow is NaN where the point is behind camera t+1.
    """
    pts = unproject(depth, K0, c2w0)
    if motion is not None:
        m = np.asarray(motion, np.float64)
        pts = pts @ m[:3, :3].T + m[:3, 3]
    uv1, z1 = project_points(pts, K1, c2w1)
    return uv1 - pixel_grid(depth.shape[1], depth.shape[0]), z1


def rotation_only_flow(K0, c2w0, K1, c2w1, width: int, height: int) -> np.ndarray:
    """Forward flow ``(H, W, 2)`` float64 of points at infinity (the world background).

    Directions through each pixel centre of camera t are rotated into camera t+1 and
    projected with ``K1``; translation plays no part. NaN where the direction ends behind
    camera t+1.
    """
    pix = np.concatenate([pixel_grid(width, height), np.ones((height, width, 1))], axis=-1)
    d_cam0 = pix @ np.linalg.inv(np.asarray(K0, np.float64)).T
    R0 = np.asarray(c2w0, np.float64)[:3, :3]
    R1 = np.asarray(c2w1, np.float64)[:3, :3]
    d_world = d_cam0 @ R0.T
    # A point at infinity projects like its direction: the camera position plays no part.
    d_cam1 = d_world @ R1
    z = d_cam1[..., 2]
    uvw = d_cam1 @ np.asarray(K1, np.float64).T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = uvw[..., :2] / np.where(z > 1e-12, z, np.nan)[..., None]
    return uv - pixel_grid(width, height)


def quat_to_matrix(q) -> np.ndarray:
    """3x3 rotation of a unit quaternion ``(w, x, y, z)`` (Blender's order)."""
    w, x, y, z = (float(c) for c in q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def rigid_pose(location, rotation_quat) -> np.ndarray:
    """4x4 world transform ``T(location) @ R(quat)`` (scale is constant, so it cancels in motion)."""
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix(rotation_quat)
    m[:3, 3] = np.asarray(location, np.float64)
    return m


def rigid_motion(pose_t, pose_t1) -> np.ndarray:
    """World-space 4x4 motion taking a point of an object at pose t to its place at pose t+1."""
    return np.asarray(pose_t1, np.float64) @ np.linalg.inv(np.asarray(pose_t, np.float64))
