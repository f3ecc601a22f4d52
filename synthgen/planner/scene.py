"""Environment, lights, props and render settings of a clip (Table 10: light & environment, render).

Sampling happens first (:func:`sample_scene`, a fixed order of draws so every clip records
every parameter); building specs happens once the subject and camera are placed.
Props are unit-extent primitives (they fit in [-0.5, 0.5]³ before ``scale``) resting on the floor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..job import AssetRef, EnvironmentSpec, LightSpec, PropSpec, RenderSpec, RoomSpec
from ..manifest import AssetSet
from ..errors import PlanError
from .presets import Preset


#: Half height of each unit primitive (worker: cube side 1, sphere r 0.5, cylinder/cone h 1,
#: torus minor radius 0.15 lying in XY), so scaled props rest on the floor.
_HALF_HEIGHT = {"cube": 0.5, "sphere": 0.5, "cylinder": 0.5, "cone": 0.5, "torus": 0.15}


@dataclass
class SceneDraw:
    env_type: str
    hdri_id: str | None
    hdri_rotation_deg: float
    hdri_strength: float
    empty_light: str
    scene_color: list
    background_color: list
    ambient_intensity: float
    room_id: str | None
    room_size: list
    room_jitter: list
    room_fixed: bool = False        # a .blend template: its size is what it is (never enlarged)
    lights: list = field(default_factory=list)
    indoor_light_scale: float = 1.0  # light power factor inside rooms (walls bounce the light back)
    props: list = field(default_factory=list)
    quality: str = "low"

    @property
    def indoor_room(self) -> bool:
        return self.env_type == "basic"

    @property
    def uses_lights(self) -> bool:
        return self.env_type == "basic" or (self.env_type == "empty" and self.empty_light == "lights")

    @property
    def uses_hdri(self) -> bool:
        return self.env_type == "env" or (self.env_type == "empty" and self.empty_light == "hdri")


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))]


def _rgb(dist, rng) -> list:
    return [round(float(dist.sample(rng)), 6) for _ in range(3)]


def sample_scene(preset: Preset, assets: AssetSet, rng: np.random.Generator, params: dict) -> SceneDraw:
    """Draw every environment/light/prop/render parameter and record it in ``params``."""
    env = preset["environment"]
    hdris, rooms = assets.of_kind("hdri"), assets.of_kind("room")
    env_type = env["type"].sample(rng)
    hdri = _pick(rng, hdris).id if hdris else None
    room = _pick(rng, rooms) if rooms else None
    if env_type == "env" and hdri is None:
        raise PlanError("scene type 'env' needs an hdri asset; the manifests have none")
    if env_type == "basic" and room is None:
        raise PlanError("scene type 'basic' needs a room asset; the manifests have none")
    size_range = room["size_range"] if room else [[8, 8], [8, 8], [3, 3]]
    draw = SceneDraw(
        env_type=env_type, hdri_id=hdri,
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
    _record_scene(draw, params)
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


def _record_scene(d: SceneDraw, params: dict) -> None:
    params.update({"scene_type": d.env_type, "hdri": d.hdri_id if d.uses_hdri else None,
                   "hdri_rotation_deg": d.hdri_rotation_deg, "hdri_strength": d.hdri_strength,
                   "empty_light": d.empty_light, "scene_color": d.scene_color,
                   "background_color": d.background_color, "ambient_intensity": d.ambient_intensity,
                   "room": d.room_id if d.indoor_room else None, "light_count": len(d.lights),
                   "prop_count": len(d.props), "quality": d.quality, "engine": "cycles",
                   "indoor_light_scale": d.indoor_light_scale if d.indoor_room else None})
    for i, L in enumerate(d.lights):
        params.update({f"light{i}_{k}": v for k, v in L.items()})


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


def build_environment(draw: SceneDraw, assets: AssetSet, room_size: list[float]) -> EnvironmentSpec:
    env = EnvironmentSpec(type=draw.env_type, background_color=list(draw.background_color))
    if draw.uses_hdri:
        env.hdri = assets.ref(draw.hdri_id)
        env.hdri_rotation_deg = draw.hdri_rotation_deg
        env.hdri_strength = draw.hdri_strength
        env.hdri_as_light_only = draw.env_type == "empty"
        env.setting = env.hdri.params.get("setting", "")
        env.indoor = bool(env.hdri.params.get("indoor", False))
    env.shadow_catcher = draw.env_type == "env"
    if draw.indoor_room:
        ref = assets.ref(draw.room_id)
        base, j = np.asarray(draw.scene_color), np.asarray(draw.room_jitter)
        walls = [[round(float(c), 6) for c in np.clip(base * (1.0 + j[k]), 0.0, 1.0)] for k in range(4)]
        env.room = RoomSpec(asset=ref, size=list(room_size), center=[0.0, 0.0, 0.0],
                            scene_color=list(draw.scene_color), wall_colors=walls,
                            floor_color=[round(float(c), 6) for c in np.clip(base * 0.55 + j[4], 0, 1)],
                            ceiling_color=[round(float(c), 6) for c in np.clip(0.9 + 0.1 * base + j[5], 0, 1)],
                            material_seed=int(abs(j[0]) * 1e6))
        env.setting = ref.params.get("setting", "")
        env.indoor = True
    if draw.uses_lights:
        env.ambient_intensity = draw.ambient_intensity
    if draw.env_type == "empty":
        env.setting = ""
    return env


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
                away_azimuth_deg: float, room_size: list[float] | None) -> tuple[list[PropSpec], list]:
    """Static props around ``anchor`` (3,) beyond ``base_radius``; azimuths centred on
    ``away_azimuth_deg`` (e.g. behind the subject as seen from the camera). Returns the specs
    and their (centre (3,), bounding radius) for clearance checks. Instance ids start at 2."""
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
        specs.append(PropSpec(instance_id=2 + i, asset=ref, name=f"{ref.id}-{i}", scale=[s, s, s],
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
