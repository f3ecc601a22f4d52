"""The camera of a human shot: its Table-10 draws, their redraws, and the solved geometry.

The shot starts ``distance_m`` from the focus point at ``elevation_deg``, on the side the
performer faces (``placement = "forward"``, ± ``azimuth_deg``) or anywhere (``"random"``); the
focus point follows the performer (``focus_type = "follow"``: smoothed envelope point) or is
fixed in the world (``"fixed"``: its mean over the clip). The drawn movement
(:mod:`synthgen.planner.movements`) turns the start into a camera path; the focal length then
makes the performer's projected envelope cover the sampled fraction of the frame along its
tighter dimension (median over the clip; Table 10's focal-length rule), lowered where needed
so the whole envelope stays in every frame (the coverage achieved is recorded).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from .. import constraints as C
from ..context import ClipContext
from ..geometry import look_at, to_camera
from ..movements import MOVEMENTS
from ..movements.base import MoveDraw, ShotStart
from ..subject import Placement

SMOOTH_S = 0.3            # focus/follow smoothing (Gaussian sigma, seconds)
MIN_COVERAGE_KEPT = 0.5   # the fitted coverage may drop to this fraction of the sampled one
FOCAL_RANGE_MM = (6.0, 600.0)
FORCE_FOLLOW_FROM = 8     # attempts from which a travelling subject is filmed as a following shot
HALVE_OFFSET_FROM = 8     # attempts from which the subject's placement offset is halved
REDRAW_VALUE_FROM = 4     # attempts from which the movement value is redrawn too


@dataclass(frozen=True)
class ShotDraw:
    """Every Table-10 camera draw of a human shot (as sampled, or as redrawn by an attempt)."""

    placement: str
    azimuth_deg: float              # about the performer's facing (forward placement)
    random_azimuth_deg: float       # absolute (random placement)
    elevation_deg: float
    distance_m: float
    focus_type: str
    focus_position: str
    movement: str                   # a name of synthgen.planner.movements
    move: MoveDraw
    coverage: float
    roll_deg: float
    forced_following: bool = False  # a travelling subject made this a following shot


@dataclass
class ShotSolution:
    """The camera of one attempt, before the hard constraints are checked."""

    R: np.ndarray                   # (N,3,3)
    P: np.ndarray                   # (N,3)
    focal_mm: np.ndarray            # (N,)
    coverage: float                 # achieved
    distance_m: float               # start distance used (shortened indoors)


def smoothed(x: np.ndarray, ctx: ClipContext) -> np.ndarray:
    return gaussian_filter1d(x, sigma=smooth_sigma(ctx), axis=0, mode="nearest")


def smooth_sigma(ctx: ClipContext) -> float:
    return max(1.0, SMOOTH_S * ctx.fps)


def sample_shot(ctx: ClipContext) -> ShotDraw:
    """Every Table-10 camera draw for a human shot, in a fixed order."""
    cam, rng = ctx.preset["camera"], ctx.rng
    name = cam["movement_type"].sample(rng)
    placement = cam["placement"].sample(rng)
    azimuth, random_azimuth = float(cam["forward_azimuth_deg"].sample(rng)), float(rng.uniform(0.0, 360.0))
    elevation, distance = float(cam["elevation_deg"].sample(rng)), float(cam["distance_m"].sample(rng))
    focus_type, focus_position = cam["focus_type"].sample(rng), cam["focus_position"].sample(rng)
    move = MOVEMENTS.get(name).sample(rng, cam["movement_value"][name])
    coverage = float(cam["coverage"].sample(rng))
    roll = float(cam["roll_deg"].sample(rng)) if "roll_deg" in cam else 0.0
    return ShotDraw(placement, azimuth, random_azimuth, elevation, distance, focus_type, focus_position,
                    name, move, coverage, roll)


def redraw_shot(ctx: ClipContext, draw: ShotDraw, attempt: int) -> tuple[ShotDraw, float, float]:
    """Geometry values for ``attempt`` >= 1 from its retry stream: the shot's distance, azimuth
    and elevation, the subject's offset (halved late), from attempt 4 on the movement value,
    and from attempt 8 on a following shot instead of the drawn movement. Returns the shot
    draw, the subject offset (m) and its azimuth (deg)."""
    cam, rng = ctx.preset["camera"], ctx.retry_rng(attempt)
    g = dataclasses.replace(draw, azimuth_deg=float(cam["forward_azimuth_deg"].sample(rng)),
                            random_azimuth_deg=float(rng.uniform(0.0, 360.0)),
                            elevation_deg=float(cam["elevation_deg"].sample(rng)),
                            distance_m=float(cam["distance_m"].sample(rng)))
    offset = float(ctx.preset["subject"]["offset_m"].sample(rng)) * (0.5 if attempt >= HALVE_OFFSET_FROM else 1.0)
    if attempt >= REDRAW_VALUE_FROM:
        value = float(cam["movement_value"][g.movement].sample(rng))
        g = dataclasses.replace(g, move=dataclasses.replace(g.move, value=value))
    if attempt >= FORCE_FOLLOW_FROM and g.movement != "following":
        # The subject travels too far for this movement (it would run out of frame or into the
        # camera): film it as a following shot instead (recorded as such in the job).
        g = dataclasses.replace(g, movement="following", move=dataclasses.replace(g.move, value=1.0),
                                forced_following=True)
    return g, offset, float(rng.uniform(0, 360))


def _wall_distance(origin: np.ndarray, direction: np.ndarray, room_size) -> float:
    """Distance from ``origin`` along horizontal unit ``direction`` to the room's clearance box."""
    half = np.array(room_size[:2]) / 2.0 - C.WALL_CLEARANCE_M
    with np.errstate(divide="ignore"):
        t = np.where(direction[:2] > 1e-9, (half - origin[:2]) / direction[:2],
                     np.where(direction[:2] < -1e-9, (-half - origin[:2]) / direction[:2], np.inf))
    return float(max(t.min(), 0.0))


