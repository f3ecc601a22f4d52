"""The Blender halves of the subject sources (:mod:`synthgen.characters.sources`), by name.

Each module builds a source's character in the current scene (``build_character(ref,
name) -> Character``) and loads its action (``load_motion(ref) -> Motion``), delegating to
the bpy-free half where that needs no Blender.
"""
from __future__ import annotations

from types import ModuleType

from ...characters import sources
from . import mixamo, people, procedural

REGISTRY: dict[str, ModuleType] = {m.NAME: m for m in (people, procedural, mixamo)}


def for_location(location: str) -> ModuleType:
    """The Blender half of the source owning ``location``."""
    return REGISTRY[sources.source_for(location).NAME]
