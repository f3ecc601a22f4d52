"""The job contract: one self-contained, fully baked render job per clip.

The planner writes jobs, the worker (inside Blender) reads them; nothing else crosses
that boundary. Standard library and numpy only, because this module is imported by the
worker in a stock Blender's bundled Python.

Frame numbering: the rendered frames are ``frame_start .. frame_end`` (inclusive, Blender
frame numbers). Every per-frame array in a job covers those frames **plus one boundary
frame before and after** (``frame_start - 1 .. frame_end + 1``), so index ``i`` of a
per-frame array is Blender frame ``frame_start - 1 + i`` and its length is
``n_frames + 2``. The boundary frames make the first backward and the last forward flow
real (docs/CONVENTIONS.md §3).

Units: metres, degrees where a field name says ``_deg``, seconds where it says ``_s``,
Kelvin for colour temperatures, Watts for light power. Poses are camera-to-world 4x4 in
OpenCV camera axes. JSON written by :func:`Job.to_json` reads back and re-writes
byte-identically.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .camera import SENSOR_FITS, intrinsics
from .errors import JobError
from .vocabulary import (CLIP_KINDS, EXPORT_MEMBERS, LAYOUT_KINDS, MOVEMENT_TYPES, SCENE_TYPE_ALIASES, SCENE_TYPES,
                         SURFACE_KINDS, WORLD_SHAPES, canonical_scene_type, is_correspondence_member)

SCHEMA_VERSION = 1

#: Upper bounds on sizes (anything larger is a typo, not a clip).
MAX_IMAGE_SIDE = 16384
MAX_FRAMES = 100_000
MAX_FPS = 1000.0

KINDS = CLIP_KINDS
RENDER_MODES = ("flow", "full", "geometry")
QUALITIES = ("high", "low")
DEVICES = ("cpu", "cuda", "optix", "hip", "metal", "oneapi", "auto")
#: ``environment.type``: the scene types, then the older spellings job files may still use.
ENV_TYPES = SCENE_TYPES + tuple(SCENE_TYPE_ALIASES)
LIGHT_KINDS = ("point", "area", "sun", "spot")
ASSET_KINDS = ("character", "action", "hdri", "room", "prop", "scene")
FOCUS_TYPES = ("follow", "fixed")
FOCUS_POSITIONS = ("upper", "center", "lower")
ROOT_MOTION = ("keep", "in_place")
TAG_POSITIONS = ("prefix", "suffix", "none")
#: What a clip produces: dataset members, ``vertices`` (the worker writes vertices.npz) and
#: ``geometry`` (geometry.npz, which the correspondence members need); correspondence members
#: (``flow_k<K>``, ``occ_k<K>``, ``tracks``, ``track_vis``, ``scene_flow``) are outputs too
#: (:func:`synthgen.vocabulary.is_correspondence_member`) and imply ``geometry``.
OUTPUTS = EXPORT_MEMBERS + ("vertices", "geometry")


# --------------------------------------------------------------------------- specs
@dataclass
class AssetRef:
    """An asset resolved by the planner. ``location`` is as in the manifest: a file path
    (absolute once resolved), ``blender-datafiles:<path>`` for files shipped with Blender,
    or ``procedural:<generator>[/<variant>]``."""

    id: str
    kind: str
    location: str
    sha256: str | None = None
    licence: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class RenderSpec:
    mode: str = "flow"              # flow: Vector/Depth/Index only; full: + RGB; geometry:
                                    # the flow layer computed from geometry.npz (no Cycles)
    quality: str = "low"            # RGB preset in full mode
    device: str = "cpu"
    samples_rgb: int = 16           # RGB samples (full mode)
    samples_flow: int = 1           # Vector/Depth/Index always from a 1-sample pass
    denoise: bool = False           # RGB only
    max_bounces: int = 4            # RGB only; the flow pass uses 0
    filter_width: float = 0.01      # flow pass pixel filter (px); minimal = no AA mixing
    persistent_data: bool = True
    threads: int = 0                # 0 = all cores
    seed: int = 0


@dataclass
class RoomSpec:
    """An indoor room: a procedural box (floor, walls, ceiling) or a .blend template."""

    asset: AssetRef
    size: list[float] = field(default_factory=lambda: [8.0, 8.0, 3.0])   # x, y, z extent
    center: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # floor centre
    scene_color: list[float] = field(default_factory=lambda: [0.8, 0.8, 0.8])
    wall_colors: list[list[float]] = field(default_factory=list)           # 4 walls
    floor_color: list[float] = field(default_factory=lambda: [0.5, 0.4, 0.3])
    ceiling_color: list[float] = field(default_factory=lambda: [0.9, 0.9, 0.9])
    roughness: float = 0.6
    material_seed: int = 0


#: ``field(metadata=OMIT_NONE)``: a field written to job files only when it is not None, so job
#: files written before it existed keep their bytes and hash (see :func:`plain`).
OMIT_NONE = {"omit_none": True}


@dataclass
class SurfaceSpec:
    """The material of one slot of a world object (``synthgen.shapes`` names the slots)."""

    slot: str                                       # e.g. "body", "legs", "top"
    kind: str = "paint"                             # a material family (vocabulary.SURFACE_KINDS)
    color: list[float] = field(default_factory=lambda: [0.6, 0.6, 0.6])   # linear RGB
    roughness: float = 0.5
    scale_m: float = 1.0                            # pattern size (planks, bricks, tiles), metres


@dataclass
class WorldObjectSpec:
    """One piece of a world: structure (``instance_id`` 0: walls, floors, buildings, roads) or
    an object with its own instance id (furniture, trees, cars, clutter). Its mesh is
    ``synthgen.shapes.SHAPES[kind]`` built from ``size`` and ``params`` in local axes (footprint
    centred on the origin, resting on z = 0), then rotated by ``yaw_deg`` about +Z and moved
    to ``location``. ``kind = "imported"`` names an object of a user scene by ``name``."""

    instance_id: int
    name: str
    kind: str                                       # vocabulary.WORLD_SHAPES
    location: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    yaw_deg: float = 0.0
    size: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])   # local x, y, z extents (m)
    params: dict = field(default_factory=dict)      # the shape's own parameters
    surfaces: list[SurfaceSpec] = field(default_factory=list)
    description: str = ""                           # caption noun phrase ("a sofa")


@dataclass
class LayoutSpec:
    """The geometry of a world (scene types ``interior``, ``street``, ``imported``, and the
    near geometry of ``hdri`` scenes), baked by the planner."""

    kind: str                                       # vocabulary.LAYOUT_KINDS
    description: str = ""                           # what the caption says of it
    bounds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # navigable volume
    objects: list[WorldObjectSpec] = field(default_factory=list)
    scene: AssetRef | None = field(default=None, metadata=OMIT_NONE)   # imported: the user scene
    #: imported: 4x4 applied to the scene as imported (unit scale, up axis, centring)
    scene_transform: list[list[float]] | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class GroundProjectionSpec:
    """An ``hdri`` ground textured with the HDRI's lower hemisphere as seen from ``center``
    (fixed in the world), so the ground's RGB moves with its geometry."""

    center: list[float] = field(default_factory=lambda: [0.0, 0.0, 1.7])
    radius_m: float = 100.0


