"""Environments: ``env`` (HDRI world), ``basic`` (indoor room), ``empty`` (background colour
with lights, or an HDRI as light only). Everything built here has object pass index 0
(background/environment). Needs bpy."""
from __future__ import annotations

import logging
import math

import bpy
import numpy as np

from ..errors import RenderError
from ..job import EnvironmentSpec, Job, RoomSpec
from . import assets, materials

log = logging.getLogger(__name__)

SHADOW_CATCHER_SIZE = 200.0   # metres, square ground plane at z = 0


def build_environment(job: Job, collection, source: str | None = None) -> None:
    """World shader plus environment geometry (room or shadow-catcher ground) for ``job``."""
    env = job.environment
    hdri = _load_hdri(env, source) if env.hdri is not None else None
    build_world(env, hdri)
    if env.type == "env" and env.shadow_catcher:
        shadow_catcher(collection, catch=job.render.mode == "full")
    if env.type == "basic":
        build_room(env.room, collection, source)


# --------------------------------------------------------------------------- world
def _load_hdri(env: EnvironmentSpec, source):
    path = assets.resolve(env.hdri, "environment.hdri", source)
    try:
        img = bpy.data.images.load(str(path), check_existing=True)
    except RuntimeError as exc:
        raise RenderError(f"cannot read HDRI {path.name}: {str(exc).splitlines()[0]}",
                          source=source, field="environment.hdri.location") from None
    if img.size[0] == 0 or img.size[1] == 0:
        raise RenderError(f"cannot read HDRI {path.name} (no pixels)", source=source,
                          field="environment.hdri.location")
    return img


def build_world(env: EnvironmentSpec, hdri) -> bpy.types.World:
    """World shader: what camera rays see, mixed with what lights the scene.

    * env: the HDRI for both, rotated by ``+hdri_rotation_deg`` about world +Z (the
      mapping looks up direction ``Rz(-θ)·d``), times ``hdri_strength``;
    * empty with an HDRI: camera rays see ``background_color``, other rays the HDRI;
    * empty/basic otherwise: camera rays see ``background_color``, other rays a uniform
      white of strength ``ambient_intensity``.
    """
    world = bpy.data.worlds.new("world")
    bpy.context.scene.world = world
    nt = world.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputWorld")
    if env.type == "env":
        nt.links.new(_hdri_background(nt, env, hdri).outputs[0], out.inputs["Surface"])
        return world
    camera_bg = nt.nodes.new("ShaderNodeBackground")
    camera_bg.inputs["Color"].default_value = tuple(float(c) for c in env.background_color[:3]) + (1.0,)
    camera_bg.inputs["Strength"].default_value = 1.0
    if hdri is not None:
        light_bg = _hdri_background(nt, env, hdri)
    else:
        light_bg = nt.nodes.new("ShaderNodeBackground")
        light_bg.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
        light_bg.inputs["Strength"].default_value = float(env.ambient_intensity)
    path = nt.nodes.new("ShaderNodeLightPath")
    mix = nt.nodes.new("ShaderNodeMixShader")
    nt.links.new(path.outputs["Is Camera Ray"], mix.inputs["Fac"])
    nt.links.new(light_bg.outputs[0], mix.inputs[1])
    nt.links.new(camera_bg.outputs[0], mix.inputs[2])
    nt.links.new(mix.outputs[0], out.inputs["Surface"])
    return world


def _hdri_background(nt, env: EnvironmentSpec, hdri):
    coords = nt.nodes.new("ShaderNodeTexCoord")
    mapping = nt.nodes.new("ShaderNodeMapping")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, -math.radians(env.hdri_rotation_deg))
    tex = nt.nodes.new("ShaderNodeTexEnvironment")
    tex.image = hdri
    bg = nt.nodes.new("ShaderNodeBackground")
    bg.inputs["Strength"].default_value = float(env.hdri_strength)
    nt.links.new(coords.outputs["Generated"], mapping.inputs["Vector"])
    nt.links.new(mapping.outputs["Vector"], tex.inputs["Vector"])
    nt.links.new(tex.outputs["Color"], bg.inputs["Color"])
    return bg


