"""Render speed and memory: flow mode vs full-high on the same scene, side by side.

    python bench/render.py [--frames 24] [--full-frames 2] [--job JOB.json] [--out DIR]

Prints frames/s of flow mode (1 sample, Vector/Depth/Index) and of full mode at the high
quality preset (128 samples, denoising, 8 bounces) on the same 832x480 scene, their ratio,
and the peak RSS of a flow-mode render at 1280x704. Each render runs through
``synthgen.render.run_one`` (its own subprocess, as in production); frames/s come from the
per-frame times in render.json (first frame = warm-up, excluded). The default scene is
a human clip: an HDRI world with a shadow-catcher ground, an embedded procedural
character dancing (synthgen.blender.characters), two props and a following camera. With ``--job`` any job file is used
(its resolution is kept; the RSS figure is then for that resolution).
Goals (issue 3): flow >= 4 frames/s on 2 cores, >= 40x faster than full-high,
peak RSS at 1280x704 <= 2 GB.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthgen import layout  # noqa: E402
from synthgen.camera import intrinsics, look_at_cv  # noqa: E402
from synthgen.job import (AssetRef, CameraSpec, EnvironmentSpec, Job, LightSpec, PropSpec,  # noqa: E402
                          RenderSpec, SubjectSpec, load_job)
from synthgen.render import run_one  # noqa: E402

HIGH = dict(samples_rgb=128, denoise=True, max_bounces=8, quality="high")


def bench_job(width: int, height: int, n_frames: int, clip_id: str, env_type: str = "env",
              human: bool = True) -> Job:
    """The human scene: HDRI + ground (``env``) or a plain background with a sun
    (``empty``), an embedded procedural character dancing (or, with ``human=False``, a
    walking person-sized capsule), two props, a following camera."""
    n = n_frames + 2
    t = np.arange(n) - 1.0
    walker = np.stack([0.04 * t, np.zeros(n), np.full(n, 0.9)], -1)
    c2w, focal = [], 30.0
    for p in walker:
        eye = p + [0.5, -4.0, 0.6]
        c2w.append(look_at_cv(eye, p + [0, 0, 0.1]).tolist())
    K = intrinsics(focal, 36.0, width, height).tolist()
    cam = CameraSpec(c2w=c2w, focal_mm=[focal] * n, K=[K] * n, movement_type="following",
                     focus_type="follow")
    def prop(iid, kind, scale, locs, color):
        return PropSpec(instance_id=iid, asset=AssetRef(id=kind, kind="prop", location=f"procedural:{kind}"),
                        name=kind, scale=scale, color=color, location=[list(map(float, l)) for l in locs])
    spin = [[math.cos(a / 2), 0.0, 0.0, math.sin(a / 2)] for a in 0.2 * t]
    props = [prop(2, "torus", [1.0, 1.0, 1.0], [[1.5, 1.5, 0.5]] * n, [0.2, 0.5, 0.8]),
             prop(3, "cube", [0.6, 0.6, 0.6], [[-1.2, 1.0, 0.3]], [0.7, 0.2, 0.2])]
    props[0] = dataclasses.replace(props[0], rotation_quat=spin)
    subjects = [SubjectSpec(
        instance_id=1,
        character=AssetRef(id="proc-human-dancer-black-outfit", kind="character",
                           location="procedural:humanoid/dancer-black-outfit"),
        action=AssetRef(id="proc-uprock", kind="action", location="procedural:action/uprock"),
        source_time_s=[0.5 + i / 24.0 for i in range(n)], location=[0.0, 0.0, 0.0])]
    if not human:     # a person-sized capsule instead of the character
        subjects = []
        props.append(prop(1, "cylinder", [0.45, 0.35, 1.8], walker, [0.8, 0.6, 0.4]))
    env = EnvironmentSpec(type="env", hdri=AssetRef(id="hdri-forest", kind="hdri",
                          location="blender-datafiles:studiolights/world/forest.exr"), shadow_catcher=True)
    if env_type == "empty":
        env = EnvironmentSpec(type="empty", background_color=[0.2, 0.2, 0.25, 1.0], ambient_intensity=0.3)
    job = Job(clip_id=clip_id, kind="human", seed=0, width=width, height=height, fps=24.0,
              frame_start=1, frame_end=n_frames, camera=cam, render=RenderSpec(mode="flow"),
              environment=env, lights=[LightSpec(kind="sun", position=[0, 0, 10], target=[0, 0, 0],
                                                 intensity_w=3.0)], props=props, subjects=subjects)
    assert not job.validate(), job.validate()
    return job


def with_render(job: Job, clip_id: str, n_frames: int, **render) -> Job:
    """``job`` limited to ``n_frames`` frames with render settings replaced."""
    n_frames = min(n_frames, job.n_frames)
    keep = n_frames + 2
    cam = job.camera
    cam = dataclasses.replace(cam, c2w=cam.c2w[:keep], focal_mm=cam.focal_mm[:keep], K=cam.K[:keep])
    props = [dataclasses.replace(p, location=p.location[:keep] if len(p.location) > 1 else p.location,
                                 rotation_quat=p.rotation_quat[:keep] if len(p.rotation_quat) > 1 else p.rotation_quat)
             for p in job.props]
    subjects = [dataclasses.replace(s, source_time_s=s.source_time_s[:keep]) for s in job.subjects]
    return dataclasses.replace(job, clip_id=clip_id, frame_end=job.frame_start + n_frames - 1, camera=cam,
                               props=props, subjects=subjects,
                               render=dataclasses.replace(job.render, **render))


def measure(job: Job, root: Path) -> dict:
    path = job.save(root / "jobs" / f"{job.clip_id}.json")
    t0 = time.perf_counter()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = run_one(path, root / "renders")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    if res.status != "done":
        raise SystemExit(f"{job.clip_id}: {res.reason}")
    times = json.loads((res.folder / layout.RENDER_INFO_FILE).read_text())["frame_times_s"]
    steady = times[1:] or times
    return {"frames": len(times), "median_s": statistics.median(steady), "wall_s": wall,
            "fps": 1.0 / statistics.median(steady), "cpu_s": cpu}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=24, help="flow-mode frames")
    ap.add_argument("--full-frames", type=int, default=2, help="full-high frames (slow)")
    ap.add_argument("--job", type=Path, default=None, help="bench this job instead")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", type=Path, default=None, help="keep renders here (default: temp)")
    ap.add_argument("--env", choices=("env", "empty"), default="env",
                    help="built-in scene: HDRI world + ground (env) or background colour (empty)")
    ap.add_argument("--capsule", action="store_true",
                    help="a walking capsule instead of the procedural character")
    args = ap.parse_args(argv)
    root = args.out or Path(tempfile.mkdtemp(prefix="synthgen-bench-"))
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    if args.job:
        base = load_job(args.job)
        big = with_render(base, "rss", 4, mode="flow", device=args.device)
    else:
        human = not args.capsule
        base = bench_job(832, 480, max(args.frames, args.full_frames), "base", args.env, human)
        big = bench_job(1280, 704, 4, "rss", args.env, human)
        big = dataclasses.replace(big, render=dataclasses.replace(big.render, device=args.device))
    rss = measure(big, root)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"flow {big.width}x{big.height}: {rss['fps']:.2f} frames/s, peak RSS {peak_mb:.0f} MB "
          f"(goal <= 2048 MB)")
    flow = measure(with_render(base, "flow", args.frames, mode="flow", device=args.device), root)
    full = measure(with_render(base, "full_high", args.full_frames, mode="full", device=args.device,
                               **HIGH), root)
    w, h = base.width, base.height
    print(f"flow mode {w}x{h}: {flow['fps']:.2f} frames/s ({flow['median_s'] * 1000:.0f} ms/frame, "
          f"{flow['frames']} frames, {flow['wall_s']:.1f} s wall incl. start-up) (goal >= 4)")
    print(f"  CPU time (load-independent): flow {flow['cpu_s'] / flow['frames']:.3f} CPU-s/frame, "
          f"full-high {full['cpu_s'] / full['frames']:.2f} CPU-s/frame, both incl. start-up")
    print(f"full-high {w}x{h}: {full['fps']:.3f} frames/s ({full['median_s']:.2f} s/frame, "
          f"{full['frames']} frames)")
    print(f"ratio flow/full-high: {flow['fps'] / full['fps']:.1f}x (goal >= 40x)")
    print(f"load average at end {os.getloadavg()}; renders in {root}")


if __name__ == "__main__":
    main()
