"""How human shots are framed: focal lengths, distances, and the performer's share of the frame.

    python bench/framing.py [--count 500] [--render 24] [--width 160] [--seed 0] [--full 0]
                            [--preset dynavid-human] [--out DIR] [--jobs 1]

Plans ``--count`` clips of the preset (its frame count and aspect ratio kept, the width set to
``--width``: the framing does not depend on the resolution) and prints the distributions of
the focal length (at the first rendered frame and over every frame), the camera's start
distance, the coverage and the shot sizes. Then it renders the first ``--render`` of them in
flow mode and measures, from the rendered segmentation (instance 1 = the performer), the
performer's height share of the frame (rows holding the performer / frame height) per frame;
it prints the distribution of the per-clip medians across clips (the issue's goal: median
at least 45 %, wide shots still present). ``--full N`` also renders 4 frames of each of N clips in
full mode and tiles them into ``OUT/framing-full.png`` for a look.

Run it from another checkout with ``PYTHONPATH=OTHER_CHECKOUT python bench/framing.py`` to
compare before and after (params the other checkout does not log are shown as ``-``).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

PCTS = (5, 10, 25, 50, 75, 90, 95)


def small_preset(tmp: Path, base: str, width: int) -> Path:
    """``base`` at ``width`` pixels wide, its aspect ratio and frame count kept."""
    from synthgen.planner import load_preset
    v = load_preset(base)["video"]
    height = max(2, int(round(width * v["height"] / v["width"] / 2)) * 2)
    p = tmp / f"{base}-framing.toml"
    p.write_text(f'[preset]\nbase = ["{base}"]\n[video]\nwidth = {width}\nheight = {height}\n')
    return p


def assets() -> list[Path]:
    from synthgen.manifest import default_manifest_paths
    return default_manifest_paths()


def plan_jobs(preset: Path, count: int, seed: int, out: Path) -> list[Path]:
    from synthgen.planner import plan
    return plan(preset, count, seed, out, assets(), kind="human")


def row(name: str, values, unit: str = "", scale: float = 1.0) -> str:
    a = np.asarray([v for v in values if v is not None], float) * scale
    if not len(a):
        return f"{name:28s} -"
    p = np.percentile(a, PCTS)
    return f"{name:28s} " + " ".join(f"{x:7.1f}" for x in p) + f"   min {a.min():6.1f} max {a.max():6.1f} {unit}"


def header() -> str:
    return f"{'':28s} " + " ".join(f"{'p' + str(q):>7s}" for q in PCTS)


def share(values, lo: float, hi: float) -> str:
    a = np.asarray(values, float)
    return f"{np.mean((a >= lo) & (a < hi)):6.1%}"


def report_plan(jobs: list) -> None:
    """Focal lengths, distances, coverage and shot sizes of the planned clips."""
    params = [j.plan.params for j in jobs]
    f1 = [p["focal_mm"] for p in params]
    f_all = [min(j.camera.focal_mm[1:-1]) for j in jobs]
    print(header())
    print(row("focal_mm (first frame)", f1, "mm"))
    print(row("focal_mm (shortest in clip)", f_all, "mm"))
    print(row("focal_mm_sampled", [p.get("focal_mm_sampled") for p in params], "mm"))
    print(row("camera_distance_m", [p["camera_distance_m"] for p in params], "m"))
    print(row("coverage_sampled", [p["coverage_sampled"] for p in params], "%", 100))
    print(row("coverage (achieved)", [p["coverage"] for p in params], "%", 100))
    print(f"focal (first frame) shares: <14 mm {share(f1, 0, 14)}  14-18 {share(f1, 14, 18)}  "
          f"18-24 {share(f1, 18, 24)}  24-50 {share(f1, 24, 50)}  50-85 {share(f1, 50, 85)}  "
          f">=85 {share(f1, 85, 1e9)};  shortest in clip < 14 mm: {share(f_all, 0, 14)}")
    sizes = [_shot_size(p["coverage"]) for p in params]
    print("shot sizes (caption): " + ", ".join(f"{s} {sizes.count(s) / len(sizes):.0%}"
                                               for s in sorted(set(sizes))))
    print(f"attempts mean {np.mean([p['attempts'] for p in params]):.2f}, resampled "
          f"{np.mean([p['resampled'] > 0 for p in params]):.1%}, forced following "
          f"{np.mean([bool(p.get('forced_following')) for p in params]):.1%}")


def _shot_size(coverage: float) -> str:
    from synthgen.planner.captions import SHOT_SIZES
    return next(name for limit, name in SHOT_SIZES if coverage >= limit)


def render(paths: list[Path], out: Path, mode: str, jobs: int, frames=None) -> list:
    from synthgen.render import run_one

    def one(p):
        return run_one(p, out, mode=mode, threads=1 if jobs > 1 else None, frames=frames)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, paths))
    for r in results:
        if r.status == "failed":
            print(f"  render failed: {r.job_path.name}: {r.reason}", file=sys.stderr)
    return results


def height_shares(folder: Path) -> np.ndarray:
    """(F,) the performer's height share of the frame per rendered frame (0 when unseen)."""
    from synthgen import layout
    from synthgen.export.exr import read_channels
    out = []
    for f in sorted(folder.glob("frame_*.exr")):
        ids = read_channels(f, [layout.INDEX_CHANNEL])[layout.INDEX_CHANNEL]
        rows = np.flatnonzero((np.rint(ids) == 1).any(axis=1))
        out.append((rows[-1] - rows[0] + 1) / ids.shape[0] if len(rows) else 0.0)
    return np.asarray(out)


