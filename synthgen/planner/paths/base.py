"""What every camera-path family provides, and the draw and set-up a path is built from.

A camera clip draws one :class:`PathDraw` (every Table-10 path parameter, in a fixed order, so
a clip's random streams do not depend on the family drawn); per attempt the clip kind redraws
its nuisance values, lets the family fit them to the scene (:meth:`PathFamily.fit`), picks a
start point and hands a :class:`PathSetup` to :meth:`PathFamily.build`. A family with
parameters of its own draws them in :meth:`PathFamily.sample` (after the shared draw, only
when it is the family drawn) and finds them in ``PathSetup.own``.

Units: metres, seconds; angular speeds in deg/s; angles in radians unless a name says
``_deg``. N = number of baked frames. Rotations are camera-to-world, OpenCV camera axes.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .. import constraints as C
from ..geometry import normalize
from .arc_length import ArcPath

OVERSHOOT = 1.15    # key poses span this much more than the travelled length


@dataclass(frozen=True)
class PathDraw:
    """Every path parameter a camera clip draws (the sampled values, and after a retry's redraw)."""

    family: str
    keys: int                           # key poses of the NURBS path (4..8)
    speed_profile: str                  # see arc_length.SPEED_PROFILES
    peak_angular_speed_deg_s: float     # orbit, spiral, spin
    whip_peak_angular_speed_deg_s: float
    whip_sweep_deg: float
    peak_linear_speed_m_s: float        # fly-through, dolly, truck, pedestal
    radius_m: float                     # orbit radius; also sets the start point's distance
    height_m: float                     # camera height at the start
    focal_mm: float
    roll_deg: float
    focus_type: str
    focus_position: str
    sign: float                         # +1 / -1: the direction of the move
    burst_centre: float                 # progress of the burst (speed profile, whip pan)
    start_azimuth_rad: float            # of the start point about the focus
    spiral_ratio: float                 # end radius / start radius of a spiral
    spiral_rise_m: float
    with_character: bool
    forced_family: bool = False         # the family fell back to one turning in place

    #: fields not written to the params log (nuisance values)
    UNLOGGED: ClassVar[tuple[str, ...]] = ("sign", "burst_centre", "start_azimuth_rad", "spiral_ratio",
                                           "spiral_rise_m", "forced_family")

    def replace(self, **changes: Any) -> "PathDraw":
        return dataclasses.replace(self, **changes)

    def log(self) -> dict:
        """The logged fields, floats rounded to 6 decimals (the params log's format)."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name not in self.UNLOGGED:
                v = getattr(self, f.name)
                out[f.name] = round(v, 6) if isinstance(v, float) else v
        return out


@dataclass
class PathSetup:
    """Everything a family needs to build its path for one attempt."""

    draw: PathDraw                      # after the redraw and the family's fitting
    own: Any                            # the family's own parameters (PathFamily.sample), or None
    focus: np.ndarray                   # (N,3) look-at targets (the subject, or a fixed point)
    p0: np.ndarray                      # (3,) start point
    s: np.ndarray                       # (N,) distance travelled at unit peak speed
    times: np.ndarray                   # (N,) clip time of every baked frame, s
    fps: float
    room: list | None                   # room extents (x, y, z), floor centred at the origin; None outdoors
    rng: np.random.Generator            # the attempt's path stream (key jitter)
    space: Any = None                   # a world's free-space map (synthgen.planner.space), or None


@dataclass
class PathResult:
    P: np.ndarray                       # (N,3) camera centres
    R: np.ndarray                       # (N,3,3) camera-to-world rotations (OpenCV axes)
    movement_value: float               # the family's magnitude (deg swept / m travelled)
    direction: str                      # cinematographer's direction word
    peak_linear_m_s: float              # the peak linear speed used
    peak_angular_deg_s: float           # the sampled peak angular speed used (0 if not a target)
    keys: int


@dataclass(frozen=True)
class PresetKey:
    """A numeric ``[camera_path]`` preset key a family reads for parameters of its own: the
    distribution used when a preset does not set it (in preset syntax) and its bounds."""

    default: Any
    lo: float | None = None
    hi: float | None = None


class PathFamily:
    """One family of camera paths. Subclasses set :attr:`name`, implement :meth:`build` and
    :meth:`phrase`, and may override :meth:`sample` and :meth:`fit`. A family with parameters
    of its own lists their preset keys in :attr:`preset_keys` (optional keys of
    ``[camera_path]``, checked like every other key) and draws them in :meth:`sample`."""

    name: ClassVar[str] = ""
    #: linear passes: a draw whose room leaves less than half the sampled speed is redrawn
    limited_by_room: ClassVar[bool] = False
    #: ``[camera_path]`` keys of the family's own parameters
    preset_keys: ClassVar[dict[str, PresetKey]] = {}

    def sample(self, camera_path: dict, rng: np.random.Generator) -> Any:
        """The family's own parameters from the preset's ``[camera_path]`` section (parsed: every
        key of :attr:`preset_keys` is there as a distribution); none by default."""
        return None

    def log_own(self, own: Any) -> dict:
        """The params-log entries of the family's own parameters (none by default)."""
        return {}

    def fit(self, draw: PathDraw, focus: np.ndarray, room, min_radius: float) -> PathDraw:
        """The draw adapted to the scene (e.g. an orbit radius the room allows); as drawn here."""
        return draw

    def build(self, setup: PathSetup) -> PathResult:
        raise NotImplementedError

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own: Any = None) -> str:
        """The caption's camera sentence from the recorded path: its ``direction`` word, its
        ``movement_value`` (as in the job), what it is aimed at (``focus``) and its measured
        speeds (``stats``, as in the job)."""
        raise NotImplementedError


