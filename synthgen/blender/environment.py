"""Environments: one builder per scene type, keyed by the names of
:data:`synthgen.vocabulary.SCENE_TYPES` (the planner's scene-type modules in
:mod:`synthgen.planner.worlds` carry the same names; the older spellings ``env`` and
``basic`` resolve to ``hdri`` and ``room``):

* ``hdri``: the HDRI is the world (what the camera sees, what lights the scene), over a ground
  plane that only catches shadows;
* ``room``: a room (:mod:`synthgen.blender.room`); the world shows the background colour to
  camera rays and lights the scene with a uniform ambient (or the HDRI, if the job has one);
* ``empty``: nothing but that world: background colour seen, ambient or HDRI light;
* ``interior``: a furnished interior from the job's layout (:mod:`synthgen.blender.worlds`);
  the HDRI (if any) is what camera rays see through the windows and lights the rooms with
  the job's lamps;
* ``street``: an outdoor layout under the HDRI, over a ground textured with the HDRI's
  lower hemisphere (:func:`projected_ground`);
* ``imported``: a user scene (:mod:`synthgen.blender.scene_import`) under the HDRI or the
  background colour.

``hdri`` scenes with a layout get its near geometry; with ``ground_projection`` their ground
is the HDRI's lower hemisphere projected from a fixed centre (fixed in the world, so RGB and
flow agree on it) instead of a shadow catcher. Structure has object pass index 0
(background/environment); layout objects have their instance ids. Needs bpy."""
from __future__ import annotations

import logging
import math
from typing import Callable

import bpy
import numpy as np

from ..errors import RenderError
from ..job import EnvironmentSpec, Job
from ..registry import Registry
from ..vocabulary import SCENE_TYPE_ALIASES, SCENE_TYPES
from . import assets, materials, worlds
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
    env = job.environment
    hdri_world(env, hdri)
    if env.layout is not None:
        worlds.build_layout(env.layout, collection, source)
    if env.ground_projection is not None:
        projected_ground(env, hdri, collection, z=0.0)
    elif env.shadow_catcher:
        shadow_catcher(collection, catch=job.render.mode == "full")


def build_room_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    backdrop_world(job.environment, hdri)
    build_room(job.environment.room, collection, source)


def build_empty_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    backdrop_world(job.environment, hdri)


def sky_world(env: EnvironmentSpec, hdri) -> None:
    """The HDRI as the world where there is one, else the background colour and ambient."""
    if hdri is not None:
        hdri_world(env, hdri)
    else:
        backdrop_world(env, None)


def build_interior_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    sky_world(job.environment, hdri)
    worlds.build_layout(job.environment.layout, collection, source)


def build_street_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    env = job.environment
    hdri_world(env, hdri)
    worlds.build_layout(env.layout, collection, source)
    if env.ground_projection is not None:
        projected_ground(env, hdri, collection, z=-0.06)


def build_imported_scene(job: Job, hdri, collection, source: str | None = None) -> None:
    from .scene_import import build_imported
    sky_world(job.environment, hdri)
    build_imported(job.environment.layout, collection, source)


SCENE_BUILDERS.register("hdri", build_hdri_scene)
SCENE_BUILDERS.register("room", build_room_scene)
SCENE_BUILDERS.register("empty", build_empty_scene)
SCENE_BUILDERS.register("interior", build_interior_scene)
SCENE_BUILDERS.register("street", build_street_scene)
SCENE_BUILDERS.register("imported", build_imported_scene)
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


def _hdri_lookup(nt, env: EnvironmentSpec, hdri, vector_socket):
    """Environment texture of ``hdri`` looked up along ``vector_socket``, rotated like the world."""
    mapping = nt.nodes.new("ShaderNodeMapping")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, -math.radians(env.hdri_rotation_deg))
    tex = nt.nodes.new("ShaderNodeTexEnvironment")
    tex.image = hdri
    nt.links.new(vector_socket, mapping.inputs["Vector"])
    nt.links.new(mapping.outputs["Vector"], tex.inputs["Vector"])
    return tex


def _hdri_background(nt, env: EnvironmentSpec, hdri):
    coords = nt.nodes.new("ShaderNodeTexCoord")     # a world's Generated: the ray's direction
    tex = _hdri_lookup(nt, env, hdri, coords.outputs["Generated"])
    bg = nt.nodes.new("ShaderNodeBackground")
    bg.inputs["Strength"].default_value = float(env.hdri_strength)
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


def sky_irradiance(hdri) -> np.ndarray:
    """(3,) irradiance on an upward-facing plane from the HDRI's upper hemisphere (strength 1):
    the sum of radiance · sin(elevation) · solid angle over the equirectangular pixels."""
    w, h = hdri.size
    px = np.empty(w * h * 4, np.float32)
    hdri.pixels.foreach_get(px)
    rgb = px.reshape(h, w, 4)[..., :3].astype(np.float64)      # row 0 is the image's bottom
    elev = ((np.arange(h) + 0.5) / h - 0.5) * np.pi
    weight = np.where(elev > 0, np.sin(elev) * np.cos(elev), 0.0) * (2 * np.pi / w) * (np.pi / h)
    return np.maximum((rgb * weight[:, None, None]).sum(axis=(0, 1)), 1e-4)


def projected_ground(env: EnvironmentSpec, hdri, collection, z: float = 0.0) -> bpy.types.Object:
    """A ground square of half-side ``ground_projection.radius_m`` at height ``z`` whose albedo
    is the HDRI seen from ``ground_projection.center`` toward each ground point (fixed in the
    world) divided by the sky's irradiance over π: lit by the same HDRI it reproduces the
    photographed ground's radiance where nothing shades it, and takes real shadows and parallax."""
    gp = env.ground_projection
    r = gp.radius_m
    obj = quad("ground", [(-r, -r, z), (r, -r, z), (r, r, z), (-r, r, z)], collection)
    mat = bpy.data.materials.new("ground.projected")
    nt = mat.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    geo = nt.nodes.new("ShaderNodeNewGeometry")
    rel = nt.nodes.new("ShaderNodeVectorMath")
    rel.operation = "SUBTRACT"
    rel.inputs[1].default_value = tuple(float(c) for c in gp.center)
    nt.links.new(geo.outputs["Position"], rel.inputs[0])
    tex = _hdri_lookup(nt, env, hdri, rel.outputs[0])
    E = sky_irradiance(hdri)
    gain = nt.nodes.new("ShaderNodeVectorMath")
    gain.operation = "MULTIPLY"
    gain.inputs[1].default_value = tuple(float(v) for v in np.pi / E)
    nt.links.new(tex.outputs["Color"], gain.inputs[0])
    clamp = nt.nodes.new("ShaderNodeVectorMath")
    clamp.operation = "MINIMUM"
    clamp.inputs[1].default_value = (0.9, 0.9, 0.9)
    nt.links.new(gain.outputs[0], clamp.inputs[0])
    bsdf = nt.nodes.new("ShaderNodeBsdfDiffuse")
    nt.links.new(clamp.outputs[0], bsdf.inputs["Color"])
    nt.links.new(bsdf.outputs[0], out.inputs["Surface"])
    materials.assign(obj, mat)
    obj.color = (0.35, 0.33, 0.3, 1.0)
    return obj
