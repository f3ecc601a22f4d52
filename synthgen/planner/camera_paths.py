"""DynaVid-Camera trajectories: NURBS paths through 4-8 key poses, reparameterised by arc length.

Positions: a cubic NURBS (geomdl ``interpolate_curve``) through the key points, evaluated with
scipy's B-spline on geomdl's knots and control points, then reparameterised by arc length so
the camera's speed at every frame is exactly ``peak_speed · g(t)`` for the sampled speed
profile g (max 1). Orbits and spirals interpolate in cylindrical coordinates
(r·θ, r, h), so multi-turn orbits need no more key poses. Orientation: look-at targets
(orbit, spiral, spin, dolly, truck, pedestal, fly-through: look ahead along the path) or,
for whip pans, a quaternion spline (scipy ``RotationSpline``) through key orientations
composed with the whip's yaw profile.

Units: metres, seconds; angular speeds in deg/s. N = number of baked frames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from geomdl import fitting
from scipy.interpolate import BSpline
from scipy.spatial.transform import Rotation, RotationSpline
from scipy.ndimage import gaussian_filter1d
from scipy.special import ndtr

from .context import ClipContext
from .geometry import look_at, normalize, rot_z

DENSE = 1024        # samples of the arc-length table
OVERSHOOT = 1.15    # key poses span this much more than the travelled length
LOOK_SMOOTH_S = 0.25  # fly-through: Gaussian smoothing (s) of the look-ahead direction


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
    raise ValueError(f"unknown speed profile {shape!r}")


def travelled(g: np.ndarray, dt: float) -> np.ndarray:
    """Cumulative distance (N,) for unit peak speed: trapezoid rule, 0 at the first baked frame."""
    return np.concatenate([[0.0], np.cumsum((g[1:] + g[:-1]) / 2.0 * dt)])


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


@dataclass
class PathResult:
    P: np.ndarray                   # (N,3) camera centres
    R: np.ndarray                   # (N,3,3) camera-to-world rotations (OpenCV axes)
    movement_value: float           # family's magnitude (deg swept / m travelled)
    direction: str                  # cinematographer's direction word
    peak_linear_m_s: float          # the sampled peak linear speed used
    peak_angular_deg_s: float       # the sampled peak angular speed used (0 if not a target)
    keys: int


def _cylindrical(centre: np.ndarray, r0: float) -> Callable[[np.ndarray], np.ndarray]:
    def to_world(q: np.ndarray) -> np.ndarray:
        theta, r, h = q[:, 0] / r0, q[:, 1], q[:, 2]
        return np.stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta), h], axis=1)
    return to_world


def orbit(ctx: ClipContext, d: dict, focus: np.ndarray, s: np.ndarray, rng, spiral: bool = False) -> PathResult:
    """Orbit (or spiral) around the focus: peak angular speed ω about the focus, radius r."""
    r, K, sign = d["radius_m"], d["keys"], d["sign"]
    omega = math.radians(d["peak_angular_speed_deg_s"])
    v = omega * r
    shrink = min(1.0, d["spiral_ratio"]) if spiral else 0.92
    sweep = v * s[-1] / (r * shrink) * OVERSHOOT
    k = np.linspace(0.0, 1.0, K)
    theta = d["start_azimuth_rad"] + sign * sweep * k
    if spiral:
        radius = r * (1.0 + (d["spiral_ratio"] - 1.0) * k)
        height = np.maximum(d["height_m"] + d["spiral_rise_m"] * k, 0.4)
    else:
        radius = r * (1.0 + rng.uniform(-0.08, 0.08, K))
        height = np.maximum(d["height_m"] + rng.uniform(-0.15, 0.15, K), 0.4)
    path = ArcPath(np.stack([r * theta, radius, height], axis=1), _cylindrical(focus[1], r))
    P = path.at(v * s)
    R = look_at(P, focus, np.radians(d["roll_deg"]))
    swept = math.degrees(abs(np.unwrap(np.arctan2(P[:, 1] - focus[1][1], P[:, 0] - focus[1][0]))[-2]
                             - np.arctan2(P[1, 1] - focus[1][1], P[1, 0] - focus[1][0])))
    word = ("counter-clockwise" if sign > 0 else "clockwise")
    if spiral:
        word = ("inward" if d["spiral_ratio"] < 1 else "outward") + (" and up" if d["spiral_rise_m"] > 0 else " and down")
    return PathResult(P, R, swept, word, v, d["peak_angular_speed_deg_s"], K)


def _drift(ctx: ClipContext, d: dict, p0: np.ndarray, s: np.ndarray, rng, speed: float = 0.25) -> np.ndarray:
    """A slow handheld-like drift through K key points near ``p0``."""
    K = d["keys"]
    step = speed * s[-1] * OVERSHOOT / (K - 1)
    pts = p0 + np.cumsum(np.vstack([np.zeros(3), normalize(rng.normal(size=(K - 1, 3))) * step]), axis=0)
    return ArcPath(pts).at(speed * s)


def spin(ctx: ClipContext, d: dict, focus: np.ndarray, s: np.ndarray, rng) -> PathResult:
    """Roll about the view axis while looking at the focus (peak roll rate ω)."""
    P = _drift(ctx, d, d["p0"], s, rng)
    omega = d["peak_angular_speed_deg_s"]
    roll = math.radians(d["roll_deg"]) + d["sign"] * np.radians(omega * s)
    R = look_at(P, focus, roll)
    return PathResult(P, R, float(omega * (s[-2] - s[1])), "clockwise" if d["sign"] > 0 else "counter-clockwise",
                      0.25, omega, d["keys"])


def whip_pan(ctx: ClipContext, d: dict, focus: np.ndarray, s: np.ndarray, rng) -> PathResult:
    """A fast yaw sweep (Gaussian-CDF profile with peak rate ω) over a quaternion-spline drift."""
    P = _drift(ctx, d, d["p0"], s, rng, speed=0.15)
    t = ctx.times
    K = d["keys"]
    t_keys = np.linspace(t[0], t[-1], K)
    base = look_at(d["p0"][None], focus[1][None])[0]
    jitter = Rotation.from_rotvec(np.radians(rng.normal(0.0, 3.0, size=(K, 3))))
    spline = RotationSpline(t_keys, jitter * Rotation.from_matrix(np.repeat(base[None], K, axis=0)))
    R_drift = spline(t).as_matrix()
    sweep, omega = math.radians(d["whip_sweep_deg"]), math.radians(d["whip_peak_angular_speed_deg_s"])
    sigma = sweep / (omega * math.sqrt(2 * math.pi))
    centre = t[1] + d["burst_centre"] * (t[-2] - t[1])
    yaw = d["sign"] * sweep * (ndtr((t - centre) / sigma) - 0.5)
    R = rot_z(yaw) @ R_drift
    swept = math.degrees(abs(yaw[-2] - yaw[1]))
    return PathResult(P, R, swept, "left" if d["sign"] > 0 else "right", 0.15, d["whip_peak_angular_speed_deg_s"], K)


def fly_through(ctx: ClipContext, d: dict, focus: np.ndarray, s: np.ndarray, rng, room) -> PathResult:
    """Waypoints of a turning random walk through the scene; the camera looks ahead along the path."""
    K, v = d["keys"], d["peak_linear_speed_m_s"]
    step = v * s[-1] * OVERSHOOT / (K - 1)
    heading = math.atan2(focus[1][1] - d["p0"][1], focus[1][0] - d["p0"][0]) + rng.uniform(-0.5, 0.5)
    pts = [d["p0"]]
    z_hi = (room[2] - 0.5) if room is not None else 2.5
    for _ in range(K - 1):
        for _try in range(12):
            h = heading + rng.uniform(-0.9, 0.9)
            nxt = pts[-1] + step * np.array([math.cos(h), math.sin(h), 0.0])
            nxt[2] = np.clip(pts[-1][2] + rng.uniform(-0.4, 0.4) * step, 0.5, max(z_hi, 0.6))  # climb <= ~22°
            if room is None or np.all(np.abs(nxt[:2]) <= np.array(room[:2]) / 2 - 0.6):
                break
            heading += math.pi / 3
        heading = h
        pts.append(nxt)
    path = ArcPath(np.array(pts))
    P = path.at(v * s)
    ahead = path.at(v * s + max(1.5, 0.5 * v))
    look = ahead - P
    short = np.linalg.norm(look, axis=1) < 0.2          # near the curve's end: keep the last direction
    if np.any(short):
        last = np.flatnonzero(~short)
        look[short] = look[last[-1]] if len(last) else np.array([1.0, 0.0, 0.0])
    look = normalize(look)
    look[:, 2] -= 0.1
    look = normalize(gaussian_filter1d(look, sigma=max(1.0, LOOK_SMOOTH_S * ctx.fps), axis=0, mode="nearest"))
    R = look_at(P, P + look, np.radians(d["roll_deg"]))
    return PathResult(P, R, float(v * (s[-2] - s[1])), "forward", v, 0.0, K)


def _room_reach(p: np.ndarray, axis: np.ndarray, room, top: float = 10.0) -> float:
    """How far from ``p`` along unit ``axis`` the camera may go: to the room's clearance box
    (walls 0.6 m, floor 0.4 m, ceiling 0.5 m), or outdoors to the ground (0.4 m) and ``top``."""
    if room is not None:
        half = np.array(room[:2]) / 2.0 - 0.6
        lo, hi = np.array([-half[0], -half[1], 0.4]), np.array([half[0], half[1], room[2] - 0.5])
    else:
        lo, hi = np.array([-np.inf, -np.inf, 0.4]), np.array([np.inf, np.inf, top])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(axis > 1e-9, (hi - p) / axis, np.where(axis < -1e-9, (lo - p) / axis, np.inf))
    return float(max(np.min(t), 0.0))


def linear_move(ctx: ClipContext, d: dict, focus: np.ndarray, s: np.ndarray, rng, family: str, room) -> PathResult:
    """Fast dolly (horizontal, along the view), truck (sideways) or pedestal (vertical) past the focus.

    The peak speed is capped where the room (or the ground) leaves too little space for the
    sampled one; the speed used is returned and recorded."""
    K, v, sign = d["keys"], d["peak_linear_speed_m_s"], d["sign"]
    p0, f = d["p0"].copy(), focus[1]
    fwd = normalize(np.array([f[0] - p0[0], f[1] - p0[1], 0.0]))
    if family == "dolly":   # in: stop 1.2 m short of the focus; out: up to the walls
        reach = {1.0: max(np.linalg.norm((f - p0)[:2]) - 1.2, 0.0), -1.0: _room_reach(p0, -fwd, room)}
        if reach[sign] < v * s[-1] * OVERSHOOT and reach[-sign] > reach[sign]:
            sign = -sign
        axis, word = fwd * sign, ("in" if sign > 0 else "out")
    elif family == "truck":
        axis = normalize(np.cross(fwd, [0.0, 0.0, 1.0])) * sign
        word = "right" if sign > 0 else "left"
    else:
        if sign < 0 and _room_reach(p0, np.array([0.0, 0.0, -1.0]), room) < _room_reach(p0, np.array([0.0, 0.0, 1.0]), room):
            sign = 1.0
        axis = np.array([0.0, 0.0, sign])
        word = "up" if sign > 0 else "down"
    if family == "truck":   # pass the focus half-way: start back along the axis
        back = min(v * s[-1] / 2.0, _room_reach(p0, -axis, room))
        p0 = p0 - axis * back
    reach = _room_reach(p0, axis, room)
    if family == "dolly" and sign > 0:
        reach = min(reach, max(np.linalg.norm((f - p0)[:2]) - 1.2, 0.0))
    v = min(v, 0.97 * reach / (s[-1] * OVERSHOOT))
    length = max(v * s[-1] * OVERSHOOT, 1e-3)
    perp = normalize(np.cross(axis, [0.3, 0.5, 0.8]))
    k = np.linspace(0.0, 1.0, K)
    jitter = rng.uniform(-0.03, 0.03, K) * min(length, 0.5 * reach) * (k * (1 - k) * 4)
    pts = p0 + np.outer(k * length, axis) + np.outer(jitter, perp)
    P = ArcPath(pts).at(v * s)
    mid = P[len(P) // 2] if family != "dolly" else P[1]
    R = np.repeat(look_at(mid[None], f[None], math.radians(d["roll_deg"])), len(P), axis=0)
    return PathResult(P, R, float(v * (s[-2] - s[1])), word, v, 0.0, K)


def build_path(ctx: ClipContext, family: str, d: dict, focus: np.ndarray, rng, room) -> PathResult:
    tau = (ctx.times - ctx.times[0]) / max(ctx.times[-1] - ctx.times[0], 1e-9)
    g = speed_profile(d["speed_profile"], tau, d["burst_centre"])
    s = travelled(g, 1.0 / ctx.fps)
    if family in ("orbit", "spiral"):
        return orbit(ctx, d, focus, s, rng, spiral=family == "spiral")
    if family == "spin":
        return spin(ctx, d, focus, s, rng)
    if family == "whip_pan":
        return whip_pan(ctx, d, focus, s, rng)
    if family == "fly_through":
        return fly_through(ctx, d, focus, s, rng, room)
    return linear_move(ctx, d, focus, s, rng, family, room)