def peak_deg_s(stats: dict) -> float:
    """Measured peak angular speed rounded to 10 deg/s (as captions say it)."""
    return round(stats.get("peak_angular_deg_s", 0.0) / 10.0) * 10


def peak_m_s(stats: dict) -> float:
    return stats.get("peak_linear_m_s", 0.0)


def drift(setup: PathSetup, speed: float = 0.25) -> np.ndarray:
    """(N,3) a slow handheld-like drift through the draw's key points near the start point
    (in a world with a free-space map, each step turned back or shortened where it would
    leave the navigable volume)."""
    K, s = setup.draw.keys, setup.s
    step = speed * s[-1] * OVERSHOOT / (K - 1)
    dirs = normalize(setup.rng.normal(size=(K - 1, 3))) * step
    if setup.space is None:
        pts = setup.p0 + np.cumsum(np.vstack([np.zeros(3), dirs]), axis=0)
    else:
        pts = free_steps(setup.space, setup.p0, dirs)
    return ArcPath(pts).at(speed * s)


def free_steps(space, p0: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Key points from ``p0`` by ``steps`` (K-1, 3), each step reversed or shortened (down to
    a few centimetres) until its straight segment stays navigable."""
    pts = [np.asarray(p0, float)]
    t = np.linspace(0.0, 1.0, 6)[:, None]
    for d in steps:
        for k in (1.0, -1.0, 0.5, -0.5, 0.25, -0.25, 0.05):
            nxt = pts[-1] + k * d
            if space.is_navigable(pts[-1] + t * (nxt - pts[-1])).all():
                break
        pts.append(nxt)
    return np.array(pts)


def room_reach(p: np.ndarray, axis: np.ndarray, room, top: float = 10.0) -> float:
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


def reach_along(setup: PathSetup, p: np.ndarray, axis: np.ndarray) -> float:
    """How far from ``p`` along unit ``axis`` the camera may go: :func:`room_reach`, and in a
    world with a free-space map no further than its navigable volume goes."""
    r = room_reach(p, axis, setup.room)
    if setup.space is not None:
        r = min(r, setup.space.reach(p, axis))
    return r


def fit_radius(draw: PathDraw, focus: np.ndarray, room, min_radius: float, grow: float) -> PathDraw:
    """A circling radius: at least ``min_radius`` (clear of the subject) with 10 % to spare, at
    most what the room allows for a path reaching ``grow`` times the radius."""
    r = max(draw.radius_m, min_radius / 0.9)
    if room is not None:
        half = np.array(room[:2]) / 2.0 - C.WALL_CLEARANCE_M - 0.1
        room_r = float(np.min(half - np.abs(focus[1][:2])))
        r = max(min(r, room_r / grow), 0.5)
    return draw.replace(radius_m=r)
