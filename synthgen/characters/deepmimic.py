"""DeepMimic humanoid clips (``humanoid3d_*.txt``) as Mixamo-named motions (numpy only).

The DeepMimic humanoid has 15 links joined by 12 joints: root (pelvis, free), chest, neck,
hips, ankles, shoulders (spherical) and knees, elbows (revolute about the joint's local +z).
Its frame is Y up, facing +X, right = +Z, metres once the URDF is scaled by
:data:`URDF_SCALE`, as pybullet's DeepMimic environment loads it. A clip is JSON
``{"Loop": ..., "Frames": [[duration, root xyz, root wxyz, chest wxyz, neck wxyz,
right hip wxyz, right knee angle, right ankle wxyz, right shoulder wxyz, right elbow angle,
left hip ..., left knee, left ankle, left shoulder, left elbow], ...]}`` with local
rotations (each relative to its parent link) and the root rotation in the world.

:func:`skeleton` builds a Mixamo-named skeleton whose every bone is rigid with one DeepMimic
link (the chest link carries Spine1, Spine2 and both shoulders; the neck link the neck and
head; the ankle link foot and toes), so a clip's world pose follows exactly from the link
rotations. Bones that have a DeepMimic segment of their own are listed in
:data:`MEASURED` (retargeting error is reported on those).
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np

from .skeleton import PREFIX, Skeleton, WorldPose, fk_from_global, quat_to_mat, rest_rotation, slerp, mat_to_quat

URDF_SCALE = 0.25
#: DeepMimic (x fwd, y up, z right) -> action frame (Z up, facing −Y, left +X).
DM_TO_ACTION = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
#: (joint, degrees of freedom) in a frame row after the duration and the root position.
LAYOUT = [("root", 4), ("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1),
          ("right_ankle", 4), ("right_shoulder", 4), ("right_elbow", 1), ("left_hip", 4),
          ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1)]
PARENT = {"root": None, "chest": "root", "neck": "chest", "right_hip": "root", "right_knee": "right_hip",
          "right_ankle": "right_knee", "right_shoulder": "chest", "right_elbow": "right_shoulder",
          "left_hip": "root", "left_knee": "left_hip", "left_ankle": "left_knee",
          "left_shoulder": "chest", "left_elbow": "left_shoulder"}
MEASURED = ("Hips", "Spine1", "Neck", "LeftArm", "LeftForeArm", "RightArm", "RightForeArm",
            "LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot")


def parse_urdf(text: str) -> dict:
    """Joint offsets (from the parent joint, DeepMimic frame, metres), the foot box (centre
    offset from the ankle, size) and the head sphere (centre offset from the neck, radius)."""
    root = ET.fromstring(text.rstrip("\x00\r\n\t "))   # the shipped file ends in a NUL byte
    offsets = {"root": np.zeros(3)}
    for j in root.iter("joint"):
        name = j.get("name")
        if name in PARENT or name in ("right_wrist", "left_wrist"):
            offsets[name] = _xyz(j.find("origin")) * URDF_SCALE
    links = {ln.get("name"): ln for ln in root.iter("link")}
    foot = links["right_ankle"].find("collision")
    head = links["neck"].find("collision")
    return {"offsets": offsets,
            "foot_centre": _xyz(foot.find("origin")) * URDF_SCALE,
            "foot_size": np.array([float(x) for x in foot.find("geometry/box").get("size").split()]) * URDF_SCALE,
            "head_centre": _xyz(head.find("origin")) * URDF_SCALE,
            "head_radius": float(head.find("geometry/sphere").get("radius")) * URDF_SCALE}


def _xyz(origin) -> np.ndarray:
    return np.array([float(x) for x in origin.get("xyz").split()])


def _joint_positions(body: dict) -> dict:
    """Rest (identity) joint positions in the DeepMimic frame, root at the origin."""
    pos = {}
    for j, p in PARENT.items():
        pos[j] = body["offsets"][j] + (pos[p] if p else 0.0)
    for side in ("right", "left"):
        pos[f"{side}_wrist"] = pos[f"{side}_elbow"] + body["offsets"][f"{side}_wrist"]
    return pos


def _bone_table(body: dict) -> list[tuple[str, str | None, str, np.ndarray, np.ndarray]]:
    """(Mixamo bone, parent bone, DeepMimic link, head, tail), DeepMimic frame."""
    J = _joint_positions(body)
    up = np.array([0.0, 1.0, 0.0])
    root, chest, neck = J["root"], J["chest"], J["neck"]
    head_top = neck + body["head_centre"] + body["head_radius"] * up
    spine, spine2 = root + 0.4 * (chest - root), chest + 0.5 * (neck - chest)
    head_base = neck + 0.35 * body["head_centre"]
    rows = [("Hips", None, "root", root, spine), ("Spine", "Hips", "root", spine, chest),
            ("Spine1", "Spine", "chest", chest, spine2), ("Spine2", "Spine1", "chest", spine2, neck),
            ("Neck", "Spine2", "neck", neck, head_base), ("Head", "Neck", "neck", head_base, head_top),
            ("HeadTop_End", "Head", "neck", head_top, head_top + 0.05 * up)]
    fc, fs = body["foot_centre"], body["foot_size"]
    sole = fc[1] - fs[1] / 2
    for side, Side in (("left", "Left"), ("right", "Right")):
        sh, el, wr = J[f"{side}_shoulder"], J[f"{side}_elbow"], J[f"{side}_wrist"]
        clav = np.array([sh[0], sh[1], 0.2 * sh[2]])
        hand_tip = wr + 0.08 * (wr - el) / np.linalg.norm(wr - el)
        hip, knee, ank = J[f"{side}_hip"], J[f"{side}_knee"], J[f"{side}_ankle"]
        ball = ank + np.array([fc[0] + 0.3 * fs[0], sole + 0.035, 0.0])
        tip = ank + np.array([fc[0] + fs[0] / 2, sole + 0.01, 0.0])
        rows += [(Side + "Shoulder", "Spine2", "chest", clav, sh),
                 (Side + "Arm", Side + "Shoulder", f"{side}_shoulder", sh, el),
                 (Side + "ForeArm", Side + "Arm", f"{side}_elbow", el, wr),
                 (Side + "Hand", Side + "ForeArm", f"{side}_elbow", wr, hand_tip),
                 (Side + "UpLeg", "Hips", f"{side}_hip", hip, knee),
                 (Side + "Leg", Side + "UpLeg", f"{side}_knee", knee, ank),
                 (Side + "Foot", Side + "Leg", f"{side}_ankle", ank, ball),
                 (Side + "ToeBase", Side + "Foot", f"{side}_ankle", ball, tip),
                 (Side + "Toe_End", Side + "ToeBase", f"{side}_ankle", tip, tip + np.array([0.02, 0.0, 0.0]))]
    return rows


def sole_depth(body: dict) -> float:
    """Height of the root above the floor at rest (legs straight, soles flat), metres."""
    J = _joint_positions(body)
    return float(-(J["left_ankle"][1] + body["foot_centre"][1] - body["foot_size"][1] / 2))


def skeleton(body: dict) -> tuple[Skeleton, list[str]]:
    """The Mixamo-named rest skeleton in the action frame (soles on z = 0) and, per bone,
    the DeepMimic link it rides on."""
    rows = _bone_table(body)
    names = [PREFIX + r[0] for r in rows]
    index = {r[0]: i for i, r in enumerate(rows)}
    lift = np.array([0.0, 0.0, sole_depth(body)])
    heads = np.array([DM_TO_ACTION @ r[3] for r in rows]) + lift
    tails = np.array([DM_TO_ACTION @ r[4] for r in rows]) + lift
    rots = np.array([rest_rotation(h, t) for h, t in zip(heads, tails)])
    parents = [index[r[1]] if r[1] else -1 for r in rows]
    return Skeleton(names, parents, rots, heads, tails), [r[2] for r in rows]


def parse_clip(text: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """(frame times (T,) s, root positions (T, 3) DeepMimic frame, {joint: local rotation
    (T, 3, 3)}) of a clip file. Revolute joints rotate about their local +z."""
    doc = json.loads(text)
    rows = np.asarray(doc["Frames"], dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 1 + 3 + sum(d for _, d in LAYOUT):
        raise ValueError(f"expected {1 + 3 + sum(d for _, d in LAYOUT)} values per frame, got {rows.shape}")
    times = np.concatenate([[0.0], np.cumsum(rows[:-1, 0])])
    local, col = {}, 4
    for joint, dof in LAYOUT:
        v = rows[:, col:col + dof]
        col += dof
        if dof == 4:
            local[joint] = quat_to_mat(v)
        else:
            a = v[:, 0]
            c, s = np.cos(a), np.sin(a)
            m = np.zeros((len(a), 3, 3))
            m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1], m[:, 2, 2] = c, -s, s, c, 1.0
            local[joint] = m
    return times, rows[:, 1:4], local


def resample(times: np.ndarray, root: np.ndarray, local: dict, fps: float) -> tuple[np.ndarray, dict]:
    """Root positions and local rotations at i / fps over the clip (slerp / lerp)."""
    n = int(np.floor(times[-1] * fps + 1e-6)) + 1
    t = np.arange(n) / fps
    i1 = np.clip(np.searchsorted(times, t, side="right"), 1, len(times) - 1)
    i0 = i1 - 1
    u = ((t - times[i0]) / np.maximum(times[i1] - times[i0], 1e-12)).clip(0, 1)
    out_root = root[i0] + u[:, None] * (root[i1] - root[i0])
    out = {}
    for j, R in local.items():
        q = mat_to_quat(R)
        out[j] = quat_to_mat(slerp(q[i0], q[i1], u))
    return out_root, out


def world_pose(skel: Skeleton, links: list[str], body: dict, root: np.ndarray, local: dict) -> WorldPose:
    """The clip's world pose on :func:`skeleton` (action axes, root lifted like the rest)."""
    world = {}
    for j, p in PARENT.items():
        world[j] = local[j] if p is None else world[p] @ local[j]
    M = DM_TO_ACTION
    G = np.stack([M @ world[ln] @ M.T for ln in links], axis=1)
    return fk_from_global(skel, root @ M.T, G)


