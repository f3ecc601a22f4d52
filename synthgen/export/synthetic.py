"""Render-folder look-alikes with analytic passes, for tests and benchmarks (no Blender).

:func:`make_job` builds a valid job whose camera pans (rotates about its own y axis) at a
fixed rate; :func:`write_clip` writes its frame EXRs in the worker's layout: the world
background (Vector 0, depth 1e10, id 0) and optionally a rectangle (instance 1) that moves
``box_motion`` pixels per frame at a fixed depth, encoded in the Vector pass exactly as
Cycles does (forward = (-Z, +W), backward = (+X, -Y)).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import layout
from ..camera import intrinsics, look_at_cv
from ..renderdir import RenderDir
from ..job import AssetRef, CameraSpec, CaptionSpec, Job, PropSpec
from .exr import write_frame


def _pan(deg: float) -> np.ndarray:
    """Rotation about the camera's own y axis (OpenCV: down), i.e. a pan to the right."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def make_job(clip_id: str = "synth-000000", *, width: int = 64, height: int = 48,
             n_frames: int = 4, fps: float = 24.0, pan_deg_per_frame: float = 1.0,
             focal_mm: float = 35.0, box: bool = True, mode: str = "flow") -> Job:
    """A valid camera job: a camera at the origin looking along +y that pans each frame."""
    base = look_at_cv([0, 0, 1.5], [0, 10, 1.5])
    c2w, Ks, focals = [], [], []
    for i in range(n_frames + 2):
        m = base.copy()
        m[:3, :3] = base[:3, :3] @ _pan(pan_deg_per_frame * (i - 1))
        c2w.append(m.tolist())
        Ks.append(intrinsics(focal_mm, 36.0, width, height).tolist())
        focals.append(focal_mm)
    cam = CameraSpec(c2w=c2w, focal_mm=focals, K=Ks, movement_type="pan", path_family="pan")
    props = [PropSpec(instance_id=1, asset=AssetRef("box", "prop", "procedural:box", licence="CC0"),
                      name="box")] if box else []
    job = Job(clip_id=clip_id, kind="camera", seed=0, width=width, height=height, fps=fps,
              frame_start=1, frame_end=n_frames, camera=cam, props=props,
              caption=CaptionSpec(text="a camera pans across a box.", tags=["<synthetic>"],
                                  elements={"camera": "pan"}))
    job.render.mode = mode
    problems = job.validate()
    assert not problems, problems
    return job


def box_mask(width: int, height: int, k: int, box_motion=(3.0, 2.0), box_size=None) -> np.ndarray:
    """Boolean (H, W) mask of the box in rendered frame ``k`` (0-based)."""
    bw, bh = box_size or (width // 4, height // 4)
    x0 = width // 4 + int(round(box_motion[0] * k))
    y0 = height // 4 + int(round(box_motion[1] * k))
    m = np.zeros((height, width), bool)
    m[max(y0, 0):max(y0 + bh, 0), max(x0, 0):max(x0 + bw, 0)] = True
    return m


def frame_channels(job: Job, k: int, box_motion=(3.0, 2.0), box_depth: float = 5.0,
                   rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """Channels of rendered frame ``k`` (0-based) as the worker writes them."""
    H, W = job.height, job.width
    vec = np.zeros((4, H, W), np.float32)
    depth = np.full((H, W), layout.BACKGROUND_DEPTH, np.float32)
    index = np.zeros((H, W), np.float32)
    if job.props:
        m = box_mask(W, H, k, box_motion)
        du, dv = box_motion
        vec[0][m], vec[1][m], vec[2][m], vec[3][m] = -du, dv, -du, dv
        depth[m] = box_depth
        index[m] = 1.0
    ch = {n: vec[i] for i, n in enumerate(layout.VECTOR_CHANNELS)}
    ch[layout.DEPTH_CHANNEL] = depth
    ch[layout.INDEX_CHANNEL] = index
    rgb = np.stack([np.full((H, W), 0.2, np.float32), (index > 0).astype(np.float32) * 0.8,
                    np.full((H, W), 0.1, np.float32), np.ones((H, W), np.float32)])
    if rng is not None:
        rgb[:3] += rng.uniform(0, 0.05, size=(3, H, W)).astype(np.float32)
    for i, n in enumerate(layout.FLOW_COMBINED_CHANNELS):
        ch[n] = rgb[i]
    if job.render.mode == "full":
        for i, n in enumerate(layout.RGB_CHANNELS):
            ch[n] = rgb[i]
    return ch


def write_clip(job: Job, out_dir: str | Path, *, box_motion=(3.0, 2.0), box_depth: float = 5.0,
               done: bool = True) -> Path:
    """Write a render folder for ``job``: job.json, frame EXRs, render.json and DONE."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    job.save(out / layout.JOB_FILE)
    for k, frame in enumerate(range(job.frame_start, job.frame_end + 1)):
        write_frame(out / layout.frame_name(frame), frame_channels(job, k, box_motion, box_depth))
    if done:
        RenderDir(out).finish(job, {"blender_version": "synthetic", "synthgen_version": "test"})
    return out
