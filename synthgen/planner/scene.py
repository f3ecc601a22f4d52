"""Environment, lights, props and render settings of a clip (Table 10: light & environment, render).

Sampling happens first (:func:`sample_scene`, a fixed order of draws so every clip draws every
parameter whatever its scene type); building specs happens once the subject and camera are
placed: the environment by the drawn scene type's module (:mod:`synthgen.planner.worlds`),
lights and props here. Props are unit-extent primitives (they fit in [-0.5, 0.5]³ before
``scale``) resting on the floor.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InfeasibleDrawError
from ..job import AssetRef, EnvironmentSpec, LightSpec, PropSpec, RenderSpec
from ..manifest import AssetSet
from .presets import Preset
from .scene_draw import SceneDraw
from .worlds import WORLDS


#: Half height of each unit primitive (worker: cube side 1, sphere r 0.5, cylinder/cone h 1,
#: torus minor radius 0.15 lying in XY), so scaled props rest on the floor.
_HALF_HEIGHT = {"cube": 0.5, "sphere": 0.5, "cylinder": 0.5, "cone": 0.5, "torus": 0.15}


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))]


def _rgb(dist, rng) -> list:
    return [round(float(dist.sample(rng)), 6) for _ in range(3)]


def sample_scene(preset: Preset, assets: AssetSet, rng: np.random.Generator) -> SceneDraw:
    """Draw every environment/light/prop/render parameter (a fixed order of draws).

    Raises :class:`InfeasibleDrawError` when the drawn scene type needs an asset kind the
    manifests lack (a redraw may draw another type)."""
    env = preset["environment"]
    hdris, rooms = assets.of_kind("hdri"), assets.of_kind("room")
    world = WORLDS.get(env["type"].sample(rng))
    hdri = _pick(rng, hdris).id if hdris else None
    room = _pick(rng, rooms) if rooms else None
    if world.needs is not None and not assets.of_kind(world.needs):
        raise InfeasibleDrawError(f"scene type {world.name!r} needs an asset of kind {world.needs!r}; "
                                  "the manifests have none")
    size_range = room["size_range"] if room else [[8, 8], [8, 8], [3, 3]]
    draw = SceneDraw(
        env_type=world.name, hdri_id=hdri,
        hdri_rotation_deg=round(float(env["hdri_rotation_deg"].sample(rng)) % 360.0, 6),
        hdri_strength=round(float(env["hdri_strength"].sample(rng)), 6),
        empty_light=env["empty_light"].sample(rng),
        scene_color=_rgb(env["scene_color"], rng),
        background_color=_rgb(env["background_color"], rng) + [1.0],
        ambient_intensity=round(float(env["ambient_intensity"].sample(rng)), 6),
        room_id=room.id if room else None,
        room_size=[round(float(rng.uniform(lo, hi)), 6) for lo, hi in size_range],
        room_jitter=[round(float(v), 6) for v in rng.uniform(-0.08, 0.08, size=6)],
        room_fixed=bool(room is not None and room.is_file),
    )
    draw.lights = _sample_lights(preset, rng)
    scale = preset.get("lights", "indoor_intensity_scale")
    draw.indoor_light_scale = round(float(scale.sample(rng)), 6) if scale is not None else 1.0
    draw.props = _sample_props(preset, assets, rng)
    draw.quality = preset["render"]["quality"].sample(rng)
    draw.indoor_room = world.indoor_room
    draw.uses_lights, draw.uses_hdri = world.uses_lights(draw), world.uses_hdri(draw)
    draw.ground_projection = bool(env.get("ground_projection", False))
    return draw


def _sample_lights(preset: Preset, rng) -> list[dict]:
    L = preset["lights"]
    n = int(round(L["count"].sample(rng)))
    out = []
    for _ in range(n):
        out.append({"kind": L["kind"].sample(rng),
                    "distance_m": round(float(L["distance_m"].sample(rng)), 6),
                    "azimuth_deg": round(float(rng.uniform(0.0, 360.0)), 6),
                    "height_m": round(float(L["height_m"].sample(rng)), 6),
                    "color_temperature_k": round(float(L["color_temperature_k"].sample(rng)), 3),
                    "intensity_w": round(float(L["intensity_w"].sample(rng)), 4),
                    "size_m": round(float(L["size_m"].sample(rng)), 6)})
    return out


def _sample_props(preset: Preset, assets: AssetSet, rng) -> list[dict]:
    P = preset["props"]
    kinds = assets.of_kind("prop")
    n = int(round(P["count"].sample(rng))) if kinds else 0
    out = []
    for _ in range(n):
        out.append({"asset": _pick(rng, kinds).id,
                    "distance_m": round(float(P["distance_m"].sample(rng)), 6),
                    "azimuth_deg": round(float(rng.uniform(-110.0, 110.0)), 6),
                    "size_m": round(float(P["size_m"].sample(rng)), 6),
                    "color": [round(float(c), 6) for c in rng.uniform(0.05, 0.95, size=3)],
                    "roughness": round(float(rng.uniform(0.2, 0.9)), 6),
                    "yaw_deg": round(float(rng.uniform(0.0, 360.0)), 6)})
    return out


# --------------------------------------------------------------------------- building
def room_size_for(draw: SceneDraw, foot: np.ndarray, margin: float = 1.0, top: float = 0.0) -> list[float]:
    """Room extents: the sampled size, enlarged where the subject's footprint (XY bounds,
    plus ``margin`` on every side) or its highest point ``top`` (+0.5 m) needs more.
    A .blend template room keeps its size (the constraints then decide)."""
    if draw.room_fixed:
        return list(draw.room_size)
    need_x = 2 * max(abs(foot[0]), abs(foot[2])) + 2 * margin
    need_y = 2 * max(abs(foot[1]), abs(foot[3])) + 2 * margin
    return [round(max(draw.room_size[0], need_x), 6), round(max(draw.room_size[1], need_y), 6),
            round(max(draw.room_size[2], top + 0.5), 6)]


def build_environment(draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
                      camera: np.ndarray | None = None) -> EnvironmentSpec:
    """The environment of the drawn scene type (``room_size``: the room as solved, if any;
    ``model``: the world's own geometry; ``camera``: the planned camera centres (N, 3))."""
    return WORLDS.get(draw.env_type).build(draw, assets, room_size, model=model, camera=camera)


def build_lights(draw: SceneDraw, anchor: np.ndarray, room_size: list[float] | None) -> list[LightSpec]:
    """Lights around ``anchor`` (3,) at their sampled distance/azimuth/height (inside the room)."""
    if not draw.uses_lights:
        return []
    out = []
    for L in draw.lights:
        a = math.radians(L["azimuth_deg"])
        pos = np.array([anchor[0] + L["distance_m"] * math.cos(a), anchor[1] + L["distance_m"] * math.sin(a),
                        L["height_m"]])
        if room_size is not None:
            half = np.array(room_size[:2]) / 2.0 - 0.3
            pos[:2] = np.clip(pos[:2], -half, half)
            pos[2] = min(pos[2], room_size[2] - 0.2)
        target = [float(anchor[0]), float(anchor[1]), 1.0]
        power = L["intensity_w"] * (draw.indoor_light_scale if draw.indoor_room else 1.0)
        out.append(LightSpec(kind=L["kind"], position=[round(float(v), 6) for v in pos],
                             target=target if L["kind"] in ("area", "spot", "sun") else None,
                             color_temperature_k=L["color_temperature_k"], intensity_w=round(power, 4),
                             size=L["size_m"]))
    return out


def build_props(draw: SceneDraw, assets: AssetSet, anchor: np.ndarray, base_radius: float,
                away_azimuth_deg: float, room_size: list[float] | None,
                first_id: int = 2) -> tuple[list[PropSpec], list]:
    """Static props around ``anchor`` (3,) beyond ``base_radius``; azimuths centred on
    ``away_azimuth_deg`` (e.g. behind the subject as seen from the camera). Returns the specs
    and their (centre (3,), bounding radius) for clearance checks. Instance ids start at
    ``first_id`` (after the people: 2 with one performer)."""
    specs, spheres = [], []
    for i, P in enumerate(draw.props):
        a = math.radians(away_azimuth_deg + P["azimuth_deg"])
        r = base_radius + P["distance_m"]
        s = P["size_m"]
        xy = np.array([anchor[0] + r * math.cos(a), anchor[1] + r * math.sin(a)])
        if room_size is not None:
            half = np.array(room_size[:2]) / 2.0 - s
            xy = np.clip(xy, -half, half)
        ref: AssetRef = assets.ref(P["asset"])
        centre = np.array([xy[0], xy[1], s * _HALF_HEIGHT.get(ref.location.split(":")[-1].split("/")[0], 0.5)])
        half_yaw = math.radians(P["yaw_deg"]) / 2.0
        specs.append(PropSpec(instance_id=first_id + i, asset=ref, name=f"{ref.id}-{i}", scale=[s, s, s],
                              color=list(P["color"]), roughness=P["roughness"],
                              location=[[round(float(v), 6) for v in centre]],
                              rotation_quat=[[math.cos(half_yaw), 0.0, 0.0, math.sin(half_yaw)]]))
        spheres.append((centre, s * math.sqrt(3) / 2.0))
    return specs, spheres


def build_render(preset: Preset, draw: SceneDraw, seed: int) -> RenderSpec:
    q = preset["quality"][draw.quality]
    r = preset["render"]
    return RenderSpec(mode=r["mode"], quality=draw.quality, device=r["device"], samples_rgb=q["samples_rgb"],
                      samples_flow=1, denoise=q["denoise"], max_bounces=q["max_bounces"],
                      threads=r.get("threads", 0), seed=seed)
