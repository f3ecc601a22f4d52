"""Rigid props: procedural primitives or mesh files, keyframed per baked frame. Needs bpy."""
from __future__ import annotations

import logging
import math

import bpy  # first: bmesh is importable only once bpy is loaded
import bmesh  # noqa: E402
import numpy as np

from ..errors import RenderError
from ..job import Job, PropSpec
from . import assets, materials
from .anim import continuous_quaternions, keyframe_series

log = logging.getLogger(__name__)

#: Every primitive fits the unit box centred on its origin (scale it with PropSpec.scale):
#: cube side 1; sphere radius 0.5; cylinder/cone radius 0.5, height 1 along +Z; torus major
#: radius 0.35, minor 0.15 in the XY plane; plane 1 x 1 in the XY plane, normal +Z.
PRIMITIVES = ("cube", "sphere", "cylinder", "torus", "cone", "plane")

_IMPORTERS = {
    ".obj": lambda p: bpy.ops.wm.obj_import(filepath=p),
    ".ply": lambda p: bpy.ops.wm.ply_import(filepath=p),
    ".stl": lambda p: bpy.ops.wm.stl_import(filepath=p),
    ".glb": lambda p: bpy.ops.import_scene.gltf(filepath=p),
    ".gltf": lambda p: bpy.ops.import_scene.gltf(filepath=p),
    ".fbx": lambda p: bpy.ops.import_scene.fbx(filepath=p),
}


def primitive_mesh(kind: str, name: str) -> bpy.types.Mesh:
    """A new mesh datablock of the procedural primitive ``kind`` (see :data:`PRIMITIVES`)."""
    bm = bmesh.new()
    if kind == "cube":
        bmesh.ops.create_cube(bm, size=1.0)
    elif kind == "sphere":
        bmesh.ops.create_uvsphere(bm, u_segments=32, v_segments=16, radius=0.5)
    elif kind in ("cylinder", "cone"):
        bmesh.ops.create_cone(bm, cap_ends=True, segments=32, radius1=0.5,
                              radius2=0.5 if kind == "cylinder" else 0.0, depth=1.0)
    elif kind == "plane":
        bmesh.ops.create_grid(bm, x_segments=1, y_segments=1, size=0.5)
    elif kind == "torus":
        _torus(bm, 0.35, 0.15, 32, 12)
    else:
        bm.free()
        raise ValueError(kind)
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    return mesh


def _torus(bm, major: float, minor: float, n_major: int, n_minor: int) -> None:
    verts = []
    for i in range(n_major):
        a = 2 * math.pi * i / n_major
        for j in range(n_minor):
            b = 2 * math.pi * j / n_minor
            r = major + minor * math.cos(b)
            verts.append(bm.verts.new((r * math.cos(a), r * math.sin(a), minor * math.sin(b))))
    for i in range(n_major):
        for j in range(n_minor):
            i2, j2 = (i + 1) % n_major, (j + 1) % n_minor
            bm.faces.new([verts[i * n_minor + j], verts[i2 * n_minor + j],
                          verts[i2 * n_minor + j2], verts[i * n_minor + j2]])


def build_prop(spec: PropSpec, index: int, job: Job, collection, source: str | None = None):
    """The prop's root object (keyed at every baked frame unless static); every mesh under
    it gets ``pass_index = spec.instance_id``."""
    field = f"props[{index}]"
    if assets.is_procedural(spec.asset):
        kind = assets.procedural_name(spec.asset)
        if kind not in PRIMITIVES:
            raise RenderError(f"unknown primitive {kind!r} (one of {', '.join(PRIMITIVES)})",
                              source=source, field=f"{field}.asset.location")
        root = bpy.data.objects.new(spec.name, primitive_mesh(kind, spec.name))
        collection.objects.link(root)
        materials.assign(root, materials.principled(f"{spec.name}.mat", spec.color, spec.roughness))
        meshes = [root]
    else:
        root, meshes = _import_file(spec, field, collection, source)
    for m in meshes:
        m.pass_index = spec.instance_id
    root.rotation_mode = "QUATERNION"
    root.scale = spec.scale
    _animate(root, spec, job)
    return root


def _import_file(spec: PropSpec, field: str, collection, source):
    path = assets.resolve(spec.asset, f"{field}.asset", source)
    importer = _IMPORTERS.get(path.suffix.lower())
    if importer is None:
        raise RenderError(f"cannot import {path.suffix!r} files (use {', '.join(_IMPORTERS)})",
                          source=source, field=f"{field}.asset.location")
    before = set(bpy.data.objects)
    try:
        importer(str(path))
    except RuntimeError as exc:
        raise RenderError(f"cannot import {path.name}: {str(exc).splitlines()[0]}",
                          source=source, field=f"{field}.asset.location") from None
    new = [o for o in bpy.data.objects if o not in before]
    meshes = [o for o in new if o.type == "MESH"]
    if not meshes:
        raise RenderError(f"{path.name} holds no mesh", source=source, field=f"{field}.asset.location")
    root = bpy.data.objects.new(spec.name, None)
    collection.objects.link(root)
    for o in new:
        if o.parent is None:
            o.parent = root
    return root, meshes


def _animate(root, spec: PropSpec, job: Job) -> None:
    locs = np.asarray(spec.location, dtype=np.float64)
    quats = continuous_quaternions(spec.rotation_quat)
    root.location, root.rotation_quaternion = locs[0].tolist(), quats[0].tolist()
    frames = list(job.baked_frames())
    if len(locs) > 1:
        keyframe_series(root, "location", frames, locs)
    if len(quats) > 1:
        keyframe_series(root, "rotation_quaternion", frames, quats)


def build_props(job: Job, collection, source: str | None = None) -> list:
    return [build_prop(p, i, job, collection, source) for i, p in enumerate(job.props)]
