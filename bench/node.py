"""Node throughput, measured side by side in one run (issue 18).

    python bench/node.py [--jobs 4] [--size 832x480] [--frames 16] [--skip-settings]

1. ``synthgen render`` of the same flow-mode jobs (the human bench scene of
   ``bench/render.py``: HDRI world and ground, a dancing character, two props, a following
   camera) with the default flags and with each manual ``--workers N`` (N = 1, 2, 4, 8 up to
   twice the cores), each from a clean output folder, whole command timed: frames/s of the
   default against the best manual setting (goal: default >= 0.95x best) and against the
   3.36 frames/s of one job on all threads at 832x480 (goal >= 1.5x).
2. Where a flow-mode frame's time goes: one job rendered in this process with bpy, with 1
   and with all Cycles threads, split into scene evaluation (``frame_set``: armature,
   depsgraph), Cycles' own phases as its status line reports them (sync, BVH, kernel), the
   EXR encode and write (``save_render``) and the frame check; first frame excluded; then
   the EXR compressions Blender writes losslessly (write time, bytes, the exporter's read).
3. A big-node model from those figures: the frame's parallel fraction p (Amdahl, from the
   1- and 2-thread frame times) and the measured efficiency of concurrent jobs predict
   frames/s of 16- and 64-core nodes for one job on all cores against ``--workers auto``
   (one job per core, memory allowing at 4 GiB per core).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from render import bench_job  # noqa: E402  (bench/render.py: the human bench scene)

from synthgen.executors.sizing import auto_sizing, job_rss_mib, usable_cores  # noqa: E402

BASELINE_FPS = 3.36      # one job on 2 threads, 832x480, quiet 2-core machine (the issue)
CLI = [sys.executable, "-c", "from synthgen.cli import main; main()"]


# --------------------------------------------------------------------------- 1. settings
def write_jobs(folder: Path, n: int, width: int, height: int, frames: int) -> list[Path]:
    out = []
    for i in range(n):
        job = bench_job(width, height, frames, f"node{i:03d}")
        out.append(job.save(folder / f"node{i:03d}.json"))
    return out


def time_render(jobs_dir: Path, out: Path, workers: str | None) -> tuple[float, str]:
    argv = CLI + ["render", str(jobs_dir), "--out", str(out), "--no-progress"]
    if workers is not None:
        argv += ["--workers", workers]
    t = time.perf_counter()
    res = subprocess.run(argv, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"render {workers or 'default'} failed: {res.stderr.strip()}")
    line = next((ln for ln in res.stderr.splitlines() if ln.startswith("render: ")), "")
    return dt, line


def settings(tmp: Path, n: int, width: int, height: int, frames: int) -> dict:
    cores = usable_cores()
    write_jobs(tmp / "jobs", n, width, height, frames)
    manual = [w for w in (1, 2, 4, 8, 16, 32) if w <= max(2 * cores, 2)]
    print(f"\n== synthgen render: {n} flow-mode jobs x {frames} frames at {width}x{height}, "
          f"{cores} cores ==")
    rates = {}
    for label, workers in [("default", None)] + [(f"--workers {w}", str(w)) for w in manual]:
        dt, line = time_render(tmp / "jobs", tmp / f"renders-{label.replace(' ', '')}", workers)
        rates[label] = n * frames / dt
        print(f"{label:<14}{dt:8.2f} s {rates[label]:7.2f} frames/s   {line}")
    best = max((k for k in rates if k != "default"), key=rates.get)
    print(f"default / best manual ({best}): {rates['default'] / rates[best]:.2f}x (goal >= 0.95x)")
    print(f"default / {BASELINE_FPS} frames/s (one job, all threads, before): "
          f"{rates['default'] / BASELINE_FPS:.2f}x (goal >= 1.5x at 832x480)")
    return rates


# --------------------------------------------------------------------------- 2. breakdown
def phase_of(status: str) -> str:
    """Cycles' status line -> a phase name (the last ``|`` field, its kind)."""
    s = status.split("|")[-1].strip().lower()
    if "bvh" in s:
        return "cycles BVH"
    if s.startswith(("sample", "rendering", "path tracing", "finished")):
        return "cycles kernel + film"
    if s.startswith(("synchroniz", "updating", "loading", "initializing", "waiting")):
        return "cycles sync"
    return "cycles other"


def breakdown_child(job_path: str, threads: int, out: str, codec: str = "") -> None:
    """In a fresh Python with bpy: render the job's frames in-process, timing each part
    (``codec``: an EXR compression other than the worker's)."""
    import bpy

    from synthgen import exrfile, layout
    from synthgen.blender import scene as scene_mod
    from synthgen.job import load_job

    job = load_job(job_path)
    scene = scene_mod.reset()
    scene_mod.build(job, job_path)
    scene_mod.setup_render(job)
    scene.render.threads_mode, scene.render.threads = "FIXED", threads
    scene_mod.use_flow_pass(job)
    if codec:
        scene.render.image_settings.exr_codec = codec
    events: list[tuple[float, str]] = []
    bpy.app.handlers.render_stats.append(lambda text: events.append((time.perf_counter(), text)))
    rows = []
    for frame in range(job.frame_start, job.frame_end + 1):
        path = Path(out) / layout.frame_name(frame)
        t0 = time.perf_counter()
        scene.frame_set(frame)
        t1 = time.perf_counter()
        events.clear()
        bpy.ops.render.render(write_still=False)
        t2 = time.perf_counter()
        bpy.data.images["Render Result"].save_render(str(path), scene=scene)
        t3 = time.perf_counter()
        problem = exrfile.check(path, job.width, job.height, layout.required_channels("flow"), decode=False)
        t4 = time.perf_counter()
        if problem:
            raise SystemExit(f"frame {frame}: {problem}")
        row = defaultdict(float, {"scene evaluation (frame_set)": t1 - t0, "EXR encode + write": t3 - t2,
                                  "frame check": t4 - t3})
        marks = [(t1, "cycles other")] + [(t, phase_of(s)) for t, s in events] + [(t2, None)]
        for (ta, pa), (tb, _) in zip(marks, marks[1:]):
            row[pa] += tb - ta
        row["total"] = t4 - t0
        row["bytes"] = path.stat().st_size
        rows.append(dict(row))
    print(json.dumps(rows[1:] or rows))


