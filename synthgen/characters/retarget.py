"""Retargeting between Mixamo-named skeletons, in numpy (no bpy).

World-space orientations are transferred with rest-pose compensation::

    W_t = W_s · R_s⁻¹ · Q · R_t        Q = shortest arc taking the target's rest direction
                                           onto the source's rest direction

so every mapped target bone points exactly where its source bone points whatever the two
rest poses (T-pose, A-pose, arms down) and bone rolls are. Head positions follow from the
target's own bone lengths (forward kinematics); the root translation is the source's scaled
by the leg-length ratio (:func:`leg_length`). Feet: the source's stance frames are grounded
(:func:`ground`) and the body is kept above the floor (:func:`clear_floor`).
"""
from __future__ import annotations

import logging
import math

import numpy as np

from .model import Motion
from .skeleton import PREFIX, RetargetError, Skeleton, WorldPose, arc, fk_from_global

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- retargeting
#: The joint each bone points at (its chain child). A bone's *direction* is the vector from
#: its head to that child's head when the skeleton has the child (importers give branching
#: bones such as the hips arbitrary axes: BVH hips point down), else its Y axis.
CHAIN_CHILD = {"Hips": "Spine", "Spine": "Spine1", "Spine1": "Spine2", "Spine2": "Neck",
               "Neck": "Head", "Head": "HeadTop_End"}
for _s in ("Left", "Right"):
    CHAIN_CHILD.update({_s + a: _s + b for a, b in (
        ("Shoulder", "Arm"), ("Arm", "ForeArm"), ("ForeArm", "Hand"), ("Hand", "HandMiddle1"),
        ("UpLeg", "Leg"), ("Leg", "Foot"), ("Foot", "ToeBase"), ("ToeBase", "Toe_End"))})


def _child(skel: Skeleton, b: int) -> int | None:
    c = CHAIN_CHILD.get(skel.names[b][len(PREFIX):])
    return skel.index.get(PREFIX + c) if c else None


def rest_direction(skel: Skeleton, b: int) -> np.ndarray:
    """Unit rest direction of bone ``b`` (towards its chain child, else its Y axis)."""
    c = _child(skel, b)
    d = skel.rest_head[c] - skel.rest_head[b] if c is not None else skel.rest_rot[b][:, 1]
    n = np.linalg.norm(d)
    return d / n if n > 1e-9 else skel.rest_rot[b][:, 1]


def pose_directions(skel: Skeleton, pose: WorldPose, bones) -> np.ndarray:
    """Unit world directions (T, len(bones), 3) of ``bones`` in ``pose``: the bone's Y axis,
    or, where that axis does not run along the bone at rest (BVH hips...), the vector to
    its chain child's head."""
    out = []
    for b in bones:
        c = _child(skel, b)
        d = pose.rot[:, b][:, :, 1]
        if c is not None and float(rest_direction(skel, b) @ skel.rest_rot[b][:, 1]) < math.cos(math.radians(1)):
            d = pose.head[:, c] - pose.head[:, b]
        out.append(d / np.linalg.norm(d, axis=-1, keepdims=True))
    return np.stack(out, axis=1)


def bone_pairs(src: Skeleton, tgt: Skeleton) -> list[tuple[int, int]]:
    """(source index, target index) for every bone present in both (by canonical name)."""
    return [(src.index[n], tgt.index[n]) for n in tgt.names if n in src.index]


def check_required(skel: Skeleton, what: str) -> None:
    missing = skel.missing()
    if missing:
        raise RetargetError(f"skeleton lacks bones the Mixamo map needs: {', '.join(missing)}",
                            source=what, field="bones")


