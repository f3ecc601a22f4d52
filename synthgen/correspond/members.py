"""Correspondence members of a sample: their names, the checks a clip must pass, and streaming
them into ``.npy`` member files (frames one at a time; memory bounded by the largest gap).

==============  =========================  ==================================================
member          dtype, shape               content
==============  =========================  ==================================================
``flow_k{K}``   float16 [T-K, H, W, 2]     ``flow_k{K}[i]`` maps rendered frame i to i+K, (u, v)
                                           = (right, down) px, like ``flow``
``occ_k{K}``    uint8 [T-K, H, W]          1 where the point of pixel x in frame i is visible
                                           in frame i+K (in frame, nothing in front of it)
``tracks``      float32 [N, T, 2]          TAP-Vid layout: pixel (x, y) of track n at frame t
``track_vis``   uint8 [N, T]               1 where track n is visible at frame t
``scene_flow``  float16 [T-1, H, W, 3]     world displacement (m, Blender Z-up axes) of the
                                           point of pixel x from frame i to i+1; 0 where the
                                           pixel sees the world at infinity
==============  =========================  ==================================================

Every one needs ``geometry.npz`` in the render folder (``"geometry"`` in the job's outputs)
and ``K < T``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..export.blas import keep_freed_memory, single_threaded_blas
from ..export.npy import NpyStreamWriter
from ..job import Job
from . import tracks as trackmod
from .engine import Engine
from .geometry import load_geometry
from .kernels import to_f16
from .names import DEFAULT_TRACKS, check, gap, requested

log = logging.getLogger(__name__)


def shapes(job: Job, members) -> dict[str, tuple[tuple, np.dtype]]:
    """Member -> (shape, dtype) of the streamed per-frame members among ``members``."""
    T, H, W = job.n_frames, job.height, job.width
    out = {}
    for m in requested(members):
        K = gap(m)
        if m.startswith("flow_k"):
            out[m] = ((T - K, H, W, 2), np.dtype(np.float16))
        elif m.startswith("occ_k"):
            out[m] = ((T - K, H, W), np.dtype(np.uint8))
        elif m == "scene_flow":
            out[m] = ((T - 1, H, W, 3), np.dtype(np.float16))
    return out


def track_rng(job: Job) -> np.random.Generator:
    """The generator of a clip's query points (depends on the job's seed only)."""
    return np.random.default_rng([abs(int(job.seed)), 0x747261636B])


def write_members(clip_dir, job: Job, members, scratch: Path, *,
                  n_tracks: int = DEFAULT_TRACKS) -> tuple[dict[str, Path], dict]:
    """Compute the correspondence members among ``members`` into ``scratch/<member>.npy``.

    Returns (member -> path, the json record: gaps, conventions, the tracks' query frames and
    instances). Raises :class:`CorrespondenceError`."""
    wanted = requested(members)
    check(clip_dir, job, wanted)
    gaps = sorted({gap(m) for m in wanted if gap(m) is not None})
    engine = Engine(job, load_geometry(clip_dir, job))
    writers = {m: NpyStreamWriter(Path(scratch) / f"{m}.npy", *spec)
               for m, spec in shapes(job, wanted).items()}
    want_tracks = "tracks" in wanted or "track_vis" in wanted
    sampler = trackmod.QuerySampler(engine, n_tracks, track_rng(job)) if want_tracks else None
    keep_freed_memory()               # as the exporter: frame-sized temporaries reused,
    try:
        with single_threaded_blas():  # and no OpenBLAS workers spinning beside the kernels
            _stream(engine, job, gaps, writers, sampler)
    finally:
        for w in writers.values():
            w.close()
    files = {m: w.path for m, w in writers.items()}
    info = record(job, gaps, wanted)
    if sampler is not None:
        files.update(_write_tracks(engine, job, sampler, wanted, Path(scratch), info))
    return files, info


def _stream(engine: Engine, job: Job, gaps: list[int], writers: dict, sampler) -> None:
    frames = list(range(job.frame_start, job.frame_end + 1))
    keep = max(gaps + [1])
    window = {}
    for idx, t in enumerate(frames):
        seen = engine.seen(t)
        window[t] = seen
        for K in gaps:
            if idx < K:
                continue
            occ = writers.get(f"occ_k{K}")
            flow, vis = engine.flow(window[t - K], t, occlusion=occ is not None, target=seen)
            if f"flow_k{K}" in writers:
                writers[f"flow_k{K}"].write(to_f16(flow))
            if occ is not None:
                occ.write(vis.view(np.uint8))
        if "scene_flow" in writers and idx >= 1:
            writers["scene_flow"].write(to_f16(engine.scene_flow(window[t - 1], t)))
        if sampler is not None:
            sampler.observe(seen, window.get(frames[idx - 1]) if idx else None)
        window.pop(t - keep, None)
    log.debug("%s: correspondences streamed over %d frames", job.clip_id, len(frames))


def _write_tracks(engine: Engine, job: Job, sampler, wanted, scratch: Path, info: dict) -> dict:
    frames = list(range(job.frame_start, job.frame_end + 1))
    qframe, _, pts = sampler.draw()
    tr, vis = trackmod.track(engine, frames, pts)
    out = {}
    if "tracks" in wanted:
        out["tracks"] = scratch / "tracks.npy"
        np.save(out["tracks"], tr)
    if "track_vis" in wanted:
        out["track_vis"] = scratch / "track_vis.npy"
        np.save(out["track_vis"], vis)
    info["tracks"].update({"n": int(len(pts)),
                           "query_frame": (qframe - job.frame_start).astype(int).tolist(),
                           "instance_id": engine.instance_of(pts.obj).astype(int).tolist()})
    return out


def record(job: Job, gaps: list[int], wanted: list[str]) -> dict:
    """The sample json's ``correspondence`` entry (conventions of every member asked)."""
    rec = {"source": "geometry.npz: first surfaces rasterised at pixel centres and refined in float64",
           "gaps": gaps,
           "visibility": "in frame and no other surface in front of the point between "
                         "clip_start and its depth (none nearer than 1e-4 of its depth)"}
    if "scene_flow" in wanted:
        rec["scene_flow"] = {"units": "m", "axes": "world (Blender Z up)", "background": 0.0,
                             "background_note": "pixels seeing the world at infinity hold 0"}
    if "tracks" in wanted or "track_vis" in wanted:
        rec["tracks"] = {"layout": "TAP-Vid: tracks[n, t] = (x, y) px, pixel centres at +0.5; "
                                   "track_vis[n, t] = 1 when visible",
                         "behind_camera_value": trackmod.BEHIND}
    return rec
