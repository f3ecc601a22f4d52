"""The trainer-side reader (synthgen_reader): import time, decode time per sample, peak RSS.

    python bench/reader.py DATASET                     # e.g. a 1280x704x121 clip's dataset
    python bench/reader.py DATASET --frames 50 --size 832x480

Prints the import time of ``synthgen_reader`` (and with webdataset) in a fresh interpreter,
the time per sample to decode whole clips (every member, ``iter_samples``) and training
windows (``open_dataset`` with ``--frames`` / ``--size``), and the peak resident memory of a
child process that streams every sample of the dataset once.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

IMPORT = ("import time; t = time.perf_counter(); import synthgen_reader; a = time.perf_counter() - t; "
          "import webdataset; print(a, time.perf_counter() - t)")
STREAM = ("import sys, resource, time; from synthgen_reader import iter_samples, open_dataset; "
          "t = time.perf_counter(); ds = iter_samples(sys.argv[1], decode_video=False) if sys.argv[2] == 'whole' "
          "else open_dataset(sys.argv[1], frames=int(sys.argv[2]), decode_video=False, "
          "members=['flow', 'valid', 'plucker', 'json', 'txt']); n = sum(1 for _ in ds); "
          "print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def import_time() -> tuple[float, float]:
    runs = [subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True)
            for _ in range(3)]
    pairs = sorted(tuple(map(float, r.stdout.split())) for r in runs)
    return pairs[1]


def per_sample(ds, n_max: int = 4) -> tuple[float, int]:
    it = iter(ds)
    t0, n = time.perf_counter(), 0
    for _ in it:
        n += 1
        if n >= n_max:
            break
    return (time.perf_counter() - t0) / max(n, 1), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--frames", type=int, default=50)
    ap.add_argument("--size", default="832x480")
    args = ap.parse_args()
    from synthgen_reader import iter_samples, open_dataset
    w, h = (int(x) for x in args.size.split("x"))
    shards = sorted(args.dataset.glob("shard-*.tar"))
    mb = sum(p.stat().st_size for p in shards) / 1e6
    print(f"{args.dataset}: {len(shards)} shards, {mb:.0f} MB; {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}")
    # children first: Linux keeps a forked child's RSS high-water mark of its parent
    for mode in ("whole", str(args.frames)):
        res = subprocess.run([sys.executable, "-c", STREAM, str(args.dataset), mode],
                             capture_output=True, text=True, check=True)
        n, dt, rss = res.stdout.split()
        what = "whole clips, every member" if mode == "whole" else f"{mode}-frame windows, flow+valid+plucker"
        print(f"streaming {n} samples ({what}): {float(dt):.1f} s, peak RSS {int(rss) / 1024:.0f} MiB")
    a, b = import_time()
    print(f"import synthgen_reader: {1000 * a:.0f} ms (+ webdataset: {1000 * b:.0f} ms)")
    t, n = per_sample(iter_samples(args.dataset, decode_video=False))
    print(f"whole clip, every array member decoded: {t:.2f} s/sample ({n} samples)")
    t, n = per_sample(open_dataset(args.dataset, frames=args.frames, size=(w, h), decode_video=False,
                                   members=["flow", "valid", "plucker", "json", "txt"]))
    print(f"training window ({args.frames} frames, {w}x{h}, flow+valid+plucker): {t:.2f} s/sample ({n})")
    t, n = per_sample(open_dataset(args.dataset, frames=args.frames, decode_video=False,
                                   members=["flow", "valid", "plucker", "json", "txt"]))
    print(f"training window ({args.frames} frames, full size): {t:.2f} s/sample ({n})")


if __name__ == "__main__":
    main()
