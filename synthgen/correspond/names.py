"""Correspondence member names and the checks a clip must pass before they are computed.

Import-light (no engine, no export code): the exporter's member parsing uses it.
"""
from __future__ import annotations

from ..errors import CorrespondenceError
from ..job import Job
from ..vocabulary import CORRESPONDENCE_MEMBERS, GAP_MEMBER, is_correspondence_member
from .geometry import has_geometry

#: Query points of the ``tracks`` member unless asked otherwise.
DEFAULT_TRACKS = 2048

GAP_RE = GAP_MEMBER
FIXED = CORRESPONDENCE_MEMBERS
FIX = ("add \"geometry\" to the job's outputs ([render] outputs in the preset) and render "
       "the clip again")


def is_member(name: str) -> bool:
    """A correspondence member name: ``flow_k{K}``, ``occ_k{K}`` (K >= 1), ``tracks``,
    ``track_vis`` or ``scene_flow``."""
    return is_correspondence_member(name)


def requested(members) -> list[str]:
    return [m for m in members if is_member(m)]


def gap(name: str) -> int | None:
    m = GAP_RE.match(name)
    return int(m.group(2)) if m else None


def check(clip_dir, job: Job, members) -> None:
    """Raise :class:`CorrespondenceError` (the member and the fix) when ``members`` cannot be
    computed for the clip: a gap K >= T, or no ``geometry.npz``."""
    T = job.n_frames
    for m in requested(members):
        K = gap(m)
        if K is not None and K >= T:
            raise CorrespondenceError(f"a gap of {K} frames needs more than {K} rendered frames and "
                                      f"this clip has {T}; choose K < {T}", source=str(clip_dir), field=m)
    wanted = requested(members)
    if wanted and not has_geometry(clip_dir):
        raise CorrespondenceError("the clip was rendered without scene geometry (geometry.npz); "
                                  + FIX, source=str(clip_dir), field=wanted[0])


