"""Fast straight passes (path families ``dolly``, ``truck``, ``pedestal``): what they share.

Each family picks an axis of travel, a direction word and a start point
(:meth:`LinearPass.aim`); the pass then runs along the axis at the draw's
``peak_linear_speed_m_s``, capped where the room (or the ground) leaves too little space
for it (the speed used is returned and recorded), through key points jittered a little
sideways, with the camera's orientation fixed (aimed at the focus from one point of the pass).
``movement_value``: metres travelled between the first and last rendered frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geometry import look_at, normalize
from .arc_length import ArcPath
from .base import OVERSHOOT, PathFamily, PathResult, PathSetup, reach_along


@dataclass
class PassAim:
    """Where a straight pass goes."""

    axis: np.ndarray            # (3,) unit direction of travel
    word: str                   # direction word for the caption
    start: np.ndarray           # (3,) where the pass starts
    reach_cap: float = math.inf  # an extra limit on the distance travelled (metres)


class LinearPass(PathFamily):
    """A fast straight pass; subclasses implement :meth:`aim` (and :meth:`look_from`)."""

    limited_by_room = True

    def aim(self, setup: PathSetup, fwd: np.ndarray, length: float) -> PassAim:
        """The pass's axis, word and start; ``fwd`` is the horizontal unit direction from the
        start point to the focus, ``length`` the distance the sampled speed would travel."""
        raise NotImplementedError

    def look_from(self, P: np.ndarray) -> np.ndarray:
        """The point of the pass from which the fixed orientation aims at the focus: its middle."""
        return P[len(P) // 2]

    def build(self, setup: PathSetup) -> PathResult:
        d, s, f = setup.draw, setup.s, setup.focus[1]
        p0 = setup.p0
        fwd = normalize(np.array([f[0] - p0[0], f[1] - p0[1], 0.0]))
        aim = self.aim(setup, fwd, d.peak_linear_speed_m_s * s[-1] * OVERSHOOT)
        reach = min(reach_along(setup, aim.start, aim.axis), aim.reach_cap)
        v = min(d.peak_linear_speed_m_s, 0.97 * reach / (s[-1] * OVERSHOOT))
        length = max(v * s[-1] * OVERSHOOT, 1e-3)
        perp = normalize(np.cross(aim.axis, [0.3, 0.5, 0.8]))
        k = np.linspace(0.0, 1.0, d.keys)
        jitter = setup.rng.uniform(-0.03, 0.03, d.keys) * min(length, 0.5 * reach) * (k * (1 - k) * 4)
        pts = aim.start + np.outer(k * length, aim.axis) + np.outer(jitter, perp)
        P = ArcPath(pts).at(v * s)
        R = np.repeat(look_at(self.look_from(P)[None], f[None], math.radians(d.roll_deg)), len(P), axis=0)
        return PathResult(P, R, float(v * (s[-2] - s[1])), aim.word, v, 0.0, d.keys)
