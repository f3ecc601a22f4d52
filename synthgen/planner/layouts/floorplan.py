"""Floor plans of procedural interiors: rectangular rooms on a decimetre grid, the walls
between them (with doorways) and round them (with windows).

Plan shapes (:data:`PLAN_SHAPES`): ``single`` (one room), ``l_shape`` (two open rectangles
forming an L), ``corridor`` (a long corridor with rooms off one side), ``apartment`` (a
rectangle cut into 3-5 rooms joined by doorways), ``hall`` (a two-storey hall with a
gallery and stairs) and ``storage`` (a large, high hall). Rooms of one *group* share open
space (no wall between them); walls separate groups and the outside. Every room of a plan
is reachable from every other through doorways (a random spanning tree of the adjacency,
plus one extra door where there are more than three rooms). Coordinates: metres, the
plan's box centred on the origin, floors at z = 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CELL = 0.1                      # plan grid, metres
EXT_WALL_M, INT_WALL_M = 0.2, 0.12
PLAN_SHAPES = ("single", "l_shape", "corridor", "apartment", "hall", "storage")


@dataclass
class Room:
    name: str
    type: str                   # living, bedroom, kitchen, office, corridor, hall, storage
    box: list[float]            # [x0, y0, x1, y1] wall centre lines
    group: int
    height: float

    def inner(self, wall: float = EXT_WALL_M) -> list[float]:
        """The clear floor inside the walls (half the thicker wall off every side)."""
        x0, y0, x1, y1 = self.box
        return [x0 + wall / 2, y0 + wall / 2, x1 - wall / 2, y1 - wall / 2]

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return (x1 - x0) * (y1 - y0)


@dataclass
class Opening:
    centre: float               # along the segment, from its start
    width: float
    bottom: float
    top: float
    kind: str                   # "door" (a doorway) or "window"


@dataclass
class Segment:
    """A straight wall on a grid line: ``axis`` 0 runs along x (at y = ``at``), 1 along y."""

    axis: int
    at: float
    start: float
    end: float
    rooms: tuple[int, int]      # room index on each side (-1: outside)
    height: float
    openings: list[Opening] = field(default_factory=list)

    @property
    def exterior(self) -> bool:
        return -1 in self.rooms

    @property
    def length(self) -> float:
        return self.end - self.start

    def point(self, s: float) -> np.ndarray:
        """World xy of position ``s`` along the segment."""
        return np.array([self.start + s, self.at]) if self.axis == 0 else np.array([self.at, self.start + s])


@dataclass
class Plan:
    shape: str
    rooms: list[Room]
    segments: list[Segment]
    doors: list[tuple[int, int]]

    def bounds(self) -> np.ndarray:
        b = np.array([r.box for r in self.rooms])
        return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])

    def room_at(self, xy: np.ndarray) -> np.ndarray:
        """(M,) index of the room holding each point (-1 outside every room)."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        out = np.full(len(xy), -1)
        for i, r in enumerate(self.rooms):
            x0, y0, x1, y1 = r.box
            out[(xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1) & (out < 0)] = i
        return out


def _q(v: float) -> float:
    return round(round(v / CELL) * CELL, 6)


