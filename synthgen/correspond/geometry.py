"""The scene's surfaces at every baked frame, read from a render folder's ``geometry.npz``.

The worker writes the file (:mod:`synthgen.blender.scene_geometry`) when ``"geometry"`` is in
``job.outputs``; its layout is in :mod:`synthgen.layout`. Each object is a triangle mesh
(Blender's loop triangles) with object-space vertices and an object-to-world matrix, each
stored once or per baked frame (frames ``frame_start - 1 .. frame_end + 1``). An object is

* ``static`` when both are stored once (rooms, ground, props that never move);
* ``rigid`` when only the matrix changes (keyframed props);
* ``deforming`` when the vertices change (characters).

World positions are float64 ``matrix @ vertex``. numpy only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import layout
from ..errors import CorrespondenceError
from ..job import Job

log = logging.getLogger(__name__)


@dataclass
class MeshObject:
    """One surface: ``tris`` int32 (F, 3), ``verts`` float32 (1 or n_baked, V, 3) object
    space, ``matrix`` float64 (1 or n_baked, 4, 4) object-to-world."""

    name: str
    instance_id: int
    tris: np.ndarray
    verts: np.ndarray
    matrix: np.ndarray
    _world: dict = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        if self.verts.shape[0] > 1:
            return "deforming"
        return "rigid" if self.matrix.shape[0] > 1 else "static"

    def matrix_at(self, i: int) -> np.ndarray:
        """Object-to-world (4, 4) at baked index ``i``."""
        return self.matrix[i if self.matrix.shape[0] > 1 else 0]

    def world(self, i: int) -> np.ndarray:
        """World vertices float64 (V, 3) at baked index ``i`` (the last few are cached)."""
        key = 0 if self.kind == "static" else i
        w = self._world.get(key)
        if w is None:
            v = self.verts[i if self.verts.shape[0] > 1 else 0].astype(np.float64)
            m = self.matrix_at(i)
            w = affine(v, m[:3, :3], m[:3, 3])
            remember(self._world, key, w)
        return w


@dataclass
class SceneGeometry:
    """Every object of a clip; ``frames`` are the Blender frames of the baked indices."""

    frames: np.ndarray
    objects: list[MeshObject]

    def index(self, frame: int) -> int:
        return int(frame - self.frames[0])

    @property
    def n_triangles(self) -> int:
        return sum(len(o.tris) for o in self.objects)

    @property
    def table(self) -> "MeshTable":
        """Every object's triangles in flat arrays (built once), for the compiled kernels."""
        if self._table is None:
            self._table = MeshTable(self.objects)
        return self._table

    _table: "MeshTable | None" = field(default=None, repr=False, init=False, compare=False)


#: Object kind -> the code the kernels use (:mod:`synthgen.correspond.kernels`).
KIND_CODES = {"static": 0, "rigid": 1, "deforming": 2}


