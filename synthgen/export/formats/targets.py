"""What frame counts and sizes video models accept, and which clips do not fit.

Wan's VAEs compress time by 4 with a causal first frame, so clips need ``4n + 1`` frames;
space by 8 (Wan2.1, Wan2.2-A14B, VACE) or 16 (Wan2.2-TI2V-5B's VAE), and the transformers
patch by 2, so sides must be multiples of 16 or 32. A trainer crops or resamples clips that
do not fit, which wastes frames or shifts intrinsics; the exporter says so up front.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import ExportError


@dataclass(frozen=True)
class Target:
    name: str
    frame_step: int          # frames = frame_step * n + 1
    side_multiple: int       # width and height multiples of this
    note: str


TARGETS = {t.name: t for t in (
    Target("wan2.2-ti2v-5b", 4, 32, "Wan2.2-TI2V-5B: VAE 4x16x16, patch 1x2x2"),
    Target("wan2.2-a14b", 4, 16, "Wan2.2-T2V/I2V-A14B: VAE 4x8x8, patch 1x2x2"),
    Target("wan2.1", 4, 16, "Wan2.1 and Wan-Fun: VAE 4x8x8, patch 1x2x2"),
    Target("vace", 4, 16, "Wan-VACE: VAE 4x8x8, patch 1x2x2"),
)}
TARGET_NAMES = tuple(TARGETS)


def get_target(name: str | None) -> Target | None:
    """The target called ``name`` (None or ``"none"``: no check)."""
    if name in (None, "", "none"):
        return None
    if name not in TARGETS:
        raise ExportError(f"unknown target {name!r} (choose from none, {', '.join(TARGETS)})",
                          field="target")
    return TARGETS[name]


def problems(target: Target, n_frames: int, width: int, height: int) -> list[str]:
    """Why a clip of this format does not fit ``target`` (empty when it does), each with the
    nearest sizes that would."""
    out = []
    step, mult = target.frame_step, target.side_multiple
    if (n_frames - 1) % step:
        below = (n_frames - 1) // step * step + 1
        out.append(f"{n_frames} frames is not {step}n+1 (use {below} or {below + step})")
    for side, value in (("width", width), ("height", height)):
        if value % mult:
            lo = value // mult * mult
            out.append(f"{side} {value} is not a multiple of {mult} (use {lo or mult} or {lo + mult})")
    return out


def clip_problem(target: Target | None, n_frames: int, width: int, height: int) -> str | None:
    """One line saying why a clip does not fit ``target``, or None."""
    found = problems(target, n_frames, width, height) if target is not None else []
    return f"does not fit {target.name}: {'; '.join(found)}" if found else None