@dataclass
class EnvironmentSpec:
    type: str = "empty"                             # hdri | room | empty (older files: env, basic)
    hdri: AssetRef | None = None
    hdri_rotation_deg: float = 0.0                  # about world +Z
    hdri_strength: float = 1.0
    hdri_as_light_only: bool = False                # empty: HDRI lights, background colour shows
    shadow_catcher: bool = True                     # hdri: ground plane that only catches shadows
    room: RoomSpec | None = None                    # room
    background_color: list[float] = field(default_factory=lambda: [0.05, 0.05, 0.05, 1.0])
    ambient_intensity: float = 0.0                  # uniform world light strength
    setting: str = ""                               # caption phrase ("in a sunlit forest")
    indoor: bool = False
    layout: LayoutSpec | None = field(default=None, metadata=OMIT_NONE)   # worlds with geometry
    ground_projection: GroundProjectionSpec | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class LightSpec:
    kind: str = "point"
    position: list[float] = field(default_factory=lambda: [0.0, 0.0, 3.0])
    target: list[float] | None = None               # aim point for area/spot/sun
    color_temperature_k: float = 6500.0
    intensity_w: float = 500.0                      # Watts (sun: irradiance W/m^2)
    size: float = 0.5


@dataclass
class SegmentSpec:
    """A later part of a subject's motion: from per-frame index ``first`` on, the subject
    crossfades over ``blend_frames`` frames from what it did before into ``action`` at
    ``source_time_s`` (one entry per frame from ``first`` to the clip's end), mirrored
    across its sagittal plane when ``mirror`` (:mod:`synthgen.characters.performance`)."""

    action: AssetRef
    first: int
    source_time_s: list[float]
    blend_frames: int = 0
    mirror: bool = False


