"""Manifest entries computed from the real assets (bpy for meshes, numpy for the rest).

:func:`procedural_manifest` builds every procedural humanoid variant, poses its mesh with
every procedural action (linear blend skinning in numpy, the same maths as Blender's
Armature modifier) and writes the character and action entries of
``assets_manifest/procedural_humans.json``. :func:`action_entry` computes the per-frame
motion statistics the planner reads (root trajectory, envelope, motion energy, dynamic
score) for any action, procedural or imported.

Regenerate the file with ``python -m synthgen.blender.asset_stats assets_manifest/procedural_humans.json``.
"""
from __future__ import annotations

import json
import logging
import math
import re
import sys
from pathlib import Path

import numpy as np

from . import humanoid, motions
from .retarget import Skeleton, WorldPose

log = logging.getLogger(__name__)

PROCEDURAL_LICENCE = "CC0-1.0 (synthgen procedural)"
ENVELOPE_MARGIN_M = 0.03


def _r(x) -> list:
    return np.round(np.asarray(x, dtype=np.float64), 4).tolist()


def lbs(rest_co: np.ndarray, weights: np.ndarray, skel: Skeleton, pose: WorldPose) -> np.ndarray:
    """Linear blend skinning: rest vertices (V, 3) + weights (V, B) -> posed (T, V, 3)."""
    A = pose.rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]           # (T, B, 3, 3)
    t = pose.head - np.einsum("tbij,bj->tbi", A, skel.rest_head)       # (T, B, 3)
    Ablend = np.einsum("vb,tbij->tvij", weights, A)
    tblend = np.einsum("vb,tbi->tvi", weights, t)
    return np.einsum("tvij,vj->tvi", Ablend, rest_co) + tblend


def motion_energy(pose: WorldPose, fps: float) -> np.ndarray:
    """Mean bone-head speed per source frame (T,), m/s (forward difference, last repeated)."""
    T = pose.head.shape[0]
    if T < 2:
        return np.zeros(T)
    v = np.linalg.norm(np.diff(pose.head, axis=0), axis=-1).mean(axis=1) * fps
    return np.concatenate([v, v[-1:]])


def peak_angular_speed(pose: WorldPose, fps: float) -> float:
    """Largest bone world angular speed over the action, deg/s."""
    if pose.rot.shape[0] < 2:
        return 0.0
    rel = pose.rot[1:] @ np.swapaxes(pose.rot[:-1], -1, -2)
    cos = ((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2).clip(-1, 1)
    return float(np.degrees(np.arccos(cos)).max() * fps)


def dynamic_score(energy: np.ndarray, peak_deg_s: float) -> float:
    """0..1: saturating in the 90th-percentile joint speed (m/s) and the peak angular speed."""
    e = float(np.percentile(energy, 90)) if len(energy) else 0.0
    return float(np.clip(0.6 * (1 - math.exp(-e / 2.0)) + 0.4 * (1 - math.exp(-peak_deg_s / 900.0)), 0, 1))


def action_entry(aid: str, location: str, licence: str, move_names, sentence: str,
                 skel: Skeleton, pose: WorldPose, fps: float, loopable: bool,
                 envelope: np.ndarray) -> dict:
    """An action manifest entry (see assets_manifest/README.md) for a pose in the action frame."""
    energy = motion_energy(pose, fps)
    return {
        "id": aid, "kind": "action", "location": location, "licence": licence, "skeleton": "mixamo",
        "move_names": list(move_names), "sentence": sentence, "fps": float(fps),
        "frame_count": int(pose.head.shape[0]),
        "dynamic_score": round(dynamic_score(energy, peak_angular_speed(pose, fps)), 4),
        "reference_height_m": round(skel.height, 4),
        "root_trajectory": _r(pose.head[:, 0]),
        "envelope": [[math.floor(v * 1e4) / 1e4 for v in e[:3]] + [math.ceil(v * 1e4) / 1e4 for v in e[3:]]
                     for e in envelope],
        "motion_energy": _r(energy),
        "loopable": bool(loopable),
    }


def _variant_meshes() -> dict:
    """{variant: (rest vertices (V, 3), weights (V, B), skeleton)} built with bpy."""
    import bpy

    out = {}
    for name in humanoid.VARIANTS:
        arm, mesh = humanoid.build(name, "stats-" + name)
        me = mesh.data
        co = np.empty(len(me.vertices) * 3)
        me.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3)
        skel = humanoid.skeleton(name)
        out[name] = (co, humanoid.segment_weights(co, skel), skel)
        bpy.data.objects.remove(mesh)
        bpy.data.objects.remove(arm)
    return out


