"""Skeletons, world-space poses and rotation maths, in numpy (no bpy).

Conventions (the *action frame*, docs/CONVENTIONS.md §1): Z up, metres, the subject faces −Y,
its left is +X. A bone's direction is the Y column of its world rotation (Blender's bone
axis). A :class:`Skeleton` holds the rest pose in that frame; a :class:`WorldPose` holds,
per frame, every bone's world rotation ``rot`` (T, B, 3, 3) float64 and head position
``head`` (T, B, 3) float64 in metres. Bone names are canonical Mixamo names
(``mixamorig:LeftArm``) whatever the source.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import SynthgenError

log = logging.getLogger(__name__)

PREFIX = "mixamorig:"

#: The Mixamo bones retargeting needs (without prefix); a source missing one fails.
REQUIRED = ("Hips", "Spine", "Spine1", "Spine2", "Neck", "Head",
            "LeftShoulder", "LeftArm", "LeftForeArm", "LeftHand",
            "RightShoulder", "RightArm", "RightForeArm", "RightHand",
            "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase",
            "RightUpLeg", "RightLeg", "RightFoot", "RightToeBase")

#: CMU-style BVH joint names (Blender's BVH importer keeps them) -> Mixamo bone names.
BVH_BONE_MAP = {
    "Hips": "Hips", "LowerBack": "Spine", "Spine": "Spine1", "Spine1": "Spine2",
    "Neck": "Neck", "Neck1": None, "Head": "Head",
    "LeftShoulder": "LeftShoulder", "LeftArm": "LeftArm", "LeftForeArm": "LeftForeArm",
    "LeftHand": "LeftHand",
    "RightShoulder": "RightShoulder", "RightArm": "RightArm", "RightForeArm": "RightForeArm",
    "RightHand": "RightHand",
    "LHipJoint": None, "LeftUpLeg": "LeftUpLeg", "LeftLeg": "LeftLeg", "LeftFoot": "LeftFoot",
    "LeftToeBase": "LeftToeBase",
    "RHipJoint": None, "RightUpLeg": "RightUpLeg", "RightLeg": "RightLeg",
    "RightFoot": "RightFoot", "RightToeBase": "RightToeBase",
}

_PREFIX_RE = re.compile(r"^mixamorig\d*[:_]", re.IGNORECASE)


class RetargetError(SynthgenError):
    """A skeleton cannot be retargeted (missing bones, no armature)."""


def canonical_name(name: str) -> str | None:
    """``mixamorig1_LeftArm`` / ``mixamorig:LeftArm`` / ``LeftArm`` -> ``mixamorig:LeftArm``.

    Leaf bones the FBX importer adds (``..._end``, lower-case) give None.
    """
    if name.endswith("_end"):
        return None
    return PREFIX + _PREFIX_RE.sub("", name)


# --------------------------------------------------------------------------- rotations
def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest-arc rotation (3, 3) taking unit vector ``a`` onto unit vector ``b``."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v, c = np.cross(a, b), float(np.dot(a, b))
    if c < -1 + 1e-9:
        axis = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def mat_to_quat(m: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) -> unit quaternions (..., 4) as (w, x, y, z), w >= 0.

    Vectorised; per matrix the branch of the largest of trace, r00, r11, r22 (in this order
    of precedence) is taken, so no square root of a small number is divided by."""
    m = np.asarray(m, dtype=np.float64)
    r = m.reshape(-1, 3, 3)
    t = r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2]
    branch = np.where(t > 0, 0, np.where((r[:, 0, 0] > r[:, 1, 1]) & (r[:, 0, 0] > r[:, 2, 2]), 1,
                                         np.where(r[:, 1, 1] > r[:, 2, 2], 2, 3)))
    d21, d02, d10 = r[:, 2, 1] - r[:, 1, 2], r[:, 0, 2] - r[:, 2, 0], r[:, 1, 0] - r[:, 0, 1]
    s01, s02, s12 = r[:, 0, 1] + r[:, 1, 0], r[:, 0, 2] + r[:, 2, 0], r[:, 1, 2] + r[:, 2, 1]
    out = np.empty((len(r), 4))
    with np.errstate(invalid="ignore", divide="ignore"):
        cands = [(t + 1.0, lambda s: [0.25 * s, d21 / s, d02 / s, d10 / s]),
                 (1.0 + r[:, 0, 0] - r[:, 1, 1] - r[:, 2, 2], lambda s: [d21 / s, 0.25 * s, s01 / s, s02 / s]),
                 (1.0 + r[:, 1, 1] - r[:, 0, 0] - r[:, 2, 2], lambda s: [d02 / s, s01 / s, 0.25 * s, s12 / s]),
                 (1.0 + r[:, 2, 2] - r[:, 0, 0] - r[:, 1, 1], lambda s: [d10 / s, s02 / s, s12 / s, 0.25 * s])]
        for k, (arg, quat) in enumerate(cands):
            sel = branch == k
            if sel.any():
                out[sel] = np.stack(quat(np.sqrt(np.maximum(arg, 0.0)) * 2), axis=-1)[sel]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    out *= np.where(out[:, :1] >= 0, 1.0, -1.0)
    return out.reshape(m.shape[:-2] + (4,))


