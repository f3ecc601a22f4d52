"""Scene type ``hdri`` (job files before the rename: ``env``): an HDR environment map is what
the camera sees and what lights the scene, over a ground plane that only catches shadows.

With ``environment.ground_projection`` the ground is instead textured with the HDRI's lower
hemisphere seen from a fixed centre at camera height (the planned camera's mean position, its
median height clamped to 1.2-2.5 m), so the ground's RGB moves with its geometry (and with the
flow): a shadow catcher shows the HDRI at infinity there, which moves only with the camera's
rotation while the flow says the ground moves with parallax."""
from __future__ import annotations

import numpy as np

from ...job import EnvironmentSpec, GroundProjectionSpec
from ...manifest import AssetSet
from ..scene_draw import SceneDraw
from .base import World, attach_hdri

GROUND_RADIUS_M = 100.0


def ground_projection(camera: np.ndarray | None) -> GroundProjectionSpec | None:
    """The projection centre for camera centres (N, 3): mean xy, median height in 1.2-2.5 m."""
    if camera is None:
        return None
    c = np.asarray(camera, float)
    z = float(np.clip(np.median(c[:, 2]), 1.2, 2.5))
    return GroundProjectionSpec(center=[round(float(c[:, 0].mean()), 6), round(float(c[:, 1].mean()), 6),
                                        round(z, 6)], radius_m=GROUND_RADIUS_M)


class HdriWorld(World):
    name = "hdri"
    needs = "hdri"

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return True

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *,
              camera=None) -> EnvironmentSpec:
        env = EnvironmentSpec(type=self.name, background_color=list(draw.background_color))
        attach_hdri(env, draw, assets, light_only=False)
        env.shadow_catcher = True
        if draw.ground_projection:
            env.ground_projection = ground_projection(camera)
            env.shadow_catcher = env.ground_projection is None
        return env


WORLD = HdriWorld()
