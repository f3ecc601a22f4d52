"""Procedural interiors: a floor plan (:mod:`.floorplan`), its walls (doorways, windows,
skirting, casings), floors and ceilings per room, ceiling lamps with area lights, and
furniture by rule per room type (:mod:`.rooms`); the free-space map of the whole; the
caption phrase ("in a cluttered living room with a sofa and bookshelves")."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ...job import LightSpec, SurfaceSpec
from ..space.freespace import FreeSpace
from .floorplan import EXT_WALL_M, INT_WALL_M, PLAN_SHAPES, Plan, Segment, make_plan
from .furnish import RoomCtx
from .model import LayoutBuilder, WorldModel, focus_of, r6
from .palette import surface
from .rooms import ceiling_lights, furnish

#: floor surface (kind, family) per room type
FLOORS = {"living": [("parquet", "parquet"), ("carpet", "carpet")], "bedroom": [("carpet", "carpet"), ("parquet", "parquet")],
          "kitchen": [("tiles", "tiles"), ("parquet", "parquet")], "office": [("carpet", "carpet"), ("parquet", "parquet")],
          "corridor": [("tiles", "tiles"), ("parquet", "parquet"), ("marble", "marble")],
          "hall": [("marble", "marble"), ("parquet", "parquet"), ("tiles", "tiles")], "storage": [("concrete", "concrete")]}
ROOM_WORDS = {"living": "living room", "bedroom": "bedroom", "kitchen": "kitchen", "office": "office",
              "corridor": "corridor", "hall": "hall", "storage": "storage hall"}


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def structure(lb: LayoutBuilder, plan: Plan, rng: np.random.Generator) -> None:
    """Floors and ceilings per room, and every wall segment with its openings."""
    wall = surface(rng, "wall", "paint", "paint_wall")
    skirt = surface(rng, "skirting", *_pick(rng, [("paint", "paint_white"), ("wood", "wood")]))
    frame = surface(rng, "frame", "paint", "paint_white")
    ceiling = surface(rng, "surface", "paint", "paint_white")
    sk_h = float(rng.uniform(0.07, 0.12))
    for room in plan.rooms:
        x0, y0, x1, y1 = room.box
        c = [(x0 + x1) / 2, (y0 + y1) / 2]
        fk, fam = _pick(rng, FLOORS[room.type])
        lb.structure("slab", [c[0], c[1], -0.05], [x1 - x0 + EXT_WALL_M, y1 - y0 + EXT_WALL_M, 0.05],
                     [surface(rng, "surface", fk, fam)], name=f"floor-{room.name}")
        lb.structure("slab", [c[0], c[1], room.height], [x1 - x0 + EXT_WALL_M, y1 - y0 + EXT_WALL_M, 0.06],
                     [ceiling], name=f"ceiling-{room.name}")
    for k, seg in enumerate(plan.segments):
        _wall(lb, seg, k, [wall, skirt, frame], sk_h)


def _wall(lb: LayoutBuilder, seg: Segment, k: int, surfaces: list[SurfaceSpec], skirting: float) -> None:
    t = EXT_WALL_M if seg.exterior else INT_WALL_M
    length = seg.length + EXT_WALL_M
    mid = (seg.start + seg.end) / 2
    openings = [[round(seg.start + o.centre - mid, 6), o.width, o.bottom, o.top] for o in seg.openings]
    loc = [mid, seg.at, 0.0] if seg.axis == 0 else [seg.at, mid, 0.0]
    lb.structure("wall", loc, [length, t, seg.height], surfaces, yaw_deg=0.0 if seg.axis == 0 else 90.0,
                 params={"openings": openings, "skirting": round(skirting, 4)}, name=f"wall-{k}")


def room_lights(ctx: RoomCtx, rng: np.random.Generator, kelvin: float) -> list[LightSpec]:
    """An area light under each ceiling lamp of the room (down-facing, power by floor area)."""
    lamps = [o for o in ctx.placed if o.kind == "ceiling_light"]
    if not lamps:
        lamps = ceiling_lights(ctx, 1 if ctx.room.area < 30 else 2)
    out = []
    per = ctx.room.area * float(rng.uniform(3.0, 6.0)) / len(lamps)
    for lamp in lamps:
        x, y = lamp.location[:2]
        z = lamp.location[2] - 0.05
        out.append(LightSpec(kind="area", position=r6([x, y, z]), target=r6([x, y, 0.0]),
                             color_temperature_k=round(kelvin, 1), intensity_w=round(per, 2), size=0.6))
    return out


def phrase(plan: Plan, counts: Counter) -> str:
    """The caption's environment phrase from the plan and what furnishes it."""
    notable = [w for w in _WORDS if _count(counts, w)]          # in _WORDS' order
    things = " and ".join(notable[:2]) if notable else "furniture"
    n = sum(counts.values())
    r0 = plan.rooms[0]
    if plan.shape == "apartment":
        names = [_a(n) for n in dict.fromkeys(ROOM_WORDS[r.type] for r in plan.rooms)]
        return f"in an apartment with {', '.join(names[:-1])} and {names[-1]} joined by doorways"
    if plan.shape == "l_shape":
        return f"in an L-shaped open-plan living room and kitchen with {things}"
    if plan.shape == "corridor":
        return f"in a long corridor lined with {things}, opening into other rooms"
    if plan.shape == "hall":
        return f"in a two-storey hall with a staircase up to a gallery, with {things}"
    if plan.shape == "storage":
        return f"in a storage hall with {things}"
    adj = "cluttered" if n / max(r0.area, 1.0) > 1.2 else ("spacious" if r0.area > 35 else "cosy")
    return f"in a {adj} {ROOM_WORDS[r0.type]} with {things}"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


