"""A subject's motion over its clip as parts: actions in turn, crossfaded, optionally mirrored (no bpy).

A job subject (:class:`~synthgen.job.SubjectSpec`) plays its ``action`` at ``source_time_s``;
its ``segments`` (a battle circle's turns) take over later in the clip, each from its
per-frame index ``first``, over ``blend_frames`` frames. :func:`parts` lists a spec's parts;
:func:`perform` turns the parts' retargeted takes (character frame) into the pose of every
frame of the clip. Both the worker (:func:`synthgen.blender.characters.build_subject`) and
the planner's collision check (:func:`synthgen.characters.bodies.subject_capsules`) call it,
so the body that is rendered is the body that was checked.

* A part is sampled at its source times like a single action (:func:`interpolate_rigid`).
* A later part first moves horizontally so that its hips start where the body is at its
  first frame (no jump across the floor), then takes over with weight
  ``w = min(1, (j + 1) / (blend_frames + 1))`` at its j-th frame: every bone's world rotation
  by slerp, the hips by lerp, and the other joints by forward kinematics from those (bone
  lengths stay exact, no pop).
* Mirroring reflects a take across the character's sagittal plane (x = 0 of the character
  frame: it faces −Y, its left is +X) and swaps left and right: bone ``b`` gets
  ``G'_b = S · G_m(b) · S`` (``G`` its world rotation relative to rest, ``S = diag(−1, 1, 1)``,
  ``m(b)`` the bone of the other side), the hips ``S · hips``, heads by forward kinematics.
  On a symmetric skeleton a mirrored joint is exactly the other side's joint reflected
  (``LeftHand' = S · RightHand``); mirroring twice gives the take back.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .skeleton import PREFIX, Skeleton, WorldPose, interpolate_rigid, mat_to_quat, quat_to_mat, rebuild, \
    slerp

#: The reflection across the character's sagittal plane (character frame: left is +X).
S = np.diag([-1.0, 1.0, 1.0])


@dataclass(frozen=True)
class Part:
    """One part of a subject's motion: ``action`` (an AssetRef) from per-frame index ``first``,
    at ``times`` (s, one per frame from ``first`` on), over ``blend`` frames, mirrored or not."""

    action: object
    first: int
    times: np.ndarray
    blend: int = 0
    mirror: bool = False


@dataclass(frozen=True)
class Take:
    """An action retargeted onto the character: its pose per source frame, fps, looping."""

    pose: WorldPose
    fps: float
    loop: bool


def parts(spec) -> list[Part]:
    """The parts of a :class:`~synthgen.job.SubjectSpec`: its action, then its segments."""
    out = [Part(spec.action, 0, np.asarray(spec.source_time_s, float), 0, bool(spec.mirror))]
    for seg in spec.segments or []:
        out.append(Part(seg.action, int(seg.first), np.asarray(seg.source_time_s, float), int(seg.blend_frames),
                        bool(seg.mirror)))
    return out


def is_plain(spec) -> bool:
    """One action, not mirrored: what subjects were before parts existed."""
    return not spec.mirror and not spec.segments


def mirror_index(skel: Skeleton) -> np.ndarray:
    """(B,) for every bone the index of its other-side bone (itself on the midline)."""
    out = np.arange(len(skel.names))
    for i, name in enumerate(skel.names):
        short = name[len(PREFIX):] if name.startswith(PREFIX) else name
        for a, b in (("Left", "Right"), ("Right", "Left")):
            if short.startswith(a):
                out[i] = skel.index.get(name.replace(a, b, 1), i)
    return out


def mirror_pose(skel: Skeleton, pose: WorldPose) -> WorldPose:
    """``pose`` reflected across the sagittal plane, left and right swapped (module doc)."""
    m = mirror_index(skel)
    G = pose.rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]
    Gm = S @ G[:, m] @ S
    return rebuild(skel, Gm @ skel.rest_rot[None], pose.head[:, 0] @ S)


def sample(skel: Skeleton, take: Take, part: Part) -> WorldPose:
    """The part's take at its times (mirrored first when the part says so)."""
    pose = mirror_pose(skel, take.pose) if part.mirror else take.pose
    return interpolate_rigid(skel, pose, take.fps, part.times, loop=take.loop)


def crossfade(skel: Skeleton, a: WorldPose, b: WorldPose, w: np.ndarray) -> WorldPose:
    """Per frame ``(1 − w)·a + w·b``: world rotations by slerp, the hips by lerp, FK heads."""
    qa, qb = mat_to_quat(a.rot), mat_to_quat(b.rot)
    rot = quat_to_mat(slerp(qa, qb, np.broadcast_to(w[:, None], qa.shape[:-1])))
    root = a.head[:, 0] + w[:, None] * (b.head[:, 0] - a.head[:, 0])
    return rebuild(skel, rot, root)


def takeover_weights(n: int, blend: int) -> np.ndarray:
    """(n,) a later part's weight over its frames: ``min(1, (j + 1) / (blend + 1))``."""
    return np.minimum(1.0, (np.arange(n) + 1.0) / (blend + 1.0))


def perform(skel: Skeleton, takes: list[Take], parts_: list[Part]) -> WorldPose:
    """The pose at every frame of the clip (len(parts_[0].times)) from the parts in order,
    each later one moved to start where the body is and crossfaded in (module doc)."""
    out = sample(skel, takes[0], parts_[0])
    for take, part in zip(takes[1:], parts_[1:]):
        f = part.first
        new = sample(skel, take, part)
        shift = out.head[f, 0] - new.head[0, 0]
        shift[2] = 0.0
        new = WorldPose(new.rot, new.head + shift)
        mixed = crossfade(skel, WorldPose(out.rot[f:], out.head[f:]), new, takeover_weights(len(part.times), part.blend))
        out = WorldPose(np.concatenate([out.rot[:f], mixed.rot]), np.concatenate([out.head[:f], mixed.head]))
    return out
