"""Blender half of the ``mixamo`` subject source: FBX/BVH files through Blender's importers."""
from __future__ import annotations

from pathlib import Path

from ...characters.model import Character, Motion
from ...characters.sources import mixamo as source
from .. import mixamo

NAME = source.NAME


def build_character(ref, name: str) -> Character:
    return mixamo.load_character(Path(ref.location), name)


def load_motion(ref) -> Motion:
    return mixamo.load_motion(Path(ref.location))