# --------------------------------------------------------------------------- room layouts
def _rooms(shape: str, rng: np.random.Generator) -> list[Room]:
    h = float(rng.uniform(2.6, 3.2))
    if shape == "single":
        t = str(rng.choice(["living", "bedroom", "kitchen", "office", "living"]))
        W, D = rng.uniform(4.5, 8.5), rng.uniform(3.8, 6.5)
        return [Room(t, t, [0, 0, _q(W), _q(D)], 0, h)]
    if shape == "l_shape":
        W1, D1 = rng.uniform(5.5, 9.0), rng.uniform(3.6, 5.0)
        W2, D2 = rng.uniform(3.2, 0.6 * W1), rng.uniform(3.0, 4.5)
        return [Room("living", "living", [0, 0, _q(W1), _q(D1)], 0, h),
                Room("kitchen", "kitchen", [0, _q(D1), _q(W2), _q(D1 + D2)], 0, h)]
    if shape == "corridor":
        L, w = rng.uniform(9.0, 15.0), rng.uniform(1.9, 2.6)
        out = [Room("corridor", "corridor", [0, 0, _q(L), _q(w)], 0, h)]
        n = int(rng.integers(1, 3))
        for k in range(n):
            x0, x1 = _q(k * L / n), _q((k + 1) * L / n)
            t = str(rng.choice(["office", "bedroom", "living"]))
            out.append(Room(f"{t}{k}", t, [x0, _q(w), x1, _q(w + rng.uniform(3.6, 5.0))], k + 1, h))
        return out
    if shape == "apartment":
        return _bsp(rng, rng.uniform(9.0, 13.0), rng.uniform(7.0, 10.0), int(rng.integers(3, 6)), h)
    if shape == "hall":
        W, D = rng.uniform(9.0, 13.0), rng.uniform(7.5, 10.0)
        return [Room("hall", "hall", [0, 0, _q(W), _q(D)], 0, float(rng.uniform(5.6, 6.6)))]
    W, D = rng.uniform(12.0, 18.0), rng.uniform(9.0, 14.0)
    return [Room("storage", "storage", [0, 0, _q(W), _q(D)], 0, float(rng.uniform(4.5, 6.0)))]


