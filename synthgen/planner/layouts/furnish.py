"""Placing furniture in a room by rule: against a wall (back to it, clear of doorways, tall
pieces clear of windows), in front of another piece, around a table, in a corner, on a
surface, or anywhere free; every footprint is kept apart from the others and from the
zone in front of each doorway.

Conventions: a room's clear floor is ``[x0, y0, x1, y1]``; sides are ``S`` (y = y0, the
piece's back toward -y, yaw 180°), ``N`` (y = y1, yaw 0°), ``W`` (x = x0, yaw 90°) and
``E`` (x = x1, yaw -90°), so a piece's local +y (its back) points into the wall.
"""
from __future__ import annotations

import math

import numpy as np

from ...job import SurfaceSpec, WorldObjectSpec
from .floorplan import EXT_WALL_M, Plan, Room
from .model import LayoutBuilder
from .recipes import dress

SIDES = {"S": 180.0, "N": 0.0, "W": 90.0, "E": -90.0}
DOOR_ZONE_M = 1.1               # no furniture this deep in front of a doorway


def front(yaw_deg: float) -> np.ndarray:
    """World xy of a piece's local -y (the way it faces) at ``yaw_deg``."""
    a = math.radians(yaw_deg)
    return np.array([math.sin(a), -math.cos(a)])


def footprint(xy, w: float, d: float, yaw_deg: float, margin: float = 0.0) -> np.ndarray:
    """Axis-aligned box [x0, y0, x1, y1] of a w x d footprint at ``xy`` turned by ``yaw_deg``."""
    a = math.radians(yaw_deg)
    ex = abs(math.cos(a)) * w / 2 + abs(math.sin(a)) * d / 2 + margin
    ey = abs(math.sin(a)) * w / 2 + abs(math.cos(a)) * d / 2 + margin
    return np.array([xy[0] - ex, xy[1] - ey, xy[0] + ex, xy[1] + ey])


def overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


