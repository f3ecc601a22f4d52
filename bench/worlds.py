"""Worlds with depth (issue 12): what camera clips' flow carries, before and after.

    python bench/worlds.py [--clips 2] [--frames 6] [--width 832] [--height 480] [--paths 0] [--out DIR]

For each world kind -- the earlier ones (``room``: the box room; ``hdri-bare``: an HDRI with
a shadow catcher) and the new ones (``interior``, ``street``, ``hdri``: 10-30 objects of
near geometry on a ground-projected HDRI) -- plans ``--clips`` dynavid-camera clips (same
seeds), renders them in flow mode and prints side by side:

* ``boundary %``: pixels on moving occlusion boundaries (a 4-neighbour whose planar depth
  differs by more than 5 % and whose forward flow differs by more than 0.5 px);
* ``non-rot %``: share of the flow not explained by camera rotation (sum |F - F_rot| / sum |F|,
  F_rot the homography K R K^-1 of the frame pair's relative rotation);
* ``objects``: distinct instance ids (>= 2) seen per clip;
* ``plan s``: planning seconds per clip; ``s/frame``: flow-mode seconds per frame (median of
  render.json's frame times, first frame excluded).

``--paths N`` also plans N clips per new world kind (no rendering) and measures the minimum
distance of each camera path (every frame and 7 points between frames) to the world's
triangles rebuilt from the job (exact point-triangle distances), printing the minimum over
all paths and how many fall under 0.3 m.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthgen import layout  # noqa: E402
from synthgen.export.exr import read_channels  # noqa: E402
from synthgen.manifest import load_manifests  # noqa: E402
from synthgen.planner import load_preset, plan_clip  # noqa: E402
from synthgen.planner.space.triangles import TriangleSet  # noqa: E402
from synthgen.render import run_one  # noqa: E402
from synthgen.shapes import object_mesh  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KINDS = {
    "room": 'type = "room"\nhdri_clutter = 0',
    "hdri-bare": 'type = "hdri"\nhdri_clutter = 0\nground_projection = false',
    "interior": 'type = "interior"',
    "street": 'type = "street"',
    "hdri": 'type = "hdri"',
}
NEW = ("interior", "street", "hdri")


def preset(folder: Path, env: str, width: int, height: int, frames: int):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "preset.toml"
    p.write_text(f'[preset]\nkind = "camera"\nbase = ["dynavid-camera"]\n[video]\nwidth = {width}\n'
                 f'height = {height}\nframes = {frames}\n[render]\nmode = "flow"\nquality = "low"\n'
                 f'device = "cpu"\n[environment]\n{env}\n')
    return load_preset(p)


def frame_stats(job, folder: Path, i: int) -> tuple[float, float, float, set]:
    """(boundary pixels, non-rotation flow, total flow, ids seen) of frame pair (i, i+1)."""
    f = job.frame_start + i
    ch = read_channels(folder / f"frame_{f:04d}.exr", ["flow.Vector.Z", "flow.Vector.W", "flow.Depth.Z",
                                                       "flow.Object Index.X"])
    F = np.stack([-ch["flow.Vector.Z"], ch["flow.Vector.W"]], -1)
    D, ids = ch["flow.Depth.Z"], set(np.unique(ch["flow.Object Index.X"]).astype(int)) - {0, 1}
    edge = np.zeros(D.shape, bool)
    for ax in (0, 1):
        dd = np.abs(np.diff(D, axis=ax)) > 0.05 * np.minimum(np.take(D, range(1, D.shape[ax]), ax),
                                                             np.take(D, range(D.shape[ax] - 1), ax))
        df = np.linalg.norm(np.diff(F, axis=ax), axis=-1) > 0.5
        e = dd & df
        sl = [slice(None)] * 2
        sl[ax] = slice(0, -1)
        edge[tuple(sl)] |= e
    H, W = D.shape
    K, K1 = job.K(f), job.K(f + 1)
    R = job.c2w(f + 1)[:3, :3].T @ job.c2w(f)[:3, :3]
    v, u = np.mgrid[0:H, 0:W] + 0.5
    x = np.stack([u, v, np.ones_like(u)], -1) @ (K1 @ R @ np.linalg.inv(K)).T
    rot = x[..., :2] / x[..., 2:] - np.stack([u, v], -1)
    ok = D < 1e5
    return float(edge.mean()), float(np.linalg.norm(F - rot, axis=-1)[ok].sum()), \
        float(np.linalg.norm(F, axis=-1)[ok].sum()), ids


def measure_kind(pre, aset, clips: int, work: Path) -> dict:
    plan_s, edges, nonrot, total, objects, spf = [], [], 0.0, 0.0, [], []
    for k in range(clips):
        t0 = time.perf_counter()
        job = plan_clip(pre, aset, 2026, k)
        plan_s.append(time.perf_counter() - t0)
        res = run_one(job.save(work / "jobs" / f"{job.clip_id}.json"), work / "renders")
        if res.status != "done":
            raise SystemExit(f"{job.clip_id}: {res.reason}")
        times = json.loads((res.folder / layout.RENDER_INFO_FILE).read_text())["frame_times_s"]
        spf.append(statistics.median(times[1:] or times))
        seen = set()
        for i in range(job.frame_end - job.frame_start):
            e, nr, tot, ids = frame_stats(job, res.folder, i)
            edges.append(e)
            nonrot, total, seen = nonrot + nr, total + tot, seen | ids
        objects.append(len(seen))
    return {"boundary %": 100 * float(np.mean(edges)), "non-rot %": 100 * nonrot / max(total, 1e-9),
            "objects": float(np.mean(objects)), "plan s": float(np.mean(plan_s)), "s/frame": float(np.median(spf))}


def path_clearance(pre, aset, n: int) -> tuple[float, int, float]:
    """(minimum distance over n planned paths, paths under 0.3 m, planning s per clip)."""
    worst, under, t0 = np.inf, 0, time.perf_counter()
    for k in range(n):
        job = plan_clip(pre, aset, 7, k)
        tris = np.concatenate([object_mesh(o).triangles for o in job.world_objects()])
        P = np.array([np.asarray(m)[:3, 3] for m in job.camera.c2w])
        t = np.linspace(0, 1, 8, endpoint=False)[None, :, None]
        dense = np.concatenate([(P[:-1, None] + t * (P[1:] - P[:-1])[:, None]).reshape(-1, 3), P[-1:]])
        d = float(TriangleSet(tris).distance(dense, cutoff=5.0).min())
        worst, under = min(worst, d), under + (d < 0.3 - 1e-9)
    return worst, under, (time.perf_counter() - t0) / max(n, 1)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=2)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--paths", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    work = a.out or Path(tempfile.mkdtemp(prefix="bench-worlds-"))
    aset = load_manifests([ROOT / "assets_manifest" / "default.json", ROOT / "assets_manifest" / "people.json"])
    cols = ["boundary %", "non-rot %", "objects", "plan s", "s/frame"]
    print(f"{a.clips} clips x {a.frames} frames at {a.width}x{a.height}, flow mode; renders in {work}")
    print(f"{'world':<10}" + "".join(f"{c:>12}" for c in cols))
    for name, env in KINDS.items():
        pre = preset(work / name, env, a.width, a.height, a.frames)
        r = measure_kind(pre, aset, a.clips, work / name)
        print(f"{name:<10}" + "".join(f"{r[c]:>12.3g}" for c in cols), flush=True)
    if a.paths:
        print(f"\nclearance over {a.paths} planned paths per world kind (320x176, 24 frames)")
        for name in NEW:
            worst, under, s = path_clearance(preset(work / f"paths-{name}", KINDS[name], 320, 176, 24), aset, a.paths)
            print(f"{name:<10} min {worst:.3f} m   under 0.3 m: {under}   plan {s:.2f} s/clip", flush=True)


if __name__ == "__main__":
    main()
