"""Scene type ``interior``: a furnished procedural interior (one room, an L-shaped open plan,
a corridor with rooms off it, an apartment of rooms joined by doorways, a two-storey hall
with stairs up to a gallery, or a storage hall; ``environment.interior_shape``), lit by
ceiling lamps with area lights (``environment.interior_light_k``) and by an outdoor HDRI
seen through its windows. Generation: :mod:`synthgen.planner.layouts.interior`; the
Blender half: ``synthgen/blender/environment.py`` (``interior``)."""
from __future__ import annotations

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..layouts import interior
from ..layouts.model import WorldModel
from ..scene_draw import SceneDraw
from .base import World, WorldContext, layout_environment, pick_outdoor_hdri


class InteriorWorld(World):
    name = "interior"

    def model(self, wctx: WorldContext) -> WorldModel:
        E, rng = wctx.preset["environment"], wctx.rng
        shape = E["interior_shape"].sample(rng)
        kelvin = float(E["interior_light_k"].sample(rng))
        clearance = float(E["world_clearance_m"].sample(rng))
        hdri = pick_outdoor_hdri(wctx.assets, rng)
        m = interior.generate(rng, shape, clearance, kelvin)
        m.hdri_id = hdri
        m.log.update({"world_clearance_m": clearance, "interior_light_k": round(kelvin, 3), "window_hdri": hdri})
        return m

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = layout_environment(self.name, draw, assets, model)
        env.indoor = True
        env.ambient_intensity = round(min(draw.ambient_intensity, 0.1), 6)
        return env


WORLD = InteriorWorld()
