"""What every scene type provides (the planner half; the Blender half is
:mod:`synthgen.blender.environment`, keyed by the same names).

A scene type says which asset it needs (an HDRI, a room), whether the clip happens inside a
room, what lights it (the sampled lights, the sampled HDRI), how its
:class:`~synthgen.job.EnvironmentSpec` is built from the scene draw, and how the caption
names it. The scene draw itself (:class:`~synthgen.planner.scene_draw.SceneDraw`) draws every
environment parameter whatever the type, in a fixed order, so a clip's random streams do not
depend on the type drawn.
"""
from __future__ import annotations

from typing import ClassVar

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..captions import colour_name
from ..scene_draw import SceneDraw


class World:
    name: ClassVar[str] = ""
    needs: ClassVar[str | None] = None      # asset kind the scene type needs ("hdri", "room")
    indoor_room: ClassVar[bool] = False

    def uses_lights(self, draw: SceneDraw) -> bool:
        return False

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return False

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *,
              camera=None) -> EnvironmentSpec:
        raise NotImplementedError

    def phrase(self, env: EnvironmentSpec) -> str:
        """The caption's environment phrase: the asset's setting, else the plain background."""
        return env.setting or plain_background(env)


def plain_background(env: EnvironmentSpec) -> str:
    return f"against a plain {colour_name(env.background_color)} background"


def attach_hdri(env: EnvironmentSpec, draw: SceneDraw, assets: AssetSet, *, light_only: bool) -> None:
    """The sampled HDRI on ``env``: rotation, strength, setting and indoor flag from its asset."""
    env.hdri = assets.ref(draw.hdri_id)
    env.hdri_rotation_deg = draw.hdri_rotation_deg
    env.hdri_strength = draw.hdri_strength
    env.hdri_as_light_only = light_only
    env.setting = env.hdri.params.get("setting", "")
    env.indoor = bool(env.hdri.params.get("indoor", False))