@dataclass
class SubjectSpec:
    """A character performing an action, placed in the world; ``mirror``: the action
    mirrored across the character's sagittal plane (left and right swapped); ``segments``:
    later actions that take over during the clip (a battle circle's turns)."""

    instance_id: int
    character: AssetRef
    action: AssetRef
    source_time_s: list[float]                      # per frame (n+2): time in the source action
    playback_speed: float = 1.0
    location: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    heading_deg: float = 0.0                        # rotation about +Z of the action's forward
    root_motion: str = "keep"                       # keep | in_place
    foot_lock: bool = True
    height_m: float | None = None                   # scale the character to this height
    mirror: bool | None = field(default=None, metadata=OMIT_NONE)
    segments: list[SegmentSpec] | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class PropSpec:
    """A rigid object; per-frame transforms (n+2 entries) or a single entry when static."""

    instance_id: int
    asset: AssetRef
    name: str = "prop"
    scale: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    color: list[float] = field(default_factory=lambda: [0.6, 0.6, 0.6])
    roughness: float = 0.5
    location: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0, 0.0]])
    rotation_quat: list[list[float]] = field(default_factory=lambda: [[1.0, 0.0, 0.0, 0.0]])  # w,x,y,z

    @property
    def is_static(self) -> bool:
        return len(self.location) == 1 and len(self.rotation_quat) == 1


@dataclass
class CameraSpec:
    """Per-frame (n+2) poses and intrinsics, plus the Table-10 descriptors for captions."""

    c2w: list[list[list[float]]]                    # camera-to-world, OpenCV axes
    focal_mm: list[float]
    K: list[list[list[float]]]                      # implied by the fields below (checked)
    sensor_width_mm: float = 36.0
    sensor_height_mm: float = 24.0
    sensor_fit: str = "AUTO"
    shift_x: float = 0.0
    shift_y: float = 0.0
    clip_start: float = 0.05
    clip_end: float = 1000.0
    focus_type: str = "fixed"
    focus_position: str = "center"
    movement_type: str = "static"
    movement_value: float = 0.0
    initial_position: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    path_family: str = ""                           # camera clips: orbit, whip_pan, ...
    stats: dict = field(default_factory=dict)       # peak/mean angular (deg/s) and linear (m/s) speeds


@dataclass
class CaptionSpec:
    text: str = ""                                  # the sentence, without tags
    elements: dict = field(default_factory=dict)    # subject, motion, environment, camera
    tags: list[str] = field(default_factory=list)   # special tags marking synthetic data
    tag_position: str = "prefix"

    def full(self, tags: list[str] | None = None) -> str:
        """The caption with ``tags`` (default: this spec's) placed as configured."""
        tags = self.tags if tags is None else tags
        tag_text = " ".join(tags)
        if not tag_text or self.tag_position == "none":
            return self.text
        if self.tag_position == "suffix":
            return f"{self.text} {tag_text}"
        return f"{tag_text} {self.text}"


@dataclass
class PlanInfo:
    preset: str = ""
    synthgen_version: str = ""
    run_seed: int = 0
    clip_index: int = 0
    params: dict = field(default_factory=dict)      # every sampled Table-10 parameter, flat


