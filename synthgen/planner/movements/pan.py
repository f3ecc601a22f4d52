"""Human-shot pan: the camera stays in place and turns about the world vertical, swept
symmetrically about the view of the performer. ``value``: degrees swept in total;
``sign`` +1 turns counter-clockwise seen from above, i.e. pans left."""
from __future__ import annotations

import math

import numpy as np

from ..geometry import look_at, rot_z
from .base import MoveDraw, Movement, ShotMotion, ShotStart, sweep


class PanShot(Movement):
    name = "pan"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = start.still()
        R = rot_z(sweep(start, draw)) @ look_at(P, start.focus, start.roll)
        return ShotMotion(P, R, np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        y0, y1 = (math.atan2(R[i][1, 2], R[i][0, 2]) for i in (1, -2))
        return "left" if math.remainder(y1 - y0, 2 * math.pi) > 0 else "right"

    def phrase(self, direction: str) -> str:
        return f"pans {direction}"


MOVEMENT = PanShot()
