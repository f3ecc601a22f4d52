"""World geometry from a job's layout (``environment.layout``): one Blender object per
:class:`~synthgen.job.WorldObjectSpec`, its mesh built by :mod:`synthgen.shapes` exactly as the
planner built it for the free-space map, one material per slot (:mod:`.surfaces`), object
pass index = its instance id (0 for structure). Needs bpy."""
from __future__ import annotations

import logging

import bpy
import numpy as np

from ..errors import RenderError
from ..job import LayoutSpec, WorldObjectSpec
from ..shapes import SHAPES
from . import surfaces

log = logging.getLogger(__name__)


def mesh_object(name: str, verts: np.ndarray, faces: np.ndarray, smooth: np.ndarray, slot: np.ndarray,
                collection) -> bpy.types.Object:
    """A mesh object from vertices (V, 3), triangles (F, 3), per-face smooth flags and slot indices."""
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(verts))
    mesh.vertices.foreach_set("co", np.asarray(verts, np.float32).ravel())
    mesh.loops.add(3 * len(faces))
    mesh.loops.foreach_set("vertex_index", np.asarray(faces, np.int32).ravel())
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * len(faces), 3, dtype=np.int32))
    mesh.polygons.foreach_set("loop_total", np.full(len(faces), 3, np.int32))
    mesh.polygons.foreach_set("use_smooth", np.asarray(smooth, bool))
    mesh.polygons.foreach_set("material_index", np.asarray(slot, np.int32))
    mesh.update(calc_edges=True)
    mesh.validate(verbose=False)
    obj = bpy.data.objects.new(name, mesh)
    collection.objects.link(obj)
    return obj


def build_object(spec: WorldObjectSpec, collection, source: str | None = None, field: str = "") -> bpy.types.Object:
    """The object of one world piece (local mesh, yaw about +Z, location; pass index = id)."""
    try:
        mesh = SHAPES.get(spec.kind, source=source, field=f"{field}.kind").build(spec.size, spec.params)
    except (KeyError, ValueError, TypeError) as exc:
        raise RenderError(f"cannot build {spec.kind!r} ({exc.__class__.__name__}: {exc})", source=source,
                          field=field) from None
    obj = mesh_object(spec.name, mesh.verts, mesh.faces, mesh.smooth, mesh.slot, collection)
    by_slot = {s.slot: s for s in spec.surfaces}
    fallback = spec.surfaces[0] if spec.surfaces else None
    for name in mesh.slots:
        surf = by_slot.get(name, fallback)
        obj.data.materials.append(surfaces.material(surf) if surf is not None else None)
    obj.rotation_mode = "XYZ"
    obj.rotation_euler = (0.0, 0.0, float(np.radians(spec.yaw_deg)))
    obj.location = [float(v) for v in spec.location]
    obj.pass_index = int(spec.instance_id)
    if fallback is not None:
        obj.color = (*[float(c) for c in fallback.color[:3]], 1.0)
    return obj


def build_layout(layout: LayoutSpec, collection, source: str | None = None) -> list:
    """Every generated piece of ``layout`` (objects of kind ``imported`` come from the scene file)."""
    out = []
    for i, spec in enumerate(layout.objects):
        if spec.kind != "imported":
            out.append(build_object(spec, collection, source, f"environment.layout.objects[{i}]"))
    log.info("world: %d objects built", len(out))
    return out
