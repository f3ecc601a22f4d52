"""A person of the pack as plain arrays: rest mesh, rig, skin weights, clothes (numpy only).

:func:`person_skeleton` gives the 52-bone Mixamo rest skeleton of a person in the character
frame (Z up, metres, facing −Y, soles on z = 0, hips above the origin); the rest pose is
MakeHuman's A-pose (upper arms about 50° below horizontal). :func:`assemble` gives the
whole dressed body (:class:`BodyMesh`): the skin mesh with the faces hidden under clothes
removed, garment shells, hair and eyes, every vertex skinned to the rig. The Blender
builder (:mod:`synthgen.blender.people`) only copies these arrays into Blender, so the same
arrays skinned in numpy (:func:`synthgen.characters.stats.lbs`) predict the render.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..skeleton import Skeleton, rest_rotation
from . import outfits
from .pack import Pack, PackError, check_roster, load
from .roster import PEOPLE, Person, shape_fingerprint

#: Skin weights are rounded to multiples of this (the Blender builder sets the same values).
WEIGHT_STEP = 1.0 / 4096


@dataclass
class BodyMesh:
    """A dressed person: ``verts`` (V, 3) float64 rest positions, ``faces`` (F, 4) int quads,
    ``uv`` (F, 4, 2) per-corner UVs, ``material`` (F,) index into ``materials`` (dicts with a
    ``kind``: skin, eye, hair, cloth, shoe), skin weights ``weights`` (V, B) float64 rows
    summing to 1, and the rest ``skeleton``."""

    person: Person
    verts: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    material: np.ndarray
    materials: list[dict]
    weights: np.ndarray
    skeleton: Skeleton
    parts: dict = field(default_factory=dict)      # part name -> vertex index range

    @property
    def height(self) -> float:
        return float(self.verts[:, 2].max())


def get_pack() -> Pack:
    pack = load()
    check_roster(pack, shape_fingerprint())
    return pack


def person_index(pack: Pack, person_id: str) -> int:
    try:
        return pack.meta["people"].index(person_id)
    except ValueError:
        raise PackError(f"no person {person_id!r} in the people pack (known: {', '.join(pack.meta['people'])})",
                        source=str(pack.folder / "pack.json"), field="people") from None


def rest_vertices(pack: Pack, p: int) -> np.ndarray:
    b = pack.bodies
    return b["base_verts"].astype(np.float64) + b["deltas"][p].astype(np.float64) + b["offsets"][p].astype(np.float64)


def person_skeleton(pack: Pack, p: int, head_top: float | None = None) -> Skeleton:
    """The person's rest skeleton (bones in the pack's order, parents before children)."""
    heads = pack.bodies["bone_heads"][p].astype(np.float64)
    tails = pack.bodies["bone_tails"][p].astype(np.float64)
    rots = np.array([rest_rotation(h, t) for h, t in zip(heads, tails)])
    return Skeleton(list(pack.meta["bones"]), list(pack.meta["parents"]), rots, heads, tails, head_top)


def skin_weights(pack: Pack) -> np.ndarray:
    """Dense (V, B) weights of the base mesh, rounded to :data:`WEIGHT_STEP`, rows summing to 1."""
    idx = pack.bodies["weight_bone"].astype(np.int64)
    val = np.round(pack.bodies["weight_value"].astype(np.float64) / WEIGHT_STEP) * WEIGHT_STEP
    dense = np.zeros((idx.shape[0], len(pack.meta["bones"])))
    np.add.at(dense, (np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.ravel()), val.ravel())
    return dense / dense.sum(axis=1, keepdims=True)


def assemble(person_id: str, pack: Pack | None = None) -> BodyMesh:
    """The dressed rest body of a default person (see module doc)."""
    pack = get_pack() if pack is None else pack
    p = person_index(pack, person_id)
    person = PEOPLE[person_id]
    verts = rest_vertices(pack, p)
    b = pack.bodies
    faces = b["faces"].astype(np.int64)
    uv = b["uv"][b["face_uv"].astype(np.int64)].astype(np.float64)
    weights = skin_weights(pack)
    groups = list(pack.meta["groups"])
    skel = person_skeleton(pack, p)
    mesh = outfits.dress(person, verts, faces, uv, b["face_group"], groups, weights, skel)
    lift = np.array([0.0, 0.0, -float(mesh.verts[:, 2].min())])      # shoe soles on the floor
    top = float(mesh.verts[:, 2].max()) + lift[2]
    mesh_skel = Skeleton(skel.names, skel.parents, skel.rest_rot, skel.rest_head + lift, skel.rest_tail + lift, top)
    return BodyMesh(person, mesh.verts + lift, mesh.faces, mesh.uv, mesh.material, mesh.materials, mesh.weights,
                    mesh_skel, mesh.parts)
