"""Human-shot pedestal: the camera rises or sinks vertically, aiming at the performer
throughout. ``value``: metres travelled; ``sign`` +1 moves up.

Not the camera-path family ``pedestal`` (:mod:`synthgen.planner.paths.pedestal`), a fast
vertical rush beside the focus."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart, travel


class PedestalShot(Movement):
    name = "pedestal"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = travel(start, draw, np.array([0.0, 0.0, 1.0]))
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "up" if (P[-2] - P[1])[2] > 0 else "down"

    def phrase(self, direction: str) -> str:
        return f"pedestals {direction}"


MOVEMENT = PedestalShot()
