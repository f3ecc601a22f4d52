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
from .skeleton import PREFIX, RetargetError, Skeleton, WorldPose, arc, rebuild

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
    root_src = pose.head[:, src.index[tgt.names[0]]] if tgt.names[0] in src.index else pose.head[:, 0]
    root = root_src * root_scale
    if in_place:
        root = root.copy()
        root[:, :2] = root[:1, :2]
    return rebuild(tgt, W, root)


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
    """Retarget onto ``target`` (character frame), the root scaled by the leg-length ratio.
    With ``foot_lock`` each foot is pinned during the source's stance of that foot
    (:func:`lock_feet`) and the stance frames are grounded (:func:`ground`). Returns
    (pose, direction errors (T, M) deg)."""
    check_required(target, "character")
    scale = leg_length(target) / leg_length(motion.skeleton)
    pose = retarget(motion.skeleton, motion.pose, target, scale, in_place=in_place)
    if foot_lock:
        if not in_place:
            pose = lock_feet(target, pose, foot_stance(motion.skeleton, motion.pose, motion.fps))
        pose = ground(target, pose, source_stance(motion))
    pose = clear_floor(target, pose)
    return pose, direction_error_deg(motion.skeleton, motion.pose, target, pose)


# --------------------------------------------------------------------------- metrics
def leg_length(skel: Skeleton) -> float:
    """Mean over both legs of thigh + shin length + ankle height at rest (m): the scale the
    root motion follows (hip height alone misjudges splayed rest legs)."""
    out = []
    for side in ("Left", "Right"):
        up, knee, ankle = (skel.rest_head[skel.i(side + n)] for n in ("UpLeg", "Leg", "Foot"))
        out.append(np.linalg.norm(knee - up) + np.linalg.norm(ankle - knee) + ankle[2])
    return float(np.mean(out))


def foot_stance(skel: Skeleton, pose: WorldPose, fps: float, height_tol: float = 0.02,
                speed_tol: float = 0.5) -> dict[str, np.ndarray]:
    """Per foot ("Left"/"Right"), (T,) bool: that foot's lowest sole point within
    ``height_tol`` of the floor and its toe joint slower than ``speed_tol`` m/s."""
    out = {}
    for side in ("Left", "Right"):
        toe = pose.head[:, skel.i(side + "ToeBase")]
        v = np.zeros(len(toe))
        if len(toe) > 1:
            d = np.linalg.norm(np.diff(toe, axis=0), axis=1) * fps
            v[1:], v[0] = d, d[0]
        out[side] = (_side_sole(skel, pose, side) < height_tol) & (v < speed_tol)
    return out


def _side_sole(skel: Skeleton, pose: WorldPose, side: str) -> np.ndarray:
    z = []
    for b, p in sole_points(skel):
        if skel.names[b].startswith(PREFIX + side):
            local = skel.rest_rot[b].T @ (p - skel.rest_head[b])
            z.append((pose.rot[:, b] @ local + pose.head[:, b])[:, 2])
    return np.min(np.stack(z, 1), axis=1)


def contact_point(skel: Skeleton, pose: WorldPose, side: str) -> np.ndarray:
    """(T, 3): the foot's lowest sole point per frame (heel, ball or toe tip)."""
    pts = []
    for b, p in sole_points(skel):
        if skel.names[b].startswith(PREFIX + side):
            local = skel.rest_rot[b].T @ (p - skel.rest_head[b])
            pts.append(pose.rot[:, b] @ local + pose.head[:, b])
    pts = np.stack(pts, 1)
    return pts[np.arange(len(pts)), np.argmin(pts[:, :, 2], axis=1)]


def foot_skating(skel: Skeleton, pose: WorldPose, stance: dict[str, np.ndarray]) -> np.ndarray:
    """Horizontal slide (m) of each planted foot over each of its stance intervals: the
    distance its ball (ToeBase head) travels between the interval's first and last frame."""
    out = []
    for side, mask in stance.items():
        ball = pose.head[:, skel.i(side + "ToeBase"), :2]
        edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
        for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
            if b - a >= 2:
                out.append(float(np.linalg.norm(ball[b - 1] - ball[a])))
    return np.array(out)


# --------------------------------------------------------------------------- foot locking
def _intervals(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist()))


def lock_weights(mask: np.ndarray, ramp: int) -> tuple[np.ndarray, np.ndarray]:
    """(weight (T,), interval id (T,)) of the foot lock: 1 inside each stance interval,
    falling linearly to 0 over ``ramp`` frames on either side (the nearer interval wins)."""
    T = len(mask)
    w, owner = np.zeros(T), np.full(T, -1)
    for k, (a, b) in enumerate(_intervals(mask)):
        for t in range(max(0, a - ramp), min(T, b + ramp)):
            d = a - t if t < a else (t - b + 1 if t >= b else 0)
            v = 1.0 - d / (ramp + 1)
            if v > w[t]:
                w[t], owner[t] = v, k
    return w, owner


def _two_bone(hip, knee, ankle, target, l1, l2):
    """New knee position reaching ``target`` with the knee kept in its current plane."""
    d_vec = target - hip
    d = np.clip(np.linalg.norm(d_vec), abs(l1 - l2) + 1e-6, l1 + l2 - 1e-6)
    u = d_vec / max(np.linalg.norm(d_vec), 1e-12)
    w = (knee - hip) - np.dot(knee - hip, u) * u
    if np.linalg.norm(w) < 1e-9:
        w = np.cross(u, [1.0, 0.0, 0.0])
    w /= np.linalg.norm(w)
    cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    a = math.acos(max(-1.0, min(1.0, cos_a)))
    return hip + l1 * (math.cos(a) * u + math.sin(a) * w), hip + d * u


def lock_feet(skel: Skeleton, pose: WorldPose, stance: dict[str, np.ndarray], ramp: int = 3) -> WorldPose:
    """Pin each foot's ball (ToeBase head) during its stance intervals to the interval's
    mean ball position, by two-bone IK of thigh and shin (feet keep their orientation);
    the correction fades in and out over ``ramp`` frames."""
    rot = pose.rot.copy()
    for side, mask in stance.items():
        if not mask.any():
            continue
        up, kn, an, ball = (skel.i(side + n) for n in ("UpLeg", "Leg", "Foot", "ToeBase"))
        l1 = np.linalg.norm(skel.rest_head[kn] - skel.rest_head[up])
        l2 = np.linalg.norm(skel.rest_head[an] - skel.rest_head[kn])
        w, owner = lock_weights(mask, ramp)
        pins = [pose.head[a:b, ball].mean(axis=0) for a, b in _intervals(mask)]
        for t in np.nonzero(w > 0)[0]:
            h = pose.head[t]
            target = h[an] + w[t] * (pins[owner[t]] - h[ball])
            knee, reach = _two_bone(h[up], h[kn], h[an], target, l1, l2)
            q1 = arc(h[kn] - h[up], knee - h[up])
            rot[t, up] = q1 @ rot[t, up]
            q2 = arc(q1 @ (h[an] - h[kn]), reach - knee)
            rot[t, kn] = q2 @ q1 @ rot[t, kn]
    return rebuild(skel, rot, pose.head[:, 0])
