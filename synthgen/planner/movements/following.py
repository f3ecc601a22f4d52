"""Human-shot following: the camera travels with the performer (horizontally, a smoothed copy
of their hips' travel), aiming at them. ``value``: the fraction of the performer's travel the
camera follows (1 = all of it); ``sign`` is drawn but unused."""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart


class FollowingShot(Movement):
    name = "following"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        root = gaussian_filter1d(start.follow_root, sigma=start.smooth_sigma, axis=0, mode="nearest")
        P = start.still() + draw.value * (root - root[1]) * np.array([1.0, 1.0, 0.0])
        return ShotMotion(P, look_at(P, start.focus, start.roll), np.ones(start.n))

    def phrase(self, direction: str) -> str:
        return "follows the performer as they move"


MOVEMENT = FollowingShot()
