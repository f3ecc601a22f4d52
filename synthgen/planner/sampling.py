"""Distributions written in presets, and sampling them with an explicit Generator.

A preset value is either a constant (number, string, bool, or a list of those) or a table
with exactly one distribution key::

    { choice = ["a", "b"], weights = [0.7, 0.3] }   # weights optional (uniform), normalised
    { uniform = [lo, hi] }                           # continuous, inclusive of lo
    { loguniform = [lo, hi] }                        # lo > 0
    { normal = [mean, std], clip = [lo, hi] }        # clip optional (values are clipped)
    { lognormal = [median, sigma], clip = [lo, hi] } # log(x) ~ N(log(median), sigma); clip optional
    { randint = [lo, hi] }                           # integers, both ends inclusive
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import PresetError

DIST_KEYS = ("choice", "uniform", "loguniform", "normal", "lognormal", "randint")
_CLIPPED = ("normal", "lognormal")


@dataclass(frozen=True)
class Dist:
    """One sampled parameter. ``kind`` is ``const`` or one of :data:`DIST_KEYS`."""

    kind: str
    args: tuple
    weights: tuple | None = None
    clip: tuple | None = None

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw. Always consumes randomness the same way for a given kind."""
        if self.kind == "const":
            return self.args[0]
        if self.kind == "choice":
            return self.args[int(rng.choice(len(self.args), p=self.weights))]
        if self.kind == "uniform":
            return float(rng.uniform(*self.args))
        if self.kind == "loguniform":
            return float(math.exp(rng.uniform(math.log(self.args[0]), math.log(self.args[1]))))
        if self.kind in _CLIPPED:
            v = float(rng.normal(*self.args)) if self.kind == "normal" else \
                float(math.exp(rng.normal(math.log(self.args[0]), self.args[1])))
            return float(np.clip(v, *self.clip)) if self.clip else v
        if self.kind == "randint":
            return int(rng.integers(self.args[0], self.args[1] + 1))
        raise AssertionError(self.kind)

    @property
    def low(self) -> float:
        """Smallest value the distribution can produce (numeric kinds)."""
        if self.kind == "const":
            return self.args[0]
        if self.kind == "choice":
            return min(self.args)
        if self.kind in _CLIPPED:
            return self.clip[0] if self.clip else (-math.inf if self.kind == "normal" else 0.0)
        return self.args[0]

    @property
    def high(self) -> float:
        if self.kind == "const":
            return self.args[0]
        if self.kind == "choice":
            return max(self.args)
        if self.kind in _CLIPPED:
            return self.clip[1] if self.clip else math.inf
        return self.args[1]

    def probabilities(self) -> dict:
        """Value -> probability for ``choice``/``const``/``randint``."""
        if self.kind == "const":
            return {self.args[0]: 1.0}
        if self.kind == "choice":
            out: dict = {}
            for v, p in zip(self.args, self.weights):
                out[v] = out.get(v, 0.0) + p
            return out
        if self.kind == "randint":
            n = self.args[1] - self.args[0] + 1
            return {v: 1.0 / n for v in range(self.args[0], self.args[1] + 1)}
        raise TypeError(f"{self.kind} is continuous")

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Cumulative distribution of the continuous kinds (for goodness-of-fit tests)."""
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "uniform":
            lo, hi = self.args
            return np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        if self.kind == "loguniform":
            lo, hi = (math.log(a) for a in self.args)
            return np.clip((np.log(np.maximum(x, 1e-300)) - lo) / (hi - lo), 0.0, 1.0)
        if self.kind in _CLIPPED:
            from scipy.stats import norm
            if self.kind == "normal":
                c = norm.cdf(x, *self.args)
            else:
                c = norm.cdf(np.log(np.maximum(x, 1e-300) / self.args[0]) / self.args[1]) if self.args[1] > 0 \
                    else (x >= self.args[0]).astype(np.float64)
            if self.clip:
                c = np.where(x >= self.clip[1], 1.0, np.where(x < self.clip[0], 0.0, c))
            return c
        raise TypeError(f"{self.kind} has no continuous cdf")

    def describe(self) -> str:
        if self.kind == "const":
            return f"= {self.args[0]!r}"
        if self.kind == "choice":
            return "choice " + ", ".join(f"{a}:{w:.2f}" for a, w in zip(self.args, self.weights))
        extra = f" clip {list(self.clip)}" if self.clip else ""
        return f"{self.kind} {list(self.args)}{extra}"


def const(value: Any) -> Dist:
    return Dist("const", (value,))


def parse_dist(value: Any, source: str, field: str, *, numeric: bool = False) -> Dist:
    """A :class:`Dist` from a preset value; :class:`PresetError` names the file and field."""
    def fail(reason: str) -> PresetError:
        return PresetError(reason, source=source, field=field)

    if not isinstance(value, dict):
        if numeric and not _is_num(value):
            raise fail(f"expected a number or a distribution table, got {value!r}")
        return const(value)
    keys = [k for k in value if k in DIST_KEYS]
    if len(keys) != 1:
        raise fail(f"a distribution table needs exactly one of {', '.join(DIST_KEYS)}")
    kind = keys[0]
    allowed = {kind, "weights"} if kind == "choice" else ({kind, "clip"} if kind in _CLIPPED else {kind})
    extra = sorted(set(value) - allowed)
    if extra:
        raise fail(f"unknown key {extra[0]!r} in a {kind} distribution")
    args = value[kind]
    if not isinstance(args, list) or not args:
        raise fail(f"{kind} needs a non-empty list")
    if kind == "choice":
        return _parse_choice(args, value.get("weights"), fail, numeric)
    if len(args) != 2 or not all(_is_num(a) for a in args):
        raise fail(f"{kind} needs [a, b] (two numbers)")
    if kind == "randint" and not all(isinstance(a, int) for a in args):
        raise fail("randint bounds must be integers")
    if kind in ("uniform", "loguniform", "randint") and args[0] > args[1]:
        raise fail(f"{kind} lower bound {args[0]} is above the upper bound {args[1]}")
    if kind == "loguniform" and args[0] <= 0:
        raise fail("loguniform bounds must be positive")
    if kind in _CLIPPED and args[1] < 0:
        raise fail(f"{kind} standard deviation must not be negative")
    if kind == "lognormal" and args[0] <= 0:
        raise fail("lognormal median must be positive")
    clip = None
    if kind in _CLIPPED and "clip" in value:
        clip = value["clip"]
        if not (isinstance(clip, list) and len(clip) == 2 and all(_is_num(c) for c in clip) and clip[0] <= clip[1]):
            raise fail("clip needs [lo, hi] with lo <= hi")
        clip = tuple(float(c) for c in clip)
    if kind == "uniform" and args[0] == args[1]:
        return const(float(args[0]))
    return Dist(kind, tuple(args), clip=clip)


def _parse_choice(args: list, weights: Any, fail, numeric: bool) -> Dist:
    if numeric and not all(_is_num(a) for a in args):
        raise fail("choice values must be numbers here")
    if weights is None:
        weights = [1.0] * len(args)
    if not (isinstance(weights, list) and len(weights) == len(args) and all(_is_num(w) and w >= 0 for w in weights)):
        raise fail(f"weights must be {len(args)} non-negative numbers")
    total = float(sum(weights))
    if total <= 0:
        raise fail("weights must not all be zero")
    return Dist("choice", tuple(args), weights=tuple(w / total for w in weights))


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
