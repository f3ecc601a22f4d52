"""Kinds of clip, one module each, registered under the names of
:data:`synthgen.vocabulary.CLIP_KINDS` (module ``<name>.py`` defines ``KIND``, whose
``plan(ctx, scene)`` returns a :class:`~synthgen.planner.clip_plan.ClipPlan`).

* ``human``: a performer filmed like a videographer would (:mod:`.human`);
* ``camera``: a fast camera path through a scene, optionally with a performer (:mod:`.camera`);
* ``group``: 2-4 people with interplay, never interpenetrating, framed as a group (:mod:`.group`).
"""
from __future__ import annotations

from typing import Protocol

from ...registry import Registry, register_modules
from ...vocabulary import CLIP_KINDS as NAMES
from ..clip_plan import ClipPlan
from ..context import ClipContext
from ..scene_draw import SceneDraw


class ClipKind(Protocol):
    name: str

    def plan(self, ctx: ClipContext, scene: SceneDraw) -> ClipPlan:
        ...


CLIP_KINDS: Registry[ClipKind] = Registry("clip kind")
register_modules(CLIP_KINDS, __name__, NAMES, "KIND")
