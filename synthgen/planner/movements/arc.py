"""Human-shot arc: the camera travels along a horizontal circle about the vertical axis through
the performer's focus point (at the shot's first rendered frame), keeping its distance and
height, aiming at the performer throughout: the videographer's arc shot, which reveals the
performer from a changing side. ``value``: degrees of arc swept over the shot; ``sign`` +1
swings counter-clockwise seen from above, which moves a camera aimed at the pivot to its
right ("arcs right").

Not the camera-path family ``orbit`` (:mod:`synthgen.planner.paths.orbit`), a fast circling
of the scene (often more than a full turn)."""
from __future__ import annotations

import math

import numpy as np

from ..geometry import look_at, rot_z
from .base import MoveDraw, Movement, ShotMotion, ShotStart, moved_along


def arc_positions(start: ShotStart, angle: np.ndarray) -> np.ndarray:
    """(N,3) the start camera centre turned by ``angle`` (N,) radians about the vertical
    through the focus point of the first rendered frame."""
    pivot = start.focus[1]
    return pivot + (rot_z(angle) @ (start.p0 - pivot)[:, None])[..., 0]


class ArcShot(Movement):
    name = "arc"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = arc_positions(start, math.radians(draw.sign * draw.value) * start.progress)
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "right" if moved_along(P, R[1][:, 0]) else "left"

    def phrase(self, direction: str) -> str:
        return f"arcs {direction} around the performer"


MOVEMENT = ArcShot()