def shot_start(ctx: ClipContext, g: ShotDraw, focus_src: np.ndarray, placement: Placement,
               follow_root: np.ndarray, room_size) -> tuple[ShotStart, float]:
    """The shot's start (and the start distance used) for one geometry draw."""
    if g.focus_type == "follow":
        focus = smoothed(focus_src, ctx)
    else:
        focus = np.broadcast_to(focus_src.mean(axis=0), focus_src.shape).copy()
    ref = focus[1]
    facing = math.degrees(math.atan2(placement.facing()[1], placement.facing()[0]))
    az = facing + g.azimuth_deg if g.placement == "forward" else g.random_azimuth_deg
    a, e = math.radians(az), math.radians(g.elevation_deg)
    dir_h = np.array([math.cos(a), math.sin(a), 0.0])
    dist = g.distance_m
    if room_size is not None:
        dist = min(dist, 0.9 * _wall_distance(ref, dir_h, room_size) / max(math.cos(e), 1e-3))
    p0 = ref + dist * np.array([math.cos(e) * dir_h[0], math.cos(e) * dir_h[1], math.sin(e)])
    p0[2] = max(p0[2], 0.3)
    if room_size is not None:
        p0[2] = min(p0[2], room_size[2] - C.WALL_CLEARANCE_M - 0.1)
    R0 = look_at(p0[None], ref[None])[0]
    roll = np.full(ctx.n_baked, math.radians(g.roll_deg))
    return ShotStart(p0, R0, focus, ctx.progress, roll, follow_root, smooth_sigma(ctx)), dist


def solve_camera(ctx: ClipContext, g: ShotDraw, corners: np.ndarray, focus_src: np.ndarray,
                 placement: Placement, follow_root: np.ndarray, room_size) -> ShotSolution | str:
    """The camera of one geometry draw, or the reason there is none."""
    start, dist = shot_start(ctx, g, focus_src, placement, follow_root, room_size)
    motion = MOVEMENTS.get(g.movement).move(start, g.move)
    return fit_focal(ctx, g.coverage, motion.R, motion.P, motion.zoom, corners, dist)


def fit_focal(ctx: ClipContext, coverage: float, R, P, zoom, corners, dist) -> ShotSolution | str:
    """Focal length for the sampled coverage, reduced where needed so every frame fits."""
    cam = to_camera(R, P, corners)
    if np.any(cam[..., 2] < 0.1):
        return "subject behind or too close to the camera"
    xn, yn = cam[..., 0] / cam[..., 2], cam[..., 1] / cam[..., 2]
    W, H = ctx.width, ctx.height
    f_fit = np.min(np.minimum(W / 2 / np.abs(xn).max(axis=1), H / 2 / np.abs(yn).max(axis=1)) / zoom) * 0.98
    ext_x, ext_y = np.ptp(xn, axis=1), np.ptp(yn, axis=1)
    f_cov = float(np.median(coverage * np.minimum(W / ext_x, H / ext_y) / zoom))
    f0 = min(f_cov, f_fit)
    if f0 < MIN_COVERAGE_KEPT * f_cov:
        return "subject leaves the frame unless it is made too small"
    focal = np.round(ctx.focal_mm(f0 * zoom), 8)
    lo, hi = FOCAL_RANGE_MM
    if focal.min() < lo or focal.max() > hi:
        return f"focal length {focal.min():.1f}..{focal.max():.1f} mm is outside {lo:.0f}..{hi:.0f} mm"
    return ShotSolution(R, P, focal, coverage * f0 / f_cov, dist)


def check_constraints(sol: ShotSolution, in_frame: float, corners: np.ndarray, boxes: np.ndarray,
                      placement: Placement, room_size, props) -> str | None:
    """The reason the first hard constraint fails, or None (``in_frame``: the fraction of
    frames with the whole envelope in the frame)."""
    P = sol.P
    if in_frame < C.MIN_IN_FRAME:
        return f"subject in frame in only {in_frame:.0%} of frames"
    if not C.camera_clear_of_subject(P, boxes, placement):
        return "camera inside the subject's volume"
    if not C.above_floor(P):
        return "camera below the floor"
    if not C.camera_clear_of_props(P, props):
        return "camera inside a prop"
    if room_size is not None:
        if not C.inside_room(P, room_size, [0, 0, 0]):
            return "camera outside the room or too close to a wall"
        body = corners.reshape(-1, 3).copy()
        body[:, 2] = np.clip(body[:, 2], 0.05, None)    # feet on the floor are inside
        if not C.inside_room(body, room_size, [0, 0, 0], margin=0.02):
            return "subject outside the room"
    return None
