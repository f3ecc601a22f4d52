"""Path family ``whip_pan``: a fast yaw sweep of ``whip_sweep_deg`` in all (a Gaussian-CDF
profile peaking at ``whip_peak_angular_speed_deg_s``, centred at progress ``burst_centre``;
``sign`` +1 turns left, counter-clockwise seen from above) composed with a quaternion spline
(scipy ``RotationSpline``) through jittered key orientations, over a slow drift.
``movement_value``: degrees swept between the first and last rendered frame."""
from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation, RotationSpline
from scipy.special import ndtr

from ..geometry import look_at, rot_z
from .base import PathFamily, PathResult, PathSetup, drift, peak_deg_s

DRIFT_M_S = 0.15


def drifting_view(setup: PathSetup) -> np.ndarray:
    """(N,3,3) the view at the start point, jittered by a few degrees per key, splined in time."""
    t, K = setup.times, setup.draw.keys
    t_keys = np.linspace(t[0], t[-1], K)
    base = look_at(setup.p0[None], setup.focus[1][None])[0]
    jitter = Rotation.from_rotvec(np.radians(setup.rng.normal(0.0, 3.0, size=(K, 3))))
    spline = RotationSpline(t_keys, jitter * Rotation.from_matrix(np.repeat(base[None], K, axis=0)))
    return spline(t).as_matrix()


class WhipPanPath(PathFamily):
    name = "whip_pan"

    def build(self, setup: PathSetup) -> PathResult:
        d, t = setup.draw, setup.times
        P = drift(setup, DRIFT_M_S)
        R_drift = drifting_view(setup)
        sweep, omega = math.radians(d.whip_sweep_deg), math.radians(d.whip_peak_angular_speed_deg_s)
        sigma = sweep / (omega * math.sqrt(2 * math.pi))
        centre = t[1] + d.burst_centre * (t[-2] - t[1])
        yaw = d.sign * sweep * (ndtr((t - centre) / sigma) - 0.5)
        R = rot_z(yaw) @ R_drift
        swept = math.degrees(abs(yaw[-2] - yaw[1]))
        word = "left" if d.sign > 0 else "right"
        return PathResult(P, R, swept, word, DRIFT_M_S, d.whip_peak_angular_speed_deg_s, d.keys)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera whip-pans {direction} through {value:.0f} degrees "
                f"at up to {peak_deg_s(stats):.0f} degrees per second.")


FAMILY = WhipPanPath()
