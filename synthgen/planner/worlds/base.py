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

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...job import EnvironmentSpec
from ...manifest import AssetSet
from ..captions import colour_name
from ..layouts.model import WorldModel
from ..scene_draw import SceneDraw


@dataclass
class WorldContext:
    """What a world with its own geometry is generated from: the preset (its
    ``[environment]`` keys), the assets, the clip's scene draw and the clip's *world stream*
    (``SeedSequence(seed, spawn_key=(k, 4))``, docs/CONVENTIONS.md §8), so drawing a world
    never shifts the clip's other streams."""

    preset: Any
    assets: AssetSet
    draw: SceneDraw
    rng: np.random.Generator


class World:
    name: ClassVar[str] = ""
    needs: ClassVar[str | None] = None      # asset kind the scene type needs ("hdri", "room")
    indoor_room: ClassVar[bool] = False

    def uses_lights(self, draw: SceneDraw) -> bool:
        return False

    def model(self, wctx: WorldContext) -> WorldModel | None:
        """The world's geometry, free-space map, lights and focus candidates; None for worlds
        without geometry of their own (the clip kinds then plan as before)."""
        return None

    def uses_hdri(self, draw: SceneDraw) -> bool:
        return False

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *,
              model: WorldModel | None = None, camera: np.ndarray | None = None) -> EnvironmentSpec:
        """The job's environment (``model``: the world's geometry when it has any; ``camera``:
        the planned camera centres (N, 3), for what depends on where the camera goes)."""
        raise NotImplementedError

    def phrase(self, env: EnvironmentSpec) -> str:
        """The caption's environment phrase: the asset's setting, else the plain background."""
        return env.setting or plain_background(env)


def plain_background(env: EnvironmentSpec) -> str:
    return f"against a plain {colour_name(env.background_color)} background"


def pick_outdoor_hdri(assets: AssetSet, rng: np.random.Generator) -> str | None:
    """An outdoor HDRI (the sky of a street, the view through an interior's windows), drawn
    from the world stream; any HDRI when none is outdoor; None without HDRIs."""
    hdris = assets.of_kind("hdri")
    outdoor = [a for a in hdris if not a.get("indoor", False)] or hdris
    return outdoor[int(rng.integers(len(outdoor)))].id if outdoor else None


def layout_environment(name: str, draw: SceneDraw, assets: AssetSet, model) -> EnvironmentSpec:
    """The environment of a world that is its layout (interior, street, imported): no shadow
    catcher, the world model's HDRI (if any) attached, its setting and layout."""
    env = EnvironmentSpec(type=name, background_color=list(draw.background_color), shadow_catcher=False)
    if model.hdri_id is not None:
        attach_hdri(env, draw, assets, light_only=False, hdri_id=model.hdri_id)
    env.setting, env.layout = model.setting, model.layout
    return env


def attach_hdri(env: EnvironmentSpec, draw: SceneDraw, assets: AssetSet, *, light_only: bool,
                hdri_id: str | None = None) -> None:
    """The sampled HDRI (or ``hdri_id``) on ``env``: rotation, strength, setting and indoor
    flag from its asset."""
    env.hdri = assets.ref(hdri_id or draw.hdri_id)
    env.hdri_rotation_deg = draw.hdri_rotation_deg
    env.hdri_strength = draw.hdri_strength
    env.hdri_as_light_only = light_only
    env.setting = env.hdri.params.get("setting", "")
    env.indoor = bool(env.hdri.params.get("indoor", False))
