"""Environments: one builder per scene type, keyed by the names of
:data:`synthgen.vocabulary.SCENE_TYPES` (the planner's scene-type modules in
:mod:`synthgen.planner.worlds` carry the same names; the older spellings ``env`` and
``basic`` resolve to ``hdri`` and ``room``):

* ``hdri``: the HDRI is the world (what the camera sees, what lights the scene), over a ground
  plane that only catches shadows;
* ``room``: a room (:mod:`synthgen.blender.room`); the world shows the background colour to
  camera rays and lights the scene with a uniform ambient (or the HDRI, if the job has one);
* ``empty``: nothing but that world: background colour seen, ambient or HDRI light.

Everything built here has object pass index 0 (background/environment). Needs bpy."""
from __future__ import annotations

import logging
import math
from typing import Callable

import bpy

from ..errors import RenderError
from ..job import EnvironmentSpec, Job
from ..registry import Registry
from ..vocabulary import SCENE_TYPE_ALIASES, SCENE_TYPES
from . import assets, materials
from .room import build_room, quad

log = logging.getLogger(__name__)

SHADOW_CATCHER_SIZE = 200.0   # metres, square ground plane at z = 0

#: scene type -> builder(job, hdri image or None, collection, source)
SCENE_BUILDERS: Registry[Callable] = Registry("scene type", aliases=SCENE_TYPE_ALIASES)


def build_environment(job: Job, collection, source: str | None = None) -> None:
    """World shader plus environment geometry for ``job``, by its scene type."""
    env = job.environment
    build = SCENE_BUILDERS.get(env.type, source=source, field="environment.type")
    build(job, _load_hdri(env, source) if env.hdri is not None else None, collection, source)


def build_hdri_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    hdri_world(job.environment, hdri)
    if job.environment.shadow_catcher:
        shadow_catcher(collection, catch=job.render.mode == "full")


def build_room_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    backdrop_world(job.environment, hdri)
    build_room(job.environment.room, collection, source)


def build_empty_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    backdrop_world(job.environment, hdri)


SCENE_BUILDERS.register("hdri", build_hdri_scene)
SCENE_BUILDERS.register("room", build_room_scene)
SCENE_BUILDERS.register("empty", build_empty_scene)
SCENE_BUILDERS.expect(SCENE_TYPES)


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


def _new_world():
    world = bpy.data.worlds.new("world")
    bpy.context.scene.world = world
    world.node_tree.nodes.clear()
    return world, world.node_tree, world.node_tree.nodes.new("ShaderNodeOutputWorld")


def hdri_world(env: EnvironmentSpec, hdri) -> bpy.types.World:
    """World shader of an ``hdri`` scene: the HDRI for camera rays and light alike, rotated by
    ``+hdri_rotation_deg`` about world +Z (the mapping looks up direction ``Rz(-θ)·d``), times
    ``hdri_strength``."""
    world, nt, out = _new_world()
    nt.links.new(_hdri_background(nt, env, hdri).outputs[0], out.inputs["Surface"])
    return world


def backdrop_world(env: EnvironmentSpec, hdri) -> bpy.types.World:
    """World shader of ``room`` and ``empty`` scenes: camera rays see ``background_color``;
    other rays see the HDRI when there is one (an empty scene lit by an HDRI), else a uniform
    white of strength ``ambient_intensity``."""
    world, nt, out = _new_world()
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
    obj = quad("ground", [(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], collection)
    obj.is_shadow_catcher = catch
    if not catch:
        materials.assign(obj, materials.principled("ground.mat", (0.5, 0.5, 0.5), 0.8))
    return obj


