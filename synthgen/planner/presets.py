"""Planner presets: TOML files in ``jobs/presets/`` (or any path) parsed into :class:`Preset`.

A preset may inherit: ``[preset] base = ["dynavid-human", ...]`` deep-merges the named presets
(later ones win) under its own keys. Every key is checked against :data:`SCHEMA`; unknown
sections or keys, wrong types and impossible distributions raise :class:`PresetError`
naming the file and the ``section.key``.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PresetError
from ..vocabulary import CLIP_KINDS
from ..job import FOCUS_POSITIONS, FOCUS_TYPES, LIGHT_KINDS, OUTPUTS, QUALITIES, \
    RENDER_MODES, ROOT_MOTION, TAG_POSITIONS, DEVICES, MAX_FPS, MAX_FRAMES, MAX_IMAGE_SIDE
from ..vocabulary import is_correspondence_member
from .layouts.floorplan import PLAN_SHAPES
from .layouts.street import LAYOUTS as STREET_LAYOUTS
from .movements import MOVEMENTS
from .paths import PATH_FAMILIES as FAMILIES
from .paths.arc_length import SPEED_PROFILES
from .sampling import DIST_KEYS, Dist, parse_dist
from .worlds import WORLDS

log = logging.getLogger(__name__)

PRESET_KINDS = CLIP_KINDS + ("mixed",)
HUMAN_MOVEMENTS = MOVEMENTS.names()
PLACEMENTS = ("forward", "random")
PATH_FAMILIES = FAMILIES.names()
SCENE_TYPES = WORLDS.names()
EMPTY_LIGHTS = ("lights", "hdri")
#: group clips: how the people stand and interplay (see synthgen/planner/clips/group.py)
FORMATIONS = ("battle_circle", "duet", "crowd")
DUET_STANCES = ("side_by_side", "facing")
DUET_TIMINGS = ("unison", "call_response", "mirrored")


def _num(**kw):  # numeric distribution, optional bounds on its support
    return ("num", kw)


def _cat(choices, aliases=None):  # categorical distribution over ``choices`` (older spellings: ``aliases``)
    return ("cat", choices, aliases or {})


#: section -> key -> spec. Specs: ("num", bounds) numeric dist, ("cat", choices, aliases)
#: categorical dist (an alias is read as the choice it stands for), ("int", min[, max]),
#: ("pos"[, max]) positive finite, ("frac",), ("str", choices|None), ("list", choices|None),
#: ("bool",), ("table", {subkey: spec}) a nested table.
_QUALITY = {"samples_rgb": ("int", 1, 1 << 16), "denoise": ("bool",), "max_bounces": ("int", 0, 1024)}
SCHEMA: dict[str, dict[str, tuple]] = {
    "preset": {"kind": ("str", PRESET_KINDS), "human_fraction": ("frac",), "description": ("str", None),
               "base": ("list", None)},
    "video": {"width": ("int", 2, MAX_IMAGE_SIDE), "height": ("int", 2, MAX_IMAGE_SIDE),
              "fps": ("pos", MAX_FPS), "frames": ("int", 2, MAX_FRAMES), "frame_start": ("int", 1)},
    "render": {"mode": ("str", RENDER_MODES), "quality": _cat(QUALITIES), "device": ("str", DEVICES),
               "outputs": ("list", OUTPUTS), "threads": ("int", 0, 4096)},
    "quality": {"high": ("table", _QUALITY), "low": ("table", _QUALITY)},
    "caption": {"tags": ("list", None), "tag_position": ("str", TAG_POSITIONS)},
    "environment": {"type": _cat(SCENE_TYPES, WORLDS.aliases), "hdri_rotation_deg": _num(), "hdri_strength": _num(lo=0),
                    "empty_light": _cat(EMPTY_LIGHTS), "scene_color": _num(lo=0, hi=1),
                    "background_color": _num(lo=0, hi=1), "ambient_intensity": _num(lo=0),
                    "shadow_catcher": ("bool",),
                    # worlds with geometry (optional; defaults in _DEFAULTS)
                    "interior_shape": _cat(PLAN_SHAPES), "street_layout": _cat(STREET_LAYOUTS),
                    "hdri_clutter": _num(lo=0, hi=200), "ground_projection": ("bool",),
                    "world_clearance_m": _num(lo=0.05, hi=3.0), "interior_light_k": _num(lo=1500, hi=12000)},
    "lights": {"count": _num(lo=0, hi=8), "kind": _cat(LIGHT_KINDS), "distance_m": _num(lo=0.1),
               "height_m": _num(), "color_temperature_k": _num(lo=800, hi=40000),
               "intensity_w": _num(lo=0), "size_m": _num(lo=0), "indoor_intensity_scale": _num(lo=0)},
    "subject": {"height_scale": _num(lo=0.2, hi=5), "playback_speed": _num(lo=0.05), "heading_deg": _num(),
                "offset_m": _num(lo=0), "action_weighting": ("str", ("uniform", "dynamic_score")),
                "root_motion": ("str", ROOT_MOTION), "foot_lock": ("bool",)},
    "camera": {"placement": _cat(PLACEMENTS), "forward_azimuth_deg": _num(), "elevation_deg": _num(lo=-60, hi=80),
               "focal_mm": _num(lo=1, hi=2000), "focus_type": _cat(FOCUS_TYPES),
               "focus_position": _cat(FOCUS_POSITIONS), "movement_type": _cat(HUMAN_MOVEMENTS),
               "coverage": _num(lo=0.02, hi=0.95), "sensor_width_mm": ("pos", 100.0), "roll_deg": _num(),
               "movement_value": ("table", {m: _num(lo=0) for m in HUMAN_MOVEMENTS})},
    "camera_path": {"family": _cat(PATH_FAMILIES), "key_poses": _num(lo=4, hi=8),
                    "speed_profile": _cat(SPEED_PROFILES), "peak_angular_speed_deg_s": _num(lo=0),
                    "whip_peak_angular_speed_deg_s": _num(lo=0), "whip_sweep_deg": _num(lo=0),
                    "peak_linear_speed_m_s": _num(lo=0),
                    "orbit_radius_m": _num(lo=0.5), "height_m": _num(lo=0.2), "focal_mm": _num(lo=1, hi=2000),
                    "character_probability": ("frac",), "roll_deg": _num(),
                    **{k: _num(lo=pk.lo, hi=pk.hi) for _, fam in FAMILIES for k, pk in fam.preset_keys.items()}},
    "subjects": {"count": _num(lo=2, hi=4), "formation": _cat(FORMATIONS), "spacing_m": _num(lo=0.3, hi=10),
                 "margin_m": ("pos", 1.0), "heading_jitter_deg": _num(lo=-45, hi=45),
                 "duet_stance": _cat(DUET_STANCES), "duet_timing": _cat(DUET_TIMINGS),
                 "response_delay_s": _num(lo=0, hi=10), "turns": _num(lo=1, hi=4), "turn_blend_s": ("pos", 2.0)},
    "props": {"count": _num(lo=0, hi=32), "distance_m": _num(lo=0), "size_m": _num(lo=0.01)},
}

#: Sections each clip kind needs (every key of them).
NEEDED = {
    "human": ("video", "render", "quality", "caption", "environment", "lights", "subject", "camera", "props"),
    "camera": ("video", "render", "quality", "caption", "environment", "lights", "subject", "camera",
               "camera_path", "props"),
    "group": ("video", "render", "quality", "caption", "environment", "lights", "subject", "subjects", "camera",
              "props"),
}
_OPTIONAL_KEYS = {("preset", "human_fraction"), ("preset", "description"), ("preset", "base"),
                  ("render", "threads"), ("camera", "roll_deg"), ("camera_path", "roll_deg"),
                  ("subject", "foot_lock"), ("environment", "shadow_catcher")}
#: Defaults of optional keys (preset syntax), used when a preset leaves them out: the
#: parameters path families own (``PathFamily.preset_keys``).
_DEFAULTS = {("camera_path", k): pk.default for _, fam in FAMILIES for k, pk in fam.preset_keys.items()}
#: worlds with geometry (scene types interior, street, imported; hdri near geometry): what a
#: preset that says nothing gets (no clutter and no ground projection: older presets plan as before)
_DEFAULTS.update({
    ("environment", "interior_shape"): {"choice": ["single", "l_shape", "corridor", "apartment", "hall", "storage"],
                                        "weights": [0.3, 0.15, 0.1, 0.25, 0.1, 0.1]},
    ("environment", "street_layout"): {"choice": ["street", "alley", "plaza"], "weights": [0.5, 0.25, 0.25]},
    ("environment", "hdri_clutter"): 0, ("environment", "ground_projection"): False,
    ("environment", "world_clearance_m"): 0.3, ("environment", "interior_light_k"): {"uniform": [3300.0, 5200.0]},
})
#: battle circles: how many performers have the floor in turn, and each takeover's crossfade
_DEFAULTS[("subjects", "turns")] = 1
_DEFAULTS[("subjects", "turn_blend_s")] = 0.3
_OPTIONAL_KEYS |= set(_DEFAULTS)


@dataclass
class Preset:
    """A parsed preset: ``values[section][key]`` is a :class:`Dist` or a plain value."""

    name: str
    path: Path
    kind: str
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values.get(section, {})

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.values.get(section, {}).get(key, default)

    def dists(self) -> dict[str, Dist]:
        """Every distribution, keyed ``section.key`` (for summaries and tests)."""
        out = {}
        for sec, keys in self.values.items():
            for k, v in keys.items():
                if isinstance(v, Dist):
                    out[f"{sec}.{k}"] = v
                elif isinstance(v, dict):
                    out.update({f"{sec}.{k}.{s}": d for s, d in v.items() if isinstance(d, Dist)})
        return out


def presets_dir() -> Path:
    from .. import PROJECT_ROOT
    return PROJECT_ROOT / "jobs" / "presets"


def preset_path(name: str | Path) -> Path:
    """A preset name (``tiny``) or a path to a TOML file."""
    p = Path(name)
    if p.suffix == ".toml" or len(p.parts) > 1:
        if not p.is_file():
            raise PresetError("preset file not found", source=str(p))
        return p
    cand = presets_dir() / f"{name}.toml"
    if not cand.is_file():
        known = sorted(q.stem for q in presets_dir().glob("*.toml"))
        raise PresetError(f"unknown preset {str(name)!r} (known: {', '.join(known)}; or give a .toml path)")
    return cand


def load_preset(name: str | Path, *, kind: str | None = None) -> Preset:
    """Load, merge (``base``), check and parse a preset; ``kind`` overrides ``[preset] kind``."""
    path = preset_path(name)
    raw = _read_merged(path, ())
    if kind is not None:
        if kind not in PRESET_KINDS:
            raise PresetError(f"kind {kind!r} is not one of {', '.join(PRESET_KINDS)}", field="kind")
        raw.setdefault("preset", {})["kind"] = kind
    return _parse(raw, path)


def _read_merged(path: Path, chain: tuple) -> dict:
    if path.resolve() in chain:
        raise PresetError("preset inherits from itself", source=str(path), field="preset.base")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"not valid TOML ({exc})", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(f"cannot read preset ({exc.__class__.__name__})", source=str(path)) from None
    bases = data.get("preset", {}).get("base", [])
    if isinstance(bases, str):
        bases = [bases]
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        raise PresetError("base must be a preset name or a list of names", source=str(path), field="preset.base")
    merged: dict = {}
    for b in bases:
        base_path = preset_path(b) if not b.endswith(".toml") else (path.parent / b)
        _deep_merge(merged, _read_merged(base_path, chain + (path.resolve(),)))
    _deep_merge(merged, data)
    merged.get("preset", {}).pop("base", None)
    return merged


def _deep_merge(dst: dict, src: dict) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict) and not _is_dist_table(v):
            _deep_merge(dst[k], v)
        else:
            dst[k] = v


def _is_dist_table(v: dict) -> bool:
    return any(k in v for k in DIST_KEYS)


def _parse(raw: dict, path: Path) -> Preset:
    src = str(path)
    for sec in raw:
        if sec not in SCHEMA:
            raise PresetError(f"unknown section [{sec}]", source=src, field=sec)
        if not isinstance(raw[sec], dict):
            raise PresetError("must be a table", source=src, field=sec)
    kind = raw.get("preset", {}).get("kind")
    if kind not in PRESET_KINDS:
        raise PresetError(f"{kind!r} is not one of {', '.join(PRESET_KINDS)}", source=src, field="preset.kind")
    kinds = ("human", "camera") if kind == "mixed" else (kind,)
    needed = sorted({s for k in kinds for s in NEEDED[k]})
    values: dict[str, dict[str, Any]] = {}
    for sec in ["preset", *needed]:
        table = raw.get(sec, {})
        values[sec] = _parse_table(table, SCHEMA[sec], src, sec, sec != "preset")
    if "camera" in values:
        moves = values["camera"]["movement_type"].args
        missing = [m for m in moves if m not in values["camera"].get("movement_value", {})]
        if missing:
            raise PresetError(f"no value distribution for movement type {missing[0]!r}",
                              source=src, field=f"camera.movement_value.{missing[0]}")
    if kind == "mixed" and "human_fraction" not in values["preset"]:
        raise PresetError("a mixed preset needs human_fraction", source=src, field="preset.human_fraction")
    for sec in raw:
        if sec not in values:   # allowed but unused for this kind: still checked
            _parse_table(raw[sec], SCHEMA[sec], src, sec, False)
    return Preset(name=path.stem, path=path, kind=kind, values=values)


def _parse_table(table: dict, schema: dict, src: str, where: str, require: bool) -> dict:
    out = {}
    for key in table:
        if key not in schema:
            raise PresetError(f"unknown key {key!r} (known: {', '.join(schema)})", source=src, field=f"{where}.{key}")
    for key, spec in schema.items():
        fld = f"{where}.{key}"
        if key not in table:
            if require and (where, key) not in _OPTIONAL_KEYS:
                raise PresetError("required key is missing", source=src, field=fld)
            if require and (where, key) in _DEFAULTS:
                out[key] = _parse_value(_DEFAULTS[where, key], spec, f"{src} (default)", fld)
            continue
        out[key] = _parse_value(table[key], spec, src, fld)
    return out


def _parse_value(value: Any, spec: tuple, src: str, fld: str) -> Any:
    def fail(reason: str) -> PresetError:
        return PresetError(reason, source=src, field=fld)

    tag = spec[0]
    if tag == "num":
        d = parse_dist(value, src, fld, numeric=True)
        lo, hi = spec[1].get("lo"), spec[1].get("hi")
        if (lo is not None and d.low < lo) or (hi is not None and d.high > hi):
            raise fail(f"values must lie in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]")
        return d
    if tag == "cat":
        return _parse_categorical(value, spec[1], spec[2], src, fld)
    if tag == "int":
        hi = spec[2] if len(spec) > 2 else None
        if not isinstance(value, int) or isinstance(value, bool) or value < spec[1] or (hi and value > hi):
            raise fail(f"expected an integer in {spec[1]}..{hi}, got {value!r}" if hi
                       else f"expected an integer >= {spec[1]}, got {value!r}")
        return value
    if tag == "pos":
        hi = spec[1] if len(spec) > 1 else math.inf
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or not 0 < value <= hi):
            raise fail(f"expected a positive finite number{f' up to {hi:g}' if hi < math.inf else ''}, "
                       f"got {value!r}")
        return float(value)
    if tag == "frac":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise fail(f"expected a number in 0..1, got {value!r}")
        return float(value)
    if tag == "bool":
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {value!r}")
        return value
    if tag == "str":
        if not isinstance(value, str) or (spec[1] is not None and value not in spec[1]):
            raise fail(f"{value!r} is not one of {', '.join(spec[1])}" if spec[1] else "expected a string")
        return value
    if tag == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail("expected a list of strings")
        bad = [v for v in value if spec[1] is not None and v not in spec[1]
               and not (spec[1] is OUTPUTS and is_correspondence_member(v))]
        if bad:
            raise fail(f"{bad[0]!r} is not one of {', '.join(spec[1])}")
        return list(value)
    if tag == "table":
        if not isinstance(value, dict):
            raise fail("must be a table")
        return _parse_table(value, spec[1], src, fld, fld.startswith("quality."))
    raise AssertionError(tag)


def _parse_categorical(value: Any, choices: tuple, aliases: dict, src: str, fld: str) -> Dist:
    """A choice (or constant) over ``choices``; values spelled as an alias are read as the
    choice it stands for (sampling is unchanged: same draws, same order)."""
    d = parse_dist(value, src, fld)
    vals = tuple(aliases.get(v, v) if isinstance(v, str) else v for v in d.args) \
        if d.kind in ("choice", "const") else ()
    bad = [v for v in vals if v not in choices]
    if d.kind not in ("choice", "const") or bad:
        known = ", ".join(choices) + (f" (older spellings: {', '.join(aliases)})" if aliases else "")
        raise PresetError(f"{bad[0] if bad else value!r} is not one of {known}", source=src, field=fld)
    return dataclasses.replace(d, args=vals)