def extend_cycle(root: np.ndarray, local: dict, fps: float, target_s: float,
                 blend_s: float = 0.25) -> tuple[np.ndarray, dict]:
    """Repeat a gait cycle (frames 0..n−1, the last ≈ the first one cycle on) until it lasts
    ``target_s``: each repeat starts where the previous ended (its horizontal travel added),
    and the mismatch at every seam (the clips' cycles close only roughly) is faded out over
    ``blend_s`` after it, so joints and root stay continuous."""
    n = len(root)
    step = root[-1] - root[0]
    step[1] = 0.0                                           # DeepMimic's up axis is y
    reps = max(1, int(np.ceil(target_s * fps / (n - 1))))
    ramp = np.clip(1.0 - np.arange(n - 1) / max(blend_s * fps, 1.0), 0.0, 1.0)
    out_root = [root[:-1] + k * step for k in range(reps)] + [root[-1:] + (reps - 1) * step]
    dy = np.zeros((n - 1, 3))
    dy[:, 1] = (root[-1, 1] - root[0, 1]) * ramp
    for k in range(1, reps):
        out_root[k] = out_root[k] + dy
    out = {}
    for j, R in local.items():
        seam = R[-1] @ R[0].T                               # takes the first frame onto the last
        q = mat_to_quat(np.broadcast_to(seam, (n - 1, 3, 3)))
        ident = np.broadcast_to([1.0, 0.0, 0.0, 0.0], q.shape)
        fix = quat_to_mat(slerp(ident, q, ramp)) @ R[:-1]
        out[j] = np.concatenate([R[:-1]] + [fix] * (reps - 1) + [R[-1:]])
    return np.concatenate(out_root), out
