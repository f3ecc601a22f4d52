"""Outdoor layouts under an HDRI sky: a street (a road with parking lanes and pavements
between two rows of buildings), a narrow alley, or a plaza ringed by buildings; street
lamps, trees, benches, bins, bollards, planters, hydrants, a bus shelter, parked cars,
café tables; the free-space map of the open air between them (up to ``SKY_M``).

Axes: the street runs along world y, centred on the origin; ground at z = 0 (roads), the
pavements 15 cm proud."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ...job import SurfaceSpec
from ..space.freespace import FreeSpace
from .model import LayoutBuilder, WorldModel, focus_of
from .palette import surface
from .recipes import dress

LAYOUTS = ("street", "alley", "plaza")
SKY_M = 9.0                     # the navigable volume's top
CURB_M = 0.15


def _u(rng, a: float, b: float) -> float:
    return float(rng.uniform(a, b))


def facade(rng: np.random.Generator) -> tuple[list[SurfaceSpec], str]:
    """A building's surfaces and the caption word of its facade."""
    kind = str(rng.choice(["brick", "plaster", "plaster", "concrete", "stone"]))
    fam = {"brick": "brick", "plaster": "plaster_facade", "concrete": "concrete", "stone": "stone"}[kind]
    word = {"brick": "brick", "plaster": "plastered", "concrete": "concrete", "stone": "stone"}[kind]
    trim = surface(rng, "trim", *(("paint", "paint_white") if rng.random() < 0.6 else ("stone", "stone")))
    return [surface(rng, "facade", kind, fam), trim, surface(rng, "frame", "paint", str(rng.choice(["paint_white", "metal"]))),
            surface(rng, "glass", "glass", "glass"), surface(rng, "door", *(("wood", "wood") if rng.random() < 0.5
                                                                         else ("paint", "door"))),
            surface(rng, "balcony", "metal", "metal"), surface(rng, "roof", "concrete", "concrete")], word


def row_of_buildings(lb: LayoutBuilder, rng, x_face: float, side: int, y0: float, y1: float,
                     floors: tuple[int, int], words: Counter) -> None:
    """Buildings whose street faces stand on x = ``x_face``, facing -``side``·x, from y0 to y1."""
    y = y0
    while y < y1 - 3.0:
        w = min(_u(rng, 6.0, 14.0), y1 - y)
        d = _u(rng, 8.0, 12.0)
        f = int(rng.integers(floors[0], floors[1] + 1))
        fh = _u(rng, 2.9, 3.4)
        surf, word = facade(rng)
        words[word] += 1
        params = {"floors": f, "bays": max(int(w / _u(rng, 2.6, 3.6)), 1), "window_w": _u(rng, 0.9, 1.4),
                  "window_h": _u(rng, 1.3, 1.7), "shopfront": bool(rng.random() < 0.45),
                  "balconies": [k for k in range(1, f) if rng.random() < 0.3],
                  "roof": "pitched" if rng.random() < 0.25 else "parapet", "door_x": _u(rng, -w / 3, w / 3),
                  "seed": int(rng.integers(1 << 30))}
        lb.thing("building", [x_face + side * d / 2, y + w / 2, 0.0], [w, d, f * fh], surf, "a building",
                 yaw_deg=-90.0 * side, params=params)
        y += w + (_u(rng, 2.5, 4.0) if rng.random() < 0.15 else _u(rng, 0.0, 0.3))


def _put(lb: LayoutBuilder, rng, kind: str, xy, yaw: float, size, desc: str, z: float = 0.0, **params) -> None:
    params.setdefault("seed", int(rng.integers(1 << 30)))
    lb.thing(kind, [xy[0], xy[1], z], size, dress(kind, rng), desc, yaw_deg=yaw, params=params)


