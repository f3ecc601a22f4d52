"""Scene types (environments), one module each, registered under the names of
:data:`synthgen.vocabulary.SCENE_TYPES` (module ``<name>.py`` defines ``WORLD``); the older
spellings of :data:`synthgen.vocabulary.SCENE_TYPE_ALIASES` resolve to them.

What a scene type provides: :class:`~synthgen.planner.worlds.base.World`.
"""
from __future__ import annotations

from ...vocabulary import SCENE_TYPE_ALIASES, SCENE_TYPES
from ...registry import Registry, register_modules
from .base import World

WORLDS: Registry[World] = Registry("scene type", aliases=SCENE_TYPE_ALIASES)
register_modules(WORLDS, __name__, SCENE_TYPES, "WORLD")
