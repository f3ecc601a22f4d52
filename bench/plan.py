"""Planner throughput: clips per second for 1,000 clips of 121 frames, on one core.

    python bench/plan.py [--count 1000] [--preset dynavid-human --preset dynavid-camera]

Prints, per preset, the end-to-end rate of ``synthgen.planner.plan`` (sampling, solving,
constraint checks, JSON writing) and the rate of planning alone, side by side, with the
ratio to the goal of 20 clips/s. Uses the default manifests, plus the test fixture's
characters and actions when the default set has none.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

GOAL = 20.0


def _one_core() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass


def _assets() -> list[Path]:
    from synthgen import PROJECT_ROOT
    from synthgen.manifest import default_manifest_paths, load_manifests
    paths = default_manifest_paths()
    if not load_manifests(paths, verify=False).of_kind("action"):
        paths.append(PROJECT_ROOT / "tests" / "fixtures" / "humans.json")
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--preset", action="append", default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    _one_core()
    from synthgen.manifest import load_manifests
    from synthgen.planner import load_preset, plan, plan_clip

    assets = _assets()
    print(f"planner benchmark: {args.count} clips per preset, one core, manifests: "
          + ", ".join(p.name for p in assets))
    print(f"{'preset':16s} {'frames':>6s} {'end-to-end clips/s':>19s} {'plan-only clips/s':>18s} "
          f"{'vs goal':>8s} {'MB written':>10s}")
    for name in args.preset or ["dynavid-human", "dynavid-camera"]:
        pre, aset = load_preset(name), load_manifests(assets)
        t0 = time.perf_counter()
        for k in range(args.count):
            plan_clip(pre, aset, args.seed, k)
        plan_only = args.count / (time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            paths = plan(name, args.count, args.seed, Path(tmp), assets)
            e2e = args.count / (time.perf_counter() - t0)
            mb = sum(p.stat().st_size for p in paths) / 1e6
        frames = pre["video"]["frames"]
        print(f"{name:16s} {frames:6d} {e2e:19.1f} {plan_only:18.1f} {e2e / GOAL:7.2f}x {mb:10.1f}")


if __name__ == "__main__":
    main()
