"""Path family ``orbit``: the camera circles the focus at a peak angular speed ω about it, at
a radius and height jittered a little per key pose, always aimed at the focus. Uses the draw's
``radius_m`` (fitted to clear the subject and fit the room), ``height_m``,
``peak_angular_speed_deg_s``, ``start_azimuth_rad`` and ``sign`` (+1 counter-clockwise seen
from above). ``movement_value``: degrees swept between the first and last rendered frame.

The shared circling geometry (:func:`circling_keys`, :func:`circle_through`) serves
:mod:`synthgen.planner.paths.spiral` too."""
from __future__ import annotations

import math

import numpy as np

from ..geometry import look_at
from .arc_length import ArcPath, cylindrical
from .base import OVERSHOOT, PathDraw, PathFamily, PathResult, PathSetup, fit_radius, peak_deg_s


def circling_keys(draw: PathDraw, s: np.ndarray, shrink: float) -> tuple[float, np.ndarray]:
    """Tangential peak speed v = ω·r and the key azimuths (K,): they sweep the travelled arc
    (at a radius down to ``shrink``·r) with the overshoot to spare."""
    r = draw.radius_m
    v = math.radians(draw.peak_angular_speed_deg_s) * r
    sweep = v * s[-1] / (r * shrink) * OVERSHOOT
    k = np.linspace(0.0, 1.0, draw.keys)
    return v, draw.start_azimuth_rad + draw.sign * sweep * k


def circle_through(setup: PathSetup, theta: np.ndarray, radius: np.ndarray, height: np.ndarray,
                   v: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Camera centres, rotations and degrees swept of a path through key (azimuth, radius,
    height) about the focus, travelled at ``v`` m/s peak, aimed at the focus."""
    r, f = setup.draw.radius_m, setup.focus[1]
    path = ArcPath(np.stack([r * theta, radius, height], axis=1), cylindrical(f, r))
    P = path.at(v * setup.s)
    R = look_at(P, setup.focus, np.radians(setup.draw.roll_deg))
    swept = math.degrees(abs(np.unwrap(np.arctan2(P[:, 1] - f[1], P[:, 0] - f[0]))[-2]
                             - np.arctan2(P[1, 1] - f[1], P[1, 0] - f[0])))
    return P, R, swept


class OrbitPath(PathFamily):
    name = "orbit"

    def fit(self, draw: PathDraw, focus: np.ndarray, room, min_radius: float) -> PathDraw:
        return fit_radius(draw, focus, room, min_radius, grow=1.1)

    def build(self, setup: PathSetup) -> PathResult:
        d, rng = setup.draw, setup.rng
        v, theta = circling_keys(d, setup.s, shrink=0.92)
        radius = d.radius_m * (1.0 + rng.uniform(-0.08, 0.08, d.keys))
        height = np.maximum(d.height_m + rng.uniform(-0.15, 0.15, d.keys), 0.4)
        P, R, swept = circle_through(setup, theta, radius, height, v)
        word = "counter-clockwise" if d.sign > 0 else "clockwise"
        return PathResult(P, R, swept, word, v, d.peak_angular_speed_deg_s, d.keys)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera orbits {direction} around {focus}, sweeping {value:.0f} "
                f"degrees at up to {peak_deg_s(stats):.0f} degrees per second.")


FAMILY = OrbitPath()
