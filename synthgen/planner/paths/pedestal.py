"""Path family ``pedestal``: a fast vertical rush beside the focus (``sign`` +1 up; a downward
draw with less room below than above goes up instead), aimed at the focus from the middle of
the pass.

Not the human-shot pedestal (:mod:`synthgen.planner.movements.pedestal`), a rise or sink of a
metre or so."""
from __future__ import annotations

import numpy as np

from .base import PathSetup, peak_m_s, reach_along
from .linear import LinearPass, PassAim

DOWN, UP = np.array([0.0, 0.0, -1.0]), np.array([0.0, 0.0, 1.0])


class PedestalPass(LinearPass):
    name = "pedestal"

    def aim(self, setup: PathSetup, fwd: np.ndarray, length: float) -> PassAim:
        sign, p0 = setup.draw.sign, setup.p0
        if sign < 0 and reach_along(setup, p0, DOWN) < reach_along(setup, p0, UP):
            sign = 1.0
        return PassAim(np.array([0.0, 0.0, sign]), "up" if sign > 0 else "down", p0)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera pedestals {direction} fast beside {focus}, "
                f"at up to {peak_m_s(stats):.1f} metres per second.")


FAMILY = PedestalPass()
