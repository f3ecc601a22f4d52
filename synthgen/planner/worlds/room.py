"""Scene type ``room`` (job files before the rename: ``basic``): an indoor room, a procedural
box coloured by the scene colour (each wall, the floor and the ceiling varied a little) or a
.blend template, lit by the sampled lights and a uniform ambient light."""
from __future__ import annotations

import numpy as np

from ...job import EnvironmentSpec, RoomSpec
from ...manifest import AssetSet
from ..scene_draw import SceneDraw
from .base import World


def _rgb(values) -> list[float]:
    return [round(float(c), 6) for c in values]


class RoomWorld(World):
    name = "room"
    needs = "room"
    indoor_room = True

    def uses_lights(self, draw: SceneDraw) -> bool:
        return True

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = EnvironmentSpec(type=self.name, background_color=list(draw.background_color))
        env.shadow_catcher = False
        ref = assets.ref(draw.room_id)
        base, j = np.asarray(draw.scene_color), np.asarray(draw.room_jitter)
        env.room = RoomSpec(asset=ref, size=list(room_size), center=[0.0, 0.0, 0.0],
                            scene_color=list(draw.scene_color),
                            wall_colors=[_rgb(np.clip(base * (1.0 + j[k]), 0.0, 1.0)) for k in range(4)],
                            floor_color=_rgb(np.clip(base * 0.55 + j[4], 0, 1)),
                            ceiling_color=_rgb(np.clip(0.9 + 0.1 * base + j[5], 0, 1)),
                            material_seed=int(abs(j[0]) * 1e6))
        env.setting = ref.params.get("setting", "")
        env.indoor = True
        env.ambient_intensity = draw.ambient_intensity
        return env


WORLD = RoomWorld()
