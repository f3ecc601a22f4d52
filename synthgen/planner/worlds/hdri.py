"""Scene type ``hdri`` (job files before the rename: ``env``): an HDR environment map is what
the camera sees and what lights the scene, over a ground plane that only catches shadows.

With ``environment.hdri_clutter`` > 0 the scene gets near geometry: that many objects
scattered on the ground round the centre (:mod:`synthgen.planner.layouts.clutter`), drawn
from the clip's world stream. With ``environment.ground_projection`` the ground is textured
with the HDRI's lower hemisphere seen from a fixed centre at camera height (the planned
camera's mean position, its median height clamped to 1.2-2.5 m), so the ground's RGB moves
with its geometry (and with the flow)."""
from __future__ import annotations

import numpy as np

from ...job import EnvironmentSpec, GroundProjectionSpec
from ...manifest import AssetSet
from ..layouts import clutter
from ..layouts.model import WorldModel
from ..scene_draw import SceneDraw
from .base import World, WorldContext, attach_hdri

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

    def model(self, wctx: WorldContext) -> WorldModel | None:
        E, rng = wctx.preset["environment"], wctx.rng
        n = int(round(float(E["hdri_clutter"].sample(rng))))
        if n < 1:
            return None
        clearance = float(E["world_clearance_m"].sample(rng))
        indoor = bool(wctx.assets.get(wctx.draw.hdri_id).get("indoor", False))
        m = clutter.generate(rng, n, indoor, clearance)
        m.log.update({"world_clearance_m": clearance})
        return m

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = EnvironmentSpec(type=self.name, background_color=list(draw.background_color))
        attach_hdri(env, draw, assets, light_only=False)
        env.shadow_catcher = True
        if model is not None:
            env.layout = model.layout
        if draw.ground_projection:
            env.ground_projection = ground_projection(camera)
            env.shadow_catcher = env.ground_projection is None
        return env

    def phrase(self, env: EnvironmentSpec) -> str:
        if env.layout is not None and env.layout.description:
            return f"{env.setting}, among {env.layout.description}".strip(", ")
        return super().phrase(env)


WORLD = HdriWorld()
