"""Hard per-frame constraints checked on every planned clip.

* the subject's envelope projects inside the frame (:func:`in_frame_ratio`, needs >= 95%);
* the camera is never inside the subject's volume (:func:`camera_clear_of_subject`);
* indoors, camera and subject stay inside the room, clear of walls (:func:`inside_room`,
  a trimesh box of the room shrunk by a margin; convex containment by face planes);
* the camera stays out of props and above the floor.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import trimesh

from .geometry import project

MIN_IN_FRAME = 0.95
SUBJECT_CLEARANCE_M = 0.3
WALL_CLEARANCE_M = 0.3
MIN_CAMERA_HEIGHT_M = 0.15


def frames_in_frame(R: np.ndarray, t: np.ndarray, K: np.ndarray, corners: np.ndarray,
                    width: int, height: int, near: float = 0.05) -> np.ndarray:
    """(N,) bool: every corner (N,8,3) projects inside [0,W]x[0,H] in front of the camera."""
    uv, z = project(R, t, K, corners)
    ok = (z > near) & (uv[..., 0] >= 0) & (uv[..., 0] <= width) & (uv[..., 1] >= 0) & (uv[..., 1] <= height)
    return ok.all(axis=1)


def in_frame_ratio(R, t, K, corners, width, height) -> float:
    """Fraction of frames in which the whole envelope is in the frame."""
    return float(frames_in_frame(R, t, K, corners, width, height).mean())


def camera_clear_of_subject(cam_pos: np.ndarray, boxes_local: np.ndarray, placement,
                            margin: float = SUBJECT_CLEARANCE_M) -> bool:
    """True when no camera centre (N,3) lies inside its frame's envelope box (N,6) grown by ``margin``."""
    local = placement.to_local(cam_pos)
    m = margin / placement.scale
    inside = np.all((local >= boxes_local[:, :3] - m) & (local <= boxes_local[:, 3:] + m), axis=1)
    return not bool(inside.any())


def camera_clear_of_props(cam_pos: np.ndarray, props: list[tuple[np.ndarray, float]],
                          margin: float = SUBJECT_CLEARANCE_M) -> bool:
    """True when the camera keeps ``margin`` from every prop (centre (3,), radius)."""
    for centre, radius in props:
        if np.any(np.linalg.norm(cam_pos - centre, axis=1) < radius + margin):
            return False
    return True


@lru_cache(maxsize=64)
def _room_mesh(size: tuple, center: tuple, margin: float) -> trimesh.Trimesh:
    ext = np.maximum(np.asarray(size) - 2 * margin, 1e-3)
    tf = trimesh.transformations.translation_matrix([center[0], center[1], center[2] + size[2] / 2.0])
    return trimesh.creation.box(extents=ext, transform=tf)


def inside_room(points: np.ndarray, size, center, margin: float = WALL_CLEARANCE_M) -> bool:
    """True when every point (M,3) lies inside the room's box (floor centre ``center``,
    extents ``size``) shrunk by ``margin`` on every side: never in or behind a wall."""
    mesh = _room_mesh(tuple(float(s) for s in size), tuple(float(c) for c in center), float(margin))
    return bool(np.all(signed_distance_convex(mesh, points) < 0.0))


def signed_distance_convex(mesh: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """(M,) signed distance of points to a convex, outward-oriented mesh's face planes
    (negative inside). Exact containment for convex rooms without trimesh's rtree-based ray test."""
    pts = np.asarray(points, float).reshape(-1, 3)
    n, o = mesh.face_normals, mesh.triangles[:, 0]
    return ((pts[:, None, :] - o[None]) * n[None]).sum(-1).max(axis=1)


def above_floor(cam_pos: np.ndarray, floor_z: float = 0.0) -> bool:
    return bool(np.all(cam_pos[:, 2] >= floor_z + MIN_CAMERA_HEIGHT_M))
