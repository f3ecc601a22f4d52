"""Action statistics the planner reads, and manifest-entry helpers (numpy only, no bpy).

:func:`action_entry` computes the per-frame motion statistics of an action manifest entry
(root trajectory, envelope, motion energy, dynamic score) for any action, procedural,
captured or imported; :func:`lbs` is linear blend skinning, the same maths as Blender's
Armature modifier, used to measure envelopes without Blender.
"""
from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np

from .skeleton import Skeleton, WorldPose

log = logging.getLogger(__name__)

PROCEDURAL_LICENCE = "CC0-1.0 (synthgen procedural)"
ENVELOPE_MARGIN_M = 0.03


def rounded(x) -> list:
    """``x`` as nested lists rounded to 4 decimals (manifest JSON)."""
    return np.round(np.asarray(x, dtype=np.float64), 4).tolist()


def lbs(rest_co: np.ndarray, weights: np.ndarray, skel: Skeleton, pose: WorldPose) -> np.ndarray:
    """Linear blend skinning: rest vertices (V, 3) + weights (V, B) -> posed (T, V, 3)."""
    A = pose.rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]           # (T, B, 3, 3)
    t = pose.head - np.einsum("tbij,bj->tbi", A, skel.rest_head)       # (T, B, 3)
    T, B = A.shape[:2]
    M = np.concatenate([A.reshape(T, B, 9), t], axis=2)                # (T, B, 12)
    blend = (weights @ M.transpose(1, 0, 2).reshape(B, T * 12)).reshape(-1, T, 12)
    out = np.einsum("vtij,vj->tvi", blend[..., :9].reshape(-1, T, 3, 3), rest_co)
    return out + blend[..., 9:].transpose(1, 0, 2)


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
        "root_trajectory": rounded(pose.head[:, 0]),
        "envelope": [[math.floor(v * 1e4) / 1e4 for v in e[:3]] + [math.ceil(v * 1e4) / 1e4 for v in e[3:]]
                     for e in envelope],
        "motion_energy": rounded(energy),
        "loopable": bool(loopable),
    }


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