class MeshTable:
    """The objects of a scene as flat arrays: ``kind`` int8 (n_obj,) codes, ``tri_off`` int64
    (n_obj,) each object's first row in ``tris`` int64 (F, 3), whose corners index
    ``lverts`` float64 (object-space vertices of static and rigid objects, fixed; ``lobj``
    their object) or, for deforming objects, :meth:`dverts` (their world vertices at a baked
    index). Per triangle: ``tri_obj`` its object, ``tri_local`` its index there (int32)."""

    def __init__(self, objects: list[MeshObject]):
        self.objects = objects
        self.kind = np.array([KIND_CODES[o.kind] for o in objects], np.int8)
        self.tri_off = np.zeros(len(objects), np.int64)
        self._deforming = [o for o in objects if o.kind == "deforming"]
        tris, lverts, n_tri, n_l, n_d = [], [], 0, 0, 0
        for k, o in enumerate(objects):
            self.tri_off[k] = n_tri
            n_tri += len(o.tris)
            if o.kind == "deforming":
                tris.append(o.tris + n_d)
                n_d += o.verts.shape[1]
            else:
                tris.append(o.tris + n_l)
                lverts.append(o.verts[0].astype(np.float64))
                n_l += o.verts.shape[1]
        self.tris = np.ascontiguousarray(np.concatenate(tris) if tris else np.zeros((0, 3)), np.int64)
        self.lverts = np.concatenate(lverts) if lverts else np.zeros((0, 3))
        counts = [len(o.tris) for o in objects]
        self.tri_obj = np.repeat(np.arange(len(objects), dtype=np.int32), counts)   # per triangle
        self.tri_local = np.concatenate([np.arange(c, dtype=np.int32) for c in counts] or
                                        [np.zeros(0, np.int32)])
        self.lobj = np.repeat(np.arange(len(objects), dtype=np.int32),          # per fixed vertex
                              [o.verts.shape[1] if o.kind != "deforming" else 0 for o in objects])
        self._dverts: dict[int, np.ndarray] = {}
        self._mats: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def dverts(self, i: int) -> np.ndarray:
        """World vertices float64 (V_d, 3) of every deforming object at baked index ``i``."""
        got = self._dverts.get(i)
        if got is None:
            parts = [o.world(i) for o in self._deforming]
            got = np.ascontiguousarray(np.concatenate(parts)) if parts else np.zeros((0, 3))
            remember(self._dverts, i, got)
        return got

    def matrices(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Object-to-world and world-to-object float64 (n_obj, 3, 4) at baked index ``i``."""
        got = self._mats.get(i)
        if got is None:
            M = np.array([o.matrix_at(i) for o in self.objects]).reshape(-1, 4, 4)
            got = (np.ascontiguousarray(M[:, :3]), inverse_affine(M))
            remember(self._mats, i, got)
        return got


#: Per-frame arrays an object or table keeps (the oldest goes first).
KEEP_FRAMES = 24


def remember(store: dict, key: int, value) -> None:
    """Keep ``value`` under ``key`` in a per-frame cache of at most :data:`KEEP_FRAMES`."""
    if len(store) >= KEEP_FRAMES:
        store.pop(next(iter(store)))
    store[key] = value


def geometry_path(clip_dir) -> Path:
    return Path(clip_dir) / layout.GEOMETRY_FILE


def has_geometry(clip_dir) -> bool:
    return geometry_path(clip_dir).is_file()


def load_geometry(clip_dir, job: Job) -> SceneGeometry:
    """Read and check ``geometry.npz`` of the render folder ``clip_dir`` rendered from ``job``.

    Raises :class:`CorrespondenceError` naming the file, the array and the reason."""
    path = geometry_path(clip_dir)
    if not path.is_file():
        raise CorrespondenceError("is missing: render with 'geometry' in the job's outputs",
                                  source=str(path))
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # zipfile/ValueError/OSError: a corrupt file
        raise CorrespondenceError(f"unreadable npz ({exc.__class__.__name__}: {exc})",
                                  source=str(path)) from None
    return _from_arrays(arrays, job, str(path))


def _from_arrays(arrays: dict, job: Job, source: str) -> SceneGeometry:
    def need(key: str) -> np.ndarray:
        if key not in arrays:
            raise CorrespondenceError("array is missing", source=source, field=key)
        return arrays[key]

    frames = need("frames")
    if frames.tolist() != list(job.baked_frames()):
        raise CorrespondenceError(f"covers frames {frames[:1].tolist()}..{frames[-1:].tolist()}, the "
                                  f"job bakes {job.frame_start - 1}..{job.frame_end + 1}",
                                  source=source, field="frames")
    ids, names = need("instance_ids"), need("names")
    objects = []
    for k in range(len(ids)):
        tris, verts, mat = need(f"o{k}_tris"), need(f"o{k}_verts"), need(f"o{k}_matrix")
        _check_object(k, tris, verts, mat, len(frames), source)
        objects.append(MeshObject(str(names[k]), int(ids[k]), tris.astype(np.int64),
                                  verts, mat.astype(np.float64)))
    return SceneGeometry(frames.astype(np.int64), objects)


def _check_object(k: int, tris, verts, mat, n_baked: int, source: str) -> None:
    if tris.ndim != 2 or tris.shape[1] != 3 or tris.dtype.kind not in "iu":
        raise CorrespondenceError(f"shape {tris.shape} {tris.dtype}, expected int [F, 3]",
                                  source=source, field=f"o{k}_tris")
    if verts.ndim != 3 or verts.shape[0] not in (1, n_baked) or verts.shape[2] != 3:
        raise CorrespondenceError(f"shape {verts.shape}, expected [1 or {n_baked}, V, 3]",
                                  source=source, field=f"o{k}_verts")
    if mat.shape[1:] != (4, 4) or mat.shape[0] not in (1, n_baked):
        raise CorrespondenceError(f"shape {mat.shape}, expected [1 or {n_baked}, 4, 4]",
                                  source=source, field=f"o{k}_matrix")
    if tris.size and (tris.min() < 0 or tris.max() >= verts.shape[1]):
        raise CorrespondenceError("triangle corner out of range of the vertices",
                                  source=source, field=f"o{k}_tris")
    if not (np.isfinite(verts).all() and np.isfinite(mat).all()):
        raise CorrespondenceError("holds non-finite values", source=source, field=f"o{k}_verts")


def affine(p: np.ndarray, A: np.ndarray, b=None) -> np.ndarray:
    """``p @ A.T + b`` for points (n, 3) and a 3x3 ``A``, by columns: numpy's matmul with an
    inner size of 3 runs several times slower than these element-wise passes."""
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    out = np.empty((len(p), A.shape[0]))
    for r in range(A.shape[0]):
        col = x * A[r, 0]
        col += y * A[r, 1]
        col += z * A[r, 2]
        if b is not None:
            col += b[r]
        out[:, r] = col
    return out


def inverse_affine(M: np.ndarray) -> np.ndarray:
    """Inverses (n, 3, 4) of affine matrices ``M`` (n, 4, 4) (last row 0 0 0 1), by the
    adjugate: no LAPACK call (see :func:`synthgen.camera.inverse_K`)."""
    A, b = M[:, :3, :3], M[:, :3, 3]
    c0, c1, c2 = A[:, :, 0], A[:, :, 1], A[:, :, 2]
    adj = np.stack([np.cross(c1, c2), np.cross(c2, c0), np.cross(c0, c1)], axis=1)  # rows
    det = np.einsum("ni,ni->n", c0, adj[:, 0])
    inv = adj / det[:, None, None]
    return np.ascontiguousarray(np.concatenate([inv, -np.einsum("nij,nj->ni", inv, b)[:, :, None]], axis=2))
