"""Procedural rigged humanoids with Mixamo bone names (no download needed).

The rig (:func:`skeleton`) is pure numpy: 25 bones named like Mixamo's (``mixamorig:Hips``
... ``mixamorig:RightToe_End``) standing in a T-pose on the floor z = 0, facing −Y, left
= +X, metres. :func:`synthgen.blender.humanoid.build` (bpy) turns it into an armature plus **one** smooth skinned mesh:
a skin-modifier hull around the bone graph, subdivided once and frozen into a plain mesh
(deterministic, constant topology), weighted to the bones from bone-segment distances
(automatic weights are slow and unreliable in background mode), and coloured by body region
(skin, top, trousers, shoes, hair).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .skeleton import PREFIX, Skeleton, rest_rotation

log = logging.getLogger(__name__)

REFERENCE_HEIGHT_M = 1.75


@dataclass(frozen=True)
class Variant:
    """One embedded character: proportions, build and look, plus its caption phrase."""

    name: str
    appearance: str
    height_m: float
    build: float            # girth multiplier
    leg_ratio: float        # leg length multiplier (torso absorbs the rest)
    shoulder: float         # shoulder width multiplier
    skin: tuple             # base colours, linear RGB
    top: tuple
    bottom: tuple
    shoes: tuple
    hair: tuple
    sleeves: str = "long"   # long | short
    top_roughness: float = 0.6
    top_metallic: float = 0.0


VARIANTS: dict[str, Variant] = {v.name: v for v in [
    Variant("slim-yellow-tracksuit", "a slim woman with dark skin in a yellow tracksuit",
            1.68, 0.85, 1.03, 0.92, (0.16, 0.08, 0.045), (0.85, 0.62, 0.02), (0.8, 0.58, 0.02),
            (0.9, 0.9, 0.9), (0.02, 0.015, 0.01)),
    Variant("tall-red-hoodie", "a tall man with light skin in a red hoodie and blue jeans",
            1.88, 1.05, 1.0, 1.08, (0.8, 0.55, 0.42), (0.6, 0.03, 0.03), (0.05, 0.1, 0.3),
            (0.05, 0.05, 0.05), (0.25, 0.12, 0.04)),
    Variant("stocky-green-shirt", "a stocky man with tan skin in a green t-shirt and black trousers",
            1.72, 1.3, 0.95, 1.12, (0.5, 0.3, 0.18), (0.08, 0.4, 0.1), (0.02, 0.02, 0.02),
            (0.5, 0.3, 0.1), (0.03, 0.02, 0.01), sleeves="short"),
    Variant("athletic-white-tank", "an athletic woman with medium brown skin in a white tank top and grey leggings",
            1.65, 0.95, 1.05, 0.95, (0.35, 0.2, 0.12), (0.9, 0.9, 0.88), (0.3, 0.3, 0.32),
            (0.8, 0.1, 0.5), (0.05, 0.03, 0.02), sleeves="short"),
    Variant("teen-purple-jacket", "a short teenager with pale skin in a shiny purple jacket",
            1.55, 0.9, 0.98, 0.9, (0.9, 0.68, 0.58), (0.3, 0.05, 0.5), (0.1, 0.1, 0.12),
            (0.9, 0.9, 0.9), (0.6, 0.35, 0.1), top_roughness=0.25, top_metallic=0.4),
    Variant("broad-orange-overalls", "a broad-shouldered man with deep brown skin in orange overalls",
            1.82, 1.2, 1.0, 1.15, (0.1, 0.055, 0.035), (0.9, 0.3, 0.02), (0.9, 0.3, 0.02),
            (0.15, 0.08, 0.03), (0.01, 0.01, 0.01)),
    Variant("dancer-black-outfit", "a lean dancer with olive skin in a black sleeveless outfit and white sneakers",
            1.76, 0.88, 1.06, 1.0, (0.55, 0.38, 0.22), (0.02, 0.02, 0.02), (0.02, 0.02, 0.02),
            (0.95, 0.95, 0.95), (0.1, 0.05, 0.02), sleeves="short", top_roughness=0.35),
]}

# Bone table at the reference height: name, parent, head, tail (x of left-side bones; the
# right side mirrors them). Girth radii for the hull live in _RADII.
_TORSO = [
    ("Hips", None, (0, 0.0, 0.98), (0, 0.0, 1.06)),
    ("Spine", "Hips", (0, 0.0, 1.06), (0, 0.0, 1.17)),
    ("Spine1", "Spine", (0, 0.0, 1.17), (0, 0.0, 1.28)),
    ("Spine2", "Spine1", (0, 0.0, 1.28), (0, 0.0, 1.45)),
    ("Neck", "Spine2", (0, 0.0, 1.45), (0, -0.01, 1.55)),
    ("Head", "Neck", (0, -0.01, 1.55), (0, -0.01, 1.75)),
    ("HeadTop_End", "Head", (0, -0.01, 1.75), (0, -0.01, 1.85)),
]
_SIDE = [
    ("Shoulder", "Spine2", (0.03, 0.0, 1.41), (0.17, 0.0, 1.42)),
    ("Arm", "Shoulder", (0.17, 0.0, 1.42), (0.45, 0.0, 1.42)),
    ("ForeArm", "Arm", (0.45, 0.0, 1.42), (0.70, 0.0, 1.42)),
    ("Hand", "ForeArm", (0.70, 0.0, 1.42), (0.86, 0.0, 1.42)),
    ("UpLeg", "Hips", (0.09, 0.0, 0.93), (0.09, 0.0, 0.51)),
    ("Leg", "UpLeg", (0.09, 0.0, 0.51), (0.09, 0.02, 0.09)),
    ("Foot", "Leg", (0.09, 0.02, 0.09), (0.09, -0.10, 0.025)),
    ("ToeBase", "Foot", (0.09, -0.10, 0.025), (0.09, -0.17, 0.025)),
    ("Toe_End", "ToeBase", (0.09, -0.17, 0.025), (0.09, -0.22, 0.025)),
]


def _bone_table(v: Variant) -> list[tuple[str, str | None, np.ndarray, np.ndarray]]:
    """(name, parent, head, tail) in metres for a variant (height, legs, shoulders)."""
    k = v.height_m / REFERENCE_HEIGHT_M
    ankle, leg_top = 0.09, 0.93
    leg_top2 = ankle + (leg_top - ankle) * v.leg_ratio

    def place(p, is_leg):
        """Legs stretch above the ankle by leg_ratio; the torso fills up to the head top."""
        p = np.asarray(p, dtype=np.float64).copy()
        if is_leg:
            if p[2] > ankle:
                p[2] = ankle + (p[2] - ankle) * v.leg_ratio
            p[0] *= v.build ** 0.3
        else:
            p[2] = leg_top2 + (p[2] - leg_top) * (1.75 - leg_top2) / (1.75 - leg_top)
            p[0] *= v.shoulder
        return p * k

    table = []
    for n, par, h, t in _TORSO:
        table.append((n, par, place(h, False), place(t, False)))
    for side, sx in (("Left", 1.0), ("Right", -1.0)):
        for n, par, h, t in _SIDE:
            leg = n in ("UpLeg", "Leg", "Foot", "ToeBase", "Toe_End")
            hh, tt = np.array(h, float) * [sx, 1, 1], np.array(t, float) * [sx, 1, 1]
            pn = par if par in ("Spine2", "Hips") else side + par
            table.append((side + n, pn, place(hh, leg), place(tt, leg)))
    return table


def skeleton(variant: str | Variant = "slim-yellow-tracksuit") -> Skeleton:
    """The rest skeleton of a variant (or the reference proportions for the action library)."""
    v = VARIANTS[variant] if isinstance(variant, str) else variant
    table = _bone_table(v)
    names = [PREFIX + n for n, *_ in table]
    idx = {n: i for i, (n, *_) in enumerate(table)}
    parents = [idx[p] if p else -1 for _, p, _, _ in table]
    heads = np.array([h for *_, h, _ in table])
    tails = np.array([t for *_, t in table])
    rots = np.array([rest_rotation(h, t) for h, t in zip(heads, tails)])
    return Skeleton(names, parents, rots, heads, tails)


REFERENCE = Variant("reference", "a person", REFERENCE_HEIGHT_M, 1.0, 1.0, 1.0,
                    (0.5, 0.4, 0.3), (0.5, 0.5, 0.5), (0.3, 0.3, 0.3), (0.1, 0.1, 0.1), (0.1, 0.1, 0.1))


def reference_skeleton() -> Skeleton:
    """The skeleton the procedural action library is keyframed on (1.75 m)."""
    return skeleton(REFERENCE)


# --------------------------------------------------------------------------- hull graph
# (bone name, fraction along the bone, radius x, radius y) at reference build; a vertex of the
# skin-modifier graph each. Edges join consecutive points and the branch points below.
_TORSO_PTS = [("Hips", 0.0, 0.15, 0.11), ("Spine", 0.0, 0.145, 0.1), ("Spine1", 0.0, 0.14, 0.095),
              ("Spine2", 0.0, 0.155, 0.1), ("Spine2", 0.7, 0.165, 0.1), ("Neck", 0.0, 0.055, 0.055),
              ("Head", 0.0, 0.06, 0.06), ("Head", 0.45, 0.095, 0.105), ("Head", 0.9, 0.06, 0.06)]
_ARM_PTS = [("Arm", 0.0, 0.055, 0.055), ("ForeArm", 0.0, 0.042, 0.042), ("Hand", 0.0, 0.032, 0.025),
            ("Hand", 0.6, 0.045, 0.018), ("Hand", 1.0, 0.02, 0.012)]
_LEG_PTS = [("UpLeg", 0.0, 0.085, 0.085), ("Leg", 0.0, 0.055, 0.055), ("Leg", 0.85, 0.042, 0.042),
            ("Foot", 0.3, 0.045, 0.045), ("ToeBase", 0.0, 0.045, 0.025), ("Toe_End", 0.0, 0.035, 0.02)]


def hull_graph(v: Variant, skel: Skeleton) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
    """Skin-modifier graph: vertices (N, 3), edges, radii (N, 2), metres."""
    k = v.height_m / REFERENCE_HEIGHT_M

    def pt(bone, f):
        b = skel.index[PREFIX + bone]
        return skel.rest_head[b] + f * (skel.rest_tail[b] - skel.rest_head[b])

    verts, radii, edges = [], [], []
    for n, f, rx, ry in _TORSO_PTS:
        g = v.build if n not in ("Neck", "Head") else 1.0
        verts.append(pt(n, f))
        radii.append((rx * k * g, ry * k * g))
    edges += [(i, i + 1) for i in range(len(_TORSO_PTS) - 1)]
    for side in ("Left", "Right"):
        for pts, attach in ((_ARM_PTS, 4), (_LEG_PTS, 0)):
            start = len(verts)
            for n, f, rx, ry in pts:
                p = pt(side + n, f)
                if n in ("Foot", "ToeBase", "Toe_End"):
                    p = p.copy()
                    p[2] = ry * k + 0.0085 * v.height_m   # sole on the floor (skin hull overshoots)
                verts.append(p)
                g = v.build if n not in ("Hand", "Foot", "ToeBase", "Toe_End") else 1.0
                radii.append((rx * k * g, ry * k * g))
            edges.append((attach, start))
            edges += [(start + i, start + i + 1) for i in range(len(pts) - 1)]
    return np.array(verts), edges, np.array(radii)


# --------------------------------------------------------------------------- weights
DEFORM_EXCLUDE = ("HeadTop_End", "Toe_End")


def segment_weights(points: np.ndarray, skel: Skeleton, top: int = 3, power: float = 6.0) -> np.ndarray:
    """Skinning weights (N, B) float64 from distances to bone segments.

    Weight ∝ 1 / d^power over the ``top`` nearest deforming bones, normalised to sum 1.
    """
    h, t = skel.rest_head, skel.rest_tail
    seg = t - h
    u = np.einsum("nbk,bk->nb", points[:, None, :] - h[None], seg) / np.sum(seg * seg, axis=1)
    u = u.clip(0, 1)
    closest = h[None] + u[..., None] * seg[None]
    d = np.linalg.norm(points[:, None, :] - closest, axis=-1) + 1e-4
    for n in DEFORM_EXCLUDE:
        if PREFIX + n in skel.index:
            d[:, skel.index[PREFIX + n]] = np.inf
    w = 1.0 / d ** power
    if top < w.shape[1]:
        cut = np.sort(w, axis=1)[:, -top][:, None]
        w = np.where(w >= cut, w, 0.0)
    return w / w.sum(axis=1, keepdims=True)


def region_of(points: np.ndarray, weights: np.ndarray, skel: Skeleton, v: Variant) -> np.ndarray:
    """Material index per vertex (N,): 0 skin, 1 top, 2 bottom, 3 shoes, 4 hair."""
    dom = [skel.names[i][len(PREFIX):] for i in np.argmax(weights, axis=1)]
    head_top = skel.rest_head[skel.index[PREFIX + "Head"], 2]
    k = v.height_m / REFERENCE_HEIGHT_M
    out = np.zeros(len(points), dtype=np.int32)
    for i, n in enumerate(dom):
        base = n.replace("Left", "").replace("Right", "")
        if base in ("Hips", "UpLeg", "Leg"):
            out[i] = 2
        elif base in ("Foot", "ToeBase"):
            out[i] = 3
        elif base in ("Spine", "Spine1", "Spine2", "Shoulder", "Arm"):
            out[i] = 1
        elif base == "ForeArm":
            out[i] = 1 if v.sleeves == "long" else 0
        elif base == "Head" and (points[i, 2] > head_top + 0.1 * k or
                                 (points[i, 1] > 0.02 * k and points[i, 2] > head_top + 0.03 * k)):
            out[i] = 4
    return out