class RoomCtx:
    """One room being furnished: its clear floor, what is taken, its walls' openings."""

    def __init__(self, room: Room, plan: Plan, lb: LayoutBuilder, rng: np.random.Generator):
        self.room, self.lb, self.rng = room, lb, rng
        self.x0, self.y0, self.x1, self.y1 = room.inner(EXT_WALL_M)
        self.taken: list[np.ndarray] = []
        self.openings: dict[str, list[tuple[float, float, str]]] = {s: [] for s in SIDES}
        self.placed: list[WorldObjectSpec] = []
        for seg in plan.segments:
            self._collect(seg)
        for side, spans in self.openings.items():
            for a, b, kind in spans:
                if kind == "door":
                    self.taken.append(self._zone(side, a - 0.25, b + 0.25, DOOR_ZONE_M))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def depth(self) -> float:
        return self.y1 - self.y0

    def _collect(self, seg) -> None:
        bx0, by0, bx1, by1 = self.room.box
        line = {(0, by0): "S", (0, by1): "N", (1, bx0): "W", (1, bx1): "E"}.get((seg.axis, round(seg.at, 6)))
        lo, hi = (bx0, bx1) if seg.axis == 0 else (by0, by1)
        if line is None or seg.end <= lo + 1e-6 or seg.start >= hi - 1e-6:
            return
        for o in seg.openings:
            c = seg.start + o.centre
            self.openings[line].append((c - o.width / 2, c + o.width / 2, o.kind))

    def _zone(self, side: str, a: float, b: float, depth: float) -> np.ndarray:
        if side == "S":
            return np.array([a, self.y0, b, self.y0 + depth])
        if side == "N":
            return np.array([a, self.y1 - depth, b, self.y1])
        if side == "W":
            return np.array([self.x0, a, self.x0 + depth, b])
        return np.array([self.x1 - depth, a, self.x1, b])

    def free(self, box: np.ndarray) -> bool:
        inside = box[0] >= self.x0 - 1e-6 and box[1] >= self.y0 - 1e-6 and box[2] <= self.x1 + 1e-6 \
            and box[3] <= self.y1 + 1e-6
        return inside and not any(overlaps(box, t) for t in self.taken)

    def side_range(self, side: str) -> tuple[float, float]:
        return (self.x0, self.x1) if side in ("S", "N") else (self.y0, self.y1)

    def wall_spot(self, side: str, w: float, d: float, *, tall: bool = False, at: float | None = None,
                  gap: float = 0.02, tries: int = 24) -> tuple[np.ndarray, float] | None:
        """Where a w x d piece stands with its back to ``side``'s wall (centre xy, yaw), or None."""
        lo, hi = self.side_range(side)
        if hi - lo < w + 0.1:
            return None
        cands = [at] if at is not None else []
        cands += [(lo + hi) / 2] + list(self.rng.uniform(lo + w / 2 + 0.05, hi - w / 2 - 0.05, tries))
        for u in cands:
            u = float(np.clip(u, lo + w / 2 + 0.05, hi - w / 2 - 0.05))
            if any(a - 0.1 < u + w / 2 and u - w / 2 < b + 0.1 for a, b, k in self.openings[side]
                   if k == "door" or tall):
                continue
            xy = self._on_side(side, u, gap + d / 2)
            if self.free(footprint(xy, w, d, SIDES[side], margin=0.01)):
                return xy, SIDES[side]
        return None

    def _on_side(self, side: str, u: float, off: float) -> np.ndarray:
        return {"S": np.array([u, self.y0 + off]), "N": np.array([u, self.y1 - off]),
                "W": np.array([self.x0 + off, u]), "E": np.array([self.x1 - off, u])}[side]

    def free_spot(self, w: float, d: float, *, yaw: float | None = None, area: np.ndarray | None = None,
                  margin: float = 0.05, tries: int = 30) -> tuple[np.ndarray, float] | None:
        """A random free spot for a w x d piece (inside ``area`` [x0, y0, x1, y1] if given)."""
        ax0, ay0, ax1, ay1 = area if area is not None else (self.x0, self.y0, self.x1, self.y1)
        for _ in range(tries):
            yw = float(yaw if yaw is not None else self.rng.choice([0.0, 90.0, 180.0, -90.0]))
            xy = np.array([self.rng.uniform(ax0, ax1), self.rng.uniform(ay0, ay1)])
            if self.free(footprint(xy, w, d, yw, margin)):
                return xy, yw
        return None

    def sides_by_length(self) -> list[str]:
        return sorted(SIDES, key=lambda s: -(self.side_range(s)[1] - self.side_range(s)[0]))

    def opposite(self, side: str) -> str:
        return {"S": "N", "N": "S", "W": "E", "E": "W"}[side]

    # ------------------------------------------------------------------ adding
    def put(self, kind: str, xy, yaw: float, size, description: str, *, z: float = 0.0, params: dict | None = None,
            surfaces: list[SurfaceSpec] | None = None, occupy: bool = True, margin: float = 0.03,
            structure: bool = False) -> WorldObjectSpec:
        """Add a piece (its surfaces drawn by :func:`dress` unless given) and mark its footprint taken."""
        surfaces = surfaces if surfaces is not None else dress(kind, self.rng)
        params = dict(params or {})
        params.setdefault("seed", int(self.rng.integers(1 << 30)))
        loc = [float(xy[0]), float(xy[1]), float(z)]
        if structure:
            obj = self.lb.structure(kind, loc, size, surfaces, yaw_deg=yaw, params=params)
        else:
            obj = self.lb.thing(kind, loc, size, surfaces, description, yaw_deg=yaw, params=params)
        if occupy:
            self.taken.append(footprint(xy, size[0], size[1], yaw, margin))
        self.placed.append(obj)
        return obj

    def against(self, kind: str, side: str, size, description: str, **kw) -> WorldObjectSpec | None:
        spot = self.wall_spot(side, size[0], size[1], tall=size[2] > 0.85, at=kw.pop("at", None))
        if spot is None:
            return None
        return self.put(kind, spot[0], spot[1], size, description, **kw)

    def against_any(self, kind: str, size, description: str, sides=None, **kw) -> WorldObjectSpec | None:
        for side in (sides or list(self.rng.permutation(list(SIDES)))):
            obj = self.against(kind, side, size, description, **dict(kw))
            if obj is not None:
                return obj
        return None

    def relative(self, anchor: WorldObjectSpec, forward: float, sideways: float = 0.0) -> np.ndarray:
        """World xy ``forward`` metres in front of ``anchor`` (its local -y) and ``sideways``
        to its right."""
        f = front(anchor.yaw_deg)
        r = np.array([-f[1], f[0]])
        return np.array(anchor.location[:2]) + forward * f + sideways * r
