"""Blender half of the ``procedural`` subject source: mannequins (bpy)."""
from __future__ import annotations

import numpy as np

from ...characters import mannequin
from ...characters.model import Character
from ...characters.sources import procedural as source
from .. import humanoid

NAME = source.NAME
load_motion = source.load_motion


def build_character(ref, name: str) -> Character:
    variant = source.variant(ref)
    arm, mesh = humanoid.build(variant, name)
    return Character(arm, [mesh], mannequin.skeleton(variant), np.eye(4))
