"""Near geometry for ``hdri`` scenes: objects scattered on the ground round the scene's centre
(rocks, logs, bushes, young trees, crates, barrels, benches, picnic tables, traffic cones,
low walls outdoors; boxes, crates, chairs, tables, stools, plants and rugs under an indoor
HDRI), so the flow carries parallax and occlusion edges; the free-space map of the air
above the ground among them."""
from __future__ import annotations

import numpy as np

from ..space.freespace import FreeSpace
from .furnish import footprint, overlaps
from .model import LayoutBuilder, WorldModel, focus_of
from .recipes import dress
from .street import ground_triangles

RADIUS_M = 14.0                 # clutter lies within this distance of the centre
KEEP_CLEAR_M = 1.6              # ... but not this close (room for a performer)
SKY_M = 6.0

#: kind -> (size ranges (w, d, h) in metres, caption phrase, relative weight)
OUTDOOR = {"rock": (((0.4, 1.8), (0.4, 1.6), (0.3, 1.2)), "a boulder", 4.0),
           "log": (((1.2, 3.0), (0.3, 0.5), (0.3, 0.5)), "a fallen log", 1.5),
           "bush": (((0.7, 1.8), (0.7, 1.6), (0.6, 1.4)), "a bush", 3.0),
           "tree": (((2.0, 3.5), (2.0, 3.5), (3.5, 6.5)), "a young tree", 1.5),
           "crate": (((0.5, 1.0), (0.5, 0.9), (0.4, 0.8)), "a wooden crate", 2.0),
           "barrel": (((0.5, 0.62), (0.5, 0.62), (0.8, 0.95)), "a barrel", 1.5),
           "bench": (((1.4, 1.8), (0.55, 0.65), (0.8, 0.9)), "a bench", 1.0),
           "picnic_table": (((1.6, 2.0), (1.5, 1.7), (0.72, 0.78)), "a picnic table", 0.8),
           "traffic_cone": (((0.3, 0.4), (0.3, 0.4), (0.5, 0.75)), "a traffic cone", 1.5),
           "low_wall": (((1.5, 4.0), (0.3, 0.5), (0.5, 1.0)), "a low stone wall", 1.0),
           "box": (((0.3, 0.7), (0.3, 0.6), (0.25, 0.6)), "a cardboard box", 1.0)}
INDOOR = {"box": (((0.3, 0.8), (0.3, 0.7), (0.25, 0.7)), "a cardboard box", 4.0),
          "crate": (((0.5, 1.0), (0.5, 0.9), (0.4, 0.8)), "a wooden crate", 2.0),
          "chair": (((0.44, 0.5), (0.46, 0.52), (0.85, 0.95)), "a chair", 2.0),
          "table": (((0.8, 1.4), (0.6, 0.9), (0.72, 0.78)), "a table", 1.5),
          "stool": (((0.35, 0.45), (0.35, 0.45), (0.6, 0.8)), "a stool", 1.5),
          "plant": (((0.45, 0.8), (0.45, 0.8), (0.8, 1.8)), "a potted plant", 2.0),
          "barrel": (((0.5, 0.62), (0.5, 0.62), (0.8, 0.95)), "a steel drum", 1.0),
          "pallet": (((1.2, 1.2), (1.0, 1.0), (0.14, 0.14)), "a pallet", 1.0)}


def scatter(lb: LayoutBuilder, rng: np.random.Generator, n: int, indoor: bool, centre: np.ndarray) -> None:
    table = INDOOR if indoor else OUTDOOR
    kinds = list(table)
    w = np.array([table[k][2] for k in kinds])
    taken: list[np.ndarray] = []
    for _ in range(n):
        for _try in range(12):
            kind = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
            (wr, dr, hr), desc, _ = table[kind]
            size = [float(rng.uniform(*wr)), float(rng.uniform(*dr)), float(rng.uniform(*hr))]
            if kind in ("barrel", "traffic_cone", "stool"):
                size[1] = size[0]
            r = float(np.sqrt(rng.uniform(KEEP_CLEAR_M ** 2, RADIUS_M ** 2)))
            a = float(rng.uniform(0, 2 * np.pi))
            xy = centre + r * np.array([np.cos(a), np.sin(a)])
            yaw = float(rng.uniform(0, 360))
            box = footprint(xy, size[0], size[1], yaw, margin=0.25)
            if any(overlaps(box, t) for t in taken):
                continue
            taken.append(box)
            params = {"seed": int(rng.integers(1 << 30))}
            if kind == "plant":
                params["style"] = str(rng.choice(["bush", "tall"]))
            lb.thing(kind, [xy[0], xy[1], 0.0], size, dress(kind, rng), desc, yaw_deg=yaw, params=params)
            break


def generate(rng: np.random.Generator, n: int, indoor: bool, clearance_m: float) -> WorldModel:
    lb = LayoutBuilder("clutter")
    scatter(lb, rng, n, indoor, np.zeros(2))
    R = RADIUS_M + 2.0
    bounds = [-R, -R, 0.0, R, R, SKY_M]
    tris, labels = lb.triangles()
    tris = np.concatenate([tris, ground_triangles()]) if len(tris) else ground_triangles()
    labels = np.concatenate([labels, [0, 0]])
    space = FreeSpace.build(tris, labels, bounds, 0.2, clearance_m=clearance_m, seeds=np.array([[0.0, 0.0, 1.5]]))
    words = sorted({o.description for o in lb.objects})
    phrase = ", ".join(words[:2]) if words else ""
    return WorldModel(lb.spec(phrase, bounds), space, "", [], focus_of(lb.objects, 0.25), 0.0,
                      min_content=0.0, log={"clutter_objects": len(lb.objects), "world_triangles": int(len(tris)),
                       "navigable_m3": round(space.volume_m3, 3)})
