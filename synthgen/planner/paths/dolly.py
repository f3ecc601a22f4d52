"""Path family ``dolly``: a fast horizontal rush along the view toward the focus (``sign`` +1,
stopping 1.2 m short of it) or back from it (up to the walls); when the drawn direction has
too little space and the other more, the pass goes the other way. Aimed at the focus from its
first frame.

Not the human-shot dolly (:mod:`synthgen.planner.movements.dolly`), a slow move of a metre or so."""
from __future__ import annotations

import numpy as np

from .base import PathSetup, peak_m_s, reach_along
from .linear import LinearPass, PassAim

STOP_SHORT_M = 1.2


class DollyPass(LinearPass):
    name = "dolly"

    def aim(self, setup: PathSetup, fwd: np.ndarray, length: float) -> PassAim:
        p0, f, sign = setup.p0, setup.focus[1], setup.draw.sign
        room_in = max(np.linalg.norm((f - p0)[:2]) - STOP_SHORT_M, 0.0)
        reach = {1.0: room_in, -1.0: reach_along(setup, p0, -fwd)}
        if reach[sign] < length and reach[-sign] > reach[sign]:
            sign = -sign
        return PassAim(fwd * sign, "in" if sign > 0 else "out", p0, room_in if sign > 0 else np.inf)

    def look_from(self, P: np.ndarray) -> np.ndarray:
        return P[1]

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera dollies {direction} fast toward {focus}, "
                f"at up to {peak_m_s(stats):.1f} metres per second.")


FAMILY = DollyPass()
