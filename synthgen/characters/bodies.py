"""A job subject's body over its clip as capsules, without Blender: what the worker will bake.

The worker (:func:`synthgen.blender.characters.build_subject`) retargets the subject's actions
onto the character, plays them at their source times in turn, crossfaded and mirrored as the
spec says (:func:`synthgen.characters.performance.perform`), and places the result with
:func:`synthgen.characters.model.placement`. :func:`subject_capsules` does the same in numpy and bounds the posed body by :mod:`.capsules`, so the planner checks the
people of a group clip for interpenetration on the motion that will be rendered, and QA can
measure their clearance from the job alone.

Characters: the people of the pack (radii measured on the dressed rest mesh) and the
procedural mannequins (:func:`~.capsules.default_radii` of their height). Characters that need
Blender to load (Mixamo files) have no bpy-free rig: :func:`has_rig` says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from . import capsules, mannequin, performance
from .model import placement
from .people.body import assemble
from .retarget import retarget_motion
from .skeleton import Skeleton, WorldPose
from .sources import people as people_source
from .sources import procedural as procedural_source
from .sources import source_for

#: Radii measured on a rest mesh grow by this much (m): the skinned mesh bulges beyond its rest
#: shape at bent joints. Measured on Blender-skinned vertices of rendered group clips (24
#: person-clips, 14 frames): up to 88 mm outside without slack (a dress's hem, before the
#: knees capsule), 23 mm with 0.03 m; ``tests/test_group.py`` asks under half the margin.
RADIUS_SLACK_M = 0.04


@dataclass(frozen=True)
class Rig:
    """A character's rest skeleton (character frame), rest height and capsule radii."""

    skeleton: Skeleton
    height: float
    radii: np.ndarray           # (K,) metres at the rest height


def has_rig(location: str) -> bool:
    """Whether :func:`rig` can build the character at ``location`` without Blender."""
    return location.startswith(people_source.CHARACTER_PREFIX) or \
        location.startswith(procedural_source.CHARACTER_PREFIX)


@lru_cache(maxsize=64)
def rig(location: str, asset_id: str = "") -> Rig:
    """The :class:`Rig` of a people or procedural character (cached)."""
    ref = SimpleNamespace(id=asset_id or location, location=location)
    if location.startswith(people_source.CHARACTER_PREFIX):
        body = assemble(people_source.person(ref))
        radii = capsules.mesh_radii(body.skeleton, body.verts, body.weights) + RADIUS_SLACK_M
        return Rig(body.skeleton, float(body.height), radii)
    skel = mannequin.skeleton(procedural_source.variant(ref))
    return Rig(skel, float(skel.height), capsules.default_radii(float(skel.height)))


@lru_cache(maxsize=256)
def _take(char_location: str, char_id: str, action_location: str, action_id: str, in_place: bool,
          foot_lock: bool) -> tuple[WorldPose, float, bool]:
    ref = SimpleNamespace(id=action_id, location=action_location)
    motion = source_for(action_location).load_motion(ref)
    pose, _ = retarget_motion(motion, rig(char_location, char_id).skeleton, in_place=in_place,
                              foot_lock=foot_lock)
    return pose, float(motion.fps), bool(motion.loopable)


def body_capsules(spec) -> tuple[Rig, np.ndarray]:
    """The rig of a :class:`~synthgen.job.SubjectSpec` and its capsule axes (T, K, 2, 3) at
    every baked frame in the character's own frame, before placement (what the subject's
    motion alone decides; its location, rotation and scale do not enter)."""
    r = rig(spec.character.location, spec.character.id)
    steps = performance.parts(spec)
    takes = [performance.Take(*_take(spec.character.location, spec.character.id, p.action.location,
                                     p.action.id, spec.root_motion == "in_place", bool(spec.foot_lock)))
             for p in steps]
    return r, capsules.segments(r.skeleton, performance.perform(r.skeleton, takes, steps))


def subject_capsules(spec, body: tuple[Rig, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World capsules of a :class:`~synthgen.job.SubjectSpec` at every baked frame:
    (axes (T, K, 2, 3), radii (K,)), the body as the worker will bake and place it.
    ``body``: its :func:`body_capsules`, when already known (the same motion placed anew)."""
    r, local = body or body_capsules(spec)
    M = placement(spec, r.height)
    axes = local @ M[:3, :3].T + M[:3, 3]
    s = float(np.cbrt(np.linalg.det(M[:3, :3])))
    return axes, r.radii * s


def clearance(specs, bodies=None) -> float:
    """The smallest capsule gap (m) between any two of the subjects ``specs`` over the clip
    (+inf for fewer than two); ``bodies``: their :func:`body_capsules`, when known."""
    return min_clearance([subject_capsules(s, b) for s, b in zip(specs, bodies or [None] * len(specs))])[0]


def min_clearance(bodies: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, tuple[int, int]]:
    """The smallest gap (m) between any two of ``bodies`` (from :func:`subject_capsules`)
    over all their frames, and the pair (indices) where it occurs; +inf for fewer than two."""
    best, pair = float("inf"), (-1, -1)
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            gap = pair_clearance(bodies[i], bodies[j])
            if gap < best:
                best, pair = gap, (i, j)
    return best, pair


def pair_clearance(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Smallest gap (m) between two bodies over all frames, exact. A frame's gap between the
    bodies' capsule boxes bounds its capsule gap from below, so only the frames whose box gap
    is under the capsule gap of the closest-box frame are measured."""
    ba, bb = capsules.bounds(*a), capsules.bounds(*b)
    box_gap = np.linalg.norm(np.maximum(0.0, np.maximum(ba[:, :3] - bb[:, 3:], bb[:, :3] - ba[:, 3:])), axis=1)
    k = int(np.argmin(box_gap))
    best = float(capsules.clearance(a[0][k:k + 1], a[1], b[0][k:k + 1], b[1])[0])
    rest = np.flatnonzero(box_gap < best)
    if len(rest):
        best = min(best, float(capsules.clearance(a[0][rest], a[1], b[0][rest], b[1]).min()))
    return best
