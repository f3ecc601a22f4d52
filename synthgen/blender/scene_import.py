"""User scenes (scene type ``imported``): loading .blend, .glb/.gltf, .fbx, .obj and
.usd/.usda/.usdc/.usdz files the same way for ``synthgen assets import-scene`` and for the
worker, their triangles in world space, and a preview picture. Needs bpy.

* ``.blend``: only mesh (and light) objects are appended, with script auto-execution off, so
  nothing in the file runs (no scenes, no text blocks, no drivers' scripts).
* ``.glb``/``.gltf`` (metres, Y up) and ``.usd*`` (the stage's metersPerUnit and upAxis) come in
  Z-up metres through Blender's importers; ``.fbx`` applies its own unit and axis settings;
  ``.obj`` has no units or declared axis: ``up`` ("Y", the OBJ habit, or "Z") and ``unit_scale``
  say what the file means.
* Then the scene's 4x4 ``transform`` (the manifest's: unit scale, centring, floor at z = 0) is
  applied to every root object, so planner and renderer see the same geometry.
"""
from __future__ import annotations

import logging
from pathlib import Path

import bpy
import mathutils
import numpy as np

from ..errors import RenderError
from ..job import LayoutSpec
from . import assets

log = logging.getLogger(__name__)

SCENE_SUFFIXES = (".blend", ".glb", ".gltf", ".fbx", ".obj", ".usd", ".usda", ".usdc", ".usdz")


def _import(path: Path, up: str) -> None:
    suffix = path.suffix.lower()
    p = str(path)
    if suffix in (".glb", ".gltf"):
        bpy.ops.import_scene.gltf(filepath=p)
    elif suffix == ".fbx":
        bpy.ops.import_scene.fbx(filepath=p)
    elif suffix == ".obj":
        bpy.ops.wm.obj_import(filepath=p, forward_axis="NEGATIVE_Z" if up == "Y" else "Y",
                              up_axis="Y" if up == "Y" else "Z")
    elif suffix in (".usd", ".usda", ".usdc", ".usdz"):
        bpy.ops.wm.usd_import(filepath=p)
    elif suffix == ".blend":
        _append_blend(path)
    else:
        raise RenderError(f"cannot import {suffix!r} scenes (use {', '.join(SCENE_SUFFIXES)})", source=p)


def _append_blend(path: Path) -> None:
    """Mesh and light objects of a .blend, appended with script auto-execution off."""
    bpy.context.preferences.filepaths.use_scripts_auto_execute = False
    with bpy.data.libraries.load(str(path), link=False) as (src, dst):
        dst.objects = list(src.objects)
    col = bpy.context.scene.collection
    for obj in dst.objects:
        if obj is None:
            continue
        if obj.type in ("MESH", "LIGHT"):
            col.objects.link(obj)
        else:
            bpy.data.objects.remove(obj)


def load_scene(path: Path, up: str = "Y", transform=None) -> list:
    """Import the scene file into the current scene; returns its new objects (meshes and
    lights; cameras, empties and armatures of the file are dropped after their transforms
    are baked into their children). ``transform`` (4x4) is applied to every root object."""
    before = set(bpy.data.objects)
    try:
        _import(path, up)
    except RuntimeError as exc:
        raise RenderError(f"cannot import {path.name}: {str(exc).splitlines()[0]}", source=str(path)) from None
    new = [o for o in bpy.data.objects if o not in before]
    if transform is not None:
        apply_transform(new, transform)
    keep = []
    for o in new:
        if o.type in ("MESH", "LIGHT"):
            keep.append(o)
    for o in [o for o in new if o.type not in ("MESH", "LIGHT")]:
        for child in o.children:
            mw = child.matrix_world.copy()
            child.parent = None
            child.matrix_world = mw
        bpy.data.objects.remove(o)
    bpy.context.view_layer.update()
    return keep


def apply_transform(objects: list, transform) -> None:
    """Left-multiply the world matrix of every root object among ``objects`` by ``transform`` (4x4)."""
    m = mathutils.Matrix([[float(v) for v in row] for row in transform])
    for o in objects:
        if o.parent is None:
            o.matrix_world = m @ o.matrix_world
    bpy.context.view_layer.update()


