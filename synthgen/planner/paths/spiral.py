"""Path family ``spiral``: the camera circles the focus (as an orbit) while its radius grows or
shrinks linearly to ``spiral_ratio`` times the start radius and its height rises by
``spiral_rise_m`` (which may be negative), aimed at the focus. ``movement_value``: degrees
swept; direction: "inward"/"outward" and "up"/"down"."""
from __future__ import annotations

import numpy as np

from .base import PathDraw, PathFamily, PathResult, PathSetup, fit_radius, peak_deg_s
from .orbit import circle_through, circling_keys


class SpiralPath(PathFamily):
    name = "spiral"

    def fit(self, draw: PathDraw, focus: np.ndarray, room, min_radius: float) -> PathDraw:
        """The orbit's radius fit for a path reaching ``max(1, spiral_ratio)`` times it; the
        ratio is then raised so the smallest radius still clears the subject."""
        fitted = fit_radius(draw, focus, room, min_radius, grow=max(1.0, draw.spiral_ratio))
        return fitted.replace(spiral_ratio=max(fitted.spiral_ratio, min_radius / fitted.radius_m))

    def build(self, setup: PathSetup) -> PathResult:
        d = setup.draw
        v, theta = circling_keys(d, setup.s, shrink=min(1.0, d.spiral_ratio))
        k = np.linspace(0.0, 1.0, d.keys)
        radius = d.radius_m * (1.0 + (d.spiral_ratio - 1.0) * k)
        height = np.maximum(d.height_m + d.spiral_rise_m * k, 0.4)
        P, R, swept = circle_through(setup, theta, radius, height, v)
        word = ("inward" if d.spiral_ratio < 1 else "outward") + (" and up" if d.spiral_rise_m > 0 else " and down")
        return PathResult(P, R, swept, word, v, d.peak_angular_speed_deg_s, d.keys)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return f"The camera spirals {direction} around {focus} at up to {peak_deg_s(stats):.0f} degrees per second."


FAMILY = SpiralPath()
