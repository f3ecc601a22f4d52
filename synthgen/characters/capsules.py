"""A posed body as capsules: one per body segment, from the skeleton's pose (numpy only).

Two people interpenetrate when their bodies overlap in some frame. Testing every vertex of
two 15,000-vertex bodies over a clip is too slow for planning, so each body is bounded by
:data:`SEGMENTS` capsules (a segment between two joints of the posed skeleton, swept by a
radius): pelvis, hips, chest, shoulders, neck, head, knees (from knee to knee: a skirt's
hem spans the legs when they part), and per side the upper arm, forearm, hand, thigh, shin,
foot and toes. A person's radii come from its dressed rest mesh (each
vertex goes to the nearest segment axis, the radius is the farthest of them); other
characters get :func:`default_radii` scaled to their height. ``tests/test_group.py``
measures how much of the Blender-skinned mesh of a rendered clip the capsules hold.

:func:`clearance` is the per-frame gap between two bodies: the smallest distance between
any two of their capsules' axes minus both radii (negative: they overlap).
"""
from __future__ import annotations

import numpy as np

from .skeleton import PREFIX, Skeleton, WorldPose

#: (name, (joint, bone), (joint, bone)): a joint is the ``head`` or ``tail`` of a bone (a
#: list of bones: the first one the skeleton has). Sides are written with ``{s}``.
_MIDDLE = [("pelvis", ("head", "LeftUpLeg"), ("head", "RightUpLeg")),
           ("hips", ("head", "Hips"), ("head", "Spine1")),
           ("chest", ("head", "Spine1"), ("head", "Neck")),
           ("shoulders", ("head", "LeftArm"), ("head", "RightArm")),
           ("neck", ("head", "Neck"), ("head", "Head")),
           ("head", ("head", "Head"), ("tail", "Head")),
           ("knees", ("head", "LeftLeg"), ("head", "RightLeg"))]
_SIDE = [("upper_arm", ("head", "{s}Arm"), ("head", "{s}ForeArm")),
         ("forearm", ("head", "{s}ForeArm"), ("head", "{s}Hand")),
         ("hand", ("head", "{s}Hand"), ("tail", ["{s}HandMiddle3", "{s}Hand"])),
         ("thigh", ("head", "{s}UpLeg"), ("head", "{s}Leg")),
         ("shin", ("head", "{s}Leg"), ("head", "{s}Foot")),
         ("foot", ("head", "{s}Foot"), ("head", "{s}ToeBase")),
         ("toes", ("head", "{s}ToeBase"), ("tail", ["{s}ToeBase"]))]


def _sided(joint, side: str):
    kind, bones = joint
    bones = [bones] if isinstance(bones, str) else bones
    return kind, [b.format(s=side) for b in bones]


SEGMENTS = [(n, _sided(a, ""), _sided(b, "")) for n, a, b in _MIDDLE] + [
    (f"{side.lower()}_{n}", _sided(a, side), _sided(b, side)) for side in ("Left", "Right") for n, a, b in _SIDE]
NAMES = [s[0] for s in SEGMENTS]

#: Radii (m) of a 1.75 m adult, for characters without a mesh to measure.
DEFAULT_RADII_175 = {"pelvis": 0.13, "hips": 0.15, "chest": 0.16, "shoulders": 0.09, "neck": 0.07,
                     "head": 0.12, "upper_arm": 0.065, "forearm": 0.055, "hand": 0.06, "thigh": 0.1,
                     "shin": 0.075, "foot": 0.065, "toes": 0.05, "knees": 0.05}


def _joint_index(skel: Skeleton, joint) -> tuple[str, int]:
    kind, bones = joint
    for b in bones:
        if PREFIX + b in skel.index:
            return kind, skel.index[PREFIX + b]
    raise KeyError(f"the skeleton has none of {bones}")


def joints(skel: Skeleton) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    """Per segment, its two joints as (head|tail, bone index)."""
    return [(_joint_index(skel, a), _joint_index(skel, b)) for _, a, b in SEGMENTS]


def _points(skel: Skeleton, rot: np.ndarray, head: np.ndarray, spec: tuple[str, int]) -> np.ndarray:
    kind, b = spec
    if kind == "head":
        return head[..., b, :]
    length = float(np.linalg.norm(skel.rest_tail[b] - skel.rest_head[b]))
    return head[..., b, :] + length * rot[..., b, :, 1]


def segments(skel: Skeleton, pose: WorldPose) -> np.ndarray:
    """(T, K, 2, 3) capsule axis end points of every frame of ``pose``."""
    out = [np.stack([_points(skel, pose.rot, pose.head, a), _points(skel, pose.rot, pose.head, b)], axis=-2)
           for a, b in joints(skel)]
    return np.stack(out, axis=-3)


def rest_segments(skel: Skeleton) -> np.ndarray:
    """(K, 2, 3) capsule axes of the rest pose."""
    return segments(skel, WorldPose(skel.rest_rot[None], skel.rest_head[None]))[0]


