"""BVH motion capture (CMU-style joint names) as Mixamo-named motions (numpy only).

A BVH file is a joint hierarchy (``OFFSET`` from the parent joint, ``CHANNELS``, ``End Site``)
followed by ``MOTION``: a frame count, a frame time and one row of channel values per
frame. Each joint's local rotation is the product of its rotation channels in the listed
order (``Zrotation Yrotation Xrotation`` → Rz·Ry·Rx, degrees); the root also carries its
position. The file's frame is Y up, the performer facing +Z at rest, left = +X; units are
the file's (the CMU conversion: 1/0.45 inch, :data:`CMU_UNIT_M`).

:func:`to_motion` keeps the joints of :data:`CMU_TO_MIXAMO` under Mixamo names (each bone's
rest rotation with Y towards its chain child), takes each bone's world rotation from its
BVH joint, turns everything into the action frame (Z up, facing −Y) and rebuilds the heads
by forward kinematics, so the skeleton is rigid like every synthgen source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .skeleton import PREFIX, Skeleton, WorldPose, fk_from_global, rest_rotation, rot_x, rot_y, rot_z

CMU_UNIT_M = 0.0254 / 0.45
#: BVH (Y up, facing +Z) -> action frame (Z up, facing −Y, left +X).
BVH_TO_ACTION = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

#: Mixamo bone -> (BVH joint giving its rotation, position of its head, of its tail).
#: Positions are joints, ``end:<joint>`` (an End Site) or ``mid:<a>,<b>`` (halfway). CMU's
#: Spine1 joint has no length (neck and shoulders start at it): Mixamo's Spine1 and Spine2
#: share CMU's Spine segment, Spine2 turning with CMU's Spine1 joint.
CMU_TO_MIXAMO = {
    "Hips": ("Hips", "Hips", "Spine"), "Spine": ("LowerBack", "LowerBack", "Spine"),
    "Spine1": ("Spine", "Spine", "mid:Spine,Spine1"), "Spine2": ("Spine1", "mid:Spine,Spine1", "Spine1"),
    "Neck": ("Neck", "Neck", "Head"), "Head": ("Head", "Head", "end:Head"),
    "LeftShoulder": ("LeftShoulder", "LeftShoulder", "LeftArm"), "LeftArm": ("LeftArm", "LeftArm", "LeftForeArm"),
    "LeftForeArm": ("LeftForeArm", "LeftForeArm", "LeftHand"), "LeftHand": ("LeftHand", "LeftHand", "LFingers"),
    "RightShoulder": ("RightShoulder", "RightShoulder", "RightArm"), "RightArm": ("RightArm", "RightArm", "RightForeArm"),
    "RightForeArm": ("RightForeArm", "RightForeArm", "RightHand"), "RightHand": ("RightHand", "RightHand", "RFingers"),
    "LeftUpLeg": ("LeftUpLeg", "LeftUpLeg", "LeftLeg"), "LeftLeg": ("LeftLeg", "LeftLeg", "LeftFoot"),
    "LeftFoot": ("LeftFoot", "LeftFoot", "LeftToeBase"), "LeftToeBase": ("LeftToeBase", "LeftToeBase", "end:LeftToeBase"),
    "RightUpLeg": ("RightUpLeg", "RightUpLeg", "RightLeg"), "RightLeg": ("RightLeg", "RightLeg", "RightFoot"),
    "RightFoot": ("RightFoot", "RightFoot", "RightToeBase"), "RightToeBase": ("RightToeBase", "RightToeBase", "end:RightToeBase"),
}
MIXAMO_PARENT = {"Hips": None, "Spine": "Hips", "Spine1": "Spine", "Spine2": "Spine1", "Neck": "Spine2",
                 "Head": "Neck", "LeftShoulder": "Spine2", "RightShoulder": "Spine2",
                 "LeftUpLeg": "Hips", "RightUpLeg": "Hips"}
for _s in ("Left", "Right"):
    MIXAMO_PARENT.update({_s + "Arm": _s + "Shoulder", _s + "ForeArm": _s + "Arm", _s + "Hand": _s + "ForeArm",
                          _s + "Leg": _s + "UpLeg", _s + "Foot": _s + "Leg", _s + "ToeBase": _s + "Foot"})
#: Bones with a BVH segment of their own (the retargeting error is reported on these).
MEASURED = tuple(n for n in CMU_TO_MIXAMO if n != "Hips")


class BVHError(ValueError):
    """The text is not a BVH file of the expected form."""


@dataclass
class Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str]
    end: np.ndarray | None = None          # End Site offset
    children: list[int] = field(default_factory=list)


@dataclass
class BVH:
    joints: list[Joint]
    frame_time: float
    values: np.ndarray                      # (T, channels)

    def index(self, name: str) -> int:
        for i, j in enumerate(self.joints):
            if j.name == name:
                return i
        raise BVHError(f"no joint {name!r}")


def parse(text: str) -> BVH:
    """Parse a BVH document (one ROOT)."""
    tokens = text.split()
    if not tokens or tokens[0] != "HIERARCHY":
        raise BVHError("does not start with HIERARCHY")
    joints: list[Joint] = []
    stack: list[int] = []
    pos, pending_end = 1, False
    while tokens[pos] != "MOTION":
        tok = tokens[pos]
        if tok in ("ROOT", "JOINT"):
            parent = stack[-1] if stack else -1
            joints.append(Joint(tokens[pos + 1], parent, np.zeros(3), []))
            if parent >= 0:
                joints[parent].children.append(len(joints) - 1)
            pos += 2
        elif tok == "End":
            pending_end, pos = True, pos + 2
        elif tok == "{":
            stack.append(-2 if pending_end else len(joints) - 1)
            pos += 1
        elif tok == "}":
            if stack.pop() == -2:
                pending_end = False
            pos += 1
        elif tok == "OFFSET":
            off = np.array([float(x) for x in tokens[pos + 1:pos + 4]])
            if pending_end:
                joints[stack[-2]].end = off
            else:
                joints[stack[-1]].offset = off
            pos += 4
        elif tok == "CHANNELS":
            n = int(tokens[pos + 1])
            joints[stack[-1]].channels = tokens[pos + 2:pos + 2 + n]
            pos += 2 + n
        else:
            raise BVHError(f"unexpected token {tok!r} in the hierarchy")
    n_frames = int(tokens[pos + 2])
    frame_time = float(tokens[pos + 5])
    n_ch = sum(len(j.channels) for j in joints)
    vals = np.array(tokens[pos + 6:pos + 6 + n_frames * n_ch], dtype=np.float64)
    if vals.size != n_frames * n_ch:
        raise BVHError(f"expected {n_frames} frames of {n_ch} channels, got {vals.size} values")
    return BVH(joints, frame_time, vals.reshape(n_frames, n_ch))


_AXIS = {"Xrotation": rot_x, "Yrotation": rot_y, "Zrotation": rot_z}


def local_transforms(bvh: BVH, rows: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """(root positions (T, 3), per joint local rotations (T, 3, 3)) for frame ``rows``."""
    vals = bvh.values[rows]
    col, root, rots = 0, np.zeros((len(rows), 3)), []
    for j in bvh.joints:
        R = np.broadcast_to(np.eye(3), (len(rows), 3, 3)).copy()
        for ch in j.channels:
            v = vals[:, col]
            col += 1
            if ch in _AXIS:
                R = R @ np.stack([_AXIS[ch](math.radians(a)) for a in v])
            elif ch in ("Xposition", "Yposition", "Zposition"):
                root[:, "XYZ".index(ch[0])] = v
        rots.append(R)
    return root, rots


def _world(bvh: BVH, rots: list[np.ndarray]) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for j, R in zip(bvh.joints, rots):
        out.append(R if j.parent < 0 else out[j.parent] @ R)
    return out


def rest_positions(bvh: BVH) -> dict[str, np.ndarray]:
    """Rest (zero-rotation) joint positions, and ``end:<joint>`` end sites, file units."""
    pos: dict[str, np.ndarray] = {}
    for j in bvh.joints:
        base = pos[bvh.joints[j.parent].name] if j.parent >= 0 else np.zeros(3)
        pos[j.name] = base + j.offset
        if j.end is not None:
            pos["end:" + j.name] = pos[j.name] + j.end
    return pos


def _point(rest: dict, spec: str) -> np.ndarray:
    if spec.startswith("mid:"):
        a, b = spec[4:].split(",")
        return 0.5 * (rest[a] + rest[b])
    return rest[spec]


def skeleton(bvh: BVH, unit: float) -> Skeleton:
    """The Mixamo-named rest skeleton in the action frame, standing with its lowest joint
    at z = 0 (toe joints sit above the soles: :func:`sole_offset` lowers the floor)."""
    rest = rest_positions(bvh)
    names = list(CMU_TO_MIXAMO)
    heads = np.array([BVH_TO_ACTION @ _point(rest, CMU_TO_MIXAMO[n][1]) for n in names]) * unit
    tails = np.array([BVH_TO_ACTION @ _point(rest, CMU_TO_MIXAMO[n][2]) for n in names]) * unit
    hips_up = tails[0] - heads[0]
    if np.linalg.norm(hips_up) < 1e-9:
        tails[0] = heads[0] + [0.0, 0.0, 0.1]
    lift = -min(heads[:, 2].min(), tails[:, 2].min())
    heads[:, 2] += lift
    tails[:, 2] += lift
    rots = np.array([rest_rotation(h, t) for h, t in zip(heads, tails)])
    idx = {n: i for i, n in enumerate(names)}
    parents = [idx[MIXAMO_PARENT[n]] if MIXAMO_PARENT[n] else -1 for n in names]
    return Skeleton([PREFIX + n for n in names], parents, rots, heads, tails)


def world_pose(bvh: BVH, skel: Skeleton, unit: float, rows: np.ndarray) -> WorldPose:
    """The frames ``rows`` on :func:`skeleton`: each bone's world rotation from its joint
    (rest-compensated: W = M·R_world·Mᵀ·R_rest), heads by forward kinematics from the hips."""
    root, rots = local_transforms(bvh, rows)
    world = _world(bvh, rots)
    M = BVH_TO_ACTION
    G = np.stack([M @ world[bvh.index(CMU_TO_MIXAMO[n[len(PREFIX):]][0])] @ M.T for n in skel.names], axis=1)
    return fk_from_global(skel, (root + bvh.joints[0].offset) @ M.T * unit, G)
