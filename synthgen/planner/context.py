"""Per-clip planning context: preset, assets, timing and the clip's random streams.

Clip k of a run with seed S draws from ``SeedSequence(S, spawn_key=(k, 0))`` for its
parameters, ``SeedSequence(S, spawn_key=(k, 1, attempt))`` for geometry retries and
``(k, 4)`` for a world's own geometry (furniture, buildings, clutter), so clip k
is identical whatever the count, the start index or the worker. A clip whose draws admit no
solution is redrawn whole from ``(k, 0, r)`` / ``(k, 1, attempt, r)``, r = 1, 2, ...
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

from ..camera import focal_mm_for_fx, intrinsics
from ..errors import InfeasibleDrawError
from ..manifest import AssetSet
from .presets import Preset


T = TypeVar("T")


def first_solution(clip_id: str, attempts: int, attempt: Callable[[int], "T | str"], what: str) -> T:
    """The first of ``attempt(0)``, ``attempt(1)``, ... that returns a solution rather than
    the reason (a str) it failed; after ``attempts`` failures, :class:`InfeasibleDrawError`
    saying ``what`` failed and the last reason (the planner then redraws the clip whole)."""
    last = ""
    for i in range(attempts):
        solved = attempt(i)
        if not isinstance(solved, str):
            return solved
        last = solved
    raise InfeasibleDrawError(f"{what} after {attempts} attempts (last: {last})", source=clip_id)


def clip_seed_sequence(run_seed: int, index: int, *sub: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(run_seed, spawn_key=(index, *sub))


@dataclass
class ClipContext:
    preset: Preset
    assets: AssetSet
    run_seed: int
    index: int
    kind: str
    resample: int = 0       # > 0: the clip is redrawn from fresh streams (see planner.plan_clip)

    def __post_init__(self) -> None:
        v = self.preset["video"]
        self.width, self.height, self.fps = v["width"], v["height"], float(v["fps"])
        self.n_frames, self.frame_start = v["frames"], v["frame_start"]
        self.n_baked = self.n_frames + 2
        self._sub = (self.resample,) if self.resample else ()
        self.rng = np.random.default_rng(clip_seed_sequence(self.run_seed, self.index, 0, *self._sub))
        self.render_seed = int(clip_seed_sequence(self.run_seed, self.index, 2).generate_state(1)[0] & 0x7FFFFFFF)
        self.clip_id = f"{self.kind}-{self.index:06d}"
        self.sensor_width_mm = float(self.preset.get("camera", "sensor_width_mm", 36.0))
        self.sensor_height_mm = 24.0

    def world_rng(self, *sub: int) -> np.random.Generator:
        """The clip's world streams ``(k, 4, *sub)``: a world's own geometry is drawn from
        ``(k, 4)``, where a performer stands in it from ``(k, 4, 1)``."""
        return np.random.default_rng(clip_seed_sequence(self.run_seed, self.index, 4, *sub, *self._sub))

    def retry_rng(self, attempt: int) -> np.random.Generator:
        return np.random.default_rng(clip_seed_sequence(self.run_seed, self.index, 1, attempt, *self._sub))

    @property
    def times(self) -> np.ndarray:
        """Clip time (s) of every baked frame; 0 at the first rendered frame."""
        return (np.arange(self.n_baked) - 1.0) / self.fps

    @property
    def progress(self) -> np.ndarray:
        """Movement progress per baked frame: 0 at the first rendered frame, 1 at the last
        (extrapolated linearly into the boundary frames)."""
        return (np.arange(self.n_baked) - 1.0) / max(self.n_frames - 1, 1)

    def focal_mm(self, fx: np.ndarray) -> np.ndarray:
        return np.array([focal_mm_for_fx(f, self.sensor_width_mm, self.width, self.height,
                                         sensor_height_mm=self.sensor_height_mm) for f in np.atleast_1d(fx)])

    def K(self, focal_mm: np.ndarray) -> np.ndarray:
        """(N,3,3) intrinsics for per-frame focal lengths (mm), via :func:`synthgen.camera.intrinsics`."""
        return np.stack([intrinsics(f, self.sensor_width_mm, self.width, self.height,
                                    sensor_height_mm=self.sensor_height_mm) for f in focal_mm])


def round_list(a: np.ndarray, nd: int = 10) -> list:
    return np.round(np.asarray(a, dtype=np.float64), nd).tolist()