def pavement_furniture(lb: LayoutBuilder, rng, x_curb: float, side: int, y0: float, y1: float, z: float,
                       width: float) -> None:
    """Lamps, trees, benches, bins, bollards, planters and hydrants along one pavement."""
    lamp_step, tree_step = _u(rng, 12.0, 18.0), _u(rng, 7.0, 11.0)
    for y in np.arange(y0 + lamp_step / 2, y1, lamp_step):
        _put(lb, rng, "street_lamp", (x_curb + side * 0.45, y), 0.0 if side > 0 else 180.0, (0.3, 0.3, _u(rng, 4.5, 6.0)),
             "a street lamp", z=z, reach=1.2)
    if width >= 2.8 and rng.random() < 0.85:
        for y in np.arange(y0 + tree_step / 2 + 2.0, y1 - 1.0, tree_step):
            h = _u(rng, 5.0, 8.5)
            _put(lb, rng, "tree", (x_curb + side * 1.0, y), _u(rng, 0, 360), (h * 0.55, h * 0.55, h), "a tree", z=z,
                 style="broadleaf")
    n = int(rng.integers(2, 6))
    for k in range(n):
        y = _u(rng, y0 + 1.0, y1 - 1.0)
        kind = str(rng.choice(["bench", "bin", "bollard", "planter", "hydrant", "bench"]))
        if kind == "bench":
            _put(lb, rng, "bench", (x_curb + side * (width - 0.5), y), -90.0 * side, (1.6, 0.6, 0.85), "a bench", z=z)
        elif kind == "planter":
            _put(lb, rng, "planter", (x_curb + side * (width - 0.6), y), 0.0, (0.9, 0.9, 1.2), "a planter", z=z)
        elif kind == "bin":
            _put(lb, rng, "bin", (x_curb + side * 0.5, y), 0.0, (0.5, 0.5, 0.95), "a litter bin", z=z)
        elif kind == "hydrant":
            _put(lb, rng, "hydrant", (x_curb + side * 0.4, y), 0.0, (0.35, 0.35, 0.75), "a fire hydrant", z=z)
        else:
            for j in range(3):
                _put(lb, rng, "bollard", (x_curb + side * 0.3, y + 1.2 * j), 0.0, (0.16, 0.16, 0.9), "a bollard", z=z)


def parked_cars(lb: LayoutBuilder, rng, x: float, y0: float, y1: float, words: Counter) -> None:
    y = y0 + _u(rng, 0.5, 4.0)
    while y < y1 - 5.0:
        L = _u(rng, 3.9, 4.8)
        if rng.random() < 0.8:
            _put(lb, rng, "car", (x, y + L / 2), 90.0 + (180.0 if rng.random() < 0.5 else 0.0),
                 (L, _u(rng, 1.7, 1.9), _u(rng, 1.38, 1.6)), "a parked car",
                 style=str(rng.choice(["hatchback", "saloon"])), wheel_r=_u(rng, 0.3, 0.34))
            words["_cars"] += 1
        y += L + _u(rng, 0.8, 3.5)


def build_street(lb: LayoutBuilder, rng) -> tuple[list[float], str, Counter]:
    L = _u(rng, 40.0, 60.0)
    road, walk = _u(rng, 6.5, 9.0), _u(rng, 2.4, 4.0)
    words: Counter = Counter()
    lb.structure("road", [0, 0, -0.03], [road, L + 40, 0.03],
                 [surface(rng, "asphalt", "asphalt"), surface(rng, "marking", "paint", "paint_white")],
                 params={"lanes": 2, "edge_lines": True, "crossing": False})
    for side in (-1, 1):
        xc = side * (road / 2 + walk / 2)
        lb.structure("sidewalk", [xc, 0, 0.0], [walk, L + 40, CURB_M], [surface(rng, "paving", "paving"),
                     surface(rng, "curb", "concrete", "concrete")], yaw_deg=0.0 if side > 0 else 180.0)
        row_of_buildings(lb, rng, side * (road / 2 + walk), side, -L / 2 - 10, L / 2 + 10, (2, 6), words)
        pavement_furniture(lb, rng, side * road / 2, side, -L / 2, L / 2, CURB_M, walk)
        parked_cars(lb, rng, side * (road / 2 - 1.15), -L / 2, L / 2, words)
    if rng.random() < 0.4:
        _put(lb, rng, "bus_shelter", (road / 2 + walk - 1.0, _u(rng, -L / 4, L / 4)), -90.0, (3.2, 1.4, 2.4),
             "a bus shelter", z=CURB_M)
    cars = " with parked cars" if words.pop("_cars", 0) else ""
    word = words.most_common(1)[0][0] if words else "brick"
    wide = "wide" if road > 8 else "quiet"
    return [-(road / 2 + walk), -L / 2, 0.0, road / 2 + walk, L / 2, SKY_M], \
        f"on a {wide} street between {word} buildings{cars}", words


