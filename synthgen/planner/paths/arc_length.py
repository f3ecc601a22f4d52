"""NURBS curves through key points, reparameterised by arc length, and the speed profiles
that say how fast a camera travels along them.

Positions: a cubic NURBS (geomdl ``interpolate_curve``) through the key points, evaluated with
scipy's B-spline on geomdl's knots and control points; an arc-length table of the world curve
lets a camera travel it at exactly ``peak_speed · g(t)`` for a speed profile g (max 1).
A curve may live in a parameter space mapped to the world (e.g. cylindrical coordinates
(r·θ, r, h) for orbits, so multi-turn orbits need no more key poses).

Units: metres, seconds. N = number of baked frames.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from geomdl import fitting
from scipy.interpolate import BSpline

DENSE = 1024        # samples of the arc-length table
SPEED_PROFILES = ("constant", "ease_in_out", "accelerate", "decelerate", "burst")


def speed_profile(shape: str, tau: np.ndarray, centre: float = 0.5, width: float = 0.12) -> np.ndarray:
    """Relative speed g(τ) in [0, 1] (max 1 at some τ in [0, 1]) for progress τ (N,)."""
    tau = np.clip(tau, 0.0, 1.0)
    if shape == "constant":
        return np.ones_like(tau)
    if shape == "ease_in_out":
        return 0.2 + 0.8 * np.sin(np.pi * tau) ** 2
    if shape == "accelerate":
        return 0.2 + 0.8 * tau
    if shape == "decelerate":
        return 1.0 - 0.8 * tau
    if shape == "burst":
        return 0.1 + 0.9 * np.exp(-0.5 * ((tau - centre) / width) ** 2)
    raise ValueError(f"unknown speed profile {shape!r} (known: {', '.join(SPEED_PROFILES)})")


def travelled(g: np.ndarray, dt: float) -> np.ndarray:
    """Cumulative distance (N,) for unit peak speed: trapezoid rule, 0 at the first baked frame."""
    return np.concatenate([[0.0], np.cumsum((g[1:] + g[:-1]) / 2.0 * dt)])


def unit_travel(times: np.ndarray, fps: float, shape: str, burst_centre: float) -> np.ndarray:
    """(N,) distance travelled by frame times ``times`` at unit peak speed under profile ``shape``."""
    tau = (times - times[0]) / max(times[-1] - times[0], 1e-9)
    return travelled(speed_profile(shape, tau, burst_centre), 1.0 / fps)


class ArcPath:
    """A NURBS curve through ``points`` (K,3) in a parameter space, mapped to the world by
    ``to_world`` (vectorised (M,3) -> (M,3)), with an arc-length table of the world curve."""

    def __init__(self, points: np.ndarray, to_world: Callable[[np.ndarray], np.ndarray] | None = None):
        pts = np.asarray(points, float)
        degree = min(3, len(pts) - 1)
        curve = fitting.interpolate_curve(pts.tolist(), degree)
        self._spline = BSpline(np.asarray(curve.knotvector), np.asarray(curve.ctrlpts), degree)
        self._to_world = to_world or (lambda x: x)
        u = np.linspace(0.0, 1.0, DENSE)
        w = self._to_world(self._spline(u))
        self._u = u
        self._s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(w, axis=0), axis=1))])

    @property
    def length(self) -> float:
        return float(self._s[-1])

    def at(self, s: np.ndarray) -> np.ndarray:
        """World points (M,3) at arc lengths ``s`` (M,) (clamped to the curve)."""
        u = np.interp(np.clip(s, 0.0, self.length), self._s, self._u)
        return self._to_world(self._spline(u))


def cylindrical(centre: np.ndarray, r0: float) -> Callable[[np.ndarray], np.ndarray]:
    """Map (r0·θ, r, h) about the vertical axis through ``centre`` to world points."""
    def to_world(q: np.ndarray) -> np.ndarray:
        theta, r, h = q[:, 0] / r0, q[:, 1], q[:, 2]
        return np.stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta), h], axis=1)
    return to_world
