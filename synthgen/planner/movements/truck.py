"""Human-shot truck: the camera slides sideways (along its own right, kept horizontal) while
it keeps aiming at the performer. ``value``: metres travelled; ``sign`` +1 moves right.

Not the camera-path family ``truck`` (:mod:`synthgen.planner.paths.truck`), which is a fast
pass sideways past the whole scene."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart, moved_along, travel


class TruckShot(Movement):
    name = "truck"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = travel(start, draw, start.right())
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "right" if moved_along(P, R[1][:, 0]) else "left"

    def phrase(self, direction: str) -> str:
        return f"trucks {direction}"


MOVEMENT = TruckShot()
