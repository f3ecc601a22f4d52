"""Build a Blender scene from a job, and the render settings of its two passes. Needs bpy.

The scene starts from Blender's empty factory state; everything in it comes from the job:
environment, lights, props, subjects (characters) and the baked camera. Two view layers:

* ``flow`` (:data:`synthgen.layout.FLOW_LAYER`): Vector, Depth, Object Index and Combined
  from a 1-sample pass with a minimal pixel filter, no bounces, no denoising; its
  Combined is an unlit preview (:func:`flow_preview_material`);
* ``rgb`` (:data:`synthgen.layout.RGB_LAYER`, full mode only): Combined at the quality
  preset's samples, filter, bounces and denoising, rendered separately.
"""
from __future__ import annotations

import logging

import bpy

from .. import layout
from ..job import Job
from . import camera_rig, environment, lights, props, surfaces

log = logging.getLogger(__name__)

RGB_FILTER_WIDTH = 1.5   # px, Blender's default Blackman-Harris width for the RGB pass
#: World light importance map of the flow pass (texels on a side). Cycles rebuilds it every
#: frame; at the automatic size (the HDRI's) that took 0.6-1 s of a 0.3 s 832x480 frame.
#: It only affects the noise of the preview Combined, never Vector/Depth/Index.
FLOW_WORLD_MAP_RES = 64


