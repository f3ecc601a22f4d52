"""The data types a subject is built from: a character's rig and an action's motion (no bpy).

:class:`Character` holds whatever the Blender builders made (armature and mesh objects, kept
as opaque references here) plus the rest :class:`~synthgen.characters.skeleton.Skeleton`
in the character frame; :class:`Motion` is an action in the action frame. Both frames are
Z up, metres, facing −Y, feet on z = 0 (see :mod:`synthgen.characters.skeleton`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import SynthgenError
from .skeleton import Skeleton, WorldPose


class CharacterError(SynthgenError):
    """A character or action asset cannot be built."""


@dataclass
class Character:
    """A character in the scene: armature, meshes, its rest :class:`Skeleton` in the
    character frame (metres, Z up, facing −Y, feet on z = 0) and ``frame`` (4, 4), the
    similarity taking armature space to that character frame; ``height`` (m) is the rest
    height the subject's ``height_m`` scales from (mesh top for imported characters)."""

    armature: object
    meshes: list
    skeleton: Skeleton
    frame: np.ndarray
    height: float = 0.0

    def __post_init__(self) -> None:
        if not self.height:
            self.height = self.skeleton.height


@dataclass
class Motion:
    """An action in the action frame: source skeleton, pose per source frame, fps."""

    skeleton: Skeleton
    pose: WorldPose
    fps: float
    loopable: bool = False


def placement(spec, char_height: float) -> np.ndarray:
    """4×4 T(location) · Rz(heading) · s, s = height_m / character height (or 1)."""
    s = 1.0 if spec.height_m is None else float(spec.height_m) / char_height
    a = math.radians(spec.heading_deg)
    m = np.eye(4)
    m[:3, :3] = s * np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    m[:3, 3] = spec.location
    return m
