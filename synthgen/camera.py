"""Camera conventions shared by every stage (docs/CONVENTIONS.md §2). numpy only: runs in Blender too.

* Poses in files are camera-to-world 4x4 in **OpenCV camera axes** (x right, y down,
  z forward); Blender cameras look down -z with y up: ``c2w_cv = c2w_blender @ diag(1,-1,-1,1)``.
* Intrinsics are in pixels with pixel *centres* at integer + 0.5, so an unshifted camera has
  ``cx = W/2, cy = H/2``.
"""
from __future__ import annotations

import numpy as np

#: Right-multiplying a Blender camera-to-world by this gives the OpenCV one (and back).
BLENDER_TO_CV = np.diag([1.0, -1.0, -1.0, 1.0])

SENSOR_FITS = ("AUTO", "HORIZONTAL", "VERTICAL")


def c2w_blender_to_cv(c2w_blender) -> np.ndarray:
    return np.asarray(c2w_blender, dtype=np.float64) @ BLENDER_TO_CV


def c2w_cv_to_blender(c2w_cv) -> np.ndarray:
    return np.asarray(c2w_cv, dtype=np.float64) @ BLENDER_TO_CV


def fit_dimension(sensor_fit: str, width: int, height: int) -> tuple[str, float]:
    """Which image side the sensor maps to, and its length in pixels (Blender's rule).

    ``AUTO`` maps ``sensor_width`` onto the larger side; ``HORIZONTAL`` maps
    ``sensor_width`` onto the width; ``VERTICAL`` maps ``sensor_height`` onto the height.
    """
    if sensor_fit == "AUTO":
        return ("width", float(width)) if width >= height else ("height", float(height))
    if sensor_fit == "HORIZONTAL":
        return "width", float(width)
    if sensor_fit == "VERTICAL":
        return "height", float(height)
    raise ValueError(f"sensor_fit must be one of {SENSOR_FITS}, got {sensor_fit!r}")


def intrinsics(focal_mm: float, sensor_width_mm: float, width: int, height: int, *,
               sensor_height_mm: float = 24.0, sensor_fit: str = "AUTO",
               shift_x: float = 0.0, shift_y: float = 0.0) -> np.ndarray:
    """The 3x3 pixel intrinsics Blender's camera produces (square pixels).

    Shifts are in units of the fitted side, as in Blender: +shift_x moves the view right
    (so the principal point moves left), +shift_y moves the view up.
    """
    _, view = fit_dimension(sensor_fit, width, height)
    sensor = sensor_height_mm if sensor_fit == "VERTICAL" else sensor_width_mm
    f = focal_mm * view / sensor
    cx = width / 2.0 - shift_x * view
    cy = height / 2.0 + shift_y * view
    return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])


def focal_mm_for_fx(fx: float, sensor_width_mm: float, width: int, height: int, *,
                    sensor_height_mm: float = 24.0, sensor_fit: str = "AUTO") -> float:
    """Inverse of :func:`intrinsics` for the focal length."""
    _, view = fit_dimension(sensor_fit, width, height)
    sensor = sensor_height_mm if sensor_fit == "VERTICAL" else sensor_width_mm
    return fx * sensor / view


def look_at_cv(eye, target, up=(0.0, 0.0, 1.0), roll_rad: float = 0.0) -> np.ndarray:
    """Camera-to-world (OpenCV axes) at ``eye`` looking at ``target``; ``roll`` about the view axis."""
    eye = np.asarray(eye, dtype=np.float64)
    z = np.asarray(target, dtype=np.float64) - eye
    z /= np.linalg.norm(z)
    up = np.asarray(up, dtype=np.float64)
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-9:  # looking straight up or down: pick any perpendicular
        x = np.cross(z, [1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    if roll_rad:
        c, s = np.cos(roll_rad), np.sin(roll_rad)
        x, y = c * x + s * y, -s * x + c * y
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = x, y, z, eye
    return m


def project(points_world, K, c2w_cv):
    """Project world points (N,3) into pixels. Returns ``(uv (N,2), z (N,))``, z = planar depth."""
    pts = np.asarray(points_world, dtype=np.float64).reshape(-1, 3)
    w2c = np.linalg.inv(np.asarray(c2w_cv, dtype=np.float64))
    cam = pts @ w2c[:3, :3].T + w2c[:3, 3]
    z = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uvw = cam @ np.asarray(K, dtype=np.float64).T
        uv = uvw[:, :2] / uvw[:, 2:3]
    return uv, z


def inverse_K(K) -> np.ndarray:
    """``K⁻¹`` (3, 3) float64 of pixel intrinsics ``[[fx, s, cx], [0, fy, cy], [0, 0, 1]]``,
    in closed form (``np.linalg.inv`` wakes OpenBLAS's threads, which then spin beside the
    engine's per-frame work); any other matrix goes to ``np.linalg.inv``."""
    K = np.asarray(K, dtype=np.float64)
    if K[1, 0] != 0.0 or K[2, 0] != 0.0 or K[2, 1] != 0.0 or K[2, 2] != 1.0:
        return np.linalg.inv(K)
    fx, s, cx, fy, cy = K[0, 0], K[0, 1], K[0, 2], K[1, 1], K[1, 2]
    return np.array([[1.0 / fx, -s / (fx * fy), (s * cy - cx * fy) / (fx * fy)],
                     [0.0, 1.0 / fy, -cy / fy],
                     [0.0, 0.0, 1.0]])


def pixel_rays(K, width: int, height: int) -> np.ndarray:
    """Unnormalised camera-frame ray directions through pixel centres, shape (H, W, 3), z = 1."""
    u = np.arange(width) + 0.5
    v = np.arange(height) + 0.5
    uu, vv = np.meshgrid(u, v)
    pix = np.stack([uu, vv, np.ones_like(uu)], axis=-1)
    return pix @ np.linalg.inv(np.asarray(K, dtype=np.float64)).T


def rotation_angle(R_a, R_b) -> float:
    """Angle in radians of the relative rotation between two 3x3 rotations."""
    R = np.asarray(R_a).T @ np.asarray(R_b)
    return float(np.arccos(np.clip((np.trace(R) - 1.0) / 2.0, -1.0, 1.0)))