def build_alley(lb: LayoutBuilder, rng) -> tuple[list[float], str, Counter]:
    L, w = _u(rng, 30.0, 45.0), _u(rng, 3.6, 5.0)
    words: Counter = Counter()
    lb.structure("slab", [0, 0, -0.03], [w + 1.0, L + 30, 0.03], [surface(rng, "surface", "paving", "paving",
                 scale_m=_u(rng, 0.25, 0.4))])
    for side in (-1, 1):
        row_of_buildings(lb, rng, side * w / 2, side, -L / 2 - 8, L / 2 + 8, (3, 7), words)
    n = int(rng.integers(5, 11))
    for k in range(n):
        side = 1 if rng.random() < 0.5 else -1
        y = _u(rng, -L / 2 + 1, L / 2 - 1)
        kind = str(rng.choice(["bin", "crate", "barrel", "pallet", "planter", "box", "bin"]))
        size = {"bin": (0.6, 0.6, 1.0), "crate": (0.7, 0.55, 0.5), "barrel": (0.58, 0.58, 0.88), "pallet": (1.2, 1.0, 0.14),
                "planter": (0.7, 0.7, 1.1), "box": (0.6, 0.45, 0.4)}[kind]
        _put(lb, rng, kind, (side * (w / 2 - size[1] / 2 - 0.15), y), _u(rng, -10, 10) + (90.0 if kind == "pallet" else 0.0),
             size, {"bin": "a wheelie bin", "crate": "a crate", "barrel": "a barrel", "pallet": "a pallet",
                    "planter": "a planter", "box": "a cardboard box"}[kind])
    for y in np.arange(-L / 2 + 6, L / 2, _u(rng, 10.0, 14.0)):
        side = 1 if rng.random() < 0.5 else -1
        _put(lb, rng, "street_lamp", (side * (w / 2 - 0.3), y), 0.0 if side > 0 else 180.0, (0.25, 0.25, 4.0),
             "a lamp post", reach=0.6)
    word = words.most_common(1)[0][0] if words else "brick"
    return [-w / 2, -L / 2, 0.0, w / 2, L / 2, SKY_M], f"in a narrow alley between tall {word} buildings", words


