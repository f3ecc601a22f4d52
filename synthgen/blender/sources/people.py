"""Blender half of the ``people`` subject source: MakeHuman bodies from the pack (bpy)."""
from __future__ import annotations

from ...characters.model import Character
from ...characters.sources import people as source
from .. import people

NAME = source.NAME
load_motion = source.load_motion


def build_character(ref, name: str) -> Character:
    return people.build(source.person(ref), name)
