"""Exporter speed and memory, measured side by side in one run.

    python bench/export.py                       # synthetic 832x480 clip, 49 frames
    python bench/export.py --frames 121          # longer
    python bench/export.py --clip renders/<id>   # an existing render folder
    python bench/export.py --rss                 # + peak RSS of exporting 121 frames at 1280x704

Prints: time to merely read every EXR of the clip (all channels the exporter needs), time
to export it (default members: flow, valid, flow_hsv, plucker, txt, json), and the ratio
(goal <= 1.5x), as wall-clock and as CPU seconds (robust on a busy machine). ``--rss`` exports a 1280x704, 121-frame clip in a child process and prints
its peak resident memory (goal <= 2 GB).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from synthgen import layout
from synthgen.export import export_dataset
from synthgen.export.exr import read_frame, write_frame
from synthgen.export.synthetic import frame_channels, make_job
from synthgen.fsutil import atomic_write_text


def synthetic_clip(root: Path, width: int, height: int, frames: int, seed: int = 0) -> Path:
    """A render folder with a panning camera, a moving box and a noisy Combined pass (so the
    EXRs compress like real renders rather than like constants)."""
    rng = np.random.default_rng(seed)
    job = make_job("bench-000000", width=width, height=height, n_frames=frames,
                   pan_deg_per_frame=1.5, focal_mm=28.0)
    clip = root / job.clip_id
    clip.mkdir(parents=True)
    job.save(clip / layout.JOB_FILE)
    for k in range(frames):
        ch = frame_channels(job, k, box_motion=(6.0, -3.0), rng=rng)
        write_frame(clip / layout.frame_name(job.frame_start + k), ch)
    atomic_write_text(clip / layout.DONE_FILE, job.hash())
    return clip


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children (ffmpeg)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def time_read(clip: Path) -> tuple[float, float]:
    """(wall s, CPU s) to read every frame EXR with the channels the exporter needs."""
    frames = sorted(clip.glob("frame_*.exr"))
    t0, c0 = time.perf_counter(), _cpu()
    for f in frames:
        read_frame(f)
    return time.perf_counter() - t0, _cpu() - c0


def time_export(clip: Path, out: Path) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    s = export_dataset([clip], out, progress=False, max_fb_p90=None)
    dt, dc = time.perf_counter() - t0, _cpu() - c0
    assert s.exported, s.bad
    return dt, dc


def rss_child(width: int, height: int, frames: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clip = synthetic_clip(Path(tmp) / "r", width, height, frames)
        code = ("import sys, resource; from pathlib import Path; "
                "from synthgen.export import export_dataset; "
                "s = export_dataset([Path(sys.argv[1])], Path(sys.argv[2]), progress=False, "
                "max_fb_p90=None); assert s.exported, s.bad; "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", code, str(clip), str(Path(tmp) / "ds")],
                             capture_output=True, text=True, check=True)
        dt = time.perf_counter() - t0
        peak_mb = int(res.stdout.strip().splitlines()[-1]) / 1024
        flow_mb = (frames - 1) * height * width * 2 * 2 / 1e6
        print(f"rss: {width}x{height}, {frames} frames: peak RSS {peak_mb:.0f} MiB "
              f"(flow member alone {flow_mb:.0f} MB; goal <= 2048 MiB), export {dt:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", type=Path, help="existing render folder (default: synthetic)")
    ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--frames", type=int, default=49)
    ap.add_argument("--rss", action="store_true", help="also measure peak RSS at 1280x704x121")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = args.clip or synthetic_clip(tmp / "r", args.width, args.height, args.frames)
        n = len(list(clip.glob("frame_*.exr")))
        time_read(clip)                      # warm the page cache for both measurements
        (t_read, c_read), (t_exp, c_exp) = time_read(clip), time_export(clip, tmp / "ds")
        size = sum(p.stat().st_size for p in (tmp / "ds").glob("*.tar")) / 1e6
        print(f"clip {clip.name}: {n} frames, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
        print(f"read EXRs : wall {t_read:6.2f} s ({1000 * t_read / n:5.1f} ms/frame)  "
              f"cpu {c_read:6.2f} s")
        print(f"export    : wall {t_exp:6.2f} s ({1000 * t_exp / n:5.1f} ms/frame)  "
              f"cpu {c_exp:6.2f} s (incl. ffmpeg), shard {size:.0f} MB")
        print(f"ratio     : wall {t_exp / t_read:5.2f}x  cpu {c_exp / c_read:5.2f}x  (goal <= 1.5x)")
    if args.rss:
        rss_child(1280, 704, 121)


if __name__ == "__main__":
    main()