def point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances (..., K) from points ``p`` (..., 1, 3) to segments a-b (K, 3)."""
    ab = b - a
    u = np.clip(np.sum((p - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-12), 0.0, 1.0)
    return np.linalg.norm(p - (a + u[..., None] * ab), axis=-1)


#: Which segment a bone's skin belongs to (short names without side; fingers go to the hand).
BONE_SEGMENT = {"Hips": ("pelvis", "hips"), "Spine": ("hips",), "Spine1": ("chest",), "Spine2": ("chest", "shoulders"),
                "Neck": ("neck",), "Head": ("head",), "Shoulder": ("shoulders", "chest"), "Arm": ("upper_arm",),
                "ForeArm": ("forearm",), "Hand": ("hand",), "UpLeg": ("thigh", "pelvis", "knees"), "Leg": ("shin", "knees"),
                "Foot": ("foot",), "ToeBase": ("toes",)}


def _bone_segments(skel: Skeleton) -> list[list[int]]:
    """Per bone, the indices of the segments its skin may belong to."""
    index = {n: k for k, n in enumerate(NAMES)}
    out = []
    for name in skel.names:
        short = name[len(PREFIX):] if name.startswith(PREFIX) else name
        side = next((s for s in ("Left", "Right") if short.startswith(s)), "")
        base, side = short[len(side):], side.lower() + "_" if side else ""
        base = "Hand" if base.startswith("Hand") and base != "Hand" else base
        segs = BONE_SEGMENT.get(base, ())
        out.append([index[s if s in index else side + s] for s in segs if (s in index or side + s in index)])
    return out


def mesh_radii(skel: Skeleton, verts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """(K,) radii from a rest mesh (V, 3): every vertex goes to the nearest axis among the
    segments of the bones that carry at least a quarter of its skin weight (``weights``
    (V, B); any segment without them), and a segment's radius is the farthest of its
    vertices (0.02 m at least). Skin-weight assignment keeps a vertex with the segment that
    moves it, so the capsules hold the body in motion too."""
    seg = rest_segments(skel)
    radii = np.full(len(seg), 0.02)
    allowed = None
    if weights is not None:
        allowed = np.zeros((len(verts), len(seg)), bool)
        for b, segs in enumerate(_bone_segments(skel)):
            if segs:
                allowed[np.ix_(weights[:, b] >= 0.25, segs)] = True
        allowed[~allowed.any(axis=1)] = True
    verts = np.asarray(verts, float)
    for idx in np.array_split(np.arange(len(verts)), max(1, len(verts) // 4096)):
        d = point_segment_distance(verts[idx][:, None, :], seg[:, 0], seg[:, 1])
        if allowed is not None:
            d = np.where(allowed[idx], d, np.inf)
        k = np.argmin(d, axis=1)
        np.maximum.at(radii, k, d[np.arange(len(k)), k])
    return radii


def default_radii(height_m: float) -> np.ndarray:
    """(K,) :data:`DEFAULT_RADII_175` scaled to a character ``height_m`` tall."""
    return np.array([DEFAULT_RADII_175[n.split("_", 1)[1] if n.startswith(("left_", "right_")) else n]
                     for n in NAMES]) * (height_m / 1.75)


def segment_distance(p0, p1, q0, q1) -> np.ndarray:
    """Distance between segments p0-p1 and q0-q1 (arrays (..., 3), broadcast), exact: the
    closest points of the two lines clamped to the segments (Ericson's method)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a, e, f = np.sum(d1 * d1, -1), np.sum(d2 * d2, -1), np.sum(d2 * r, -1)
    c, b = np.sum(d1 * r, -1), np.sum(d1 * d2, -1)
    a, e = np.maximum(a, 1e-12), np.maximum(e, 1e-12)
    denom = a * e - b * b
    s = np.where(denom > 1e-12, np.clip((b * f - c * e) / np.where(denom > 1e-12, denom, 1.0), 0, 1), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0, np.clip(-c / a, 0, 1), np.where(t > 1, np.clip((b - c) / a, 0, 1), s))
    t = np.clip(t, 0, 1)
    return np.linalg.norm((p0 + s[..., None] * d1) - (q0 + t[..., None] * d2), axis=-1)


def clearance(a: np.ndarray, ra: np.ndarray, b: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """(T,) smallest gap (m) between two bodies per frame: capsules ``a`` (T, K, 2, 3) with
    radii ``ra`` (K,) against ``b`` (T, L, 2, 3), ``rb`` (L,); negative where they overlap."""
    A, B = a[:, :, None], b[:, None, :]
    d = segment_distance(A[..., 0, :], A[..., 1, :], B[..., 0, :], B[..., 1, :])
    return (d - ra[None, :, None] - rb[None, None, :]).reshape(len(a), -1).min(axis=1)


def bounds(caps: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(T, 6) axis-aligned box [min xyz, max xyz] of a body's capsules per frame."""
    r = radii[None, :, None]
    lo = np.minimum(caps[..., 0, :], caps[..., 1, :]) - r
    hi = np.maximum(caps[..., 0, :], caps[..., 1, :]) + r
    return np.concatenate([lo.min(axis=1), hi.max(axis=1)], axis=1)
