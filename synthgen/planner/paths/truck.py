"""Path family ``truck``: a fast pass sideways (perpendicular to the view of the focus;
``sign`` +1 to the camera's right) that passes the focus half-way, aimed at the focus from
the middle of the pass.

Not the human-shot truck (:mod:`synthgen.planner.movements.truck`), a slide of a metre or two
that keeps re-aiming at the performer."""
from __future__ import annotations

import numpy as np

from ..geometry import normalize
from .base import PathSetup, peak_m_s, reach_along
from .linear import LinearPass, PassAim


class TruckPass(LinearPass):
    name = "truck"

    def aim(self, setup: PathSetup, fwd: np.ndarray, length: float) -> PassAim:
        sign = setup.draw.sign
        axis = normalize(np.cross(fwd, [0.0, 0.0, 1.0])) * sign
        back = min(setup.draw.peak_linear_speed_m_s * setup.s[-1] / 2.0, reach_along(setup, setup.p0, -axis))
        return PassAim(axis, "right" if sign > 0 else "left", setup.p0 - axis * back)

    def phrase(self, direction: str, value: float, focus: str, stats: dict, own=None) -> str:
        return (f"The camera trucks {direction} fast past {focus}, "
                f"at up to {peak_m_s(stats):.1f} metres per second.")


FAMILY = TruckPass()
