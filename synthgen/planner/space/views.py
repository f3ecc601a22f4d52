"""What a planned camera passes and sees in a world: its path sampled densely (the camera
moves in straight lines between frames: Blender keys it LINEAR), its exact clearance,
whether it stays in the navigable volume, whether its views hold content rather than a
blank wall, and where a performer can stand."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .freespace import FreeSpace

SUB_STEPS = 8               # samples per frame step along the path
BLANK_M = 1.0               # a view whose median ray meets geometry closer than this is blank
MAX_BLANK = 0.2             # at most this share of frames may be blank


def densify(P: np.ndarray, n: int = SUB_STEPS) -> np.ndarray:
    """(n·(N-1)+1, 3) points along the polyline through camera centres ``P`` (N, 3)."""
    P = np.asarray(P, float)
    t = np.linspace(0.0, 1.0, n, endpoint=False)[None, :, None]
    seg = P[:-1, None] + t * (P[1:] - P[:-1])[:, None]
    return np.concatenate([seg.reshape(-1, 3), P[-1:]])


def view_rays(R: np.ndarray, K: np.ndarray, width: int, height: int, nx: int = 5, ny: int = 3) -> np.ndarray:
    """(N, nx·ny, 3) unit world directions through a grid of pixels of each frame."""
    u = (np.arange(nx) + 0.5) / nx * width
    v = (np.arange(ny) + 0.5) / ny * height
    uu, vv = np.meshgrid(u, v)
    pix = np.stack([uu.ravel(), vv.ravel(), np.ones(uu.size)], 0)
    cam = np.einsum("nij,jk->nik", np.linalg.inv(K), pix)
    world = np.einsum("nij,njk->nki", R, cam)
    return world / np.linalg.norm(world, axis=2, keepdims=True)


@dataclass
class ViewStats:
    blank_fraction: float       # frames whose view is (mostly) a close surface
    content_fraction: float     # frames that see at least one object (instance id >= 1)
    seen: set                   # instance ids the rays met


def view_stats(space: FreeSpace, P: np.ndarray, R: np.ndarray, K: np.ndarray, width: int, height: int,
               every: int = 3) -> ViewStats:
    idx = np.arange(0, len(P), every)
    d = view_rays(R[idx], K[idx], width, height)
    o = np.repeat(P[idx, None], d.shape[1], axis=1)
    hit, lab = space.raycast(o.reshape(-1, 3), d.reshape(-1, 3))
    hit, lab = hit.reshape(d.shape[:2]), lab.reshape(d.shape[:2])
    blank = np.median(hit, axis=1) < BLANK_M
    content = (lab >= 1).any(axis=1)
    return ViewStats(float(blank.mean()), float(content.mean()), set(int(v) for v in np.unique(lab[lab >= 1])))


def path_problem(space: FreeSpace, P: np.ndarray, clearance_m: float) -> tuple[str | None, float]:
    """Why camera centres ``P`` leave the navigable volume or come closer than
    ``clearance_m`` to geometry (None when they do not), and the exact minimum distance."""
    dense = densify(P)
    if not space.inside_bounds(dense).all():
        return "camera leaves the world's navigable volume", 0.0
    d = space.clearance(dense, cutoff=max(0.6, clearance_m + 0.1))
    m = float(d.min())
    if m < clearance_m:
        return f"camera passes {m:.2f} m from geometry (< {clearance_m:g} m)", m
    return None, m


def box_is_free(space: FreeSpace, lo: np.ndarray, hi: np.ndarray, floor_z: float = 0.0) -> bool:
    """True when nothing but the floor meets the box [lo, hi] (a performer's envelope in one
    frame): no surface voxel above the floor's own voxel, then, exactly, no triangle within
    reach of a 10 cm grid of points filling the box from 9 cm above the floor (a triangle
    inside the box and more than 3 mm above the floor would be within 0.087 m, half a grid
    cell's diagonal, of one of them; road markings a millimetre proud count as floor)."""
    z0 = max(float(lo[2]), floor_z + 0.09)
    first = int(np.floor((floor_z - space.origin[2]) / space.h)) + 1      # above the floor's voxel
    a = np.maximum(space.index(np.array([[lo[0], lo[1], z0]]))[0], [0, 0, first])
    b = np.minimum(space.index(np.asarray(hi, float)[None])[0] + 1, np.array(space.label.shape))
    if np.all(b > a) and (space.label[a[0]:b[0], a[1]:b[1], a[2]:b[2]] >= 0).any():
        return False
    axes = [np.linspace(lo[0], hi[0], max(int(np.ceil((hi[0] - lo[0]) / 0.1)), 1) + 1),
            np.linspace(lo[1], hi[1], max(int(np.ceil((hi[1] - lo[1]) / 0.1)), 1) + 1),
            np.linspace(z0, hi[2], max(int(np.ceil((hi[2] - z0) / 0.1)), 1) + 1)]
    pts = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    return bool(space.triangles.distance(pts, cutoff=0.09).min() > 0.087)