def triangles(objects: list) -> tuple[np.ndarray, list[str], np.ndarray]:
    """World-space triangles (F, 3, 3) float64 of the evaluated mesh objects, the object
    names (in order) and each triangle's object index (F,)."""
    dg = bpy.context.evaluated_depsgraph_get()
    tris, names, owner = [], [], []
    for obj in sorted((o for o in objects if o.type == "MESH"), key=lambda o: o.name):
        ev = obj.evaluated_get(dg)
        mesh = ev.to_mesh()
        mesh.calc_loop_triangles()
        n = len(mesh.loop_triangles)
        if n:
            co = np.empty(len(mesh.vertices) * 3, np.float64)
            mesh.vertices.foreach_get("co", co)
            idx = np.empty(n * 3, np.int64)
            mesh.loop_triangles.foreach_get("vertices", idx)
            m = np.array(ev.matrix_world)
            v = co.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]
            tris.append(v[idx.reshape(-1, 3)])
            owner.append(np.full(n, len(names)))
            names.append(obj.name)
        ev.to_mesh_clear()
    if not tris:
        return np.zeros((0, 3, 3)), [], np.zeros(0, int)
    return np.concatenate(tris), names, np.concatenate(owner)


def build_imported(layout: LayoutSpec, collection, source: str | None = None) -> list:
    """The worker's half: the scene file (sha256 checked), transformed as the manifest says,
    each mesh's pass index its instance id (objects the job does not list: 0)."""
    path = assets.resolve(layout.scene, "environment.layout.scene", source)
    up = str(layout.scene.params.get("up_axis", "Y"))
    objs = load_scene(path, up, layout.scene_transform)
    ids = {o.name: o.instance_id for o in layout.objects if o.kind == "imported"}
    for o in objs:
        if o.users_collection and collection not in o.users_collection:
            for c in list(o.users_collection):
                c.objects.unlink(o)
            collection.objects.link(o)
        if o.type == "MESH":
            o.pass_index = int(ids.get(o.name, 0))
    log.info("imported scene %s: %d objects", path.name, len(objs))
    return objs


def render_preview(out: Path, centre, eye, size: tuple[int, int] = (320, 240), samples: int = 16) -> Path:
    """A small Cycles picture of the loaded scene from ``eye`` toward ``centre`` under a
    uniform grey sky, a sun and a lamp at the eye (the scene's own lights too)."""
    scene = bpy.context.scene
    world = bpy.data.worlds.new("preview")
    scene.world = world
    bg = world.node_tree.nodes.get("Background")
    bg.inputs["Color"].default_value = (0.8, 0.82, 0.85, 1.0)
    bg.inputs["Strength"].default_value = 0.8
    sun = bpy.data.objects.new("preview-sun", bpy.data.lights.new("preview-sun", "SUN"))
    sun.data.energy = 3.0
    sun.rotation_euler = (0.7, 0.2, 0.8)
    scene.collection.objects.link(sun)
    lamp = bpy.data.objects.new("preview-lamp", bpy.data.lights.new("preview-lamp", "POINT"))
    lamp.data.energy = 40.0 * max(float(np.linalg.norm(np.subtract(centre, eye))), 1.0) ** 2
    lamp.data.shadow_soft_size = 0.5
    lamp.location = [float(v) for v in eye]
    scene.collection.objects.link(lamp)
    cam = bpy.data.objects.new("preview-camera", bpy.data.cameras.new("preview-camera"))
    cam.data.lens = 20.0
    scene.collection.objects.link(cam)
    cam.location = mathutils.Vector([float(v) for v in eye])
    d = mathutils.Vector([float(v) for v in centre]) - cam.location
    cam.rotation_euler = d.to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam
    r = scene.render
    r.engine = "CYCLES"
    r.resolution_x, r.resolution_y, r.resolution_percentage = size[0], size[1], 100
    scene.cycles.samples = samples
    scene.cycles.device = "CPU"
    r.image_settings.file_format = "PNG"
    r.filepath = str(out)
    bpy.ops.render.render(write_still=True)
    return out
