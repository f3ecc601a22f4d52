"""Human-shot tilt: the camera stays in place and pitches about its own x axis, swept
symmetrically about the view of the performer. ``value``: degrees swept in total;
``sign`` +1 tilts up."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at, rot_local
from .base import MoveDraw, Movement, ShotMotion, ShotStart, sweep


class TiltShot(Movement):
    name = "tilt"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = start.still()
        R = rot_local(look_at(P, start.focus, start.roll), 0, sweep(start, draw))
        return ShotMotion(P, R, np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "up" if R[-2][2, 2] > R[1][2, 2] else "down"

    def phrase(self, direction: str) -> str:
        return f"tilts {direction}"


MOVEMENT = TiltShot()
