"""Camera-path families of camera clips, one module each, registered under the names of
:data:`synthgen.vocabulary.PATH_FAMILIES` (module ``<name>.py`` defines ``FAMILY``).

    from synthgen.planner.paths import PATH_FAMILIES
    PATH_FAMILIES.get("orbit").build(setup)

What a family provides: :class:`~synthgen.planner.paths.base.PathFamily`; the NURBS and
arc-length machinery: :mod:`synthgen.planner.paths.arc_length`.
"""
from __future__ import annotations

from ... import vocabulary
from ...registry import Registry, register_modules
from .base import PathFamily

PATH_FAMILIES: Registry[PathFamily] = Registry("camera-path family")
register_modules(PATH_FAMILIES, __name__, vocabulary.PATH_FAMILIES, "FAMILY")
