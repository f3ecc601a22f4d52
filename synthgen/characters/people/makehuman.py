"""Reading MakeHuman hm08 data as MPFB2 ships it (numpy + the standard library, no bpy).

Used by :mod:`synthgen.characters.people.derive` to write the people pack. Formats:

- ``3dobjs/base.obj``: the hm08 base mesh, Y up, decimetres, all faces quads, groups
  (``g body``, ``g helper-tights``, ``g joint-l-elbow`` ...), ``v/vt`` face corners.
- ``targets/**/*.target.gz``: gzip text, one ``index dx dy dz`` line per moved vertex, in
  the OBJ's axes and units.
- ``rigs/standard/rig.<name>.json``: bones with ``head``/``tail`` placement strategies:
  ``CUBE`` (mean of a joint cube's vertices) or ``MEAN`` (mean of listed vertices).
- ``rigs/standard/weights.<name>.json``: ``{"weights": {bone: [[vertex, weight], ...]}}``.

Coordinates leave this module in the people-pack frame: Blender axes, metres
(``(x, y, z)_blender = 0.1 · (x, −z, y)_obj``: Z up, the body faces −Y, its left is +X).

The macro model (gender, age, muscle, weight, height, proportions, ethnic mix) is MakeHuman's
multilinear blend: each macro target file is named by one level of each of its factors
(``universal-female-young-maxmuscle-averageweight``) and weighted by the product of those
levels' weights; a factor's value in [0, 1] splits piecewise-linearly between the two levels
around it (:func:`level_weights`).
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import numpy as np

#: OBJ (Y up, dm) -> pack frame (Z up, m): x' = 0.1 x, y' = -0.1 z, z' = 0.1 y.
OBJ_TO_PACK = np.array([[0.1, 0.0, 0.0], [0.0, 0.0, -0.1], [0.0, 0.1, 0.0]])

#: Age in years at macro value 0, 0.1875, 0.5 and 1 (MakeHuman's mapping, linear between).
AGE_YEARS = ((0.0, 1.0), (0.1875, 10.0), (0.5, 25.0), (1.0, 90.0))


@dataclass
class BaseMesh:
    """The hm08 mesh: vertices (V, 3) in the pack frame, quads (F, 4) int, UV coordinates
    (U, 2), per-corner UV indices (F, 4), and ``groups`` {name: sorted vertex indices}
    (from the ``g`` lines: every vertex of a face in that group)."""

    verts: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    face_uv: np.ndarray
    face_group: list[str]
    groups: dict[str, np.ndarray]


def parse_obj(text: str) -> BaseMesh:
    """Parse the hm08 OBJ (quads only; ``v``, ``vt``, ``g``, ``f v/vt ...`` lines)."""
    verts, uvs, faces, fuv, fgroup = [], [], [], [], []
    group = "default"
    for line in text.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "v":
            verts.append([float(x) for x in rest.split()[:3]])
        elif tag == "vt":
            uvs.append([float(x) for x in rest.split()[:2]])
        elif tag == "g":
            group = rest.strip()
        elif tag == "f":
            corners = [c.split("/") for c in rest.split()]
            if len(corners) != 4:
                raise ValueError(f"hm08 faces are quads, found a {len(corners)}-gon")
            faces.append([int(c[0]) - 1 for c in corners])
            fuv.append([int(c[1]) - 1 for c in corners])
            fgroup.append(group)
    faces_a = np.array(faces, dtype=np.int64)
    groups: dict[str, set] = {}
    for f, g in zip(faces, fgroup):
        groups.setdefault(g, set()).update(f)
    verts_a = np.array(verts, dtype=np.float64) @ OBJ_TO_PACK.T
    return BaseMesh(verts_a, faces_a, np.array(uvs, dtype=np.float64), np.array(fuv, dtype=np.int64),
                    fgroup, {g: np.array(sorted(v), dtype=np.int64) for g, v in groups.items()})


def parse_target(data: bytes, n_verts: int) -> tuple[np.ndarray, np.ndarray]:
    """A gzip target -> (vertex indices (N,), offsets (N, 3) in the pack frame)."""
    text = gzip.decompress(data).decode("ascii")
    rows = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 3))
    arr = np.array(rows, dtype=np.float64)
    idx = arr[:, 0].astype(np.int64)
    if idx.min() < 0 or idx.max() >= n_verts:
        raise ValueError(f"target moves vertex {int(idx.max())}, the mesh has {n_verts}")
    return idx, arr[:, 1:4] @ OBJ_TO_PACK.T


# --------------------------------------------------------------------------- macro model
def age_value(years: float) -> float:
    """MakeHuman's age macro value for an age in years (1..90)."""
    pts = AGE_YEARS
    for (v0, y0), (v1, y1) in zip(pts, pts[1:]):
        if years <= y1:
            return v0 + (v1 - v0) * (max(years, y0) - y0) / (y1 - y0)
    return 1.0


