"""Test helpers for worlds with geometry, written independently of the planner's own
free-space code: a brute-force point-to-triangle distance (plane projection plus the three
edge segments, not the planner's Voronoi-region test), the world's triangles rebuilt from a
job file alone, and small scene files (Wavefront OBJ, glTF 2.0) written by hand."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from synthgen.shapes import object_mesh


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(P, T) distances from points p (P, 3) to segments a-b (T, 3)."""
    ab = b - a
    t = np.einsum("ptk,tk->pt", p[:, None] - a[None], ab) / np.maximum((ab * ab).sum(-1), 1e-18)
    q = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
    return np.linalg.norm(p[:, None] - q, axis=-1)


def point_triangle_distance(points: np.ndarray, tris: np.ndarray, chunk: int = 64) -> np.ndarray:
    """(P,) exact distance from each point to the nearest of ``tris`` (T, 3, 3), brute force."""
    points = np.asarray(points, float)
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    n = np.cross(b - a, c - a)
    area2 = np.linalg.norm(n, axis=1)
    ok = area2 > 1e-12
    n = n / np.where(ok, area2, 1.0)[:, None]
    out = np.empty(len(points))
    for s in range(0, len(points), chunk):
        p = points[s:s + chunk]
        h = np.einsum("ptk,tk->pt", p[:, None] - a[None], n)
        q = p[:, None] - h[..., None] * n[None]                           # projection on the plane
        inside = np.ones(h.shape, bool)
        for u, v in ((a, b), (b, c), (c, a)):                             # same side of every edge
            inside &= np.einsum("ptk,tk->pt", np.cross(v - u, q - u[None]), n) >= -1e-12
        d = np.where(inside & ok, np.abs(h), np.inf)
        for u, v in ((a, b), (b, c), (c, a)):
            d = np.minimum(d, _segment_distance(p, u, v))
        out[s:s + chunk] = d.min(axis=1)
    return out


def near(tris: np.ndarray, points: np.ndarray, reach: float) -> np.ndarray:
    """The triangles whose bounding boxes come within ``reach`` of the points' bounding box."""
    lo, hi = points.min(axis=0) - reach, points.max(axis=0) + reach
    keep = (tris.max(axis=1) >= lo).all(axis=1) & (tris.min(axis=1) <= hi).all(axis=1)
    return tris[keep]


def job_triangles(job, scene_tris: np.ndarray | None = None) -> np.ndarray:
    """(T, 3, 3) every triangle of the job's world: its layout objects' shapes, plus
    ``scene_tris`` (an imported scene's triangles as read from its file) moved by the
    layout's ``scene_transform``."""
    parts = [object_mesh(o).triangles for o in job.world_objects() if o.kind != "imported"]
    if scene_tris is not None:
        T = np.asarray(job.environment.layout.scene_transform, float)
        v = scene_tris.reshape(-1, 3) @ T[:3, :3].T + T[:3, 3]
        parts.append(v.reshape(-1, 3, 3))
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros((0, 3, 3))


def camera_centres(job, sub: int = 8) -> np.ndarray:
    """Camera centres of every frame and ``sub - 1`` points between each pair (the path densely)."""
    P = np.array([np.asarray(m, float)[:3, 3] for m in job.camera.c2w])
    t = np.linspace(0.0, 1.0, sub, endpoint=False)[None, :, None]
    return np.concatenate([(P[:-1, None] + t * (P[1:] - P[:-1])[:, None]).reshape(-1, 3), P[-1:]])


# ----------------------------------------------------------------------------- scene files
def box_triangles(lo, hi) -> np.ndarray:
    """(12, 3, 3) outward-facing triangles of an axis-aligned box (z up)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    v = np.array([[hi[0] if k & 1 else lo[0], hi[1] if k & 2 else lo[1], hi[2] if k & 4 else lo[2]]
                  for k in range(8)])
    f = [[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
         [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]]
    return v[np.array(f)]


#: a 8 x 6 m walled yard without a ceiling: floor, four walls, a table and a cabinet (z up, metres)
ROOM = {"floor": ([-4, -3, -0.1], [4, 3, 0]), "wall_north": ([-4, 3, 0], [4, 3.1, 2.6]),
        "wall_south": ([-4, -3.1, 0], [4, -3, 2.6]), "wall_east": ([4, -3, 0], [4.1, 3, 2.6]),
        "wall_west": ([-4.1, -3, 0], [-4, 3, 2.6]), "table": ([0.5, 0.5, 0], [1.7, 1.3, 0.75]),
        "cabinet": ([-3.5, -2.5, 0], [-2.7, -1.9, 1.8])}


def room_triangles(objects=ROOM) -> dict[str, np.ndarray]:
    return {name: box_triangles(lo, hi) for name, (lo, hi) in objects.items()}


def _zup_to_yup(v: np.ndarray) -> np.ndarray:
    return np.stack([v[..., 0], v[..., 2], -v[..., 1]], -1)


def write_obj(path: Path, objects: dict[str, np.ndarray], up: str = "Y", scale: float = 1.0) -> Path:
    """One ``o`` group per object; coordinates in ``up``-up axes, file units = metres / scale."""
    lines, base = [], 1
    for name, tris in objects.items():
        v = (_zup_to_yup(tris) if up == "Y" else tris).reshape(-1, 3) / scale
        lines.append(f"o {name}")
        lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in v]
        lines += [f"f {base + 3 * k} {base + 3 * k + 1} {base + 3 * k + 2}" for k in range(len(tris))]
        base += len(v)
    path.write_text("\n".join(lines) + "\n")
    return path


def write_gltf(path: Path, objects: dict[str, np.ndarray]) -> Path:
    """A glTF 2.0 file (Y up, metres) with one node and mesh per object, buffer embedded."""
    blob, views, accessors, meshes, nodes = b"", [], [], [], []
    for k, (name, tris) in enumerate(objects.items()):
        v = _zup_to_yup(tris).reshape(-1, 3).astype(np.float32)
        views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": v.nbytes, "target": 34962})
        accessors.append({"bufferView": k, "componentType": 5126, "count": len(v), "type": "VEC3",
                          "min": v.min(axis=0).tolist(), "max": v.max(axis=0).tolist()})
        meshes.append({"name": name, "primitives": [{"attributes": {"POSITION": k}}]})
        nodes.append({"name": name, "mesh": k})
        blob += v.tobytes()
    doc = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": list(range(len(nodes)))}],
           "nodes": nodes, "meshes": meshes, "accessors": accessors, "bufferViews": views,
           "buffers": [{"byteLength": len(blob),
                        "uri": "data:application/octet-stream;base64," + base64.b64encode(blob).decode()}]}
    path.write_text(json.dumps(doc))
    return path
