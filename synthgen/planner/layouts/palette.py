"""Materials of world objects: colour families per surface kind (sRGB values of real
materials, converted to linear RGB), drawn from a world's generator.

``surfaces(rng, kind, **choices)`` returns the :class:`~synthgen.job.SurfaceSpec` list of a
shape, one per slot it uses, drawing what is not given from the families below."""
from __future__ import annotations

import numpy as np

from ...color import decode_srgb
from ...job import SurfaceSpec


def _lin(hex_rgb: str) -> list[float]:
    lin = decode_srgb(np.array([int(hex_rgb[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0)
    return [round(float(v), 4) for v in lin]


#: colour families (sRGB hex) per material
FAMILIES = {
    "wood": ["c8a27a", "a97c50", "8b5a2b", "6b4423", "4a2f1b", "d9b98f", "b98b5e", "3b2a20"],
    "parquet": ["c19a6b", "a7794b", "8a6240", "d2b48c", "9c6b3f", "6e4b31"],
    "paint_wall": ["f2efe8", "ece4d4", "e8e1d0", "dcd8cf", "cfd6d3", "d9cbb5", "c7d0d8", "e6d5c3", "b9c2b0",
                   "f5f0e6", "d8c3a5", "a9b6c0"],
    "paint_white": ["f4f4f0", "efece4", "e8e6e0"],
    "fabric": ["7a7d80", "5b6770", "3f4a5a", "6d7f63", "8c8470", "b0a48e", "a35f3c", "c29a4a", "2f3d4c",
               "8a4f5a", "d8d2c4", "4e5b4a"],
    "leather": ["5a3a24", "3b2619", "2a2220", "8a5a3a", "6e4a33"],
    "metal": ["2b2b2b", "3a3a3c", "8c8c8c", "b5b5b5", "6f6a60", "1c1c1c"],
    "plastic": ["e8e8e8", "2d2d2d", "c23b22", "2e6db4", "f2c14e", "3f8f4f"],
    "ceramic": ["efe9df", "2f4f6f", "b85c38", "e0c9a6", "7a9e9f", "c9c2b8", "364a3a"],
    "tiles": ["e9e4da", "c9c6bf", "8f9aa0", "d8cbb8", "f1efe9", "5f6f78"],
    "carpet": ["8a8178", "6b6f73", "4d5660", "9c8c74", "7a6a5a", "5e5a4e"],
    "rug": ["9c3d30", "2f4b6e", "c8b27c", "6d4c41", "53675a", "b47a4b", "3e3a4f", "d4c7ad"],
    "brick": ["8e4a34", "a0523a", "7b3f2e", "b06a4f", "6e3b2c", "9a6a55"],
    "plaster_facade": ["e3d6bf", "d9c2a0", "c9b28c", "efe6d6", "c7c2b6", "d4a98a", "b8c0b0", "e8d9b5",
                       "a9a39a", "cfb6a3"],
    "concrete": ["9a9a96", "8a8983", "b0aea6", "7c7b76"],
    "stone": ["a59d90", "8d877c", "bdb5a6", "77736b", "9c9486"],
    "car": ["b5b5b5", "1e1e1e", "f2f2f2", "8a1c1c", "1d3557", "5a5a5a", "2f4f3f", "c9a227", "6b8fb3"],
    "foliage": ["4a6b2f", "3d5a27", "5c7a33", "2f4a22", "6b7f3a", "45663a"],
    "bark": ["5a4636", "4a3b2e", "6b5646", "3d3128"],
    "paper": ["a33b2f", "2d4a6b", "d8c7a0", "3f6b4a", "6b3f6b", "c9a227", "1e1e1e", "e8e2d2", "8a5a2b"],
    "cardboard": ["b08a5b", "a57f52", "c09a6a"],
    "shade": ["efe6d2", "e8dcc2", "d9d4c8", "f2efe8"],
    "door": ["f2f0ea", "8b5a2b", "4a2f1b", "d6cfc2", "5b6770"],
    "glass": ["1c2a30", "25343a", "2a3a44"],
    "asphalt": ["2e2e2e", "3a3a3a", "333333"],
    "paving": ["a9a39a", "b7b1a8", "8f8a82", "c2b8a8"],
    "marble": ["ece8e1", "d8d2c8", "e4e0da"],
    "water": ["2b4a55"],
    "light": ["fff4e0"],
}

#: surface kind -> default (family, roughness, pattern scale m)
DEFAULTS = {"wood": ("wood", 0.45, 1.0), "parquet": ("parquet", 0.35, 1.0), "paint": ("paint_wall", 0.7, 1.0),
            "plaster": ("plaster_facade", 0.85, 1.0), "fabric": ("fabric", 0.9, 1.0), "leather": ("leather", 0.45, 1.0),
            "carpet": ("carpet", 0.95, 1.0), "metal": ("metal", 0.35, 1.0), "chrome": ("metal", 0.08, 1.0),
            "plastic": ("plastic", 0.4, 1.0), "ceramic": ("ceramic", 0.25, 1.0), "glass": ("glass", 0.05, 1.0),
            "tiles": ("tiles", 0.3, 0.3), "brick": ("brick", 0.85, 0.25), "concrete": ("concrete", 0.9, 1.0),
            "asphalt": ("asphalt", 0.9, 1.0), "paving": ("paving", 0.85, 0.4), "stone": ("stone", 0.8, 1.0),
            "marble": ("marble", 0.2, 1.0), "foliage": ("foliage", 0.7, 1.0), "bark": ("bark", 0.9, 1.0),
            "grass": ("foliage", 0.9, 1.0), "soil": ("bark", 1.0, 1.0), "paper": ("paper", 0.7, 1.0),
            "cardboard": ("cardboard", 0.85, 1.0), "rubber": ("metal", 0.8, 1.0), "water": ("water", 0.05, 1.0),
            "light": ("light", 0.5, 1.0)}


def colour(rng: np.random.Generator, family: str, jitter: float = 0.06) -> list[float]:
    """A colour of ``family`` with a small brightness/tint variation."""
    base = np.array(_lin(FAMILIES[family][int(rng.integers(len(FAMILIES[family])))]))
    v = base * rng.uniform(1 - jitter, 1 + jitter) * rng.uniform(1 - jitter / 2, 1 + jitter / 2, 3)
    return [round(float(c), 4) for c in np.clip(v, 0.0, 1.0)]


def surface(rng: np.random.Generator, slot: str, kind: str, family: str | None = None,
            color: list[float] | None = None, roughness: float | None = None, scale_m: float | None = None) -> SurfaceSpec:
    fam, rough, scale = DEFAULTS[kind]
    return SurfaceSpec(slot=slot, kind=kind, color=color if color is not None else colour(rng, family or fam),
                       roughness=round(float(roughness if roughness is not None else rough * rng.uniform(0.85, 1.15)), 4),
                       scale_m=round(float(scale_m if scale_m is not None else scale), 4))