def _bsp(rng: np.random.Generator, W: float, D: float, n: int, h: float) -> list[Room]:
    boxes = [[0.0, 0.0, _q(W), _q(D)]]
    while len(boxes) < n:
        k = int(np.argmax([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]))
        x0, y0, x1, y1 = boxes.pop(k)
        axis = 0 if (x1 - x0) >= (y1 - y0) else 1
        lo, hi = (x0, x1) if axis == 0 else (y0, y1)
        if hi - lo < 6.0:
            boxes.append([x0, y0, x1, y1])
            break
        cut = _q(lo + (hi - lo) * rng.uniform(0.38, 0.62))
        boxes += [[x0, y0, cut, y1], [cut, y0, x1, y1]] if axis == 0 else [[x0, y0, x1, cut], [x0, cut, x1, y1]]
    types = ["living", "kitchen", "bedroom", "office", "bedroom"]
    order = np.argsort([-(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])
    rooms = [None] * len(boxes)
    for rank, k in enumerate(order):
        t = types[rank % len(types)]
        rooms[k] = Room(f"{t}{rank}", t, boxes[k], int(k), h)
    return rooms


# --------------------------------------------------------------------------- walls
def _zones(rooms: list[Room], lo: np.ndarray, n: tuple[int, int]) -> np.ndarray:
    z = np.full(n, -1)
    for i, r in enumerate(rooms):
        a = np.round((np.array(r.box[:2]) - lo) / CELL).astype(int)
        b = np.round((np.array(r.box[2:]) - lo) / CELL).astype(int)
        z[a[0]:b[0], a[1]:b[1]] = i
    return z


def _segments(rooms: list[Room]) -> list[Segment]:
    """Wall segments where the room (group) changes across a grid line, merged into runs."""
    lo = np.array([min(r.box[0] for r in rooms), min(r.box[1] for r in rooms)]) - CELL
    hi = np.array([max(r.box[2] for r in rooms), max(r.box[3] for r in rooms)]) + CELL
    n = tuple(int(v) for v in np.round((hi - lo) / CELL))
    z = _zones(rooms, lo, n)
    group = np.array([r.group for r in rooms] + [-1])
    out = []
    for axis in (0, 1):
        a, b = (z[:, :-1], z[:, 1:]) if axis == 0 else (z[:-1, :], z[1:, :])
        diff = group[a] != group[b]
        lines = range(diff.shape[1]) if axis == 0 else range(diff.shape[0])
        for k in lines:
            row = diff[:, k] if axis == 0 else diff[k, :]
            pa, pb = (a[:, k], b[:, k]) if axis == 0 else (a[k, :], b[k, :])
            at = lo[1 - axis] + (k + 1) * CELL
            out += _runs(row, pa, pb, axis, at, lo[axis], rooms)
    return out


def _runs(row, pa, pb, axis: int, at: float, origin: float, rooms: list[Room]) -> list[Segment]:
    out, start = [], None
    for i in range(len(row) + 1):
        key = (int(pa[i]), int(pb[i])) if i < len(row) and row[i] else None
        if start is not None and key != start[1]:
            s0, s1 = origin + start[0] * CELL, origin + i * CELL
            heights = [rooms[j].height for j in start[1] if j >= 0]
            out.append(Segment(axis, round(at, 6), round(s0, 6), round(s1, 6), start[1], max(heights)))
            start = None
        if key is not None and start is None:
            start = (i, key)
    return out


def _connect(plan_rooms: list[Room], segs: list[Segment], rng: np.random.Generator) -> list[tuple[int, int]]:
    """Doors: a random spanning tree over rooms sharing a wall of >= 1.6 m, plus one extra."""
    share: dict[tuple[int, int], float] = {}
    for s in segs:
        if not s.exterior:
            key = tuple(sorted(s.rooms))
            share[key] = share.get(key, 0.0) + s.length
    edges = [k for k, v in share.items() if v >= 1.6]
    rng.shuffle(edges)
    if any(r.type == "corridor" for r in plan_rooms):       # corridors connect to everything they touch
        c = next(i for i, r in enumerate(plan_rooms) if r.type == "corridor")
        edges.sort(key=lambda e: c not in e)
    parent = list(range(len(plan_rooms)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    doors, extra = [], []
    for a, b in edges:
        if find(a) != find(b):
            parent[find(a)] = find(b)
            doors.append((a, b))
        else:
            extra.append((a, b))
    if len(plan_rooms) > 3 and extra:
        doors.append(extra[0])
    return doors


def _place_openings(segs: list[Segment], doors: list[tuple[int, int]], rng: np.random.Generator) -> None:
    for a, b in doors:
        cands = [s for s in segs if tuple(sorted(s.rooms)) == (a, b) and s.length >= 1.6]
        s = max(cands, key=lambda s: s.length)
        w = float(min(rng.uniform(1.1, 1.6), s.length - 0.5))
        c = float(rng.uniform(0.25 + w / 2, s.length - 0.25 - w / 2))
        s.openings.append(Opening(c, w, 0.0, float(min(rng.uniform(2.1, 2.35), s.height - 0.3)), "door"))
    for s in segs:
        if not s.exterior or s.length < 1.8:
            continue
        n = int(s.length // rng.uniform(2.6, 4.0))
        w = float(rng.uniform(0.9, 1.6))
        top = float(min(2.15, s.height - 0.35))
        for k in range(n):
            c = (k + 0.5) * s.length / n
            if c - w / 2 > 0.35 and c + w / 2 < s.length - 0.35:
                s.openings.append(Opening(c, w, float(rng.uniform(0.8, 0.95)), top, "window"))


def make_plan(shape: str, rng: np.random.Generator) -> Plan:
    """A floor plan of ``shape`` (see :data:`PLAN_SHAPES`), centred on the origin."""
    rooms = _rooms(shape, rng)
    b = np.array([r.box for r in rooms])
    cx, cy = _q((b[:, 0].min() + b[:, 2].max()) / 2), _q((b[:, 1].min() + b[:, 3].max()) / 2)
    for r in rooms:
        r.box = [round(r.box[0] - cx, 6), round(r.box[1] - cy, 6), round(r.box[2] - cx, 6), round(r.box[3] - cy, 6)]
    segs = _segments(rooms)
    doors = _connect(rooms, segs, rng)
    _place_openings(segs, doors, rng)
    return Plan(shape, rooms, segs, doors)