def profile_run(job: Path, threads: int, out: Path, codec: str = "") -> list[dict]:
    out.mkdir()
    res = subprocess.run([sys.executable, __file__, "--breakdown-child", str(job), str(threads), str(out), codec],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"breakdown failed: {res.stderr.strip()[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def codecs(tmp: Path, job: Path) -> None:
    """EXR compressions Blender writes losslessly: write time, size, the exporter's read time."""
    from synthgen.export.exr import read_frame_channels
    print("\n== EXR compression of a flow frame (1 thread; export read: read_frame_channels) ==")
    print(f"{'codec':<8}{'write ms':>10}{'MB/frame':>10}{'read ms':>10}{'frame ms':>10}")
    for codec in ("ZIP", "ZIPS", "PIZ", "RLE", "NONE"):
        out = tmp / f"codec-{codec}"
        rows = profile_run(job, 1, out, codec)
        frames = sorted(out.glob("*.exr"))
        t = time.perf_counter()
        for f in frames:
            read_frame_channels(f)
        read = (time.perf_counter() - t) / len(frames)
        print(f"{codec:<8}{statistics.median(r['EXR encode + write'] for r in rows) * 1e3:>10.1f}"
              f"{statistics.median(r['bytes'] for r in rows) / 1e6:>10.2f}{read * 1e3:>10.1f}"
              f"{statistics.median(r['total'] for r in rows) * 1e3:>10.1f}")


def breakdown(tmp: Path, width: int, height: int, frames: int) -> dict[int, dict]:
    job = bench_job(width, height, frames, "profile").save(tmp / "profile.json")
    print(f"\n== one flow-mode frame at {width}x{height}: where the time goes (median ms, "
          f"{frames - 1} frames) ==")
    result = {}
    for threads in sorted({1, usable_cores()}):
        rows = profile_run(job, threads, tmp / f"profile-{threads}")
        keys = sorted({k for r in rows for k in r} - {"bytes"}, key=lambda k: (k == "total", k))
        result[threads] = {k: statistics.median(r.get(k, 0.0) for r in rows) for k in keys}
    cols = sorted(result)
    print(f"{'part':<30}" + "".join(f"{f'{t} thread(s)':>14}" for t in cols))
    for k in result[cols[0]]:
        print(f"{k:<30}" + "".join(f"{result[t].get(k, 0.0) * 1e3:>14.1f}" for t in cols))
    codecs(tmp, job)
    return result


# --------------------------------------------------------------------------- 3. model
def model(profile: dict[int, dict], rates: dict | None, width: int, height: int) -> None:
    cores = usable_cores()
    t1 = profile[1]["total"]
    tc = profile[max(profile)]["total"]
    c = max(profile)
    # Amdahl: t(c) = t1 * ((1 - p) + p / c)
    p = min(1.0, max(0.0, (1 - tc / t1) / (1 - 1 / c))) if c > 1 else 0.0
    eff = 1.0
    if rates and "--workers 1" in rates and cores > 1 and f"--workers {cores}" in rates:
        single = 1.0 / tc     # what one job on all threads does per second (in-process)
        eff = rates[f"--workers {cores}"] / (cores * (1.0 / t1)) if t1 else 1.0
        print(f"\n(concurrency efficiency: {cores} jobs x 1 thread reach {eff:.2f} of {cores}x one "
              f"1-thread job; one in-process job on {c} threads {single:.2f} frames/s)")
    print(f"\n== big-node model at {width}x{height}: frame parallel fraction p = {p:.2f} "
          f"(1 thread {t1 * 1e3:.0f} ms, {c} threads {tc * 1e3:.0f} ms) ==")
    print(f"{'cores':>6}{'one job, all threads':>24}{'--workers auto':>26}{'ratio':>8}")
    for n in (cores, 16, 64):
        one = 1.0 / (t1 * ((1 - p) + p / n))
        sz = auto_sizing(1000, job_rss_mib(width, height), cores=n, memory_mib=4096.0 * n)
        per_job = 1.0 / (t1 * ((1 - p) + p / sz.threads))
        running = min(sz.workers, max(1, n // sz.threads))     # jobs the cores can hold at once
        auto = running * per_job * eff
        print(f"{n:>6}{one:>18.2f} fr/s{auto:>14.2f} fr/s ({sz.workers}x{sz.threads}){auto / one:>8.1f}x")


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--breakdown-child":
        breakdown_child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--size", default="832x480")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--skip-settings", action="store_true", help="only the breakdown and the model")
    args = ap.parse_args()
    w, h = map(int, args.size.lower().split("x"))
    print(f"cpus {os.cpu_count()}, usable {usable_cores()}, load average at start {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="synthgen-node-") as d:
        tmp = Path(d)
        rates = None if args.skip_settings else settings(tmp, args.jobs, w, h, args.frames)
        profile = breakdown(tmp, w, h, min(args.frames, 8))
        model(profile, rates, w, h)
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