def report_render(jobs: list, results: list) -> None:
    medians, lines = [], []
    for job, r in zip(jobs, results):
        if r.status == "failed":
            continue
        s = height_shares(r.folder)
        medians.append(float(np.median(s)))
        p = job.plan.params
        lines.append(f"  {job.clip_id}  {p['movement_type']:9s} {p['action']:34s} focal {p['focal_mm']:6.1f} mm "
                     f"dist {p['camera_distance_m']:5.1f} m  coverage {p['coverage']:.2f}  "
                     f"height share median {np.median(s):.0%} (p10 {np.percentile(s, 10):.0%}, "
                     f"p90 {np.percentile(s, 90):.0%}, unseen frames {np.mean(s == 0):.0%})")
    print("\n".join(lines))
    print(header())
    print(row("height share, clip medians", medians, "%", 100))
    m = np.asarray(medians)
    print(f"clips: {len(m)}; median of clip medians {np.median(m):.1%} (goal >= 45 %); "
          f"wide (clip median < 35 %): {np.mean(m < 0.35):.0%}; tight (> 70 %): {np.mean(m > 0.7):.0%}")


def contact_sheet(paths: list[Path], out: Path, frames_per_clip: int = 4) -> Path:
    """Render ``frames_per_clip`` evenly spaced frames of each job in full mode and tile their
    RGB (sRGB-encoded, the performer's segmentation outline in red) into one PNG, a row per clip."""
    from PIL import Image
    from synthgen import layout
    from synthgen.export.exr import read_channels
    from synthgen.job import load_job
    rows = []
    for p in paths:
        job = load_job(p)
        picks = np.linspace(job.frame_start, job.frame_end, frames_per_clip).round().astype(int)
        tiles = []
        for f in picks:
            render([p], out / "full", "full", 1, frames=(int(f), int(f)))
            exr = out / "full" / job.clip_id / layout.frame_name(int(f))
            ch = read_channels(exr, [*layout.RGB_CHANNELS[:3], layout.INDEX_CHANNEL])
            rgb = np.stack([ch[c] for c in layout.RGB_CHANNELS[:3]], -1)
            img = np.clip(np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * np.abs(rgb) ** (1 / 2.4) - 0.055), 0, 1)
            seg = np.rint(ch[layout.INDEX_CHANNEL]) == 1
            edge = seg & ~(np.roll(seg, 1, 0) & np.roll(seg, -1, 0) & np.roll(seg, 1, 1) & np.roll(seg, -1, 1))
            img[edge] = (1.0, 0.0, 0.0)
            tiles.append(np.pad((img * 255).astype(np.uint8), ((2, 2), (2, 2), (0, 0)), constant_values=255))
        rows.append(np.concatenate(tiles, axis=1))
        print(f"  {job.clip_id}: {job.caption.full()}")
    sheet = out / "framing-full.png"
    Image.fromarray(np.concatenate(rows, axis=0)).save(sheet)
    print(f"contact sheet (full mode, frames {', '.join(map(str, picks))} per row): {sheet}")
    return sheet


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="dynavid-human")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--render", type=int, default=24)
    ap.add_argument("--full", type=int, default=0)
    ap.add_argument("--width", type=int, default=160)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import synthgen
    from synthgen.job import load_job
    out = args.out or Path(tempfile.mkdtemp(prefix="framing-"))
    out.mkdir(parents=True, exist_ok=True)
    preset = small_preset(out, args.preset, args.width)
    t0 = time.perf_counter()
    paths = plan_jobs(preset, args.count, args.seed, out / "jobs")
    jobs = [load_job(p) for p in paths]
    print(f"framing bench: synthgen from {Path(synthgen.__file__).parent.parent}, preset {args.preset}, "
          f"{args.count} clips planned in {time.perf_counter() - t0:.0f} s, seed {args.seed}, "
          f"{jobs[0].width}x{jobs[0].height}, {jobs[0].frame_end - jobs[0].frame_start + 1} frames")
    report_plan(jobs)
    if args.render:
        t0 = time.perf_counter()
        results = render(paths[:args.render], out / "flow", "flow", args.jobs)
        print(f"rendered {args.render} clips in flow mode in {time.perf_counter() - t0:.0f} s")
        report_render(jobs[:args.render], results)
    if args.full:
        contact_sheet(paths[:args.full], out)


if __name__ == "__main__":
    main()