def reset() -> bpy.types.Scene:
    """Blender's empty factory state (no objects, no world); scripts never auto-run."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.context.preferences.filepaths.use_scripts_auto_execute = False
    surfaces.reset_cache()           # its materials went with the old file
    return bpy.context.scene


def build(job: Job, source: str | None = None) -> dict:
    """Create every object of ``job`` in the current (reset) scene.

    Returns ``{"camera": obj, "props": [...], "subjects": [handles]}``; subject handles
    come from :func:`synthgen.blender.characters.build_subject`.
    """
    scene = bpy.context.scene
    col = scene.collection
    scene.frame_start, scene.frame_end = job.frame_start, job.frame_end
    scene.render.fps = max(1, round(job.fps))
    scene.render.fps_base = scene.render.fps / job.fps
    environment.build_environment(job, col, source)
    lights.build_lights(job.lights, col)
    built = {"props": props.build_props(job, col, source), "subjects": build_subjects(job, source)}
    built["camera"] = camera_rig.build_camera(job, col)
    scene.camera = built["camera"]
    preview_colors()
    return built


def build_subjects(job: Job, source: str | None = None) -> list:
    """One handle per ``job.subjects`` entry (characters module imported only when needed)."""
    if not job.subjects:
        return []
    from ..errors import RenderError
    try:
        from .characters import build_subject
    except ImportError as exc:
        raise RenderError(f"characters cannot be built here ({exc})", source=source,
                          field="subjects") from None
    return [build_subject(spec, job) for spec in job.subjects]


def setup_render(job: Job) -> None:
    """Resolution, Cycles basics, view layers and multilayer float32 EXR output."""
    scene = bpy.context.scene
    r = scene.render
    r.engine = "CYCLES"
    r.resolution_x, r.resolution_y, r.resolution_percentage = job.width, job.height, 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0
    r.use_border = False
    r.use_motion_blur = False
    r.use_persistent_data = job.render.persistent_data
    r.use_compositing = False
    r.use_sequencer = False
    r.use_file_extension = False
    r.film_transparent = False
    r.threads_mode = "FIXED" if job.render.threads > 0 else "AUTO"
    if job.render.threads > 0:
        r.threads = job.render.threads
    c = scene.cycles
    c.seed = job.render.seed
    c.use_animated_seed = False
    c.use_adaptive_sampling = False
    c.pixel_filter_type = "BLACKMAN_HARRIS"
    img = r.image_settings
    img.media_type = "MULTI_LAYER_IMAGE"
    img.file_format = "OPEN_EXR_MULTILAYER"
    img.color_depth = "32"
    img.exr_codec = "ZIP"
    _view_layers(scene, job.render.mode == "full")


def _view_layers(scene, full: bool) -> None:
    flow = scene.view_layers[0]
    flow.name = layout.FLOW_LAYER
    flow.material_override = flow_preview_material()
    flow.use_pass_combined = True
    flow.use_pass_vector = True
    flow.use_pass_z = True
    flow.use_pass_object_index = True
    flow.samples = 1
    if full and layout.RGB_LAYER not in scene.view_layers:
        rgb = scene.view_layers.new(layout.RGB_LAYER)
        rgb.use_pass_combined = True
        rgb.use_pass_vector = rgb.use_pass_z = rgb.use_pass_object_index = False
        rgb.samples = 0


def flow_preview_material() -> bpy.types.Material:
    """The material of every surface in the ``flow`` layer: unlit emission of the object's
    colour (``Object.color``), darker at grazing angles so shapes read.

    Vector, Depth and Object Index depend on geometry only, so they are unchanged; the
    layer's Combined becomes a cheap preview. Shading real BSDFs (light sampling, shadow
    rays) cost 2-3x the rest of a 1-sample frame and fed nothing the flow needs.
    """
    mat = bpy.data.materials.get("synthgen.flow_preview") or bpy.data.materials.new("synthgen.flow_preview")
    nt = mat.node_tree
    nt.nodes.clear()
    info = nt.nodes.new("ShaderNodeObjectInfo")
    weight = nt.nodes.new("ShaderNodeLayerWeight")
    shade = nt.nodes.new("ShaderNodeMath")
    shade.operation = "MULTIPLY_ADD"                 # facing * -0.65 + 1.0
    shade.inputs[1].default_value = -0.65
    shade.inputs[2].default_value = 1.0
    emit = nt.nodes.new("ShaderNodeEmission")
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    nt.links.new(weight.outputs["Facing"], shade.inputs[0])
    nt.links.new(info.outputs["Color"], emit.inputs["Color"])
    nt.links.new(shade.outputs[0], emit.inputs["Strength"])
    nt.links.new(emit.outputs[0], out.inputs["Surface"])
    return mat


def preview_colors() -> None:
    """Give every mesh object still at the default white object colour the viewport colour
    of its first material (what the flow layer's preview shows)."""
    for obj in bpy.data.objects:
        if obj.type != "MESH" or tuple(obj.color) != (1.0, 1.0, 1.0, 1.0):
            continue
        mat = next((m for m in obj.data.materials if m is not None), None)
        if mat is not None:
            obj.color = tuple(mat.diffuse_color)


def use_flow_pass(job: Job) -> None:
    """Settings of the 1-sample Vector/Depth/Index pass; only the ``flow`` layer renders."""
    scene = bpy.context.scene
    c = scene.cycles
    c.samples = job.render.samples_flow
    c.use_denoising = False
    c.filter_width = job.render.filter_width
    _bounces(c, 0)
    c.use_light_tree = False          # ~15 % faster with a few lights; Combined is a preview
    c.use_animated_seed = False       # the flow pass as it always was (one sample, fixed seed)
    if scene.world is not None:
        scene.world.cycles.sampling_method = "MANUAL"
        scene.world.cycles.sample_map_resolution = FLOW_WORLD_MAP_RES
    _only_layer(scene, layout.FLOW_LAYER)


def use_rgb_pass(job: Job) -> None:
    """Settings of the full-mode RGB pass; only the ``rgb`` layer renders."""
    scene = bpy.context.scene
    c = scene.cycles
    c.samples = job.render.samples_rgb
    c.use_denoising = job.render.denoise
    c.filter_width = RGB_FILTER_WIDTH
    _bounces(c, job.render.max_bounces)
    c.use_light_tree = True
    c.use_animated_seed = True        # RGB noise changes per frame: never fixed in screen space
    if scene.world is not None:
        scene.world.cycles.sampling_method = "AUTOMATIC"
    _only_layer(scene, layout.RGB_LAYER)


def _bounces(c, n: int) -> None:
    c.max_bounces = n
    c.diffuse_bounces = c.glossy_bounces = c.transmission_bounces = c.volume_bounces = n
    c.transparent_max_bounces = max(n, 8) if n else 0
    c.caustics_reflective = c.caustics_refractive = bool(n)


def _only_layer(scene, name: str) -> None:
    for vl in scene.view_layers:
        vl.use = vl.name == name
    scene.render.use_single_layer = False
