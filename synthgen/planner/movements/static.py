"""Human-shot static: the camera holds its place and aims at the performer (turning with them
when the focus follows). ``value`` and ``sign`` are drawn but unused."""
from __future__ import annotations

import numpy as np

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart


class StaticShot(Movement):
    name = "static"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = start.still()
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def phrase(self, direction: str) -> str:
        return "holds still"


MOVEMENT = StaticShot()
