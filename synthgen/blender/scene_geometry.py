"""``geometry.npz``: every surface the camera can see, per baked frame, as Blender evaluates it.

Written by the worker when ``"geometry"`` is in ``job.outputs`` (format: :mod:`synthgen.layout`
and :mod:`synthgen.correspond.geometry`), so the correspondence engine outside Blender knows
where every surface point is at every frame without a live scene. Objects are read
generically from the depsgraph's object instances (props, rooms, ground, characters alike):

* triangles are Blender's loop triangles of the evaluated mesh, the ones Cycles renders;
* an object whose evaluated mesh changes (armature, shape keys, deforming modifiers) stores
  its object-space vertices at every baked frame, any other one once;
* an object whose world matrix changes stores it at every baked frame, any other one once.

Viewport and render evaluation differ only through modifier settings, so before reading,
every modifier's viewport switch and subdivision level are set to their render values (the
render itself is unaffected). Needs bpy.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import bpy
import numpy as np

from .. import layout
from ..errors import RenderError
from ..job import Job
from ..renderdir import HOST

log = logging.getLogger(__name__)

GEOMETRY_TYPES = {"MESH", "CURVE", "SURFACE", "META", "FONT"}


def match_render_evaluation(scene) -> None:
    """Make the viewport evaluation (what Python reads) equal the render one (what Cycles
    renders): modifiers shown as in renders, subdivision at render levels."""
    for obj in scene.objects:
        for mod in getattr(obj, "modifiers", ()):
            mod.show_viewport = mod.show_render
            if hasattr(mod, "render_levels") and hasattr(mod, "levels"):
                mod.levels = mod.render_levels


def _key(inst) -> tuple:
    pid = tuple(inst.persistent_id) if inst.is_instance else ()
    return (inst.object.original.name, pid)


def _visible_instances(depsgraph) -> dict[tuple, tuple]:
    """Key -> (evaluated object, world matrix float64 (4, 4)) of every camera-visible surface."""
    out = {}
    for inst in depsgraph.object_instances:
        ob = inst.object
        if ob.type not in GEOMETRY_TYPES or ob.original.hide_render or not ob.visible_camera:
            continue
        out[_key(inst)] = (ob, np.array(inst.matrix_world, dtype=np.float64))
    return out


def _mesh_arrays(ob, tris: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Object-space vertices float32 (V, 3) and, when ``tris``, loop triangles int32 (F, 3)."""
    me = ob.to_mesh()
    try:
        n = len(me.vertices)
        co = np.empty(n * 3, np.float32)
        me.vertices.foreach_get("co", co)
        faces = None
        if tris:
            me.calc_loop_triangles()
            idx = np.empty(len(me.loop_triangles) * 3, np.int32)
            me.loop_triangles.foreach_get("vertices", idx)
            faces = idx.reshape(-1, 3)
        return co.reshape(n, 3), faces
    finally:
        ob.to_mesh_clear()


def _deforms(ob) -> bool:
    orig = ob.original
    keys = getattr(getattr(orig, "data", None), "shape_keys", None)
    return bool(keys) or orig.is_deform_modified(bpy.context.scene, "RENDER")


def _frame_state(scene, frame: int, with_verts: set | None):
    scene.frame_set(frame)
    deps = bpy.context.evaluated_depsgraph_get()
    insts = _visible_instances(deps)
    verts = {k: _mesh_arrays(insts[k][0], False)[0] for k in (with_verts or ()) if k in insts}
    return insts, verts


def collect(job: Job) -> dict[str, np.ndarray]:
    """The arrays of ``geometry.npz`` for the scene built from ``job`` (see module doc)."""
    scene = bpy.context.scene
    match_render_evaluation(scene)
    frames = list(job.baked_frames())
    insts, _ = _frame_state(scene, frames[0], None)
    keys = sorted(insts)
    first = {k: _mesh_arrays(insts[k][0], True) for k in keys}
    last_insts, last_verts = _frame_state(scene, frames[-1], set(keys))
    deforming = {k for k in keys if _deforms(insts[k][0]) or k not in last_verts
                 or last_verts[k].shape != first[k][0].shape
                 or not np.array_equal(last_verts[k], first[k][0])}
    mats = {k: [] for k in keys}
    verts = {k: [] for k in deforming}
    for frame in frames:
        cur, cur_verts = _frame_state(scene, frame, deforming)
        if set(cur) != set(keys):
            raise RenderError(f"the visible objects change at frame {frame} "
                              f"({sorted(set(cur) ^ set(keys))[:3]}); geometry needs a fixed set")
        for k in keys:
            mats[k].append(cur[k][1])
        for k in deforming:
            if cur_verts[k].shape != first[k][0].shape:
                raise RenderError(f"{k[0]}: vertex count changes at frame {frame}", field="geometry")
            verts[k].append(cur_verts[k])
    scene.frame_set(job.frame_start)
    return _arrays(frames, keys, first, mats, verts, insts)


def _arrays(frames, keys, first, mats, verts, insts) -> dict[str, np.ndarray]:
    out = {"frames": np.asarray(frames, np.int32),
           "instance_ids": np.array([int(insts[k][0].pass_index) for k in keys], np.int32),
           "names": np.array([k[0] + "".join(f"/{i}" for i in k[1]) for k in keys])}
    for i, k in enumerate(keys):
        m = np.stack(mats[k])
        moving = np.abs(m - m[0]).max() > 0.0
        out[f"o{i}_matrix"] = m if moving else m[:1]
        out[f"o{i}_verts"] = np.stack(verts[k]) if k in verts else first[k][0][None]
        out[f"o{i}_tris"] = first[k][1]
    return out


def write_geometry(job: Job, clip_dir: Path) -> Path:
    """Write ``clip_dir/geometry.npz`` (temp name, then renamed) and return its path."""
    arrays = collect(job)
    final = Path(clip_dir) / layout.GEOMETRY_FILE
    tmp = final.with_name(f".{final.name}.{HOST}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, final)
    n = len(arrays["instance_ids"])
    log.info("%s: geometry of %d objects (%d deforming, %d moving)", job.clip_id, n,
             sum(arrays[f"o{i}_verts"].shape[0] > 1 for i in range(n)),
             sum(arrays[f"o{i}_matrix"].shape[0] > 1 for i in range(n)))
    return final


def geometry_ok(job: Job, clip_dir: Path) -> bool:
    """``geometry.npz`` is there, readable, and covers the job's baked frames."""
    path = Path(clip_dir) / layout.GEOMETRY_FILE
    if not path.is_file():
        return False
    try:
        with np.load(path) as data:
            return data["frames"].tolist() == list(job.baked_frames())
    except Exception:   # unreadable/truncated: write it again
        return False