def retarget(src: Skeleton, pose: WorldPose, tgt: Skeleton, root_scale: float,
             in_place: bool = False) -> WorldPose:
    """Target world pose (T, B_t) for a source pose (T, B_s).

    Mapped bones copy the source bone's world direction (rest-compensated, see module doc);
    unmapped target bones (fingers, leaf bones) keep their rest orientation relative to
    their parent. The root head is ``root_scale`` × the source root head; ``in_place``
    removes its horizontal motion relative to frame 0.
    """
    T = pose.rot.shape[0]
    B = len(tgt.names)
    mapped = {t: s for s, t in bone_pairs(src, tgt)}
    W = np.zeros((T, B, 3, 3))
    for b, p in enumerate(tgt.parents):
        if b in mapped:
            s = mapped[b]
            Q = arc(rest_direction(tgt, b), rest_direction(src, s))
            W[:, b] = pose.rot[:, s] @ (src.rest_rot[s].T @ Q @ tgt.rest_rot[b])
        elif p >= 0:
            W[:, b] = W[:, p] @ (tgt.rest_rot[p].T @ tgt.rest_rot[b])
        else:
            W[:, b] = tgt.rest_rot[b]
    G = W @ np.swapaxes(tgt.rest_rot, -1, -2)[None]
    root_src = pose.head[:, src.index[tgt.names[0]]] if tgt.names[0] in src.index else pose.head[:, 0]
    root = root_src * root_scale
    if in_place:
        root = root.copy()
        root[:, :2] = root[:1, :2]
    out = fk_from_global(tgt, root, G)
    out.rot = W
    return out


def direction_error_deg(src: Skeleton, src_pose: WorldPose, tgt: Skeleton,
                        tgt_pose: WorldPose) -> np.ndarray:
    """Angle (deg) between source and target world bone directions, (T, mapped bones)."""
    pairs = bone_pairs(src, tgt)
    s = pose_directions(src, src_pose, [p[0] for p in pairs])
    t = pose_directions(tgt, tgt_pose, [p[1] for p in pairs])
    return np.degrees(np.arccos(np.sum(s * t, axis=-1).clip(-1, 1)))


# --------------------------------------------------------------------------- feet
def sole_points(skel: Skeleton) -> list[tuple[int, np.ndarray]]:
    """Points on the soles, rigid with a foot bone: (bone index, rest position with z=0).

    Heel (under the ankle) and ball (under the toe joint) ride on Foot; the toe tip on
    ToeBase. Assumes the rest pose stands on the floor z = 0 (Mixamo and procedural rigs do).
    """
    pts = []
    for side in ("Left", "Right"):
        foot, toe = skel.i(side + "Foot"), skel.i(side + "ToeBase")
        tip = skel.rest_tail[toe]
        for b, p in ((foot, skel.rest_head[foot]), (foot, skel.rest_head[toe]), (toe, tip)):
            pts.append((b, np.array([p[0], p[1], 0.0])))
    return pts


def lowest_sole(skel: Skeleton, pose: WorldPose) -> np.ndarray:
    """Per frame, the lowest sole point's height z (T,), metres."""
    z = []
    for b, p in sole_points(skel):
        local = skel.rest_rot[b].T @ (p - skel.rest_head[b])
        z.append((pose.rot[:, b] @ local + pose.head[:, b])[:, 2])
    return np.min(np.stack(z, 1), axis=1)


def stance_frames(skel: Skeleton, pose: WorldPose, fps: float, height_tol: float = 0.03,
                  speed_tol: float = 0.5) -> np.ndarray:
    """Boolean (T,): frames where a foot is planted (low and slow)."""
    T = pose.rot.shape[0]
    planted = np.zeros(T, dtype=bool)
    for side in ("Left", "Right"):
        b = skel.i(side + "ToeBase")
        p = pose.head[:, b]
        v = np.zeros(T)
        if T > 1:
            d = np.linalg.norm(np.diff(p, axis=0), axis=1) * fps
            v[1:] = d
            v[0] = d[0]
        z = []
        for bb, sp in sole_points(skel):
            if skel.names[bb].startswith(PREFIX + side):
                local = skel.rest_rot[bb].T @ (sp - skel.rest_head[bb])
                z.append((pose.rot[:, bb] @ local + pose.head[:, bb])[:, 2])
        planted |= (np.min(np.stack(z, 1), 1) < height_tol) & (v < speed_tol)
    return planted


