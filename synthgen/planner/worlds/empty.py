"""Scene type ``empty``: nothing but a plain background colour, lit either by the sampled
lights and a uniform ambient light (``empty_light = "lights"``) or by the sampled HDRI, which
camera rays do not see (``empty_light = "hdri"``)."""
from __future__ import annotations

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..scene_draw import SceneDraw
from .base import World, attach_hdri, plain_background


class EmptyWorld(World):
    name = "empty"

    def uses_lights(self, draw: SceneDraw) -> bool:
        return draw.empty_light == "lights"

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return draw.empty_light == "hdri"

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = EnvironmentSpec(type=self.name, background_color=list(draw.background_color))
        if self.uses_hdri(draw):
            attach_hdri(env, draw, assets, light_only=True)
        env.shadow_catcher = False
        if self.uses_lights(draw):
            env.ambient_intensity = draw.ambient_intensity
        env.setting = ""
        return env

    def phrase(self, env: EnvironmentSpec) -> str:
        return plain_background(env)


WORLD = EmptyWorld()
