"""Which materials each shape's slots get: per shape, per slot, the (surface kind, colour
family) options a world draws from (:func:`dress`)."""
from __future__ import annotations

import numpy as np

from ...job import SurfaceSpec
from .palette import surface

_WOOD = [("wood", "wood")]
_WOOD_OR_METAL = [("wood", "wood"), ("metal", "metal")]
_FABRIC = [("fabric", "fabric")]

#: shape -> slot -> options of (surface kind, colour family); a slot named like an earlier
#: one's value "=slot" reuses that slot's material.
RECIPES: dict[str, dict[str, list]] = {
    "table": {"top": [("wood", "wood"), ("marble", "marble"), ("paint", "paint_white")], "legs": _WOOD_OR_METAL},
    "chair": {"seat": [("fabric", "fabric"), ("wood", "wood"), ("leather", "leather"), ("plastic", "plastic")],
              "frame": _WOOD_OR_METAL},
    "stool": {"seat": [("wood", "wood"), ("leather", "leather")], "frame": [("metal", "metal")]},
    "sofa": {"body": [("fabric", "fabric"), ("leather", "leather")], "cushions": "=body", "legs": _WOOD_OR_METAL},
    "bed": {"frame": [("wood", "wood"), ("fabric", "fabric")], "mattress": [("fabric", "paint_white")],
            "blanket": _FABRIC, "pillows": [("fabric", "paint_white"), ("fabric", "fabric")]},
    "shelf": {"frame": [("wood", "wood"), ("paint", "paint_white")], "back": "=frame"},
    "rack": {"frame": [("metal", "metal")], "boards": [("wood", "wood"), ("metal", "metal")]},
    "cabinet": {"body": [("wood", "wood"), ("paint", "paint_wall"), ("paint", "paint_white")],
                "top": [("wood", "wood"), ("stone", "stone"), ("marble", "marble")], "handles": [("chrome", "metal")]},
    "desk": {"top": [("wood", "wood"), ("paint", "paint_white")], "legs": [("metal", "metal"), ("paint", "paint_white")]},
    "floor_lamp": {"metal": [("metal", "metal")], "shade": [("fabric", "shade")]},
    "table_lamp": {"base": [("ceramic", "ceramic"), ("metal", "metal")], "shade": [("fabric", "shade")]},
    "plant": {"pot": [("ceramic", "ceramic"), ("plastic", "plastic"), ("concrete", "concrete")],
              "soil": [("soil", "bark")], "foliage": [("foliage", "foliage")]},
    "rug": {"rug": [("carpet", "rug")]},
    "box": {"box": [("cardboard", "cardboard")], "tape": [("plastic", "cardboard")]},
    "crate": {"wood": _WOOD}, "pallet": {"wood": _WOOD},
    "column": {"column": [("paint", "paint_white"), ("concrete", "concrete"), ("marble", "marble")]},
    "tv": {"body": [("plastic", "metal")], "screen": [("glass", "glass")]},
    "monitor": {"body": [("plastic", "metal")], "screen": [("glass", "glass")]},
    "picture": {"frame": [("wood", "wood"), ("metal", "metal")], "canvas": [("paint", "rug"), ("paint", "fabric")]},
    "books": {"book_a": [("paper", "paper")], "book_b": [("paper", "paper")], "book_c": [("paper", "paper")]},
    "vase": {"vase": [("ceramic", "ceramic"), ("glass", "glass")]}, "bowl": {"bowl": [("ceramic", "ceramic")]},
    "mug": {"body": [("ceramic", "ceramic")]}, "duck": {"body": [("plastic", "plastic")]},
    "toy_brick": {"body": [("plastic", "plastic")]}, "tray": {"body": [("wood", "wood"), ("metal", "metal")]},
    "door": {"door": [("paint", "door"), ("wood", "wood")], "handle": [("chrome", "metal")],
             "frame": [("paint", "paint_white")]},
    "stairs": {"steps": [("wood", "wood"), ("concrete", "concrete"), ("stone", "stone")],
               "stringer": [("paint", "paint_white"), ("concrete", "concrete")], "rail": [("metal", "metal")]},
    "railing": {"rail": [("metal", "metal")]},
    "ceiling_light": {"fixture": [("paint", "paint_white"), ("metal", "metal")], "light": [("light", "light")]},
    "tree": {"bark": [("bark", "bark")], "foliage": [("foliage", "foliage")]},
    "bush": {"foliage": [("foliage", "foliage")]},
    "car": {"body": [("metal", "car")], "glass": [("glass", "glass")], "tyre": [("rubber", "metal")],
            "rim": [("chrome", "metal")], "light": [("plastic", "shade")], "trim": [("plastic", "metal")]},
    "bench": {"wood": _WOOD, "metal": [("metal", "metal")]},
    "street_lamp": {"metal": [("metal", "metal")], "light": [("light", "light")]},
    "bin": {"body": [("metal", "metal"), ("plastic", "plastic")], "lid": [("metal", "metal")]},
    "bollard": {"body": [("metal", "metal"), ("concrete", "concrete")], "band": [("paint", "paint_white")]},
    "planter": {"planter": [("concrete", "concrete"), ("wood", "wood")], "soil": [("soil", "bark")],
                "foliage": [("foliage", "foliage")]},
    "hydrant": {"body": [("metal", "car")]},
    "bus_shelter": {"frame": [("metal", "metal")], "glass": [("glass", "glass")], "roof": [("metal", "metal")]},
    "fountain": {"stone": [("stone", "stone")], "water": [("water", "water")]},
    "rock": {"stone": [("stone", "stone")]},
    "barrel": {"body": [("metal", "car"), ("wood", "wood")], "rings": [("metal", "metal")]},
    "traffic_cone": {"cone": [("plastic", "plastic")], "band": [("paint", "paint_white")]},
    "log": {"bark": [("bark", "bark")]},
    "low_wall": {"stone": [("stone", "stone"), ("brick", "brick")], "cap": [("concrete", "concrete")]},
    "picnic_table": {"wood": _WOOD}, "parasol": {"pole": [("metal", "metal")], "canopy": [("fabric", "fabric")]},
}


def dress(kind: str, rng: np.random.Generator, **fixed: SurfaceSpec | tuple) -> list[SurfaceSpec]:
    """The surfaces of every slot of ``kind``: ``fixed[slot]`` when given (a SurfaceSpec, or a
    (surface kind, family) pair), else drawn from :data:`RECIPES`."""
    out: dict[str, SurfaceSpec] = {}
    for slot, options in RECIPES[kind].items():
        if slot in fixed:
            f = fixed[slot]
            out[slot] = f if isinstance(f, SurfaceSpec) else surface(rng, slot, f[0], f[1])
            if isinstance(f, SurfaceSpec):
                out[slot] = SurfaceSpec(slot, f.kind, list(f.color), f.roughness, f.scale_m)
        elif isinstance(options, str):
            src = out[options[1:]]
            out[slot] = SurfaceSpec(slot, src.kind, [round(c * 0.94, 4) for c in src.color], src.roughness, src.scale_m)
        else:
            sk, fam = options[int(rng.integers(len(options)))]
            out[slot] = surface(rng, slot, sk, fam)
    return list(out.values())
