"""Human-shot dolly: the camera moves along its start view axis, toward or away from the
performer, aiming at them throughout. ``value``: metres travelled; ``sign`` +1 moves in.

Not the camera-path family ``dolly`` (:mod:`synthgen.planner.paths.dolly`), a fast
horizontal rush toward (or back from) the focus."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart, moved_along, travel


class DollyShot(Movement):
    name = "dolly"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = travel(start, draw, start.R0[:, 2])
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "in" if moved_along(P, R[1][:, 2]) else "out"

    def phrase(self, direction: str) -> str:
        return f"dollies {direction}"


MOVEMENT = DollyShot()
