"""``synthgen verify`` speed and memory next to merely reading the clip's EXRs, in one run.

    python bench/verify.py                      # plans + renders one 832x480 human clip, 8 frames
    python bench/verify.py --clip renders/<id>  # an existing render folder

Prints the time to read every frame EXR, the time to verify the clip (every check, no
pictures), their ratio, and the peak RSS of this process. No goal is set by the issue; the
figures are for the report.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from synthgen.export.exr import read_frame
from synthgen.verify import format_table, verify_clip


def render_clip(out: Path, width: int, height: int, frames: int) -> Path:
    """Plan one tiny-preset human clip, resize it, render it with vertices; return its folder."""
    from synthgen.blender.worker import render_job
    from synthgen.camera import intrinsics
    from synthgen.job import load_job
    from synthgen.planner import plan
    job = load_job(plan("tiny", 1, 11, out / "jobs", kind="human")[0])
    job.width, job.height = width, height
    job.frame_end = job.frame_start + frames - 1
    c = job.camera
    n = job.n_baked
    c.c2w, c.focal_mm = c.c2w[:n], c.focal_mm[:n]
    c.K = [intrinsics(f, c.sensor_width_mm, width, height, sensor_height_mm=c.sensor_height_mm,
                      sensor_fit=c.sensor_fit, shift_x=c.shift_x, shift_y=c.shift_y).tolist()
           for f in c.focal_mm]
    for s in job.subjects:
        s.source_time_s = s.source_time_s[:n]
    job.outputs.append("vertices")
    problems = job.validate()
    if problems:
        sys.exit(f"bench job invalid: {problems[0]}")
    return render_job(job, out / "renders")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, help="an existing render folder")
    ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--frames", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        clip = args.clip or render_clip(Path(tmp), args.width, args.height, args.frames)
        paths = sorted(clip.glob("frame_*.exr"))
        t0 = time.perf_counter()
        for p in paths:
            read_frame(p, expect_shape=None)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = verify_clip(clip)
        t_verify = time.perf_counter() - t0
    print(format_table(report))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(paths)} frames: read EXRs {t_read:.2f} s, verify {t_verify:.2f} s "
          f"({t_verify / len(paths):.2f} s/frame), ratio {t_verify / t_read:.1f}x, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