def quat_to_mat(q: np.ndarray) -> np.ndarray:
    """Quaternions (..., 4) as (w, x, y, z) -> rotation matrices (..., 3, 3)."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1)], -2)


def slerp(q0: np.ndarray, q1: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Spherical interpolation of quaternion arrays (..., 4) with weights ``u`` (...,)."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[..., None] < 0, -q1, q1)
    dot = np.abs(dot).clip(-1, 1)
    theta = np.arccos(dot)
    small = theta < 1e-6
    sin = np.where(small, 1.0, np.sin(theta))
    a = np.where(small, 1 - u, np.sin((1 - u) * theta) / sin)
    b = np.where(small, u, np.sin(u * theta) / sin)
    return a[..., None] * q0 + b[..., None] * q1


def orthonormalize(m: np.ndarray) -> np.ndarray:
    """Nearest rotations (..., 3, 3) of matrices that may carry scale (SVD polar part)."""
    u, _, vt = np.linalg.svd(m)
    r = u @ vt
    det = np.linalg.det(r)
    u[..., :, 2] *= np.sign(det)[..., None]
    return u @ vt


# --------------------------------------------------------------------------- skeletons
@dataclass
class Skeleton:
    """Rest pose of an armature in a Z-up metre frame.

    names: canonical bone names (B,), parents: parent index or -1 (B,) with parents before
    children, rest_rot (B, 3, 3), rest_head (B, 3), rest_tail (B, 3), all float64.
    """

    names: list[str]
    parents: list[int]
    rest_rot: np.ndarray
    rest_head: np.ndarray
    rest_tail: np.ndarray
    head_top: float | None = None       # rest head-top height (m) when no HeadTop_End bone
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {n: i for i, n in enumerate(self.names)}

    def __contains__(self, name: str) -> bool:
        return name in self.index

    def i(self, short: str) -> int:
        return self.index[PREFIX + short]

    @property
    def height(self) -> float:
        """Rest height of the head top above the floor (HeadTop_End, else ``head_top``, else
        Head's tail), m."""
        if self.head_top is not None:
            return float(self.head_top)
        if PREFIX + "HeadTop_End" in self.index:
            return float(self.rest_head[self.i("HeadTop_End"), 2])
        return float(self.rest_tail[self.i("Head"), 2])

    @property
    def hip_height(self) -> float:
        return float(self.rest_head[self.i("Hips"), 2])

    def missing(self, required: tuple[str, ...] = REQUIRED) -> list[str]:
        return [n for n in required if PREFIX + n not in self.index]


@dataclass
class WorldPose:
    """Per-frame world rotations ``rot`` (T, B, 3, 3) and heads ``head`` (T, B, 3), metres."""

    rot: np.ndarray
    head: np.ndarray

    def direction(self) -> np.ndarray:
        """Unit bone directions (T, B, 3): the Y column of each world rotation."""
        return self.rot[..., :, 1]


def fk_from_global(skel: Skeleton, root: np.ndarray, G: np.ndarray) -> WorldPose:
    """Forward kinematics from global rotation deltas.

    root (T, 3): root head per frame; G (T, B, 3, 3): each bone's world rotation relative to
    its rest (``W = G · R_rest``). Heads follow from rest offsets rotated by the parent's G.
    """
    T, B = G.shape[:2]
    head = np.zeros((T, B, 3))
    for b, p in enumerate(skel.parents):
        if p < 0:
            head[:, b] = root
        else:
            off = skel.rest_head[b] - skel.rest_head[p]
            head[:, b] = head[:, p] + G[:, p] @ off
    return WorldPose(G @ skel.rest_rot[None], head)


def interpolate(pose: WorldPose, fps: float, times: np.ndarray, loop: bool = False) -> WorldPose:
    """Evaluate a pose sampled at ``i / fps`` at arbitrary ``times`` (s): slerp + lerp.

    Times outside the clip are clamped (or wrapped when ``loop``); nothing is dropped or
    repeated: each output frame interpolates its own fractional source time.
    """
    n = pose.rot.shape[0]
    x = np.asarray(times, dtype=np.float64) * fps
    if loop and n > 1:
        x = np.mod(x, n - 1)
    x = x.clip(0, n - 1)
    i0 = np.floor(x).astype(int).clip(0, max(n - 2, 0))
    i1 = np.minimum(i0 + 1, n - 1)
    u = (x - i0)
    q = mat_to_quat(pose.rot)
    qi = slerp(q[i0], q[i1], np.broadcast_to(u[:, None], q[i0].shape[:-1]))
    head = pose.head[i0] + u[:, None, None] * (pose.head[i1] - pose.head[i0])
    return WorldPose(quat_to_mat(qi), head)


def rebuild(skel: Skeleton, rot: np.ndarray, root: np.ndarray) -> WorldPose:
    """The pose with world rotations ``rot`` (T, B, 3, 3) and hips ``root`` (T, 3): heads by
    forward kinematics, so bone lengths are the skeleton's."""
    G = rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]
    out = fk_from_global(skel, root, G)
    out.rot = rot
    return out


