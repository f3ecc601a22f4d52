"""Path family ``fly_through``: the camera flies a turning random walk of key points through
the scene at ``peak_linear_speed_m_s`` (climbing at most ~22°, inside the room when there is
one), looking ahead along its path. ``movement_value``: metres travelled."""
from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ..geometry import look_at, normalize
from ..space.routes import route
from .arc_length import ArcPath
from .base import OVERSHOOT, PathFamily, PathResult, PathSetup, free_steps, peak_m_s

LOOK_SMOOTH_S = 0.25  # Gaussian smoothing (s) of the look-ahead direction


def waypoints(setup: PathSetup, step: float) -> np.ndarray:
    """(K,3) a random walk from the start point, heading roughly toward the focus, each step
    turning by up to ±0.9 rad; indoors a step that would leave the room turns away instead."""
    room, rng, p0, f = setup.room, setup.rng, setup.p0, setup.focus[1]
    heading = math.atan2(f[1] - p0[1], f[0] - p0[0]) + rng.uniform(-0.5, 0.5)
    pts = [p0]
    z_hi = (room[2] - 0.5) if room is not None else 2.5
    for _ in range(setup.draw.keys - 1):
        for _try in range(12):
            h = heading + rng.uniform(-0.9, 0.9)
            nxt = pts[-1] + step * np.array([math.cos(h), math.sin(h), 0.0])
            nxt[2] = np.clip(pts[-1][2] + rng.uniform(-0.4, 0.4) * step, 0.5, max(z_hi, 0.6))  # climb <= ~22°
            if room is None or np.all(np.abs(nxt[:2]) <= np.array(room[:2]) / 2 - 0.6):
                break
            heading += math.pi / 3
        heading = h
        pts.append(nxt)
    return np.array(pts)


def look_ahead(path: ArcPath, P: np.ndarray, s: np.ndarray, v: float, fps: float) -> np.ndarray:
    """(N,3) unit view directions toward a point ahead on the path, tipped slightly down and smoothed."""
    look = path.at(v * s + max(1.5, 0.5 * v)) - P
    short = np.linalg.norm(look, axis=1) < 0.2          # near the curve's end: keep the last direction
    if np.any(short):
        last = np.flatnonzero(~short)
        look[short] = look[last[-1]] if len(last) else np.array([1.0, 0.0, 0.0])
    look = normalize(look)
    look[:, 2] -= 0.1
    return normalize(gaussian_filter1d(look, sigma=max(1.0, LOOK_SMOOTH_S * fps), axis=0, mode="nearest"))


def world_route(setup: PathSetup, v: float) -> tuple[np.ndarray, float] | None:
    """Key points of a route through a world's free space (through doorways, between
    objects; :func:`synthgen.planner.space.routes.route`) and the speed its length allows
    (the drawn speed, or less where the route is shorter than the clip needs)."""
    need = v * setup.s[-1] * OVERSHOOT
    pts = route(setup.space, setup.p0, need, setup.rng)
    if pts is None or len(pts) < 2:
        return None
    length = float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())
    if length < 0.5:
        return None
    inner = slice(1, len(pts))
    pts[inner, 2] += setup.rng.uniform(-0.15, 0.15, len(pts) - 1)
    return pts, min(v, 0.97 * length / (setup.s[-1] * OVERSHOOT))


class FlyThroughPath(PathFamily):
    name = "fly_through"

    def build(self, setup: PathSetup) -> PathResult:
        d, s = setup.draw, setup.s
        v = d.peak_linear_speed_m_s
        routed = world_route(setup, v) if setup.space is not None else None
        if routed is not None:
            pts, v = routed
        elif setup.space is not None:       # no route from here: a short walk inside the free space
            v = min(v, 1.0)
            w = waypoints(setup, v * s[-1] * OVERSHOOT / (d.keys - 1))
            pts = free_steps(setup.space, setup.p0, np.diff(w, axis=0))
        else:
            pts = waypoints(setup, v * s[-1] * OVERSHOOT / (d.keys - 1))
        path = ArcPath(pts)
        P = path.at(v * s)
        R = look_at(P, P + look_ahead(path, P, s, v, setup.fps), np.radians(d.roll_deg))
        return PathResult(P, R, float(v * (s[-2] - s[1])), "forward", v, 0.0, len(pts))

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera flies fast through the scene past {focus}, "
                f"at up to {peak_m_s(stats):.1f} metres per second.")


FAMILY = FlyThroughPath()
