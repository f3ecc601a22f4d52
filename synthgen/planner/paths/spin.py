"""Path family ``spin``: over a slow handheld drift, the camera aims at the focus and rolls
about its view axis at the draw's peak angular speed (``peak_angular_speed_deg_s``; ``sign``
+1 clockwise seen from behind the camera). ``movement_value``: degrees of roll.

Not the human-shot spin (:mod:`synthgen.planner.movements.spin`), a roll of some tens of
degrees in all."""
from __future__ import annotations

import math

import numpy as np

from ..geometry import look_at
from .base import PathFamily, PathResult, PathSetup, drift, peak_deg_s

DRIFT_M_S = 0.25


class SpinPath(PathFamily):
    name = "spin"

    def build(self, setup: PathSetup) -> PathResult:
        d, s = setup.draw, setup.s
        P = drift(setup, DRIFT_M_S)
        omega = d.peak_angular_speed_deg_s
        roll = math.radians(d.roll_deg) + d.sign * np.radians(omega * s)
        R = look_at(P, setup.focus, roll)
        word = "clockwise" if d.sign > 0 else "counter-clockwise"
        return PathResult(P, R, float(omega * (s[-2] - s[1])), word, DRIFT_M_S, omega, d.keys)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera spins {direction} about its lens axis while facing {focus}, "
                f"at up to {peak_deg_s(stats):.0f} degrees per second.")


FAMILY = SpinPath()