@dataclass
class Job:
    clip_id: str
    kind: str
    seed: int
    width: int
    height: int
    fps: float
    frame_start: int
    frame_end: int
    camera: CameraSpec
    render: RenderSpec = field(default_factory=RenderSpec)
    environment: EnvironmentSpec = field(default_factory=EnvironmentSpec)
    lights: list[LightSpec] = field(default_factory=list)
    subjects: list[SubjectSpec] = field(default_factory=list)
    props: list[PropSpec] = field(default_factory=list)
    caption: CaptionSpec = field(default_factory=CaptionSpec)
    #: What the clip produces: the dataset members ``synthgen export`` writes unless
    #: ``--members`` says otherwise, and ``"vertices"`` (the worker writes vertices.npz).
    outputs: list[str] = field(default_factory=lambda: ["flow", "valid", "flow_hsv", "plucker",
                                                         "txt", "json"])
    plan: PlanInfo = field(default_factory=PlanInfo)
    schema_version: int = SCHEMA_VERSION

    # ------------------------------------------------------------------ frames
    @property
    def n_frames(self) -> int:
        """Number of rendered frames (boundary frames excluded)."""
        return self.frame_end - self.frame_start + 1

    @property
    def n_baked(self) -> int:
        """Length of every per-frame array: rendered frames + 2 boundary frames."""
        return self.n_frames + 2

    def baked_frames(self) -> range:
        """Blender frame numbers of the per-frame arrays, boundary frames included."""
        return range(self.frame_start - 1, self.frame_end + 2)

    def index_of(self, frame: int) -> int:
        """Index into per-frame arrays of Blender frame ``frame``."""
        return frame - (self.frame_start - 1)

    def c2w(self, frame: int) -> np.ndarray:
        return np.asarray(self.camera.c2w[self.index_of(frame)], dtype=np.float64)

    def K(self, frame: int) -> np.ndarray:
        return np.asarray(self.camera.K[self.index_of(frame)], dtype=np.float64)

    def wants_geometry(self) -> bool:
        """The worker writes ``geometry.npz``: ``geometry`` or a correspondence member is in
        the outputs, or the clip renders in geometry mode."""
        return (self.render.mode == "geometry" or "geometry" in self.outputs
                or any(is_correspondence_member(o) for o in self.outputs))

    def instances(self) -> dict[int, str]:
        """Instance id -> name (0 is the background/environment)."""
        ids = {0: "background"}
        for s in self.subjects:
            ids[s.instance_id] = s.character.id
        for p in self.props:
            ids[p.instance_id] = p.name
        for o in self.world_objects():
            if o.instance_id > 0:
                ids[o.instance_id] = o.name
        return ids

    def world_objects(self) -> list[WorldObjectSpec]:
        """The objects of the environment's layout (none without a layout)."""
        layout = self.environment.layout
        return list(layout.objects) if layout is not None else []

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        return plain(self)

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def hash(self) -> str:
        """sha256 of the canonical JSON: identifies exactly what was rendered."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> "Job":
        job = _build(cls, data, "", source)
        problems = job.validate()
        if problems:
            raise JobError(problems[0][1], source=source, field=problems[0][0])
        return job

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> "Job":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise JobError(f"not valid JSON ({exc.msg} at line {exc.lineno})", source=source) from None
        return cls.from_dict(data, source)

    def save(self, path: str | Path) -> Path:
        from .fsutil import atomic_write_text
        return atomic_write_text(path, self.to_json())

    # ------------------------------------------------------------------ validation
    def validate(self) -> list[tuple[str, str]]:
        """Every problem as ``(field path, reason)``; empty when the job is valid."""
        return _validate(self)


def load_job(path: str | Path) -> Job:
    """Read and validate a job file; errors name the file and the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JobError(f"cannot read job file ({exc.__class__.__name__}: {exc})", source=str(path)) from None
    return Job.from_json(text, source=str(path))


