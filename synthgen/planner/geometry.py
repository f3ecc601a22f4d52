"""Vectorised pose helpers for the planner (numpy + scipy; N = number of baked frames).

Rotations are 3x3 (N,3,3) camera-to-world in OpenCV camera axes (x right, y down,
z forward) unless a name says otherwise; angles in radians unless a name says ``_deg``.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

UP = np.array([0.0, 0.0, 1.0])


def normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis (zero vectors stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def look_at(eyes: np.ndarray, targets: np.ndarray, roll: np.ndarray | float = 0.0) -> np.ndarray:
    """(N,3,3) OpenCV camera-to-world rotations at ``eyes`` (N,3) looking at ``targets`` (N,3).

    Same construction as :func:`synthgen.camera.look_at_cv` (x = z × up, y = z × x), with a
    roll (N,) about the view axis: x' = cos·x + sin·y (clockwise seen from behind the camera).
    """
    z = normalize(np.asarray(targets, float) - np.asarray(eyes, float))
    x = np.cross(z, UP)
    small = np.linalg.norm(x, axis=-1) < 1e-9
    if np.any(small):
        alt = np.where(np.abs(z[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        x[small] = np.cross(z[small], alt[small])
    x = normalize(x)
    y = np.cross(z, x)
    roll = np.broadcast_to(np.asarray(roll, float), (len(z),))
    c, s = np.cos(roll)[:, None], np.sin(roll)[:, None]
    x, y = c * x + s * y, -s * x + c * y
    return np.stack([x, y, z], axis=-1)


def rot_z(angle: np.ndarray | float) -> np.ndarray:
    """Rotation(s) about world +Z by ``angle`` (counter-clockwise seen from above)."""
    a = np.asarray(angle, float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def rot_local(R: np.ndarray, axis: int, angle: np.ndarray) -> np.ndarray:
    """Rotate camera frames ``R`` (N,3,3) about their own ``axis`` (0=x, 1=y, 2=z) by ``angle`` (N,)."""
    rv = np.zeros((len(angle), 3))
    rv[:, axis] = angle
    return R @ Rotation.from_rotvec(rv).as_matrix()


def poses(R: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(N,4,4) rigid transforms from rotations (N,3,3) and translations (N,3)."""
    m = np.zeros((len(R), 4, 4))
    m[:, :3, :3] = R
    m[:, :3, 3] = t
    m[:, 3, 3] = 1.0
    return m


def to_camera(R: np.ndarray, t: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """World points (N,M,3) into camera coordinates (N,M,3) of poses (R (N,3,3), t (N,3))."""
    return np.einsum("nji,nmj->nmi", R, pts - t[:, None, :])


def project(R: np.ndarray, t: np.ndarray, K: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels (N,M,2) and planar depth (N,M) of world points (N,M,3); K is (N,3,3)."""
    cam = to_camera(R, t, pts)
    z = cam[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uvw = np.einsum("nij,nmj->nmi", K, cam)
        uv = uvw[..., :2] / uvw[..., 2:3]
    return uv, z


def box_corners(boxes: np.ndarray) -> np.ndarray:
    """(N,8,3) corners of axis-aligned boxes (N,6) = [xmin,ymin,zmin,xmax,ymax,zmax]."""
    idx = np.array([[(i >> 0) & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)])
    lo, hi = boxes[:, None, :3], boxes[:, None, 3:]
    return np.where(idx[None] == 1, hi, lo)


def speeds(R: np.ndarray, t: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-step linear (m/s) and angular (deg/s) speeds between consecutive frames, (N-1,) each."""
    lin = np.linalg.norm(np.diff(t, axis=0), axis=-1) * fps
    rel = np.einsum("nji,njk->nik", R[:-1], R[1:])
    cos = np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)
    return lin, np.degrees(np.arccos(cos)) * fps


def speed_stats(R: np.ndarray, t: np.ndarray, fps: float) -> dict:
    lin, ang = speeds(R, t, fps)
    return {"peak_linear_m_s": round(float(lin.max(initial=0.0)), 6),
            "mean_linear_m_s": round(float(lin.mean()) if len(lin) else 0.0, 6),
            "peak_angular_deg_s": round(float(ang.max(initial=0.0)), 6),
            "mean_angular_deg_s": round(float(ang.mean()) if len(ang) else 0.0, 6)}