def procedural_manifest() -> dict:
    """The whole ``procedural_humans.json`` document (deterministic)."""
    from .characters import Motion, retarget_motion

    meshes = _variant_meshes()
    assets = []
    for name, (co, _, skel) in meshes.items():
        v = humanoid.VARIANTS[name]
        assets.append({"id": f"proc-human-{name}", "kind": "character",
                       "location": f"procedural:humanoid/{name}", "licence": PROCEDURAL_LICENCE,
                       "skeleton": "mixamo", "appearance": v.appearance,
                       "height_m": round(skel.height, 4),
                       "bbox": _r(np.concatenate([co.min(0), co.max(0)]))})
    ref = humanoid.reference_skeleton()
    for aname, act in motions.ACTIONS.items():
        pose = motions.sample(aname, ref)
        motion = Motion(ref, pose, motions.FPS, act.loopable)
        lo = np.full((pose.head.shape[0], 3), np.inf)
        hi = -lo
        for co, w, skel in meshes.values():
            tp, _ = retarget_motion(motion, skel)
            verts = lbs(co, w, skel, tp) * (ref.height / skel.height)
            lo = np.minimum(lo, verts.min(axis=1))
            hi = np.maximum(hi, verts.max(axis=1))
        env = np.concatenate([lo - ENVELOPE_MARGIN_M, hi + ENVELOPE_MARGIN_M], axis=1)
        assets.append(action_entry(f"proc-{aname}", f"procedural:action/{aname}", PROCEDURAL_LICENCE,
                                   act.move_names, act.sentence, ref, pose, motions.FPS,
                                   act.loopable, env))
    return {"format": "synthgen-assets/1",
            "description": "Embedded procedural humanoids and actions (generated by "
                           "synthgen.blender.asset_stats; do not edit by hand).",
            "assets": assets}


def write_procedural_manifest(path: Path) -> Path:
    """Write :func:`procedural_manifest` to ``path`` atomically."""
    from ..fsutil import atomic_write_text
    doc = procedural_manifest()
    atomic_write_text(Path(path), json.dumps(doc, indent=1) + "\n")
    return Path(path)


# --------------------------------------------------------------------------- Mixamo files
MIXAMO_LICENCE = "Mixamo (Adobe): user-supplied download, see Adobe's Mixamo terms"
JOINT_PAD_M = 0.15          # body radius around joints for the envelope of skinless actions
SOLE_PAD_M = 0.05           # below the lowest joint (toe joints are ~1-3 cm above the sole)
_NOISE_WORDS = {"var", "variation", "with", "without", "skin", "noskin", "anim", "animation",
                "character", "mixamo", "fbx", "bvh", "inplace", "in", "place"}


def move_names_from_filename(stem: str) -> list[str]:
    """Fine-grained move name from a file name: ``"Breakdance Freeze Var 2"`` ->
    ``["breakdance freeze"]``; ``"anim_samba_dancing_noskin"`` -> ``["samba dancing"]``."""
    words = [w for w in re.split(r"[^a-z]+", stem.lower()) if w and w not in _NOISE_WORDS]
    return [" ".join(words)] if words else ["dance"]


