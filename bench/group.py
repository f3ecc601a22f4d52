"""Group clips: plan clips/s and flow-mode seconds per frame for 1, 2, 3 and 4 people at 832x480.

    python bench/group.py [--count 100] [--frames 6] [--people 1 2 3 4]

Per number of people: the planner's rate (``plan_clip`` of ``dynavid-human`` for one person,
``dynavid-group`` with ``subjects.count`` fixed and a crowd formation for more, at 832x480,
121 frames: clearance checks included) and the flow-mode render time per frame of the first
planned clip cut to ``--frames`` frames (each render through ``synthgen.render.run_one`` in
its own subprocess; the median of the per-frame times in render.json, the first frame
excluded as warm-up) and the whole render's wall time (scene build included). Planning runs
on one core; rendering uses what the worker is given.
"""
from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUP = """
[preset]
base = ["dynavid-group"]
[video]
width = 832
height = 480
fps = 24
frames = 121
frame_start = 1
[subjects]
count = {n}
formation = "crowd"
"""


def _bench_render():
    spec = importlib.util.spec_from_file_location("bench_render", ROOT / "bench" / "render.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _preset(n: int, folder: Path):
    from synthgen.planner import load_preset
    if n == 1:
        path = folder / "one.toml"
        path.write_text(GROUP.split("[subjects]")[0].replace("dynavid-group", "dynavid-human"))
    else:
        path = folder / f"group{n}.toml"
        path.write_text(GROUP.format(n=n))
    return load_preset(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--people", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from synthgen.manifest import load_manifests
    from synthgen.planner import plan_clip

    br = _bench_render()
    aset = load_manifests()
    print(f"group benchmark: {args.count} planned clips and one {args.frames}-frame flow render per row, 832x480")
    print(f"{'people':>6s} {'plan clips/s':>12s} {'flow s/frame':>12s} {'render wall s':>13s}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in args.people:
            pre = _preset(n, root)
            plan_clip(pre, aset, args.seed, 10_000)              # warm the caches (people, takes)
            t0 = time.perf_counter()
            jobs = [plan_clip(pre, aset, args.seed, k) for k in range(args.count)]
            rate = args.count / (time.perf_counter() - t0)
            job = br.with_render(jobs[0], f"bench-{n}", args.frames, mode="flow")
            m = br.measure(job, root / f"r{n}")
            print(f"{n:6d} {rate:12.2f} {m['median_s']:12.3f} {m['wall_s']:13.1f}", flush=True)


if __name__ == "__main__":
    main()
