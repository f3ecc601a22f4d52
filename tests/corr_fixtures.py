"""Hand-made ``geometry.npz`` files with analytic correspondences (no Blender).

The camera is :func:`scenes.front_camera` (at the origin looking along world +Y: image u
grows with world X, v with world -Z), so a fronto-parallel square at depth ``d`` covers the
pixel rectangle ``u = cx + f x / d``, ``v = cy - f z / d`` exactly.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthgen import layout
from synthgen.job import Job


def quad(u0, v0, u1, v1, depth, K) -> np.ndarray:
    """World corners (4, 3) of the square covering pixels [u0, u1] x [v0, v1] at ``depth``."""
    f, cx, cy = K[0][0], K[0][2], K[1][2]
    xs = [(u - cx) * depth / f for u in (u0, u1)]
    zs = [-(v - cy) * depth / f for v in (v0, v1)]
    return np.array([[xs[0], depth, zs[0]], [xs[1], depth, zs[0]], [xs[1], depth, zs[1]],
                     [xs[0], depth, zs[1]]])


QUAD_TRIS = np.array([[0, 1, 2], [0, 2, 3]], np.int32)


def translation(d) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = d
    return m


def obj(name: str, iid: int, verts, *, matrix=None, tris=QUAD_TRIS) -> dict:
    """One object: ``verts`` (V, 3) or (n_baked, V, 3) object space, ``matrix`` (4, 4) or
    (n_baked, 4, 4) (default identity)."""
    v = np.asarray(verts, np.float32)
    m = np.eye(4) if matrix is None else np.asarray(matrix, np.float64)
    return {"name": name, "iid": iid, "tris": np.asarray(tris, np.int32),
            "verts": v if v.ndim == 3 else v[None], "matrix": m if m.ndim == 3 else m[None]}


def write_geometry(clip_dir, job: Job, objects: list[dict]) -> Path:
    """``clip_dir/geometry.npz`` in the worker's layout."""
    arrays = {"frames": np.asarray(list(job.baked_frames()), np.int32),
              "instance_ids": np.array([o["iid"] for o in objects], np.int32),
              "names": np.array([o["name"] for o in objects])}
    for k, o in enumerate(objects):
        arrays[f"o{k}_tris"], arrays[f"o{k}_verts"], arrays[f"o{k}_matrix"] = o["tris"], o["verts"], o["matrix"]
    path = Path(clip_dir) / layout.GEOMETRY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


def moving(job: Job, step_world) -> np.ndarray:
    """Per-baked-frame translations (n_baked, 4, 4) by ``step_world`` per frame, identity at
    the first rendered frame."""
    return np.stack([translation(np.asarray(step_world, float) * (i - 1)) for i in range(job.n_baked)])


def embree_scene(geometry, i: int):
    """An Embree scene (embreex) of every object of ``geometry`` at baked index ``i``, geometry
    ids = object indices: the independent ray tracer the engine's rasteriser is checked
    against."""
    from embreex import mesh_construction, rtcore_scene

    scene = rtcore_scene.EmbreeScene()
    for o in geometry.objects:
        tris = o.tris if len(o.tris) else np.zeros((1, 3), np.int64)        # keep ids aligned
        verts = o.world(i) if len(o.tris) else np.zeros((1, 3))
        mesh_construction.TriangleMesh(scene, verts.astype(np.float32), tris.astype(np.int32))
    return scene
