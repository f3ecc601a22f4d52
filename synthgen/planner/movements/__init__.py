"""Camera movements of human shots, one module each, registered under the names of
:data:`synthgen.vocabulary.HUMAN_MOVEMENTS` (module ``<name>.py`` defines ``MOVEMENT``).

    from synthgen.planner.movements import MOVEMENTS
    MOVEMENTS.get("truck").move(start, draw)

What a movement provides: :class:`~synthgen.planner.movements.base.Movement`.
"""
from __future__ import annotations

from ...vocabulary import HUMAN_MOVEMENTS
from ...registry import Registry, register_modules
from .base import Movement

MOVEMENTS: Registry[Movement] = Registry("camera movement")
register_modules(MOVEMENTS, __name__, HUMAN_MOVEMENTS, "MOVEMENT")