def level_weights(factor: str, value: float) -> dict[str, float]:
    """Weights of the target levels of one macro factor at ``value`` in [0, 1].

    gender: female 1−v, male v. age: baby→child on [0, 0.1875], child→young on
    [0.1875, 0.5], young→old on [0.5, 1]. muscle/weight: min→average on [0, 0.5],
    average→max on [0.5, 1]. height/proportions: below 0.5 the low target
    (minheight/uncommonproportions) at 1−2v, above it the high one
    (maxheight/idealproportions) at 2v−1; the average has no target of its own.
    """
    v = float(min(max(value, 0.0), 1.0))
    if factor == "gender":
        return {"female": 1.0 - v, "male": v}
    if factor == "age":
        if v < 0.1875:
            u = v / 0.1875
            return {"baby": 1.0 - u, "child": u}
        if v < 0.5:
            u = (v - 0.1875) / 0.3125
            return {"child": 1.0 - u, "young": u}
        return {"young": 2.0 - 2.0 * v, "old": 2.0 * v - 1.0}
    if factor in ("muscle", "weight"):
        if v < 0.5:
            return {f"min{factor}": 1.0 - 2.0 * v, f"average{factor}": 2.0 * v}
        return {f"average{factor}": 2.0 - 2.0 * v, f"max{factor}": 2.0 * v - 1.0}
    if factor == "height":
        return {"minheight": 1.0 - 2.0 * v} if v < 0.5 else {"maxheight": 2.0 * v - 1.0}
    if factor == "proportions":
        return {"uncommonproportions": 1.0 - 2.0 * v} if v < 0.5 else {"idealproportions": 2.0 * v - 1.0}
    raise ValueError(f"unknown macro factor {factor!r}")


def macro_targets(macro: dict, race: dict) -> dict[str, float]:
    """{target path under ``targets/``: weight} for a body's macro values.

    ``macro``: gender, age, muscle, weight, height, proportions in [0, 1]; ``race``:
    african/asian/caucasian weights (normalised here). Zero weights are left out.
    """
    total = sum(race.values())
    lv = {f: level_weights(f, macro[f]) for f in ("gender", "age", "muscle", "weight", "height", "proportions")}
    out: dict[str, float] = {}

    def add(path: str, w: float) -> None:
        if w > 1e-9:
            out[path] = out.get(path, 0.0) + w

    for r, rw in race.items():
        for g, gw in lv["gender"].items():
            for a, aw in lv["age"].items():
                add(f"macrodetails/{r}-{g}-{a}.target.gz", rw / total * gw * aw)
    for g, gw in lv["gender"].items():
        for a, aw in lv["age"].items():
            for m, mw in lv["muscle"].items():
                for wt, ww in lv["weight"].items():
                    base = gw * aw * mw * ww
                    add(f"macrodetails/universal-{g}-{a}-{m}-{wt}.target.gz", base)
                    for h, hw in lv["height"].items():
                        add(f"macrodetails/height/{g}-{a}-{m}-{wt}-{h}.target.gz", base * hw)
                    for p, pw in lv["proportions"].items():
                        add(f"macrodetails/proportions/{g}-{a}-{m}-{wt}-{p}.target.gz", base * pw)
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- rig
def joint_position(spec: dict, verts: np.ndarray, groups: dict[str, np.ndarray]) -> np.ndarray:
    """A rig head/tail placement: ``CUBE`` (mean of the named joint cube's vertices) or
    ``MEAN`` (mean of the listed vertices)."""
    if spec["strategy"] == "CUBE":
        return verts[groups[spec["cube_name"]]].mean(axis=0)
    if spec["strategy"] == "MEAN":
        return verts[np.asarray(spec["vertex_indices"], dtype=np.int64)].mean(axis=0)
    raise ValueError(f"unsupported joint strategy {spec['strategy']!r}")


def rig_bones(rig: dict) -> list[tuple[str, str | None]]:
    """(bone, parent) with parents before children (the JSON's order is alphabetical)."""
    bones = rig["bones"]
    order: list[tuple[str, str | None]] = []
    placed: set[str] = set()
    pending = sorted(bones)
    while pending:
        nxt = [b for b in pending if not bones[b].get("parent") or bones[b]["parent"] in placed]
        if not nxt:
            raise ValueError("the rig's parents form a cycle")
        for b in nxt:
            order.append((b, bones[b].get("parent") or None))
            placed.add(b)
        pending = [b for b in pending if b not in placed]
    return order


def rig_joints(rig: dict, verts: np.ndarray, groups: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Heads and tails (B, 3) of the bones of :func:`rig_bones`, on a shaped mesh."""
    order = rig_bones(rig)
    heads = np.array([joint_position(rig["bones"][b]["head"], verts, groups) for b, _ in order])
    tails = np.array([joint_position(rig["bones"][b]["tail"], verts, groups) for b, _ in order])
    return heads, tails


def skin_weights(doc: dict, bone_order: list[str], n_verts: int, k: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """(bone index (V, k) int, weight (V, k) float) per vertex, normalised to sum 1 (Blender's
    Armature modifier divides by the total too); unused slots have weight 0."""
    col = {b: i for i, b in enumerate(bone_order)}
    dense = np.zeros((n_verts, len(bone_order)))
    for bone, pairs in doc["weights"].items():
        arr = np.asarray(pairs, dtype=np.float64)
        dense[arr[:, 0].astype(np.int64), col[bone]] += arr[:, 1]
    idx = np.argsort(-dense, axis=1, kind="stable")[:, :k]
    w = np.take_along_axis(dense, idx, axis=1)
    total = w.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise ValueError(f"{int((total <= 0).sum())} vertices have no weight")
    return idx, w / total


def load_json(data: bytes) -> dict:
    return json.loads(data.decode("utf-8"))


def years(value: float) -> float:
    """Inverse of :func:`age_value`."""
    pts = AGE_YEARS
    for (v0, y0), (v1, y1) in zip(pts, pts[1:]):
        if value <= v1:
            return y0 + (y1 - y0) * (value - v0) / (v1 - v0)
    return 90.0

