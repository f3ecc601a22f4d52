"""Correspondence engine cost next to a Cycles flow-mode frame, and its peak memory.

    python bench/correspondence.py [--frames 12] [--rss-frames 121] [--out DIR] [--skip-rss]

1. Renders bench/render.py's human scene (HDRI + ground, a procedural character dancing,
   two props, a following camera) at 832x480 in flow mode with ``"geometry"`` in its outputs
   (one subprocess, as in production) and reads Cycles' median seconds per frame.
2. Runs the engine on that clip for ``flow_k{K}`` + ``occ_k{K}`` with K in {1, 2, 4, 8} and
   2,048 tracks (``synthgen.correspond.members.write_members``), twice in this process, and
   prints the second run's seconds per frame (total / T) and the breakdown: primary surfaces,
   each gap, tracks; the first run's extra time is the one-time start-up (compiled kernels
   loaded from numba's disk cache), printed apart like Cycles' start-up. Goal: <= 0.5x the
   Cycles frame.
3. Renders the same clip with ``--mode geometry`` (the flow layer computed from geometry.npz,
   no path tracing) and prints its seconds per frame next to flow mode's.
4. Peak RSS of the same engine run on a ``--rss-frames`` (121) frame clip at 1280x704, in a
   fresh process (only frame 1 is rendered: the engine reads geometry.npz and the job, never
   the frames). Goal: <= 2 GB.

Figures depend on the machine's load: the load average is printed at start and end.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import bench_job, measure  # noqa: E402

from synthgen.render import run_one  # noqa: E402

MEMBERS = [f"{p}_k{k}" for k in (1, 2, 4, 8) for p in ("flow", "occ")] + ["tracks", "track_vis"]


def with_geometry(job, clip_id: str):
    return dataclasses.replace(job, clip_id=clip_id, outputs=sorted(set(job.outputs) | {"geometry"}))


def engine_run(clip_dir: Path, members=MEMBERS, n_tracks: int = 2048) -> dict:
    """Time the engine on a render folder (in this process); seconds per stage."""
    from synthgen.correspond import members as mm
    from synthgen.correspond import tracks as tm
    from synthgen.correspond.engine import Engine
    from synthgen.job import load_job

    job = load_job(clip_dir / "job.json")
    stages = {"seen": 0.0, "gaps": 0.0, "tracks": 0.0}
    seen0, flow0, track0 = Engine.seen, Engine.flow, tm.track

    def timed(fn, key):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                stages[key] += time.perf_counter() - t0
        return wrapper
    Engine.seen, Engine.flow, tm.track = timed(seen0, "seen"), timed(flow0, "gaps"), timed(track0, "tracks")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            t0, c0 = time.perf_counter(), time.process_time()
            mm.write_members(clip_dir, job, members, Path(scratch), n_tracks=n_tracks)
            total, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        Engine.seen, Engine.flow, tm.track = seen0, flow0, track0
    return {"total_s": total, "cpu_s": cpu, "frames": job.n_frames, **stages}


RSS_CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
from synthgen.correspond.members import write_members
from synthgen.job import load_job
clip = Path(sys.argv[1]); job = load_job(clip / "job.json")
t0 = time.perf_counter()
with tempfile.TemporaryDirectory(dir=sys.argv[2]) as d:
    write_members(clip, job, json.loads(sys.argv[3]), Path(d), n_tracks=2048)
print(json.dumps({"s": time.perf_counter() - t0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def rss(root: Path, n_frames: int) -> dict:
    plain = dataclasses.replace(bench_job(1280, 704, n_frames, "rss"), clip_id="corr-plain")
    job = with_geometry(plain, "corr-rss")
    secs = {}
    for j in (plain, job):                # frame 1 only: the difference is geometry.npz
        path = j.save(root / "jobs" / f"{j.clip_id}.json")
        t0 = time.perf_counter()
        res = run_one(path, root / "renders", frames=(1, 1))
        secs[j.clip_id] = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"render failed: {res.reason}")
    out = subprocess.run([sys.executable, "-c", RSS_CHILD, str(root / "renders" / job.clip_id),
                          str(root), json.dumps(MEMBERS)], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["geometry_s"] = secs["corr-rss"] - secs["corr-plain"]
    got["geometry_mb"] = (root / "renders" / job.clip_id / "geometry.npz").stat().st_size / 1e6
    return got


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--rss-frames", type=int, default=121)
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    root = args.out or Path(tempfile.mkdtemp(prefix="synthgen-corr-bench-"))
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    job = with_geometry(bench_job(832, 480, args.frames, "corr"), "corr-flow")
    cyc = measure(job, root)
    first = engine_run(root / "renders" / job.clip_id)   # loads the compiled kernels (disk cache)
    eng = engine_run(root / "renders" / job.clip_id)
    T = eng["frames"]
    per = eng["total_s"] / T
    print(f"Cycles flow mode 832x480: {cyc['median_s'] * 1000:.0f} ms/frame ({cyc['frames']} frames)")
    print(f"engine flow_k+occ_k K in 1,2,4,8 + 2048 tracks: {per * 1000:.0f} ms/frame "
          f"= {per / cyc['median_s']:.2f}x the Cycles frame (goal <= 0.5x)")
    print(f"  CPU time (less load-dependent): engine {eng['cpu_s'] / T:.3f} CPU-s/frame, Cycles "
          f"{cyc['cpu_s'] / cyc['frames']:.3f} CPU-s/frame incl. its start-up")
    print(f"  per frame: primary surfaces {eng['seen'] / T * 1000:.0f} ms, gaps (flow+occ) "
          f"{eng['gaps'] / T * 1000:.0f} ms, tracks {eng['tracks'] / T * 1000:.0f} ms, rest "
          f"{(eng['total_s'] - eng['seen'] - eng['gaps'] - eng['tracks']) / T * 1000:.0f} ms")
    print(f"  one-time start-up per process (numba kernels loaded from the disk cache): "
          f"{first['total_s'] - eng['total_s']:.2f} s (first run {first['total_s']:.2f} s, second "
          f"{eng['total_s']:.2f} s); a Cycles job's start-up is not in its per-frame figure either")
    geo = measure(dataclasses.replace(job, clip_id="corr-geometry",
                                      render=dataclasses.replace(job.render, mode="geometry")), root)
    print(f"--mode geometry 832x480: {geo['median_s'] * 1000:.0f} ms/frame vs flow mode "
          f"{cyc['median_s'] * 1000:.0f} ms/frame: {cyc['median_s'] / geo['median_s']:.2f}x faster; "
          f"CPU incl. start-up {geo['cpu_s'] / geo['frames']:.3f} vs {cyc['cpu_s'] / cyc['frames']:.3f} "
          "CPU-s/frame")
    if not args.skip_rss:
        r = rss(root, args.rss_frames)
        print(f"engine on {args.rss_frames} frames at 1280x704: peak RSS {r['rss_mb']:.0f} MB "
              f"(goal <= 2048 MB), {r['s'] / args.rss_frames * 1000:.0f} ms/frame")
        cost = (f"{r['geometry_s']:.1f} s ({r['geometry_s'] / (args.rss_frames + 2) * 1000:.0f} ms/frame)"
                if r["geometry_s"] > 0 else "less than the noise between two 1-frame renders")
        print(f"worker: writing geometry.npz for {args.rss_frames + 2} baked frames took {cost}, "
              f"{r['geometry_mb']:.1f} MB")
    print(f"load average at end {os.getloadavg()}; renders in {root}")


if __name__ == "__main__":
    main()