def interpolate_rigid(skel: Skeleton, pose: WorldPose, fps: float, times: np.ndarray,
                      loop: bool = False) -> WorldPose:
    """:func:`interpolate`, then heads rebuilt by forward kinematics from the root so bone
    lengths stay exact between source frames (what Blender's connected bones do)."""
    p = interpolate(pose, fps, times, loop)
    return rebuild(skel, p.rot, p.head[:, 0])


# --------------------------------------------------------------------------- frames
def rest_rotation(head: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """A bone's rest rotation: Y along the bone, Z towards the facing direction (−Y) or,
    for bones that run along ±Y (feet), up."""
    y = np.asarray(tail, dtype=np.float64) - np.asarray(head, dtype=np.float64)
    y = y / np.linalg.norm(y)
    ref = np.array([0.0, -1.0, 0.0]) if abs(y[1]) < 0.9 else np.array([0.0, 0.0, 1.0])
    z = ref - np.dot(ref, y) * y
    z /= np.linalg.norm(z)
    return np.stack([np.cross(y, z), y, z], axis=1)


def facing_yaw(skel: Skeleton, rot: np.ndarray | None = None, head: np.ndarray | None = None) -> float:
    """Angle (rad) about +Z that takes the body's left (LeftUpLeg − RightUpLeg, horizontal)
    onto +X, i.e. makes it face −Y."""
    h = skel.rest_head if head is None else head
    d = h[skel.i("LeftUpLeg")] - h[skel.i("RightUpLeg")]
    return -math.atan2(d[1], d[0])


def normalise_motion(skel: Skeleton, pose: WorldPose, unit: float = 1.0) -> tuple[Skeleton, WorldPose]:
    """Scale by ``unit`` and move so the hips are above the origin and the body faces −Y at
    source frame 0 (heights kept; the rest skeleton is only scaled)."""
    yaw = facing_yaw(skel, head=pose.head[0])
    R = rot_z(yaw)
    hips0 = pose.head[0, skel.i("Hips")] * unit
    shift = -(R @ np.array([hips0[0], hips0[1], 0.0]))
    head = (pose.head * unit) @ R.T + shift
    rot = R[None, None] @ pose.rot
    s = Skeleton(skel.names, skel.parents, skel.rest_rot, skel.rest_head * unit, skel.rest_tail * unit,
                 None if skel.head_top is None else skel.head_top * unit)
    return s, WorldPose(rot, head)