# --------------------------------------------------------------------------- JSON format
def plain(obj: Any) -> Any:
    """Dataclasses as dicts (like ``dataclasses.asdict``, without its deep copies); fields
    marked :data:`OMIT_NONE` are left out while they are None."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not (f.metadata.get("omit_none") and getattr(obj, f.name) is None)}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


def dumps(obj: Any, indent: int = 0) -> str:
    """Deterministic JSON: dicts one key per line, lists of scalars on one line.

    Floats use Python's shortest round-trip repr, so read + write is byte-identical.
    Non-finite floats are rejected (JSON has no spelling for them).
    """
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ", ".join(dumps(v) for v in obj) + "]"
        if all(isinstance(v, (list, tuple)) and all(not isinstance(w, (dict, list, tuple)) for w in v)
               for v in obj) and len(obj) <= 4:
            return "[" + ", ".join(dumps(v) for v in obj) + "]"   # a small matrix on one line
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, (float, np.floating)):
        if not math.isfinite(obj):
            raise ValueError(f"non-finite float {obj!r} cannot be written to a job")
        return repr(float(obj))
    if isinstance(obj, np.integer):
        return str(int(obj))
    if isinstance(obj, np.ndarray):
        return dumps(obj.tolist(), indent)
    return json.dumps(obj)


# --------------------------------------------------------------------------- typed build
def _build(tp: Any, value: Any, path: str, source: str | None) -> Any:
    """Turn parsed JSON into the annotated type, with errors naming the field path."""
    hints = typing.get_type_hints(tp) if dataclasses.is_dataclass(tp) else None
    if hints is not None:
        if not isinstance(value, dict):
            raise JobError(f"expected an object, got {type(value).__name__}", source=source, field=path or "<root>")
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise JobError(f"unknown field {unknown[0]!r}", source=source, field=_join(path, unknown[0]))
        kwargs = {}
        for f in dataclasses.fields(tp):
            sub = _join(path, f.name)
            if f.name not in value:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise JobError("required field is missing", source=source, field=sub)
                continue
            kwargs[f.name] = _build(hints[f.name], value[f.name], sub, source)
        return tp(**kwargs)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value, path, source)
    if origin is list:
        if not isinstance(value, list):
            raise JobError(f"expected a list, got {type(value).__name__}", source=source, field=path)
        return [_build(args[0], v, f"{path}[{i}]", source) for i, v in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise JobError(f"expected an object, got {type(value).__name__}", source=source, field=path)
        _finite_everywhere(value, path, source)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise JobError(f"expected a number, got {value!r}", source=source, field=path)
        if not math.isfinite(value):
            raise JobError(f"must be a finite number, got {value!r}", source=source, field=path)
        return float(value) if isinstance(value, float) else value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise JobError(f"expected an integer, got {value!r}", source=source, field=path)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise JobError(f"expected true or false, got {value!r}", source=source, field=path)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise JobError(f"expected a string, got {value!r}", source=source, field=path)
        return value
    return value


def _finite_everywhere(value: Any, path: str, source: str | None) -> None:
    """Free-form values (dicts of parameters) must hold no NaN or infinity either."""
    if isinstance(value, float) and not math.isfinite(value):
        raise JobError(f"must be a finite number, got {value!r}", source=source, field=path)
    if isinstance(value, dict):
        for k, v in value.items():
            _finite_everywhere(v, _join(path, str(k)), source)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite_everywhere(v, f"{path}[{i}]", source)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --------------------------------------------------------------------------- validation
def _validate(job: Job) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []

    def bad(path: str, reason: str) -> None:
        problems.append((path, reason))

    def choice(path: str, value: Any, allowed: tuple) -> None:
        if value not in allowed:
            bad(path, f"{value!r} is not one of {', '.join(allowed)}")

    _validate_header(job, bad, choice)
    _validate_render(job, bad, choice)
    for i, out in enumerate(job.outputs):
        if not is_correspondence_member(out):
            choice(f"outputs[{i}]", out, OUTPUTS + ("flow_k<K>", "occ_k<K>", "tracks", "track_vis",
                                                    "scene_flow"))
    _validate_environment(job.environment, bad, choice)
    _validate_lights(job, bad, choice)
    ids: dict[int, str] = {}
    _validate_subjects(job, ids, bad, choice)
    _validate_props(job, ids, bad)
    _validate_layout(job.environment, ids, bad, choice)
    _validate_camera(job, bad, choice)
    choice("caption.tag_position", job.caption.tag_position, TAG_POSITIONS)
    return problems


def _validate_header(job: Job, bad, choice) -> None:
    if job.schema_version != SCHEMA_VERSION:
        bad("schema_version", f"is {job.schema_version}, this synthgen reads {SCHEMA_VERSION}")
    if not job.clip_id or any(c in job.clip_id for c in "./\\ ") or job.clip_id.startswith("-"):
        bad("clip_id", f"{job.clip_id!r} must be non-empty and free of dots, slashes and spaces")
    choice("kind", job.kind, KINDS)
    for name in ("width", "height"):
        if not 2 <= getattr(job, name) <= MAX_IMAGE_SIDE:
            bad(name, f"{getattr(job, name)} px is outside 2..{MAX_IMAGE_SIDE}")
    if not 0 < job.fps <= MAX_FPS:
        bad("fps", f"{job.fps} is outside (0, {MAX_FPS:g}]")
    if job.frame_end < job.frame_start:
        bad("frame_end", f"{job.frame_end} is before frame_start {job.frame_start}")
    elif job.n_frames > MAX_FRAMES:
        bad("frame_end", f"{job.n_frames} frames is more than {MAX_FRAMES}")


def _validate_render(job: Job, bad, choice) -> None:
    choice("render.mode", job.render.mode, RENDER_MODES)
    choice("render.quality", job.render.quality, QUALITIES)
    choice("render.device", job.render.device, DEVICES)
    if job.render.samples_flow != 1:
        bad("render.samples_flow", "flow, depth and ids must come from a 1-sample pass")
    if job.render.samples_rgb < 1:
        bad("render.samples_rgb", "must be at least 1")


def _validate_lights(job: Job, bad, choice) -> None:
    for i, light in enumerate(job.lights):
        choice(f"lights[{i}].kind", light.kind, LIGHT_KINDS)
        _vec(f"lights[{i}].position", light.position, 3, bad)
        if not 800.0 <= light.color_temperature_k <= 40000.0:
            bad(f"lights[{i}].color_temperature_k", f"{light.color_temperature_k} K is outside 800..40000 K")
        if light.intensity_w < 0:
            bad(f"lights[{i}].intensity_w", "must not be negative")


def _validate_subjects(job: Job, ids: dict, bad, choice) -> None:
    for i, subj in enumerate(job.subjects):
        p = f"subjects[{i}]"
        _instance_id(p, subj.instance_id, ids, bad)
        _asset(f"{p}.character", subj.character, "character", bad)
        _asset(f"{p}.action", subj.action, "action", bad)
        if len(subj.source_time_s) != job.n_baked:
            bad(f"{p}.source_time_s", f"has {len(subj.source_time_s)} entries, expected {job.n_baked} (frames + 2 boundary frames)")
        choice(f"{p}.root_motion", subj.root_motion, ROOT_MOTION)
        _vec(f"{p}.location", subj.location, 3, bad)
        if not subj.playback_speed > 0:
            bad(f"{p}.playback_speed", "must be positive")
        _validate_segments(p, subj, job.n_baked, bad)


def _validate_segments(p: str, subj: SubjectSpec, n_baked: int, bad) -> None:
    last = 0
    for k, seg in enumerate(subj.segments or []):
        q = f"{p}.segments[{k}]"
        _asset(f"{q}.action", seg.action, "action", bad)
        if not last < seg.first < n_baked:
            bad(f"{q}.first", f"{seg.first} is not after the previous part's start ({last}) and before {n_baked}")
        elif len(seg.source_time_s) != n_baked - seg.first:
            bad(f"{q}.source_time_s", f"has {len(seg.source_time_s)} entries, expected {n_baked - seg.first} "
                                      f"(frame {seg.first} to the clip's end)")
        if seg.blend_frames < 0:
            bad(f"{q}.blend_frames", "must not be negative")
        last = max(last, seg.first)


def _validate_props(job: Job, ids: dict, bad) -> None:
    for i, prop in enumerate(job.props):
        p = f"props[{i}]"
        _instance_id(p, prop.instance_id, ids, bad)
        _asset(f"{p}.asset", prop.asset, "prop", bad)
        for name, seq, n in (("location", prop.location, 3), ("rotation_quat", prop.rotation_quat, 4)):
            if len(seq) not in (1, job.n_baked):
                bad(f"{p}.{name}", f"has {len(seq)} entries, expected 1 (static) or {job.n_baked}")
            for k, v in enumerate(seq):
                _vec(f"{p}.{name}[{k}]", v, n, bad)
        for k, q in enumerate(prop.rotation_quat):
            if len(q) == 4 and abs(math.sqrt(sum(c * c for c in q)) - 1.0) > 1e-6:
                bad(f"{p}.rotation_quat[{k}]", "is not a unit quaternion")


#: scene types whose environment is its layout
LAYOUT_SCENE_TYPES = ("interior", "street", "imported")


def _validate_layout(env: EnvironmentSpec, ids: dict, bad, choice) -> None:
    if canonical_scene_type(env.type) in LAYOUT_SCENE_TYPES and env.layout is None:
        bad("environment.layout", f"an {env.type!r} environment needs a layout")
    if env.ground_projection is not None:
        _vec("environment.ground_projection.center", env.ground_projection.center, 3, bad)
        if not env.ground_projection.radius_m > 0:
            bad("environment.ground_projection.radius_m", "must be positive")
    lay = env.layout
    if lay is None:
        return
    choice("environment.layout.kind", lay.kind, LAYOUT_KINDS)
    _vec("environment.layout.bounds", lay.bounds, 6, bad)
    if lay.kind == "imported":
        if lay.scene is None:
            bad("environment.layout.scene", "an imported layout needs its scene asset")
        else:
            _asset("environment.layout.scene", lay.scene, "scene", bad)
        if lay.scene_transform is None or not _is_matrix(lay.scene_transform, 4):
            bad("environment.layout.scene_transform", "must be a 4x4 matrix of numbers")
    for i, obj in enumerate(lay.objects):
        _validate_object(f"environment.layout.objects[{i}]", obj, ids, bad, choice)


def _validate_object(p: str, obj: WorldObjectSpec, ids: dict, bad, choice) -> None:
    if obj.instance_id < 0:
        bad(f"{p}.instance_id", f"{obj.instance_id} is negative (0: part of the environment)")
    elif obj.instance_id > 0:
        _instance_id(p, obj.instance_id, ids, bad)
    choice(f"{p}.kind", obj.kind, WORLD_SHAPES)
    _vec(f"{p}.location", obj.location, 3, bad)
    _vec(f"{p}.size", obj.size, 3, bad)
    if len(obj.size) == 3 and obj.kind != "imported" and min(obj.size) <= 0:
        bad(f"{p}.size", "every extent must be positive")
    for k, surf in enumerate(obj.surfaces):
        choice(f"{p}.surfaces[{k}].kind", surf.kind, SURFACE_KINDS)
        _vec(f"{p}.surfaces[{k}].color", surf.color, 3, bad)


def _validate_environment(env: EnvironmentSpec, bad, choice) -> None:
    choice("environment.type", env.type, ENV_TYPES)
    scene_type = canonical_scene_type(env.type)
    if scene_type == "hdri" and env.hdri is None:
        bad("environment.hdri", f"an {env.type!r} environment needs an HDRI asset")
    if env.hdri is not None:
        _asset("environment.hdri", env.hdri, "hdri", bad)
    if scene_type == "room" and env.room is None:
        bad("environment.room", f"a {env.type!r} environment needs a room")
    if env.room is not None:
        _asset("environment.room.asset", env.room.asset, "room", bad)
        _vec("environment.room.size", env.room.size, 3, bad)
        if len(env.room.size) == 3 and min(env.room.size) <= 0:
            bad("environment.room.size", "every extent must be positive")
        _vec("environment.room.scene_color", env.room.scene_color, 3, bad)
    _vec("environment.background_color", env.background_color, 4, bad)
    if env.hdri_strength < 0 or env.ambient_intensity < 0:
        bad("environment.hdri_strength" if env.hdri_strength < 0 else "environment.ambient_intensity",
            "must not be negative")


def _validate_camera(job: Job, bad, choice) -> None:
    cam, n = job.camera, job.n_baked
    for name in ("c2w", "focal_mm", "K"):
        seq = getattr(cam, name)
        if len(seq) != n:
            bad(f"camera.{name}", f"has {len(seq)} entries, expected {n} (frames + 2 boundary frames)")
    choice("camera.sensor_fit", cam.sensor_fit, SENSOR_FITS)
    choice("camera.focus_type", cam.focus_type, FOCUS_TYPES)
    choice("camera.focus_position", cam.focus_position, FOCUS_POSITIONS)
    choice("camera.movement_type", cam.movement_type, MOVEMENT_TYPES)
    if cam.sensor_width_mm <= 0 or cam.sensor_height_mm <= 0:
        bad("camera.sensor_width_mm", "sensor size must be positive")
    if not 0 < cam.clip_start < cam.clip_end:
        bad("camera.clip_start", "need 0 < clip_start < clip_end")
    for i, m in enumerate(cam.c2w):
        a = np.asarray(m, dtype=np.float64) if _is_matrix(m, 4) else None
        if a is None:
            bad(f"camera.c2w[{i}]", "must be a 4x4 matrix of numbers")
            continue
        if not np.all(np.isfinite(a)):
            bad(f"camera.c2w[{i}]", "contains non-finite values")
            continue
        R = a[:3, :3]
        if np.abs(R.T @ R - np.eye(3)).max() > 1e-6 or np.linalg.det(R) < 0:
            bad(f"camera.c2w[{i}]", "rotation is not orthonormal (or is a reflection)")
        if np.abs(a[3] - [0, 0, 0, 1]).max() > 1e-12:
            bad(f"camera.c2w[{i}]", "last row must be [0, 0, 0, 1]")
    for i, f in enumerate(cam.focal_mm):
        if not (isinstance(f, (int, float)) and f > 0):
            bad(f"camera.focal_mm[{i}]", "must be a positive number")
            continue
        if i < len(cam.K):
            if not _is_matrix(cam.K[i], 3):
                bad(f"camera.K[{i}]", "must be a 3x3 matrix of numbers")
                continue
            if cam.sensor_fit not in SENSOR_FITS:
                continue
            want = intrinsics(f, cam.sensor_width_mm, job.width, job.height,
                              sensor_height_mm=cam.sensor_height_mm, sensor_fit=cam.sensor_fit,
                              shift_x=cam.shift_x, shift_y=cam.shift_y)
            if np.abs(np.asarray(cam.K[i]) - want).max() > 1e-6 * max(1.0, want[0, 0]):
                bad(f"camera.K[{i}]", "does not match focal length, sensor, shift and resolution")


def _is_matrix(m: Any, n: int) -> bool:
    return (isinstance(m, list) and len(m) == n and
            all(isinstance(r, list) and len(r) == n and
                all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in r) for r in m))


def _vec(path: str, v: Any, n: int, bad) -> None:
    if not (isinstance(v, list) and len(v) == n and
            all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in v)):
        bad(path, f"must be a list of {n} finite numbers")


def _asset(path: str, ref: AssetRef, kind: str, bad) -> None:
    if ref.kind != kind:
        bad(f"{path}.kind", f"is {ref.kind!r}, expected {kind!r}")
    if not ref.id:
        bad(f"{path}.id", "must not be empty")
    if not ref.location:
        bad(f"{path}.location", "must not be empty")


def _instance_id(path: str, iid: int, seen: dict[int, str], bad) -> None:
    if iid < 1:
        bad(f"{path}.instance_id", f"{iid} is reserved for the background; use 1 (main character) or more")
    elif iid in seen:
        bad(f"{path}.instance_id", f"{iid} is already used by {seen[iid]}")
    else:
        seen[iid] = path