def build_plaza(lb: LayoutBuilder, rng) -> tuple[list[float], str, Counter]:
    S = _u(rng, 24.0, 34.0)
    words: Counter = Counter()
    lb.structure("slab", [0, 0, -0.03], [S + 40, S + 40, 0.03], [surface(rng, "surface", "paving", "stone",
                 scale_m=_u(rng, 0.4, 0.7))])
    for side in (-1, 1):
        row_of_buildings(lb, rng, side * S / 2, side, -S / 2, S / 2, (3, 5), words)
    # a row across the far (+y) side: buildings facing -y
    x = -S / 2
    while x < S / 2 - 3:
        w = min(_u(rng, 7.0, 12.0), S / 2 - x)
        d, f = _u(rng, 8.0, 11.0), int(rng.integers(3, 6))
        surf, word = facade(rng)
        words[word] += 1
        lb.thing("building", [x + w / 2, S / 2 + d / 2, 0.0], [w, d, f * _u(rng, 3.0, 3.4)], surf, "a building",
                 params={"floors": f, "bays": max(int(w / 3.0), 1), "shopfront": bool(rng.random() < 0.6),
                         "balconies": [k for k in range(1, f) if rng.random() < 0.3], "seed": int(rng.integers(1 << 30))})
        x += w
    R = _u(rng, 2.0, 3.2)
    _put(lb, rng, "fountain", (0, 0), 0.0, (2 * R, 2 * R, _u(rng, 1.8, 2.6)), "a fountain")
    for k in range(int(rng.integers(4, 8))):
        a = 2 * np.pi * k / 6 + _u(rng, -0.2, 0.2)
        r = R + _u(rng, 2.5, 3.5)
        _put(lb, rng, "bench", (r * np.cos(a), r * np.sin(a)), float(np.degrees(a)) - 90.0, (1.6, 0.6, 0.85), "a bench")
    for x in np.linspace(-S / 2 + 4, S / 2 - 4, int(rng.integers(3, 5))):
        for y in (-S / 2 + 4.0, S / 2 - 4.0):
            h = _u(rng, 5.0, 8.0)
            _put(lb, rng, "tree", (x, y), _u(rng, 0, 360), (h * 0.55, h * 0.55, h), "a tree",
                 style=str(rng.choice(["broadleaf", "broadleaf", "conifer"])))
    _cafe(lb, rng, np.array([_u(rng, -S / 4, S / 4), -S / 2 + 6.0]))
    word = words.most_common(1)[0][0] if words else "stone"
    return [-S / 2, -S / 2, 0.0, S / 2, S / 2, SKY_M], \
        f"on a paved plaza with a fountain, benches and trees, ringed by {word} buildings", words


def _cafe(lb: LayoutBuilder, rng, centre: np.ndarray) -> None:
    for k in range(int(rng.integers(2, 5))):
        xy = centre + [k * 2.6 - 3.0, _u(rng, -0.6, 0.6)]
        _put(lb, rng, "table", xy, 0.0, (0.7, 0.7, 0.74), "a café table", style="pedestal", round=True)
        _put(lb, rng, "parasol", xy, 0.0, (2.4, 2.4, 2.5), "a parasol", z=0.0)
        for a in (0.0, 180.0):
            off = np.array([0.0, 0.62 if a == 0.0 else -0.62])
            _put(lb, rng, "chair", xy + off, a, (0.44, 0.46, 0.86), "a chair", slats=3)


BUILDERS = {"street": build_street, "alley": build_alley, "plaza": build_plaza}


def ground_triangles(size: float = 200.0) -> np.ndarray:
    h = size / 2
    q = np.array([[-h, -h, 0.0], [h, -h, 0.0], [h, h, 0.0], [-h, h, 0.0]])
    return np.stack([q[[0, 1, 2]], q[[0, 2, 3]]])


def generate(rng: np.random.Generator, layout: str, clearance_m: float) -> WorldModel:
    lb = LayoutBuilder("street")
    bounds, phrase, words = BUILDERS[layout](lb, rng)
    tris, labels = lb.triangles()
    tris = np.concatenate([tris, ground_triangles()])
    labels = np.concatenate([labels, [0, 0]])
    space = FreeSpace.build(tris, labels, bounds, 0.2, clearance_m=clearance_m,
                            seeds=np.array([[0.0, 0.0, 1.6], [0.0, bounds[1] / 2, 2.0], [0.0, bounds[4] / 2, 2.0]]))
    return WorldModel(lb.spec(phrase, bounds), space, phrase, [], focus_of(lb.objects, 0.25), 0.0,
                      min_content=0.3, log={"street_layout": layout, "world_objects": sum(1 for o in lb.objects if o.instance_id > 0),
                       "world_triangles": int(len(tris)), "navigable_m3": round(space.volume_m3, 3)})
