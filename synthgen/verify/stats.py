"""Error statistics, goals and per-check verdicts."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..export.qa import PHOTO_RATIO_LIMIT

#: Percentiles every check reports.
PERCENTILES = {"median": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True)
class Goal:
    """``stat <= limit`` must hold (``stat`` is a key of :func:`summarize`'s result)."""

    stat: str
    limit: float

    def met(self, stats: dict) -> bool:
        value = stats.get(self.stat)
        return value is not None and bool(value <= self.limit)

    def __str__(self) -> str:
        return f"{self.stat}<={self.limit:g}"


#: name -> (what it measures, goals). Pixel errors are end-point errors in pixels.
CHECKS: dict[str, tuple[str, tuple[Goal, ...]]] = {
    "static": ("static geometry, >=2 px from depth discontinuities: EPE vs reprojected depth",
               (Goal("median", 0.01), Goal("p99", 0.1))),
    "background": ("world background, >=2 px from its edge: EPE vs rotation-only flow",
                   (Goal("median", 0.01), Goal("p99", 0.1))),
    "rigid": ("keyframed rigid props, >=2 px from discontinuities: EPE vs job transforms",
              (Goal("median", 0.01), Goal("p99", 0.1))),
    "edges": ("static/background/rigid pixels near discontinuities (1-sample pass: exact too)",
              (Goal("median", 0.01), Goal("p95", 0.1))),
    "vertices": ("visible subject vertices: projected displacement vs bilinear flow",
                 (Goal("median", 0.25), Goal("p95", 1.0))),
    "fb": ("forward-backward error |F_t + B_t+1(x+F_t)| on geometrically valid pixels",
           (Goal("p90", 0.05),)),
    "ids": ("pixels whose object index is not an instance id of the job",
            (Goal("unknown", 0),)),
    "photometric": ("MAE of RGB(t+1) warped by F_t over MAE of the identity warp (full mode)",
                    (Goal("ratio", PHOTO_RATIO_LIMIT),)),
    # correspondences (geometry.npz; synthgen.verify.correspondence)
    "corr_k1": ("engine flow t->t+1 vs the Vector pass, static and rigid geometry >=2 px from "
                "discontinuities", (Goal("median", 0.01), Goal("p99", 0.1))),
    "corr_k1_subjects": ("engine flow t->t+1 vs the Vector pass on subjects >=2 px from "
                         "discontinuities", (Goal("median", 0.05), Goal("p95", 0.5))),
    "flow_k": ("engine flow t->t+K vs rendered depth reprojected with the job's cameras and poses",
               (Goal("median", 0.01), Goal("p99", 0.1))),
    "flow_k_vertices": ("engine flow t->t+K vs visible subject vertices projected at t and t+K",
                        (Goal("median", 0.25), Goal("p95", 1.0))),
    "occ_k": ("engine visibility at t+K vs the rendered depth at t+K where it decides: "
              "fraction disagreeing", (Goal("disagree", 0.01),)),
    "tracks": ("tracks on static/rigid instances vs their query depth reprojected (later frames)",
               (Goal("median", 0.01), Goal("p99", 0.1))),
    "track_vis": ("track visibility vs the rendered depth where it decides: fraction disagreeing",
                  (Goal("disagree", 0.01),)),
}


def summarize(errors: np.ndarray) -> dict:
    """``n``, ``mean``, ``max`` and :data:`PERCENTILES` of a 1-D error sample (``None`` when empty)."""
    e = np.asarray(errors, np.float64).ravel()
    if e.size == 0:
        return {"n": 0, "mean": None, "max": None, **{k: None for k in PERCENTILES}}
    qs = np.percentile(e, list(PERCENTILES.values()))
    out = {"n": int(e.size), "mean": float(e.mean()), "max": float(e.max())}
    out.update({k: float(q) for k, q in zip(PERCENTILES, qs)})
    return out


@dataclass
class CheckResult:
    """One row of the verification table. ``passed`` is ``None`` when nothing was checked."""

    name: str
    description: str
    goals: tuple[Goal, ...]
    stats: dict
    unit: str = "px"
    note: str = ""
    passed: bool | None = field(default=None)

    @classmethod
    def evaluate(cls, name: str, stats: dict, *, unit: str = "px", note: str = "",
                 goals: tuple[Goal, ...] | None = None) -> "CheckResult":
        description, default_goals = CHECKS[name]
        goals = default_goals if goals is None else goals
        passed = None if not stats.get("n") else all(g.met(stats) for g in goals)
        return cls(name, description, goals, stats, unit, note, passed)

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "skip"}[self.passed]

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "unit": self.unit,
                "goals": [{"stat": g.stat, "limit": g.limit} for g in self.goals],
                "stats": self.stats, "verdict": self.verdict, "note": self.note}
