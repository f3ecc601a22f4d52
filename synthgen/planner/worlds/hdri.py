"""Scene type ``hdri`` (job files before the rename: ``env``): an HDR environment map is what
the camera sees and what lights the scene, over a ground plane that only catches shadows."""
from __future__ import annotations

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..scene_draw import SceneDraw
from .base import World, attach_hdri


class HdriWorld(World):
    name = "hdri"
    needs = "hdri"

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return True

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float]) -> EnvironmentSpec:
        env = EnvironmentSpec(type=self.name, background_color=list(draw.background_color))
        attach_hdri(env, draw, assets, light_only=False)
        env.shadow_catcher = True
        return env


WORLD = HdriWorld()
