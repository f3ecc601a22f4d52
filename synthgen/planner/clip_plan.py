"""What a clip kind returns: one typed plan of a clip, from which the job is baked.

Every clip kind (:mod:`synthgen.planner.clips`) returns a :class:`ClipPlan`: the specs the job
needs (subjects, camera, lights, props, world), the caption's camera element, and its typed
draws (``sampled``). The params log of the job (``job.plan.params``) is written from
``sampled`` (:meth:`ClipPlan.params`) and never read back by the planner.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..job import CameraSpec, EnvironmentSpec, LightSpec, PropSpec, SubjectSpec
from .scene_draw import SceneDraw


class SampledParameters(Protocol):
    """A clip kind's typed draws and solution; :meth:`log` writes them as the flat params log."""

    scene: SceneDraw

    def log(self) -> dict:
        ...


@dataclass
class ClipPlan:
    kind: str
    subjects: list[SubjectSpec]
    camera: CameraSpec
    lights: list[LightSpec]
    props: list[PropSpec]
    world: EnvironmentSpec
    camera_phrase: str              # the caption's camera element, in a cinematographer's words
    sampled: SampledParameters

    def params(self) -> dict:
        """The params log (every sampled Table-10 parameter and what the solver made of it)."""
        return self.sampled.log()
