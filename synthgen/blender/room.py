"""Indoor rooms (scene type ``room``): a procedural box (floor, ceiling, four walls, each with
its own material) or the meshes of a ``.blend`` template. Everything built here has object
pass index 0 (background/environment). Needs bpy."""
from __future__ import annotations

import bpy
import numpy as np

from ..errors import RenderError
from ..job import RoomSpec
from . import assets, materials


def quad(name: str, corners, collection) -> bpy.types.Object:
    """A one-face mesh object through four ``corners`` (pass index 0), linked to ``collection``."""
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
        obj = quad(name, corners, collection)
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
