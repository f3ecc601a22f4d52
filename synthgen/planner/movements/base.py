"""What every camera movement of a human shot provides, and the shot start it works from.

A human shot starts at a camera centre ``p0`` looking at the performer's focus point; a
movement turns that start into per-frame camera centres, orientations and a zoom factor
(:meth:`Movement.move`). The focal length is fitted afterwards by the human clip kind, so a
movement never chooses one. Frames: N baked frames (rendered frames plus one boundary frame
on each side); progress G (N,) is 0 at the first rendered frame and 1 at the last,
extrapolated linearly into the boundary frames. Rotations are camera-to-world in OpenCV
camera axes (x right, y down, z forward); angles in radians unless a name says ``_deg``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..geometry import normalize
from ..sampling import Dist


@dataclass(frozen=True)
class MoveDraw:
    """The sampled parameters of a movement: its magnitude and its direction.

    ``value`` is in the units of the preset's ``camera.movement_value.<name>`` (each module's
    docstring says which); ``sign`` is +1 or -1 and picks the direction (right/left, in/out,
    up/down, ...). A movement that needs more parameters subclasses this."""

    value: float
    sign: float


@dataclass
class ShotStart:
    """Where a human shot starts and what it looks at: the inputs of every movement."""

    p0: np.ndarray              # (3,) camera centre before the movement
    R0: np.ndarray              # (3,3) orientation at p0 looking at focus[1]
    focus: np.ndarray           # (N,3) look-at point per frame
    progress: np.ndarray        # (N,) movement progress G
    roll: np.ndarray            # (N,) sampled roll about the view axis (radians)
    follow_root: np.ndarray     # (N,3) the performer's hips in the world, per frame
    smooth_sigma: float         # frames: Gaussian smoothing of anything that follows the performer

    @property
    def n(self) -> int:
        return len(self.progress)

    def still(self) -> np.ndarray:
        """(N,3) camera centres of a camera that does not move."""
        return np.repeat(self.p0[None], self.n, axis=0)

    def right(self) -> np.ndarray:
        """(3,) the start camera's right (+x) direction, made horizontal."""
        return normalize(np.array([self.R0[0, 0], self.R0[1, 0], 0.0]))


@dataclass
class ShotMotion:
    """Per-frame camera of a movement, before the focal length is fitted."""

    P: np.ndarray               # (N,3) camera centres
    R: np.ndarray               # (N,3,3) camera-to-world rotations
    zoom: np.ndarray            # (N,) focal-length factor relative to the fitted focal length


class Movement:
    """One camera movement of human shots. Subclasses set :attr:`name` and implement
    :meth:`move` and :meth:`phrase`; :meth:`direction` defaults to no direction word."""

    name: ClassVar[str] = ""

    def sample(self, rng: np.random.Generator, value: Dist) -> MoveDraw:
        """The movement's parameters: its magnitude from the preset's distribution, then a
        fair coin for the direction (two draws, always in this order)."""
        magnitude = float(value.sample(rng))
        return MoveDraw(value=magnitude, sign=1.0 if rng.random() < 0.5 else -1.0)

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        raise NotImplementedError

    def direction(self, R: np.ndarray, P: np.ndarray, focal_mm: np.ndarray, draw: MoveDraw) -> str:
        """The cinematographer's direction word, measured from the baked path (not the draw)."""
        return ""

    def phrase(self, direction: str) -> str:
        """What the camera does, as the caption says it after "the camera" ("trucks left")."""
        raise NotImplementedError


def sweep(start: ShotStart, draw: MoveDraw) -> np.ndarray:
    """(N,) an angle swept symmetrically about the shot's middle: ``±value`` degrees in total."""
    return math.radians(draw.sign * draw.value) * (start.progress - 0.5)


def travel(start: ShotStart, draw: MoveDraw, axis: np.ndarray) -> np.ndarray:
    """(N,3) camera centres sliding ``±value`` metres along ``axis`` (3,) over the shot."""
    return start.still() + (draw.sign * draw.value * start.progress)[:, None] * axis


def moved_along(P: np.ndarray, axis: np.ndarray) -> bool:
    """Whether the camera moved along +``axis`` between the first and last rendered frame."""
    return bool((P[-2] - P[1]) @ axis > 0)
