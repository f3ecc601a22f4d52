"""The ``txt`` (caption) and ``json`` (everything else) members of a sample."""
from __future__ import annotations

import json
from importlib import metadata

import numpy as np

from .. import __version__
from ..job import AssetRef, Job
from .clip import ClipResult, ClipSource


CORRESPONDENCE_CONVENTIONS = {
    "flow_k": "flow_k<K>[i] maps frame i to i+K like flow; occ_k<K>[i] = 1 where that point is "
              "visible at i+K (in frame, nothing in front of it)",
    "tracks": "tracks[n, t] = (x, y) px (pixel centres at +0.5) of query point n at frame t; "
              "track_vis[n, t] = 1 when visible",
    "scene_flow": "scene_flow[i] = world displacement (m) of each pixel's point from frame i to "
                  "i+1; 0 where the pixel sees the world at infinity",
}


def caption_text(job: Job, tags: list[str] | None = None) -> str:
    """The caption with the configured tags (default: the job's own)."""
    return job.caption.full(tags)


def _assets(job: Job) -> list[dict]:
    refs: list[AssetRef] = []
    for s in job.subjects:
        refs += [s.character, s.action] + [g.action for g in s.segments or []]
    env = job.environment
    if env.hdri is not None:
        refs.append(env.hdri)
    if env.room is not None:
        refs.append(env.room.asset)
    refs += [p.asset for p in job.props]
    seen, out = set(), []
    for r in refs:
        if r.id not in seen:
            seen.add(r.id)
            out.append({"id": r.id, "kind": r.kind, "licence": r.licence, "sha256": r.sha256})
    return out


def _versions(info: dict) -> dict:
    out = {"synthgen_export": __version__}
    for key in ("synthgen_version", "blender_version", "bpy_version"):
        if key in info:
            out[key.removesuffix("_version")] = info[key]
    for key, value in (info.get("versions") or {}).items():
        out.setdefault(str(key), value)
    try:
        out.setdefault("webdataset", metadata.version("webdataset"))
    except metadata.PackageNotFoundError:
        pass
    return out


def index_fields(job: Job) -> dict:
    """Descriptors kept in the index and used by ``synthgen stats``."""
    cam = job.camera
    move = job.subjects[0].action.id if job.subjects else ""
    return {"kind": job.kind, "movement_type": cam.movement_type, "path_family": cam.path_family,
            "env_type": job.environment.type, "action": move, "mode": job.render.mode}


def sample_json(src: ClipSource, res: ClipResult, members: list[str],
                tags: list[str] | None = None) -> dict:
    """The json member of a sample (plain JSON types only)."""
    job = src.job
    frames = list(range(job.frame_start, job.frame_end + 1))
    pw, ph = res.plucker_size
    cap = job.caption
    return {
        "key": src.key,
        "clip_id": job.clip_id,
        **index_fields(job),
        "width": job.width,
        "height": job.height,
        "n_frames": job.n_frames,
        "frames": frames,
        "fps": job.fps,
        "K": [job.K(f).tolist() for f in frames],
        "c2w": [job.c2w(f).tolist() for f in frames],
        "conventions": {
            "c2w": "camera-to-world 4x4, OpenCV camera axes (x right, y down, z forward), "
                   "world Blender Z-up, metres",
            "K": "pixels, pixel centres at integer + 0.5",
            "flow": "flow[i] maps frame i to i+1, (u, v) = (right, down) px; flow_bwd[i] maps "
                    "frame i+1 to i; valid[i] belongs to flow[i]",
            "depth": "planar z-depth in metres, +inf for the background",
            "plucker": "[T, 6, h, w] = [o x d, d], unit d through pixel centres, poses relative "
                       "to frame 0 (frame 0 = identity)",
            "flow_hsv": "hue = atan2(v, u) / 2pi, saturation 1, value = min(|F| / s_f, 1); "
                        "synthgen.export.hsv.decode_hsv inverts it",
            **(CORRESPONDENCE_CONVENTIONS if res.correspondence else {}),
        },
        "s_f": res.s_f,
        "plucker": {"width": pw, "height": ph} if pw else None,
        "caption": {"text": cap.text, "full": caption_text(job, tags),
                    "tags": cap.tags if tags is None else list(tags),
                    "tag_position": cap.tag_position, "elements": cap.elements},
        "instances": res.instances,
        "assets": _assets(job),
        "camera": {"focus_type": job.camera.focus_type, "focus_position": job.camera.focus_position,
                   "movement_value": job.camera.movement_value, "stats": job.camera.stats,
                   "sensor_width_mm": job.camera.sensor_width_mm,
                   "focal_mm": [job.camera.focal_mm[job.index_of(f)] for f in frames]},
        "plan": {"preset": job.plan.preset, "run_seed": job.plan.run_seed,
                 "clip_index": job.plan.clip_index, "params": job.plan.params},
        "qa": res.qa,
        "versions": _versions(src.render_info),
        "render": {k: src.render_info[k] for k in ("device", "mode", "samples", "filter_width_px")
                   if k in src.render_info},
        "job_hash": job.hash(),
        "members": sorted(members),
        "compression": {m: {k: v for k, v in c.items() if k != "shape"}
                        for m, c in res.codecs.items()},
        **({"correspondence": res.correspondence} if res.correspondence else {}),
    }


def to_json_bytes(obj: dict) -> bytes:
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")
    return json.dumps(obj, indent=1, default=default, allow_nan=False).encode("utf-8")
