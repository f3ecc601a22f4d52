"""What a world shape is: a named mesh generator with named material slots.

A shape builds its mesh in local axes from the object's ``size`` (local x, y, z extents in
metres: the footprint centred on the origin, resting on z = 0, unless its docstring says
otherwise) and ``params`` (its own parameters, plain JSON values; ``params["seed"]`` seeds
:class:`~synthgen.shapes.detrng.DetRng` for details such as leaf clumps). The same
(size, params) always gives the same mesh, in the planner and in Blender alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .mesh import Mesh, MeshBuilder


@dataclass(frozen=True)
class Shape:
    name: str
    slots: tuple[str, ...]          # material slots the mesh may use (SurfaceSpec.slot)
    fn: Callable[[MeshBuilder, np.ndarray, dict], None]
    doc: str = ""

    def build(self, size, params: dict | None = None) -> Mesh:
        b = MeshBuilder()
        self.fn(b, np.asarray(size, float), dict(params or {}))
        return b.build()


def shape(table: dict[str, Shape], name: str, slots: tuple[str, ...]):
    """Decorator: register ``fn(builder, size, params)`` as shape ``name`` in ``table``."""
    def deco(fn):
        table[name] = Shape(name, slots, fn, (fn.__doc__ or "").strip())
        return fn
    return deco