def slug(stem: str) -> str:
    """Manifest-id-safe version of a file stem."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "asset"


def relative_location(path: Path, manifest_dir: Path) -> str:
    """``path`` relative to the manifest's folder (POSIX separators); raises ManifestError
    when it lies outside (manifests refuse absolute and escaping locations)."""
    from ..errors import ManifestError
    try:
        rel = Path(path).resolve().relative_to(Path(manifest_dir).resolve())
    except ValueError:
        raise ManifestError(f"{path} is not inside the manifest's folder {manifest_dir}; write the "
                            f"manifest into the FBX folder or one of its parents",
                            source=str(manifest_dir), field="--out") from None
    return rel.as_posix()


def joint_envelope(pose: WorldPose, pad: float = JOINT_PAD_M, sole: float = SOLE_PAD_M) -> np.ndarray:
    """Per frame AABB (T, 6) of every bone head, grown by ``pad`` metres (body girth), and
    by only ``sole`` metres below the lowest joint (toe joints sit just above the sole)."""
    lo = pose.head.min(axis=1) - pad
    lo[:, 2] += pad - sole
    return np.concatenate([lo, pose.head.max(axis=1) + pad], axis=1)


def motion_notes(skel: Skeleton, pose: WorldPose, fps: float, source: str) -> str:
    """Human-readable statistics that have no manifest field of their own."""
    root = pose.head[:, 0, :2]
    dist = float(np.linalg.norm(np.diff(root, axis=0), axis=1).sum()) if len(root) > 1 else 0.0
    dur = max((len(root) - 1) / fps, 1e-9)
    return (f"from {source}; {len(skel.names)} mapped bones; rest height {skel.height:.3f} m; "
            f"mean root speed {dist / dur:.3f} m/s; peak joint angular speed "
            f"{peak_angular_speed(pose, fps):.0f} deg/s; move names from the file name (edit freely)")


def mixamo_entries(path: Path, manifest_dir: Path) -> list[dict]:
    """Manifest entries (character and/or action) for one FBX/BVH file (bpy).

    A file with a skinned mesh gives a character; one with an animation longer than one
    frame gives an action (a "With Skin" download with motion gives both). A file that is
    neither raises :class:`synthgen.blender.mixamo.ImportError_` (one line). The scene is
    reset before and after.
    """
    import bpy

    from ..fsutil import sha256_file
    from . import mixamo

    path = Path(path)
    location = relative_location(path, manifest_dir)
    sha = sha256_file(path)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    try:
        imp = mixamo.import_file(path)
        has_mesh = imp["armature"] is not None and bool(imp["meshes"])
        rng = imp["frame_range"]
        has_motion = imp["armature"] is not None and rng is not None and rng[1] > rng[0]
        has_arm = imp["armature"] is not None
        mixamo.remove(imp["objects"])
        if not has_arm:
            raise mixamo.ImportError_("no armature in the file", source=str(path), field="armature")
        if not (has_mesh or has_motion):
            raise mixamo.ImportError_("neither a skinned character nor an animation",
                                      source=str(path), field="file")
        out = []
        if has_mesh:
            out.append(_character_entry(path, location, sha, mixamo))
        if has_motion:
            mo = mixamo.load_motion(path)
            out.append(_mixamo_action_entry(path, location, sha, mo))
        return out
    finally:
        bpy.ops.wm.read_factory_settings(use_empty=True)


def _character_entry(path: Path, location: str, sha: str, mixamo) -> dict:
    from .characters import _matrix
    char = mixamo.load_character(path, "import")
    char.armature.matrix_world = _matrix(char.frame)
    lo, hi = mixamo.mesh_bounds(char.meshes)
    return {"id": f"mixamo-character-{slug(path.stem)}", "kind": "character", "location": location,
            "sha256": sha, "licence": MIXAMO_LICENCE, "skeleton": "mixamo",
            "appearance": "a person", "height_m": round(float(hi[2] - lo[2]), 4),
            "bbox": _r(np.concatenate([lo, hi])),
            "notes": f"from {path.name}; {len(char.skeleton.names)} mapped bones; "
                     f"appearance is a placeholder (edit it)"}


def _mixamo_action_entry(path: Path, location: str, sha: str, mo) -> dict:
    names = move_names_from_filename(path.stem)
    entry = action_entry(f"mixamo-action-{slug(path.stem)}", location, MIXAMO_LICENCE, names,
                         f"performs {names[0]}", mo.skeleton, mo.pose, mo.fps, False,
                         joint_envelope(mo.pose))
    entry["sha256"] = sha
    entry["notes"] = motion_notes(mo.skeleton, mo.pose, mo.fps, path.name)
    return entry


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    write_procedural_manifest(Path(sys.argv[1]))
