"""Small items from the committed item meshes (``synthgen/data/worlds/items.npz``, derived
from pybullet_data by :mod:`synthgen.shapes.derive`; zlib): a mug, a rubber duck, a toy
brick, plus a parametric serving tray. ``size[2]`` is the height; the footprint scales
with it (proportions kept)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import SynthgenError
from .base import Shape, shape
from .mesh import MeshBuilder

SHAPES: dict[str, Shape] = {}
ITEMS_FILE = Path(__file__).resolve().parent.parent / "data" / "worlds" / "items.npz"
#: the licence of the derived item meshes (what samples using them record)
ITEMS_LICENCE = "Zlib (pybullet_data meshes in PyPI pybullet 3.2.7; notice in synthgen/data/worlds/LICENCE-zlib.txt)"


@lru_cache(maxsize=1)
def _items() -> dict[str, np.ndarray]:
    try:
        with np.load(ITEMS_FILE) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise SynthgenError(f"cannot read the item meshes ({exc.__class__.__name__}); rebuild them with "
                            "python -m synthgen.shapes.derive", source=str(ITEMS_FILE)) from None


def _item(b: MeshBuilder, name: str, size: np.ndarray, slot: str) -> None:
    data = _items()
    v = data[f"{name}.verts"].astype(np.float64)
    scale = size[2] / max(float(v[:, 2].max()), 1e-9)
    b.add(v * scale, data[f"{name}.faces"], slot, smooth=True)


def item_extent(name: str, height: float) -> tuple[float, float, float]:
    """(width, depth, height) of item ``name`` scaled to ``height`` metres."""
    v = _items()[f"{name}.verts"]
    ext = v.max(axis=0) - v.min(axis=0)
    s = height / float(ext[2])
    return float(ext[0] * s), float(ext[1] * s), float(height)


@shape(SHAPES, "mug", ("body",))
def mug(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A coffee mug with a handle (pybullet_data ``objects/mug.obj``)."""
    _item(b, "mug", size, "body")


@shape(SHAPES, "duck", ("body",))
def duck(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A rubber duck (pybullet_data ``duck.obj``)."""
    _item(b, "duck", size, "body")


@shape(SHAPES, "toy_brick", ("body",))
def toy_brick(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A toy construction brick with studs (pybullet_data ``lego/lego.obj``)."""
    _item(b, "toy_brick", size, "body")


@shape(SHAPES, "tray", ("body",))
def tray(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A serving tray: a thin base with a low rim."""
    W, D, H = size
    b.box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, 0.008], "body")
    t = 0.012
    for lo, hi in (([-W / 2, -D / 2, 0.0], [W / 2, -D / 2 + t, H]), ([-W / 2, D / 2 - t, 0.0], [W / 2, D / 2, H]),
                   ([-W / 2, -D / 2, 0.0], [-W / 2 + t, D / 2, H]), ([W / 2 - t, -D / 2, 0.0], [W / 2, D / 2, H])):
        b.box(lo, hi, "body")
