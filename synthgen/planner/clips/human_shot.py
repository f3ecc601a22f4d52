"""The camera of a human shot: its Table-10 draws, their redraws, and the solved geometry.

A videographer picks a lens, then walks to where the performer fills the frame as wanted.
So does this solver: the focal length is drawn from the preset's prior (``camera.focal_mm``:
the shot's widest focal length, i.e. a zoom's wide end), the shot size from
``camera.coverage`` (the fraction of the frame's tighter dimension the performer's
projected envelope covers, median over the clip), and the camera's distance is solved so
that the drawn lens gives the drawn coverage (:func:`solve_distance`), moving back further
where needed so the whole envelope stays in the frame (in :data:`FIT_FRAMES` of the rendered
frames; the hard constraint asks 95 %).

The shot starts that distance from the focus point at ``elevation_deg``, on the side the
performer faces (``placement = "forward"``, ± ``azimuth_deg``) or anywhere (``"random"``); the
focus point follows the performer (``focus_type = "follow"``: smoothed envelope point) or is
fixed in the world (``"fixed"``: its mean over the clip). The drawn movement
(:mod:`synthgen.planner.movements`) turns the start into a camera path. Indoors the walls may
stop the camera short of the solved distance: the focal length is then shortened to keep
the coverage (a wider lens in a small room), never below :data:`FOCAL_FLOOR_MM`. Where the
envelope still leaves the frame (e.g. a pan sweeping wider than the lens sees), the focal
length is shortened too. A drawn coverage tighter than the move allows becomes the tightest
framing that keeps the envelope in (down to :data:`MIN_COVERAGE`); the focal lengths and the
coverage achieved are recorded.
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
from ..movements.base import MoveDraw, ShotMotion, ShotStart
from ..subject import Placement

SMOOTH_S = 0.3            # focus/follow smoothing (Gaussian sigma, seconds)
MIN_COVERAGE = 0.2        # the coverage achieved may drop this low (a wide shot), never lower
FOCAL_FLOOR_MM = 12.0     # the widest lens a wall-limited or wide-sweeping shot may switch to
FOCAL_CEILING_MM = 600.0
FIT_MARGIN = 0.98         # the envelope keeps 2 % of the frame's half-size clear of each edge
FIT_FRAMES = 0.98         # ... in this share of the rendered frames (the hard constraint asks 95 %)
SOLVE_ITERATIONS = 8      # distance updates (each re-runs the movement)
SOLVE_TOLERANCE = 0.005   # relative coverage error at which the distance is solved
MIN_DISTANCE_M = 1.5      # the solved start distance from the focus point stays in this range
MAX_DISTANCE_M = 40.0
FORCE_FOLLOW_FROM = 8     # attempts from which a travelling subject is filmed as a following shot
HALVE_OFFSET_FROM = 8     # attempts from which the subject's placement offset is halved
REDRAW_VALUE_FROM = 4     # attempts from which the movement value is redrawn too
#: Where a human shot aims (``focus_position``), as a fraction of the envelope's height from
#: its bottom: framing the whole performer, a videographer keeps the aim near the body's
#: middle (upper: the chest, lower: the thighs), so a full-body shot can still fill the frame.
AIM_FRACTIONS = {"upper": 0.65, "center": 0.5, "lower": 0.35}


@dataclass(frozen=True)
class ShotDraw:
    """Every Table-10 camera draw of a human shot (as sampled, or as redrawn by an attempt)."""

    placement: str
    azimuth_deg: float              # about the performer's facing (forward placement)
    random_azimuth_deg: float       # absolute (random placement)
    elevation_deg: float
    focal_mm: float                 # the lens: the shot's widest focal length (a zoom's wide end)
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
    distance_m: float               # start distance from the focus point (solved; walls may shorten it)
    distance_limited: bool = False  # the camera could not stand at the solved distance (walls, limits)


@dataclass(frozen=True)
class Framing:
    """How the performer's envelope projects from one camera path, per pixel of focal length
    (``fx`` at the zoom's wide end)."""

    size: float                     # coverage per px of fx: median over frames of the envelope's
                                    # larger extent relative to the frame (x/W or y/H)
    fit: float                      # the largest fx that keeps the whole envelope in the frame in
                                    # FIT_FRAMES of the rendered frames


def aim_points(corners: np.ndarray, focus_position: str) -> np.ndarray:
    """(N,3) the point a human shot aims at per frame: the envelope's centre in XY, the
    focus position's fraction (:data:`AIM_FRACTIONS`) of its height in Z."""
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    p = (lo + hi) / 2.0
    p[:, 2] = lo[:, 2] + AIM_FRACTIONS[focus_position] * (hi[:, 2] - lo[:, 2])
    return p


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
    elevation, focal = float(cam["elevation_deg"].sample(rng)), float(cam["focal_mm"].sample(rng))
    focus_type, focus_position = cam["focus_type"].sample(rng), cam["focus_position"].sample(rng)
    move = MOVEMENTS.get(name).sample(rng, cam["movement_value"][name])
    coverage = float(cam["coverage"].sample(rng))
    roll = float(cam["roll_deg"].sample(rng)) if "roll_deg" in cam else 0.0
    return ShotDraw(placement, azimuth, random_azimuth, elevation, focal, focus_type, focus_position,
                    name, move, coverage, roll)


def redraw_shot(ctx: ClipContext, draw: ShotDraw, attempt: int) -> tuple[ShotDraw, float, float]:
    """Geometry values for ``attempt`` >= 1 from its retry stream: the shot's azimuth and
    elevation, the subject's offset (halved late), from attempt 4 on the movement value, and
    from attempt 8 on a following shot instead of the drawn movement (the lens and the shot
    size stay as drawn). Returns the shot draw, the subject offset (m) and its azimuth (deg)."""
    cam, rng = ctx.preset["camera"], ctx.retry_rng(attempt)
    g = dataclasses.replace(draw, azimuth_deg=float(cam["forward_azimuth_deg"].sample(rng)),
                            random_azimuth_deg=float(rng.uniform(0.0, 360.0)),
                            elevation_deg=float(cam["elevation_deg"].sample(rng)))
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


def focus_track(ctx: ClipContext, g: ShotDraw, focus_src: np.ndarray) -> np.ndarray:
    """(N,3) the look-at point per frame: the smoothed focus point, or its mean (fixed focus)."""
    if g.focus_type == "follow":
        return smoothed(focus_src, ctx)
    return np.broadcast_to(focus_src.mean(axis=0), focus_src.shape).copy()


def shot_start(ctx: ClipContext, g: ShotDraw, focus: np.ndarray, placement: Placement,
               follow_root: np.ndarray, room_size, distance_m: float) -> tuple[ShotStart, float]:
    """The shot's start ``distance_m`` from the focus point (shortened to stay clear of the
    walls indoors), and the start distance used."""
    ref = focus[1]
    face = placement.facing()
    facing = math.degrees(math.atan2(face[1], face[0]))
    az = facing + g.azimuth_deg if g.placement == "forward" else g.random_azimuth_deg
    a, e = math.radians(az), math.radians(g.elevation_deg)
    dir_h = np.array([math.cos(a), math.sin(a), 0.0])
    dist = distance_m
    if room_size is not None:
        dist = min(dist, 0.9 * _wall_distance(ref, dir_h, room_size) / max(math.cos(e), 1e-3))
    p0 = ref + dist * np.array([math.cos(e) * dir_h[0], math.cos(e) * dir_h[1], math.sin(e)])
    p0[2] = max(p0[2], 0.3)
    if room_size is not None:
        p0[2] = min(p0[2], room_size[2] - C.WALL_CLEARANCE_M - 0.1)
    R0 = look_at(p0[None], ref[None])[0]
    roll = np.full(ctx.n_baked, math.radians(g.roll_deg))
    return ShotStart(p0, R0, focus, ctx.progress, roll, follow_root, smooth_sigma(ctx)), dist


def wide_end_zoom(motion: ShotMotion) -> np.ndarray:
    """(N,) the movement's zoom relative to its widest rendered frame (>= 1 there)."""
    return motion.zoom / motion.zoom[1:-1].min()


def framing(ctx: ClipContext, motion: ShotMotion, corners: np.ndarray) -> Framing | None:
    """How the envelope's corners (N,8,3) project from ``motion``; None when any frame has
    them behind or too close to the camera."""
    cam = to_camera(motion.R, motion.P, corners)
    if np.any(cam[..., 2] < 0.1):
        return None
    xn, yn = cam[1:-1, :, 0] / cam[1:-1, :, 2], cam[1:-1, :, 1] / cam[1:-1, :, 2]     # rendered frames
    W, H, zoom = ctx.width, ctx.height, wide_end_zoom(motion)[1:-1]
    fits = np.minimum(W / 2 / np.abs(xn).max(axis=1), H / 2 / np.abs(yn).max(axis=1)) / zoom
    k = int((1.0 - FIT_FRAMES) * len(fits))
    size = np.median(zoom * np.maximum(np.ptp(xn, axis=1) / W, np.ptp(yn, axis=1) / H))
    return Framing(float(size), float(FIT_MARGIN * np.partition(fits, k)[k]))


def initial_distance(ctx: ClipContext, corners: np.ndarray, fx: float, coverage: float) -> float:
    """A first guess: the distance at which the envelope's median height covers ``coverage``
    of the frame height through a lens of ``fx`` pixels."""
    height = float(np.median(np.ptp(corners[..., 2], axis=1)))
    return float(np.clip(fx * height / (coverage * ctx.height), MIN_DISTANCE_M, MAX_DISTANCE_M))


@dataclass
class Trial:
    """The camera path from one start distance, and how it frames the performer."""

    motion: ShotMotion
    framing: Framing
    distance_m: float               # used (the walls may shorten the one asked for)
    limited: bool                   # the camera stands closer than the shot asked for (walls)


def trial(ctx: ClipContext, g: ShotDraw, focus: np.ndarray, corners: np.ndarray, placement: Placement,
          follow_root: np.ndarray, room_size, distance_m: float) -> Trial | None:
    """The shot from ``distance_m``; None when the envelope is behind or at the camera."""
    start, used = shot_start(ctx, g, focus, placement, follow_root, room_size, distance_m)
    motion = MOVEMENTS.get(g.movement).move(start, g.move)
    fr = framing(ctx, motion, corners)
    return None if fr is None else Trial(motion, fr, used, bool(used < distance_m * (1 - 1e-9)))


def distance_step(fx: float, coverage: float, fr: Framing) -> float:
    """The factor to scale the distance by: the coverage error (coverage ~ 1/distance), or
    more where the envelope would leave the frame."""
    return max(fx * fr.size / coverage, fx / fr.fit)


def solve_distance(ctx: ClipContext, g: ShotDraw, corners: np.ndarray, focus_src: np.ndarray,
                   placement: Placement, follow_root: np.ndarray, room_size) -> Trial | str:
    """The start distance at which the drawn lens gives the drawn coverage with the whole
    envelope in every frame; the walls and :data:`MIN_DISTANCE_M`..:data:`MAX_DISTANCE_M`
    may stop it short (``limited``). The last trial, or why there is none."""
    focus = focus_track(ctx, g, focus_src)
    fx = g.focal_mm * ctx.K(np.ones(1))[0, 0, 0]
    dist, clamped = initial_distance(ctx, corners, fx, g.coverage), False
    for _ in range(SOLVE_ITERATIONS):
        t = trial(ctx, g, focus, corners, placement, follow_root, room_size, dist)
        if t is None:
            return "subject behind or too close to the camera"
        step = distance_step(fx, g.coverage, t.framing)
        if clamped or abs(step - 1.0) < SOLVE_TOLERANCE or (t.limited and step > 1.0):
            break
        target = t.distance_m * step
        dist = float(np.clip(target, MIN_DISTANCE_M, MAX_DISTANCE_M))
        clamped = bool(dist != target)
    return dataclasses.replace(t, limited=t.limited or clamped)


def solve_camera(ctx: ClipContext, g: ShotDraw, corners: np.ndarray, focus_src: np.ndarray,
                 placement: Placement, follow_root: np.ndarray, room_size) -> ShotSolution | str:
    """The camera of one geometry draw, or the reason there is none."""
    t = solve_distance(ctx, g, corners, focus_src, placement, follow_root, room_size)
    return t if isinstance(t, str) else fit_focal(ctx, g, t)


def fit_focal(ctx: ClipContext, g: ShotDraw, t: Trial) -> ShotSolution | str:
    """The focal lengths of a solved trial: the drawn lens, shortened only where the walls
    stopped the camera (to keep the coverage) or the envelope would leave the frame."""
    fx = g.focal_mm * ctx.K(np.ones(1))[0, 0, 0]
    fr = t.framing
    if t.limited:
        fx = min(fx, g.coverage / fr.size)
    if fx > fr.fit * (1 + SOLVE_TOLERANCE):
        fx = fr.fit
    coverage = fx * fr.size
    if coverage < min(MIN_COVERAGE, g.coverage) * (1 - SOLVE_TOLERANCE):
        return f"subject leaves the frame unless it covers less than {MIN_COVERAGE:.0%} of it"
    focal = np.round(ctx.focal_mm(fx * wide_end_zoom(t.motion)), 8)
    if focal.min() < FOCAL_FLOOR_MM or focal.max() > FOCAL_CEILING_MM:
        return (f"focal length {focal.min():.1f}..{focal.max():.1f} mm is outside "
                f"{FOCAL_FLOOR_MM:.0f}..{FOCAL_CEILING_MM:.0f} mm")
    return ShotSolution(t.motion.R, t.motion.P, focal, coverage, t.distance_m, t.limited)


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
