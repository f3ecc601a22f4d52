"""Path family ``crane``: the camera rides the tip of a crane's boom, which pivots up (``sign``
+1) or down about a base behind the camera while it also swings sideways, so the camera
sweeps a vertical arc over the scene, aimed at the focus throughout: the crane shot that
rises to reveal a scene (or descends into it).

Geometry: a boom of length ``boom_m`` pivots at a base at the middle height of the sweep,
placed so that the boom points from the base through the start point toward the focus; its
elevation goes from -φ to +φ (up) or back, with sin φ = rise / (2 · boom), while its azimuth
turns by ``swing_deg`` (counter-clockwise seen from above for positive values). The tip
follows the sweep at the speed profile, completing it over the clip (peak speed = sweep
length / distance at unit speed). Indoors the rise is capped by the ceiling.
``movement_value``: metres risen (or descended) between the first and last rendered frame.

Own parameters (optional ``[camera_path]`` keys): ``crane_boom_m``, ``crane_rise_m``,
``crane_swing_deg``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geometry import look_at, normalize
from .arc_length import ArcPath
from .base import PathFamily, PathResult, PathSetup, PresetKey, peak_m_s

LOWEST_M = 0.5          # the tip never goes below this height
MAX_ELEVATION_SIN = 0.9  # the boom's elevation stays within ±64°


@dataclass(frozen=True)
class CraneParams:
    boom_m: float       # boom length, pivot to tip
    rise_m: float       # height the tip rises (or descends) over the sweep
    swing_deg: float    # azimuth the boom turns over the sweep (sign: counter-clockwise from above)


def sweep_heights(setup: PathSetup, rise: float) -> tuple[float, float]:
    """(low, high) tip heights: ``rise`` apart where the ceiling allows, centred on the drawn
    start height where possible."""
    top = (setup.room[2] - 0.5) if setup.room is not None else 10.0
    if setup.space is not None:                 # a world: its navigable volume's top
        top = min(top, float(setup.space.bounds[5]) - 0.5)
    rise = max(min(rise, top - LOWEST_M), 0.0)
    low = min(max(setup.p0[2] - rise / 2.0, LOWEST_M), top - rise)
    return low, low + rise


def boom(setup: PathSetup, c: CraneParams) -> tuple[np.ndarray, float, float, float, float]:
    """The base (3,), boom length, start and end elevation (rad) and start azimuth (rad) of the sweep."""
    low, high = sweep_heights(setup, c.rise_m)
    length = max(c.boom_m, (high - low) / 2.0 / MAX_ELEVATION_SIN)
    phi = math.asin((high - low) / 2.0 / length)
    phi0, phi1 = (-phi, phi) if setup.draw.sign > 0 else (phi, -phi)
    away = normalize(np.array([setup.p0[0] - setup.focus[1][0], setup.p0[1] - setup.focus[1][1], 0.0]))
    base = np.array([setup.p0[0], setup.p0[1], (low + high) / 2.0]) + length * math.cos(phi0) * away
    return base, length, phi0, phi1, math.atan2(-away[1], -away[0])


class CranePath(PathFamily):
    name = "crane"
    preset_keys = {"crane_boom_m": PresetKey({"uniform": [2.5, 4.5]}, lo=0.5),
                   "crane_rise_m": PresetKey({"uniform": [1.0, 3.0]}, lo=0.0),
                   "crane_swing_deg": PresetKey({"uniform": [-40.0, 40.0]}, lo=-120.0, hi=120.0)}

    def sample(self, camera_path: dict, rng: np.random.Generator) -> CraneParams:
        return CraneParams(boom_m=float(camera_path["crane_boom_m"].sample(rng)),
                           rise_m=float(camera_path["crane_rise_m"].sample(rng)),
                           swing_deg=float(camera_path["crane_swing_deg"].sample(rng)))

    def log_own(self, own: CraneParams) -> dict:
        return {"crane_boom_m": round(own.boom_m, 6), "crane_rise_m": round(own.rise_m, 6),
                "crane_swing_deg": round(own.swing_deg, 6)}

    def build(self, setup: PathSetup) -> PathResult:
        base, length, phi0, phi1, psi0 = boom(setup, setup.own)
        k = np.linspace(0.0, 1.0, setup.draw.keys)
        keys = np.stack([length * (psi0 + math.radians(setup.own.swing_deg) * k),
                         length * (phi0 + (phi1 - phi0) * k), np.zeros_like(k)], axis=1)

        def tip(q: np.ndarray) -> np.ndarray:
            psi, phi = q[:, 0] / length, q[:, 1] / length
            return base + length * np.stack([np.cos(phi) * np.cos(psi), np.cos(phi) * np.sin(psi), np.sin(phi)], axis=1)

        path = ArcPath(keys, tip)
        v = path.length / max(setup.s[-1], 1e-9)
        P = path.at(v * setup.s)
        R = look_at(P, setup.focus, np.radians(setup.draw.roll_deg))
        rise = float(P[-2, 2] - P[1, 2])
        return PathResult(P, R, abs(rise), "up" if rise > 0 else "down", v, 0.0, setup.draw.keys)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        verb = "rising" if direction == "up" else "descending"
        return (f"The camera cranes {direction} beside {focus}, {verb} {value:.1f} metres "
                f"at up to {peak_m_s(stats):.1f} metres per second.")


FAMILY = CranePath()