_WORDS = {"a sofa": ("a sofa",), "bookshelves": ("a bookshelf",), "a bed": ("a bed",),
          "a dining table": ("a dining table",), "desks": ("a desk",), "shelving racks": ("a shelving rack",),
          "a staircase": ("a staircase",), "stacked boxes": ("a stack of boxes", "a box"),
          "potted plants": ("a potted plant",), "a wardrobe": ("a wardrobe",), "kitchen counters": ("a kitchen counter",),
          "benches": ("a bench",), "closed doors": ("a closed door",)}


def _count(counts: Counter, word: str) -> int:
    return sum(counts.get(d, 0) for d in _WORDS[word])


def generate(rng: np.random.Generator, shape: str, clearance_m: float, kelvin: float) -> WorldModel:
    """A furnished interior of plan ``shape`` with its free-space map."""
    if shape not in PLAN_SHAPES:
        raise ValueError(shape)
    plan = make_plan(shape, rng)
    lb = LayoutBuilder("interior")
    structure(lb, plan, rng)
    lights = []
    for room in plan.rooms:
        ctx = RoomCtx(room, plan, lb, rng)
        furnish(ctx)
        lights += room_lights(ctx, rng, kelvin)
    counts = Counter(o.description for o in lb.objects if o.instance_id > 0)
    b = plan.bounds()
    top = max(r.height for r in plan.rooms)
    bounds = [b[0], b[1], 0.0, b[2], b[3], top]
    tris, labels = lb.triangles()
    h = 0.1 if shape in ("hall", "storage") else 0.08
    space = FreeSpace.build(tris, labels, bounds, h, clearance_m=clearance_m,   # rooms to their wall
                            region=lambda xy: plan.room_at(xy) >= 0)            # lines: doorways join them
    desc = phrase(plan, counts)
    layout = lb.spec(desc, bounds)
    return WorldModel(layout, space, desc, lights, focus_of(lb.objects), 0.0,
                      {"interior_shape": shape, "rooms": len(plan.rooms), "doorways": len(plan.doors),
                       "world_objects": sum(1 for o in lb.objects if o.instance_id > 0),
                       "world_triangles": int(len(tris)), "navigable_m3": round(space.volume_m3, 3)})

