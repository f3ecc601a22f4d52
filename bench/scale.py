"""Scale-out figures, measured side by side in one run.

1. Executor overhead per job with trivial jobs: a no-op function and a no-op subprocess
   (``python -c pass``, the unit a render job costs before Blender does anything), through
   the local executor (inline, 2 threads, 2 processes) and a private local Ray instance
   (2 CPUs; its start-up time is reported apart).
2. Render throughput of 1 vs 2 concurrent jobs with the Cycles threads split accordingly
   (1 job x all cores vs 2 jobs x half the cores each), on the same tiny-but-real jobs.
3. Re-running a finished render / export of 100 clips: wall time of the no-op re-run (goal
   < 5 s), through the local runner / one-by-one exporter and through the Ray executor (which
   decides in the driver and starts no Ray at all).

Run: ``python bench/scale.py [--jobs 4] [--size 320x240] [--frames 16] [--finished 100]``.
"""
from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))            # hand-made jobs (tests/scenes.py)
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")   # local Ray on loopback

from synthgen.executors import LocalExecutor, RayExecutor, split_threads  # noqa: E402
from synthgen.executors.render import render_jobs  # noqa: E402


def noop(x):
    return x


def noop_subprocess(x):
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return x


def per_job(executor, fn, n: int) -> float:
    """Seconds per job of ``executor.map(fn, range(n))`` (after a warm-up of 2 jobs)."""
    executor.map(fn, range(2))
    t = time.perf_counter()
    outs = executor.map(fn, range(n))
    dt = time.perf_counter() - t
    assert all(o.ok for o in outs)
    return dt / n


def overhead(n: int) -> None:
    import ray
    print(f"\n== executor overhead per job ({n} trivial jobs, 2 slots) ==")
    t = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray start (private local instance): {time.perf_counter() - t:.2f} s, once per run")
    try:
        rows = []
        for label, ex in (("local inline", LocalExecutor(1, progress=False)),
                          ("local 2 threads", LocalExecutor(2, threads=True, progress=False)),
                          ("local 2 processes*", LocalExecutor(2, progress=False)),
                          ("ray 2 cpus", RayExecutor(progress=False))):
            a = per_job(ex, noop, n)
            b = per_job(ex, noop_subprocess, n // 4)
            rows.append((label, a, b))
        print(f"{'executor':<20}{'no-op fn (ms/job)':>20}{'no-op subprocess (ms/job)':>28}")
        for label, a, b in rows:
            print(f"{label:<20}{a * 1e3:>20.3f}{b * 1e3:>28.1f}")
        print("* a process pool is started per map() call: its start-up is included")
        ray_sub, thr_sub = rows[3][2], rows[1][2]
        print(f"ratio ray / local-threads per subprocess job: {ray_sub / thr_sub:.2f}x")
    finally:
        ray.shutdown()


def _jobs(tmp: Path, n: int, width: int, height: int, frames: int, threads: int) -> list[Path]:
    from scenes import moving_props_job
    paths = []
    for i in range(n):
        job = moving_props_job([(1.5, 0.5), (-1.0, 2.0)], width=width, height=height,
                               n_frames=frames, clip_id=f"bench{i:03d}")
        job.render.threads = threads
        paths.append(job.save(tmp / "jobs" / f"bench{i:03d}.json"))
    return paths


def throughput(n: int, width: int, height: int, frames: int) -> None:
    cores = os.cpu_count() or 1
    print(f"\n== render throughput: {n} jobs of {frames} frames at {width}x{height}, {cores} cores ==")
    rates = {}
    for concurrent in (1, 2):
        threads = split_threads(cores, concurrent)
        with tempfile.TemporaryDirectory() as d:
            jobs = _jobs(Path(d), n, width, height, frames, threads)
            ex = LocalExecutor(concurrent, threads=True, progress=False)
            t = time.perf_counter()
            results = render_jobs(ex, jobs, Path(d) / "renders")
            dt = time.perf_counter() - t
        assert all(r.status == "done" for r in results), results
        rates[concurrent] = n * frames / dt
        print(f"{concurrent} concurrent x {threads} Cycles threads: {dt:7.2f} s, "
              f"{rates[concurrent]:6.2f} frames/s, {n / dt:5.2f} clips/s")
    print(f"ratio 2 concurrent / 1: {rates[2] / rates[1]:.2f}x")


def rerun_finished(n: int) -> None:
    """Re-run a render and an export over ``n`` finished clips (one real render, cloned)."""
    from synthgen.export import export_dataset
    from synthgen.render import run_one
    print(f"\n== re-running a finished render / export of {n} clips (goal < 5 s) ==")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        jobs = _jobs(tmp, n, 32, 24, 2, 1)
        first = run_one(jobs[0], tmp / "renders")
        assert first.status == "done", first
        _clone_finished(tmp / "renders", jobs)
        t = time.perf_counter()
        export_dataset([tmp / "renders"], tmp / "ds", max_fb_p90=None, progress=False,
                       executor=LocalExecutor(2, progress=False))
        print(f"(first export of {n} clips, 2 processes: {time.perf_counter() - t:.1f} s)")
        rows = [("render, local executor", lambda: render_jobs(LocalExecutor(2, threads=True, progress=False),
                                                              jobs, tmp / "renders")),
                ("render, ray executor", lambda: render_jobs(RayExecutor(progress=False), jobs,
                                                             tmp / "renders")),
                ("export, one by one", lambda: export_dataset([tmp / "renders"], tmp / "ds",
                                                              progress=False)),
                ("export, ray executor", lambda: export_dataset(
                    [tmp / "renders"], tmp / "ds", progress=False,
                    executor=RayExecutor(progress=False)))]
        for label, fn in rows:
            t = time.perf_counter()
            fn()
            print(f"{label:<24}{time.perf_counter() - t:8.3f} s for {n} finished clips")


def _clone_finished(renders: Path, jobs: list[Path]) -> None:
    """Copy the one finished clip folder to every other job, with that job's file + marker."""
    from synthgen import layout
    from synthgen.job import load_job
    src = renders / load_job(jobs[0]).clip_id
    for path in jobs[1:]:
        job = load_job(path)
        dst = renders / job.clip_id
        shutil.copytree(src, dst)
        job.save(dst / layout.JOB_FILE)
        (dst / layout.DONE_FILE).write_text(job.hash())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trivial", type=int, default=200, help="trivial jobs per executor")
    ap.add_argument("--jobs", type=int, default=4, help="render jobs per throughput run")
    ap.add_argument("--size", default="320x240", help="render resolution WxH")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--finished", type=int, default=100, help="finished clips to re-run")
    args = ap.parse_args()
    w, h = map(int, args.size.lower().split("x"))
    overhead(args.trivial)
    throughput(args.jobs, w, h, args.frames)
    rerun_finished(args.finished)


if __name__ == "__main__":
    main()
