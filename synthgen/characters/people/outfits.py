"""Clothes and hair as geometry on a MakeHuman body (numpy only).

Garments are *shells*: copies of the body faces a garment covers, pushed out along the
vertex normals by the garment's thickness, closed at their hems by a strip back to the skin,
and skinned with the weights of the body vertices they came from, so they follow the body
exactly. Body faces well inside a garment (all four corners covered and none on the
garment's edge) are removed, so skin cannot poke through at bends. The long skirt of the
dress and the long hair are MakeHuman's own helper meshes (skirt cut at the knee).

Where a garment ends is measured along the body: each vertex belongs to the chain of its
most weighted bone (spine, a leg, an arm) and gets a coordinate ``s`` along it (0 at the
chain's first joint, 1 at the next, ...), so a sleeve ending at ``s = 0.45`` ends at a
plane across the upper arm, whatever the person's proportions. Torso hems are heights
relative to the hips and neck joints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...color import decode_srgb
from ..skeleton import PREFIX, Skeleton

#: chain -> joints (bone heads, then the last bone's tail) along which ``s`` runs
CHAINS = {side + limb: names for side in ("Left", "Right") for limb, names in (
    ("Arm", [side + "Arm", side + "ForeArm", side + "Hand", "tail:" + side + "HandMiddle1"]),
    ("Leg", [side + "UpLeg", side + "Leg", side + "Foot", side + "ToeBase", "tail:" + side + "ToeBase"]))}

#: top style -> (sleeve end s on the arm chain or None for sleeveless, hem below the hips
#: joint (m, + = lower), thickness m, crop: top ends above the navel)
TOPS = {"tank": (None, 0.05, 0.006, False), "tee": (0.5, 0.07, 0.007, False),
        "longsleeve": (1.9, 0.07, 0.007, False), "hoodie": (1.92, 0.11, 0.013, False),
        "sports": (None, -0.14, 0.004, True)}
#: bottom style -> (leg end s on the leg chain, thickness m)
BOTTOMS = {"shorts": (0.55, 0.008), "trousers": (1.93, 0.008), "joggers": (1.9, 0.011),
           "leggings": (1.92, 0.003), "briefs": (0.1, 0.003)}
#: outfit -> (top, bottom, skirt)
OUTFITS = {"tank-shorts": ("tank", "shorts", False), "tee-jeans": ("tee", "trousers", False),
           "tee-shorts": ("tee", "shorts", False), "hoodie-joggers": ("hoodie", "joggers", False),
           "tracksuit": ("longsleeve", "joggers", False), "leggings-top": ("sports", "leggings", False),
           "longsleeve-trousers": ("longsleeve", "trousers", False), "blouse-skirt": ("tee", "briefs", True),
           "dress": ("tank", "briefs", True)}
SHOE_FROM_S = 1.86           # shoes cover the leg chain from just above the ankle
SHOE_THICKNESS_M = 0.007
SKIRT_CUT_BELOW_KNEE_M = 0.04
SKIRT_TUCK_M = 0.03          # a top over a skirt ends this far below the skirt's waistband
HAIR_THICKNESS_M = {"buzz": 0.002, "short": 0.012, "long": 0.018}
MATERIALS = ("skin", "eye", "hair", "top", "bottom", "shoes")


@dataclass
class Dressed:
    verts: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    material: np.ndarray
    weights: np.ndarray
    materials: list[dict]
    parts: dict = field(default_factory=dict)


def srgb_to_linear(hexcolor: str) -> tuple[float, float, float]:
    """``#rrggbb`` -> linear RGB (the sRGB transfer function)."""
    lin = decode_srgb(np.array([int(hexcolor[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0)
    return tuple(float(x) for x in np.round(lin, 5))


def vertex_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals of a quad mesh (each quad as its two triangles)."""
    a, b, c, d = (verts[faces[:, k]] for k in range(4))
    fn = np.cross(b - a, c - a) + np.cross(c - a, d - a)
    n = np.zeros_like(verts)
    for k in range(4):
        np.add.at(n, faces[:, k], fn)
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def _joint(skel: Skeleton, name: str) -> np.ndarray:
    if name.startswith("tail:"):
        return skel.rest_tail[skel.index[PREFIX + name[5:]]]
    return skel.rest_head[skel.index[PREFIX + name]]


def bone_chain(short: str) -> str:
    """The chain a bone belongs to: ``LeftArm`` (arm, forearm, hand, fingers), ``LeftLeg``
    (thigh, shin, foot, toes), the same on the right, else ``spine``."""
    for side in ("Left", "Right"):
        if short in (side + "Arm", side + "ForeArm") or short.startswith(side + "Hand"):
            return side + "Arm"
        if short in (side + "UpLeg", side + "Leg", side + "Foot", side + "ToeBase"):
            return side + "Leg"
    return "spine"


def chain_coordinates(verts: np.ndarray, weights: np.ndarray, skel: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Per vertex: its chain (``spine`` or a key of :data:`CHAINS`, by its most weighted
    bone) and ``s`` along that chain (nan on the spine)."""
    bone_to_chain = np.array([bone_chain(n[len(PREFIX):]) for n in skel.names])
    chain = bone_to_chain[np.argmax(weights, axis=1)]
    s = np.full(len(verts), np.nan)
    for name, joints in CHAINS.items():
        sel = chain == name
        s[sel] = polyline_param(verts[sel], np.array([_joint(skel, j) for j in joints]))
    return chain, s


def polyline_param(p: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """For points ``p`` (N, 3), the parameter (segment index + fraction) of the closest
    point on the polyline ``pts`` (K, 3); beyond the ends the first and last segments
    extend (negative before the start, > K−1 past the end)."""
    best_d = np.full(len(p), np.inf)
    best_s = np.zeros(len(p))
    last = len(pts) - 2
    for k in range(last + 1):
        a, ab = pts[k], pts[k + 1] - pts[k]
        t = (p - a) @ ab / (ab @ ab)
        t = t.clip(None if k == 0 else 0.0, None if k == last else 1.0)
        d = np.linalg.norm(p - (a + t[:, None] * ab), axis=1)
        better = d < best_d
        best_d[better], best_s[better] = d[better], k + t[better]
    return best_s


# --------------------------------------------------------------------------- coverage
@dataclass
class Landmarks:
    """Rest heights and points a garment's edges are placed by."""

    hips: np.ndarray
    spine1: np.ndarray
    neck: np.ndarray
    eye_z: float
    head_centre: np.ndarray
    shoulder_x: float
    shoulders: tuple = ()


def landmarks(verts: np.ndarray, eye_verts: np.ndarray, skel: Skeleton) -> Landmarks:
    head = _joint(skel, "Head")
    return Landmarks(_joint(skel, "Hips"), _joint(skel, "Spine1"), _joint(skel, "Neck"),
                     float(verts[eye_verts, 2].mean()), np.array([head[0], head[1], float(verts[eye_verts, 2].mean())]),
                     float(abs(_joint(skel, "LeftArm")[0])), (_joint(skel, "LeftArm"), _joint(skel, "RightArm")))


ARM_UNIT_M = 0.28           # chain coordinate s -> metres, so fields mix in one unit
OUT = -1.0                   # field value of vertices a rule excludes outright


def _is(mask: np.ndarray) -> np.ndarray:
    """A boolean rule as a field: +1 m inside, −1 m outside (cuts there follow mesh edges)."""
    return np.where(mask, 1.0, OUT)


def top_field(style: str, verts, chain, s, lm: Landmarks, hem_z: float | None = None) -> np.ndarray:
    """Signed field (m, > 0 covered) of a top: between its hem (``hem_z`` overrides it) and
    its collar, off the arms except the sleeves (the arm chain up to the sleeve's end);
    sleeveless tops leave a round armhole about each shoulder joint."""
    sleeve, hem, _, crop = TOPS[style]
    z = verts[:, 2]
    arm = np.char.endswith(chain.astype(str), "Arm")
    lower = lm.spine1[2] - 0.02 if crop else (lm.hips[2] - hem if hem_z is None else hem_z)
    collar = np.linalg.norm((verts - (lm.neck + [0.0, -0.035, -0.035])) * [1.0, 1.0, 1.4], axis=1) - 0.085
    band = np.minimum.reduce([z - lower, lm.neck[2] + 0.01 - z, collar])
    if sleeve is not None:
        torso = np.minimum(_is(~arm), band)
        return np.maximum(torso, np.minimum(_is(arm), (sleeve - np.nan_to_num(s)) * ARM_UNIT_M))
    hole = np.min([np.linalg.norm(verts - sh, axis=1) for sh in lm.shoulders], axis=0) - 0.1
    strap = 0.8 * lm.shoulder_x - np.abs(verts[:, 0]) + 3.0 * np.maximum(lm.neck[2] - 0.14 - z, 0.0)
    torso = np.minimum.reduce([band, hole, strap, np.where(arm, -np.nan_to_num(s) * ARM_UNIT_M, 1.0)])
    return np.minimum(torso, lm.neck[2] - 0.06 - z) if crop else torso


def bottom_field(style: str, verts, chain, s, lm: Landmarks) -> np.ndarray:
    length, _ = BOTTOMS[style]
    z = verts[:, 2]
    waist = lm.hips[2] + (0.03 if style == "briefs" else 0.07)
    torso = np.minimum(_is(chain == "spine"), waist - z)
    legs = np.minimum(_is(np.char.endswith(chain.astype(str), "Leg")), (length - np.nan_to_num(s)) * ARM_UNIT_M)
    return np.maximum(torso, legs)


def shoe_field(chain, s) -> np.ndarray:
    return np.minimum(_is(np.char.endswith(chain.astype(str), "Leg")), (np.nan_to_num(s) - SHOE_FROM_S) * ARM_UNIT_M)


def scalp_field(style: str, verts, chain, lm: Landmarks) -> np.ndarray:
    """Hair: above a hairline high at the forehead and low at the nape; long hair also
    covers the back of the neck down to the shoulders."""
    rel = verts - lm.head_centre
    front = -rel[:, 1] / np.maximum(np.linalg.norm(rel[:, :2], axis=1), 1e-6)
    line = lm.eye_z + 0.012 + 0.055 * front + 0.03 * np.minimum(front, 0.0)
    spine = _is(chain == "spine")
    head = np.minimum.reduce([spine, verts[:, 2] - line, verts[:, 2] - lm.neck[2] - 0.03])
    if style != "long":
        return head
    back = np.minimum.reduce([spine, -0.35 - front, verts[:, 2] - lm.neck[2] + 0.06, 0.09 - np.abs(rel[:, 0]),
                              lm.eye_z + 0.05 - verts[:, 2]])
    return np.maximum(head, back)


# --------------------------------------------------------------------------- shells
def boundary_edges(quads: np.ndarray) -> np.ndarray:
    """Directed edges (E, 2) of a quad set that belong to only one of its quads."""
    e = np.stack([quads, np.roll(quads, -1, axis=1)], axis=2).reshape(-1, 2)
    key = np.sort(e, axis=1)
    _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return e[counts[inv.ravel()] == 1]


def contour_points(field: np.ndarray, faces: np.ndarray, outside: np.ndarray):
    """For each outside vertex of faces that straddle the contour: the closest point on the
    ``field = 0`` contour along a line to a covered corner of one of its faces, as
    (partner vertex (N,), fraction t (N,)) with point = v + t·(partner − v)."""
    partner = np.full(len(field), -1)
    best = np.full(len(field), np.inf)
    frac = np.zeros(len(field))
    for a in range(4):
        for b in range(4):
            if a == b:
                continue
            v, u = faces[:, a], faces[:, b]
            ok = (field[v] <= 0) & (field[u] > 0)
            t = field[v[ok]] / (field[v[ok]] - field[u[ok]])
            for vi, ui, ti in zip(v[ok].tolist(), u[ok].tolist(), t.tolist()):
                if ti < best[vi]:
                    best[vi], partner[vi], frac[vi] = ti, ui, ti
    sel = outside & (partner >= 0)
    return sel, partner, frac


def shell(verts, normals, weights, faces, uv, field: np.ndarray, thickness):
    """A garment shell over the body faces ``faces`` where ``field`` > 0 (m).

    Faces with any covered corner take part; their uncovered corners slide onto the
    contour (so hems are smooth, not stair-stepped along the mesh), the shell sits
    ``thickness`` out along the normals, and a hem strip closes it back to the skin at the
    contour. ``thickness``: metres, scalar or per body vertex. Returns (positions, weights,
    quads, per-corner UVs) of new vertices only.
    """
    fsel = np.nonzero((field[faces] > 0).any(axis=1))[0]
    quads = faces[fsel]
    src, inv = np.unique(quads, return_inverse=True)
    inv = inv.reshape(-1, 4)
    out_mask = np.zeros(len(verts), dtype=bool)
    out_mask[src] = field[src] <= 0
    moved, partner, frac = contour_points(field, quads, out_mask)
    base, w = verts[src].copy(), weights[src].copy()
    m = moved[src]
    pm, fm = partner[src][m], frac[src][m][:, None]
    base[m] += fm * (verts[pm] - base[m])
    w[m] += fm * (weights[pm] - w[m])
    n = normals[src].copy()
    n[m] += fm * (normals[pm] - n[m])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    thick = np.broadcast_to(np.asarray(thickness, dtype=np.float64), (len(verts),))[src]
    pos = base + thick[:, None] * n
    edges = np.searchsorted(src, boundary_edges(quads))
    k = len(src)
    strip = np.stack([edges[:, 1] + k, edges[:, 0] + k, edges[:, 0], edges[:, 1]], axis=1)
    return (np.concatenate([pos, base]), np.concatenate([w, w]), np.concatenate([inv, strip]),
            np.concatenate([uv[fsel], np.zeros((len(strip), 4, 2))]))


def hidden_faces(faces: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Body faces to remove under a garment: every corner covered, and every face around
    each corner fully covered too (one ring of margin from the hem)."""
    full = (field[faces] > 0).all(axis=1)
    bad = np.zeros(len(field), dtype=bool)
    bad[faces[~full].ravel()] = True
    return full & ~bad[faces].any(axis=1)


def dress(person, verts, faces, uv, face_group, groups, weights, skel) -> Dressed:
    """The dressed body of ``person`` (see module doc): skin, clothes, shoes, hair, eyes."""
    g = {name: i for i, name in enumerate(groups)}
    body_f = faces[face_group == g["body"]]
    body_uv = uv[face_group == g["body"]]
    eye_sel = np.isin(face_group, [g["helper-l-eye"], g["helper-r-eye"]])
    normals = vertex_normals(verts, body_f)
    chain, s = chain_coordinates(verts, weights, skel)
    lm = landmarks(verts, np.unique(faces[eye_sel]), skel)
    top, bottom, skirt = OUTFITS[person.outfit]
    skirt_f = np.nonzero(face_group == g["helper-skirt"])[0]
    hem_z = float(verts[faces[skirt_f], 2].max()) - SKIRT_TUCK_M if skirt else None
    garments = [("top", top_field(top, verts, chain, s, lm, hem_z), TOPS[top][2], 3),
                ("bottom", bottom_field(bottom, verts, chain, s, lm), BOTTOMS[bottom][1], 4),
                ("shoes", shoe_field(chain, s), SHOE_THICKNESS_M, 5)]
    if person.hair != "none":
        crown = np.clip(0.3 + (verts[:, 2] - lm.eye_z) / 0.12, 0.3, 1.0)      # fuller on top
        garments.append(("hair", scalp_field(person.hair, verts, chain, lm), HAIR_THICKNESS_M[person.hair] * crown, 2))
    b = _Builder(verts, weights)
    hidden = np.zeros(len(body_f), dtype=bool)
    for name, fld, thick, mat in garments:
        hidden |= hidden_faces(body_f, fld)
        b.add_shell(name, *shell(verts, normals, weights, body_f, body_uv, fld, thick), mat)
    b.add_faces("body", body_f[~hidden], body_uv[~hidden], 0)
    b.add_faces("eyes", faces[eye_sel], uv[eye_sel], 1)
    if skirt:
        sk = skirt_f
        knee = _joint(skel, "LeftLeg")[2] - SKIRT_CUT_BELOW_KNEE_M
        sk = sk[(verts[faces[sk], 2] > knee).all(axis=1)]
        b.add_faces("skirt", faces[sk], uv[sk], 4)
    return b.finish(_materials(person, verts, faces[eye_sel], uv[eye_sel]))


def eye_uv(verts, eye_faces, eye_uv_corners) -> tuple[list[list[float]], float]:
    """Per eye (left, right: split by the sign of x), the UV of its front (the pupil: its
    most forward, −Y, vertex) and the UV distance from there to its back (180°)."""
    corners = verts[eye_faces].reshape(-1, 3)
    uvs = eye_uv_corners.reshape(-1, 2)
    fronts, spans = [], []
    for side in (corners[:, 0] > 0, corners[:, 0] <= 0):
        c, u = corners[side], uvs[side]
        front, back = u[np.argmin(c[:, 1])], u[np.argmax(c[:, 1])]
        fronts.append([float(front[0]), float(front[1])])
        spans.append(float(np.linalg.norm(back - front)))
    return fronts, float(np.mean(spans))


def _materials(person, verts, eye_faces, eye_uv_corners) -> list[dict]:
    front, span = eye_uv(verts, eye_faces, eye_uv_corners)
    iris = "#52708a" if person.race.get("caucasian", 0) >= 0.8 else "#4a3222"
    return [{"kind": "skin", "color": srgb_to_linear(person.skin)},
            {"kind": "eye", "iris": srgb_to_linear(iris), "uv_fronts": front, "uv_span": span},
            {"kind": "hair", "color": srgb_to_linear(person.hair_color)},
            {"kind": "cloth", "part": "top", "color": srgb_to_linear(person.top)},
            {"kind": "cloth", "part": "bottom", "color": srgb_to_linear(person.bottom)},
            {"kind": "shoe", "color": srgb_to_linear(person.shoes)}]


class _Builder:
    """Accumulates faces over the body's vertices plus new shell vertices, then compacts."""

    def __init__(self, verts: np.ndarray, weights: np.ndarray):
        self.verts, self.weights = [verts], [weights]
        self.n = len(verts)
        self.faces, self.uv, self.mat, self.parts = [], [], [], {}

    def add_faces(self, name: str, quads: np.ndarray, uv: np.ndarray, mat: int) -> None:
        self.faces.append(quads)
        self.uv.append(uv)
        self.mat.append(np.full(len(quads), mat))
        self.parts.setdefault(name, []).append(quads)

    def add_shell(self, name: str, pos, weights, quads, uv, mat: int) -> None:
        self.verts.append(pos)
        self.weights.append(weights)
        self.add_faces(name, quads + self.n, uv, mat)
        self.n += len(pos)

    def finish(self, materials: list[dict]) -> Dressed:
        verts, weights = np.concatenate(self.verts), np.concatenate(self.weights)
        faces = np.concatenate(self.faces)
        used, inv = np.unique(faces, return_inverse=True)
        remap = -np.ones(len(verts), dtype=np.int64)
        remap[used] = np.arange(len(used))
        parts = {}
        for name, qs in self.parts.items():
            vs = np.unique(remap[np.concatenate(qs)])
            parts[name] = [int(vs.min()), int(vs.max()) + 1]
        return Dressed(verts[used], inv.reshape(-1, 4), np.concatenate(self.uv), np.concatenate(self.mat),
                       weights[used], materials, parts)