#: Clearance (m) kept between each bone's axis and the floor: its hull radius at the
#: stockiest build (feet are handled by the leg IK and grounding instead).
_CLEARANCE_M = {"Hips": 0.2, "Spine": 0.2, "Spine1": 0.2, "Spine2": 0.22, "Neck": 0.08, "Head": 0.12,
                "HeadTop_End": 0.06, "Shoulder": 0.12, "Arm": 0.08, "ForeArm": 0.06, "Hand": 0.05,
                "UpLeg": 0.12, "Leg": 0.08}


def floor_lift(skel: Skeleton, G: np.ndarray, head: np.ndarray, free_feet=("Left", "Right")) -> float:
    """Upward shift (m) keeping every bone's hull (axis minus its radius) above z = 0.

    Feet not driven by IK (``free_feet``) keep their ankle 8 cm and toes 2 cm up.
    """
    tails = head + np.einsum("bij,bj->bi", G, skel.rest_tail - skel.rest_head)
    lift = 0.0
    for b, n in enumerate(skel.names):
        short = n[len(PREFIX):]
        base = short.replace("Left", "").replace("Right", "")
        r = _CLEARANCE_M.get(base)
        if r is not None:
            lift = max(lift, r - min(head[b, 2], tails[b, 2]))
        elif short.replace(base, "") in free_feet and base in ("Foot", "ToeBase"):
            lift = max(lift, (0.08 if base == "Foot" else 0.02) - head[b, 2])
            if base == "ToeBase":
                lift = max(lift, 0.02 - tails[b, 2])
    return lift


# --------------------------------------------------------------------------- grounding
def ground(skel: Skeleton, pose: WorldPose, stance: np.ndarray) -> WorldPose:
    """Shift the pose vertically so the lowest sole point is on z = 0 at ``stance`` frames.

    ``stance`` (T,) bool marks the frames where the *source* has a foot planted. Offsets are
    measured there and interpolated linearly in between (held before the first and after
    the last), so airborne arcs keep their shape.
    """
    if not stance.any():
        return pose
    z = lowest_sole(skel, pose)
    idx = np.nonzero(stance)[0]
    off = np.interp(np.arange(len(z)), idx, -z[idx])
    head = pose.head.copy()
    head[..., 2] += off[:, None]
    return WorldPose(pose.rot, head)


def clear_floor(skel: Skeleton, pose: WorldPose) -> WorldPose:
    """Lift frames where the body (hull radius around each bone, feet excepted) would dip
    below z = 0: a character's proportions differ from the source's (longer arms...)."""
    G = pose.rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]
    lift = np.array([floor_lift(skel, G[t], pose.head[t], ()) for t in range(len(G))])
    if not lift.any():
        return pose
    head = pose.head.copy()
    head[..., 2] += lift[:, None]
    return WorldPose(pose.rot, head)


def source_stance(motion: Motion) -> np.ndarray:
    """(T,) bool: source frames with a foot on the floor (within 2 cm) and slow (< 0.5 m/s)."""
    return stance_frames(motion.skeleton, motion.pose, motion.fps, height_tol=0.02, speed_tol=0.5)


def retarget_motion(motion: Motion, target: Skeleton, in_place: bool = False,
                    foot_lock: bool = True) -> tuple[WorldPose, np.ndarray]:
    """Retarget onto ``target`` (character frame); with ``foot_lock`` the source's stance
    frames are grounded (:func:`ground`). Returns (pose, errors (T, M) deg)."""
    check_required(target, "character")
    scale = target.hip_height / motion.skeleton.hip_height
    pose = retarget(motion.skeleton, motion.pose, target, scale, in_place=in_place)
    if foot_lock:
        pose = ground(target, pose, source_stance(motion))
    pose = clear_floor(target, pose)
    return pose, direction_error_deg(motion.skeleton, motion.pose, target, pose)
