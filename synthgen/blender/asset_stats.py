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


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    write_procedural_manifest(Path(sys.argv[1]))