def shadow_catcher(collection, catch: bool = True) -> bpy.types.Object:
    """A large ground plane at z = 0 (pass index 0) that only catches shadows.

    With ``catch=False`` (flow mode) it is a plain grey ground instead: its geometry, hence
    Vector, Depth and Object Index, is identical, but Cycles' shadow-catcher bookkeeping
    (which doubled the cost of a 1-sample frame) is skipped; only the preview Combined
    looks different.
    """
    h = SHADOW_CATCHER_SIZE / 2
    obj = _quad("ground", [(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], collection)
    obj.is_shadow_catcher = catch
    if not catch:
        materials.assign(obj, materials.principled("ground.mat", (0.5, 0.5, 0.5), 0.8))
    return obj


# --------------------------------------------------------------------------- room
def _quad(name: str, corners, collection) -> bpy.types.Object:
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([tuple(map(float, c)) for c in corners], [], [(0, 1, 2, 3)])
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    obj.pass_index = 0
    collection.objects.link(obj)
    return obj


def room_quads(room: RoomSpec) -> dict[str, list[tuple[float, float, float]]]:
    """Corner points of floor, ceiling and the four walls (wall_0 at -y, then +x, +y, -x),
    wound so every normal points into the room."""
    sz = room.size[2]
    hx, hy = room.size[0] / 2, room.size[1] / 2
    cx, cy, z0 = room.center
    z1 = z0 + sz
    x0, x1, y0, y1 = cx - hx, cx + hx, cy - hy, cy + hy
    return {
        "floor": [(x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0)],
        "ceiling": [(x0, y0, z1), (x0, y1, z1), (x1, y1, z1), (x1, y0, z1)],
        "wall_0": [(x0, y0, z0), (x0, y0, z1), (x1, y0, z1), (x1, y0, z0)],
        "wall_1": [(x1, y0, z0), (x1, y0, z1), (x1, y1, z1), (x1, y1, z0)],
        "wall_2": [(x1, y1, z0), (x1, y1, z1), (x0, y1, z1), (x0, y1, z0)],
        "wall_3": [(x0, y1, z0), (x0, y1, z1), (x0, y0, z1), (x0, y0, z0)],
    }


def room_colors(room: RoomSpec, rng: np.random.Generator) -> dict[str, list[float]]:
    """Wall colours: ``wall_colors`` when given, else ``scene_color`` varied by ±15 %."""
    colors = {"floor": list(room.floor_color), "ceiling": list(room.ceiling_color)}
    for i in range(4):
        if i < len(room.wall_colors):
            colors[f"wall_{i}"] = list(room.wall_colors[i])
        else:
            jitter = rng.uniform(0.85, 1.15, size=3)
            colors[f"wall_{i}"] = np.clip(np.asarray(room.scene_color) * jitter, 0, 1).tolist()
    return colors


def build_room(room: RoomSpec, collection, source: str | None = None) -> list:
    """A procedural room (``procedural:room``) or the meshes of a ``.blend`` template."""
    if not assets.is_procedural(room.asset):
        return load_template(room, collection, source)
    rng = np.random.default_rng(room.material_seed)
    colors = room_colors(room, rng)
    objs = []
    for name, corners in room_quads(room).items():
        obj = _quad(name, corners, collection)
        rough = float(np.clip(room.roughness + rng.uniform(-0.2, 0.2), 0.05, 1.0))
        color = colors[name]
        if name == "floor":
            dark = [c * 0.6 for c in color]
            mat = materials.checker(f"{name}.mat", color, dark, scale=float(rng.uniform(4, 12)), roughness=rough)
        elif name.startswith("wall"):
            mat = materials.noisy(f"{name}.mat", color, contrast=0.15, scale=float(rng.uniform(2, 8)), roughness=rough)
        else:
            mat = materials.principled(f"{name}.mat", color, rough)
        materials.assign(obj, mat)
        objs.append(obj)
    return objs


def load_template(room: RoomSpec, collection, source: str | None = None) -> list:
    """Append the mesh objects of a ``.blend`` room template (pass index 0).

    Templates are authored with the floor centre at the origin (floor at z = 0); the
    worker moves them to ``room.center``. Their size is their own (``room.size`` is not
    applied).

    Only object datablocks (and what they use) are appended: no scenes, compositor trees
    or text blocks, and script auto-execution is off, so nothing in the file runs.
    """
    path = assets.resolve(room.asset, "environment.room.asset", source)
    bpy.context.preferences.filepaths.use_scripts_auto_execute = False
    try:
        with bpy.data.libraries.load(str(path), link=False) as (src, dst):
            dst.objects = list(src.objects)
    except (OSError, RuntimeError) as exc:
        raise RenderError(f"cannot read room template {path.name}: {str(exc).splitlines()[0]}",
                          source=source, field="environment.room.asset.location") from None
    objs = []
    for obj in dst.objects:
        if obj is None:
            continue
        if obj.type != "MESH":
            bpy.data.objects.remove(obj)
            continue
        obj.pass_index = 0
        if obj.parent is None:
            obj.location = [a + b for a, b in zip(obj.location, room.center)]
        collection.objects.link(obj)
        objs.append(obj)
    if not objs:
        raise RenderError(f"room template {path.name} holds no mesh", source=source,
                          field="environment.room.asset.location")
    return objs
