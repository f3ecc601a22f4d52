"""Human-shot spin: the camera stays in place, aims at the performer and rolls about its
view axis, swept symmetrically about the sampled roll. ``value``: degrees of roll in total;
``sign`` +1 rolls clockwise as seen from behind the camera.

The camera-path family ``spin`` (:mod:`synthgen.planner.paths.spin`) rolls too, but fast and
continuously, over a drifting camera."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart, sweep


class SpinShot(Movement):
    name = "spin"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = start.still()
        R = look_at(P, start.focus, start.roll + sweep(start, draw))
        return ShotMotion(P, R, np.ones(start.n))

    def direction(self, R, P, focal_mm, draw) -> str:
        return "clockwise" if draw.sign > 0 else "counter-clockwise"

    def phrase(self, direction: str) -> str:
        return f"rolls {direction}"


MOVEMENT = SpinShot()
