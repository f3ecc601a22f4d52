"""A character performing an action: time window, placement and its per-frame world envelope.

Action frame (manifest): Z up, metres, subject faces -Y at source frame 0, standing at the
origin with feet at z=0, for a character ``reference_height_m`` tall; source frame i is at
time i/fps. A placed subject maps an action-frame point p to
``world = Rz(heading) · (height_m / reference_height_m · p) + location``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..manifest import Asset
from .geometry import box_corners, rot_z


@dataclass
class ActionData:
    """The per-frame arrays of an action entry as numpy (F = frame_count)."""

    fps: float
    root: np.ndarray        # (F,3) hips, metres
    envelope: np.ndarray    # (F,6) AABB of the posed body
    energy: np.ndarray      # (F,) mean joint speed, m/s
    reference_height_m: float
    loopable: bool

    @classmethod
    def from_asset(cls, a: Asset) -> "ActionData":
        return cls(fps=float(a["fps"]), root=np.asarray(a["root_trajectory"], float),
                   envelope=np.asarray(a["envelope"], float), energy=np.asarray(a["motion_energy"], float),
                   reference_height_m=float(a["reference_height_m"]), loopable=bool(a["loopable"]))

    @property
    def duration_s(self) -> float:
        return (len(self.root) - 1) / self.fps


def most_dynamic_start(action: ActionData, window_s: float) -> float:
    """Start time (s) of the window of ``window_s`` seconds with the largest summed motion energy."""
    F = len(action.energy)
    w = int(math.ceil(window_s * action.fps)) + 1
    if w >= F:
        return 0.0
    c = np.concatenate([[0.0], np.cumsum(action.energy)])
    sums = c[w:] - c[:-w]
    return float(np.argmax(sums)) / action.fps


def source_times(action: ActionData, start_s: float, speed: float, n_baked: int, fps: float) -> np.ndarray:
    """Source-action time (s) of every baked frame: start + speed·j/fps, clamped or looped."""
    t = start_s + speed * np.arange(n_baked) / fps
    if action.loopable and action.duration_s > 0:
        return np.mod(t, action.duration_s)
    return np.clip(t, 0.0, action.duration_s)


def _frame_pair(action: ActionData, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = times * action.fps
    i0 = np.clip(np.floor(f).astype(int), 0, len(action.root) - 1)
    i1 = np.minimum(i0 + 1, len(action.root) - 1)
    return i0, i1, f - i0


def envelope_at(action: ActionData, times: np.ndarray) -> np.ndarray:
    """(N,6) conservative boxes at ``times``: the union of the two bracketing source frames."""
    i0, i1, _ = _frame_pair(action, times)
    a, b = action.envelope[i0], action.envelope[i1]
    return np.concatenate([np.minimum(a[:, :3], b[:, :3]), np.maximum(a[:, 3:], b[:, 3:])], axis=1)


def root_at(action: ActionData, times: np.ndarray) -> np.ndarray:
    """(N,3) hips position at ``times`` (linear interpolation)."""
    i0, i1, w = _frame_pair(action, times)
    return action.root[i0] * (1 - w[:, None]) + action.root[i1] * w[:, None]


@dataclass
class Placement:
    """Where and how big the subject is: world = R·(scale·p) + location."""

    location: np.ndarray    # (3,)
    heading_deg: float
    scale: float

    @property
    def R(self) -> np.ndarray:
        return rot_z(math.radians(self.heading_deg))

    def to_world(self, pts: np.ndarray) -> np.ndarray:
        """Action-frame points (...,3) to world."""
        return (self.scale * pts) @ self.R.T + self.location

    def to_local(self, pts: np.ndarray) -> np.ndarray:
        """World points (...,3) to the action frame."""
        return ((pts - self.location) @ self.R) / self.scale

    def facing(self) -> np.ndarray:
        """World direction the subject faces at source frame 0 (action -Y)."""
        return self.R @ np.array([0.0, -1.0, 0.0])


def world_corners(boxes: np.ndarray, placement: Placement) -> np.ndarray:
    """(N,8,3) world corners of action-frame boxes (N,6)."""
    return placement.to_world(box_corners(boxes))


def footprint(boxes: np.ndarray, placement: Placement) -> np.ndarray:
    """World XY bounds [xmin, ymin, xmax, ymax] of the subject over all frames."""
    c = world_corners(boxes, placement).reshape(-1, 3)
    return np.array([c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()])


FOCUS_FRACTIONS = {"upper": 0.8, "center": 0.5, "lower": 0.25}


def focus_points(corners: np.ndarray, focus_position: str) -> np.ndarray:
    """(N,3) focus point per frame: box centre in XY, a fraction of the box height in Z."""
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    p = (lo + hi) / 2.0
    p[:, 2] = lo[:, 2] + FOCUS_FRACTIONS[focus_position] * (hi[:, 2] - lo[:, 2])
    return p
