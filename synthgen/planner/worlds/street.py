"""Scene type ``street``: an outdoor layout under an HDRI sky (a street between two rows of
buildings, a narrow alley, or a plaza ringed by buildings; ``environment.street_layout``)
with street furniture, trees and parked cars; the ground beyond the layout is the HDRI's
lower hemisphere projected onto a plane (fixed in the world). Generation:
:mod:`synthgen.planner.layouts.street`; the Blender half: ``synthgen/blender/environment.py``."""
from __future__ import annotations

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..layouts import street
from ..layouts.model import WorldModel
from ..scene_draw import SceneDraw
from .base import World, WorldContext, layout_environment, pick_outdoor_hdri
from .hdri import ground_projection


class StreetWorld(World):
    name = "street"
    needs = "hdri"

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return True

    def model(self, wctx: WorldContext) -> WorldModel:
        E, rng = wctx.preset["environment"], wctx.rng
        layout = E["street_layout"].sample(rng)
        clearance = float(E["world_clearance_m"].sample(rng))
        hdri = pick_outdoor_hdri(wctx.assets, rng)
        m = street.generate(rng, layout, clearance)
        m.hdri_id = hdri
        m.log.update({"world_clearance_m": clearance, "sky_hdri": hdri})
        return m

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = layout_environment(self.name, draw, assets, model)
        env.indoor = False
        env.ground_projection = ground_projection(camera)
        return env


WORLD = StreetWorld()
