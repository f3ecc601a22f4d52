"""World shapes: parametric meshes of structure, furniture, street furniture, plants and
small items, shared by the planner (free-space maps) and the Blender worker (render meshes).

Numpy only: this package runs inside a stock Blender's Python. Each shape is registered
under a name of :data:`synthgen.vocabulary.WORLD_SHAPES`, in the module of its family
(:mod:`.architecture`, :mod:`.furniture`, :mod:`.outdoor`, :mod:`.items`); ``imported`` is
the one shape without a generator (an object of a user scene, whose mesh comes from the
scene's file).

    from synthgen.shapes import SHAPES, object_mesh
    mesh = object_mesh(world_object_spec)        # world-space Mesh of a job's WorldObjectSpec
"""
from __future__ import annotations

from ..registry import Registry
from ..vocabulary import WORLD_SHAPES
from . import architecture, furniture, items, outdoor
from .base import Shape
from .mesh import Mesh, MeshBuilder

__all__ = ["SHAPES", "Shape", "Mesh", "MeshBuilder", "object_mesh"]

SHAPES: Registry[Shape] = Registry("world shape")
for _module in (architecture, furniture, outdoor, items):
    for _name, _shape in _module.SHAPES.items():
        SHAPES.register(_name, _shape)
SHAPES.register("imported", Shape("imported", (), lambda b, size, params: None,
                                  "an object of an imported scene (its mesh comes from the scene file)"))
SHAPES.expect(WORLD_SHAPES)


def object_mesh(obj) -> Mesh:
    """The world-space mesh of a :class:`synthgen.job.WorldObjectSpec` (its shape built from
    ``size`` and ``params``, rotated by ``yaw_deg`` about +Z, moved to ``location``)."""
    return SHAPES.get(obj.kind).build(obj.size, obj.params).transformed(obj.yaw_deg, obj.location)
