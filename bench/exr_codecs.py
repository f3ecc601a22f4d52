"""EXR compressions for render folders: size and the exporter's read speed.

    python bench/exr_codecs.py renders/<clip_id>            # first 24 frames
    python bench/exr_codecs.py renders/<clip_id> --frames 0 # every frame

Rewrites the frames of a render folder (same parts and float32 channels) with each lossless
compression this OpenEXR offers, checks the pixels survive bit for bit, and prints bytes per
frame, write time and the time the exporter's reader (``exr.read_frame_channels``, two
threads as in the export) takes per frame, warm cache. Which compression Blender itself can
write is another matter: its file output offers NONE, RLE, ZIPS, ZIP, PIZ, PXR24 (lossy for
float), B44/DWA (lossy), so the last columns only say what a re-encode could gain.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import OpenEXR

from synthgen.export.exr import read_frame_channels

CANDIDATES = ("NO", "RLE", "ZIPS", "ZIP", "PIZ", "ZSTD", "HTJ2K256", "HTJ2K32")


def _parts(path: Path):
    with OpenEXR.File(str(path), separate_channels=True) as f:
        out = []
        for part in f.parts:
            chans = {k: np.array(v.pixels) for k, v in part.channels.items()}
            out.append((part.name(), dict(part.header), chans))
        return out


def _compression_of(path: Path) -> str:
    with OpenEXR.File(str(path), header_only=True) as f:
        return str(f.parts[0].header.get("compression"))


def rewrite(frames, dst: Path, comp) -> tuple[float, int, bool]:
    t, size, exact = 0.0, 0, True
    for src in frames:
        parts = _parts(src)
        t0 = time.perf_counter()
        new = [OpenEXR.Part({"compression": comp, "type": OpenEXR.scanlineimage}, dict(chans), name)
               for name, _, chans in parts]
        out = dst / src.name
        with OpenEXR.File(new) as f:
            f.write(str(out))
        t += time.perf_counter() - t0
        size += out.stat().st_size
        back = {k: v for _, _, c in _parts(out) for k, v in c.items()}
        exact &= all(np.array_equal(back[k].view(np.uint8), v.view(np.uint8))
                     for _, _, c in parts for k, v in c.items())
    return t, size, exact


def read_time(folder: Path, n: int) -> float:
    frames = sorted(folder.glob("frame_*.exr"))
    for f in frames:
        read_frame_channels(f)        # warm the page cache
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(read_frame_channels, frames))
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--frames", type=int, default=24, help="first N frames (0: all)")
    args = ap.parse_args()
    frames = sorted(args.clip.glob("frame_*.exr"))
    frames = frames[: args.frames] if args.frames else frames
    n = len(frames)
    orig = sum(f.stat().st_size for f in frames) / n
    print(f"{args.clip.name}: {n} frames, written by the render as {_compression_of(frames[0])}, "
          f"{orig / 1e6:.2f} MB/frame; {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
    print(f"  {'compression':10s} {'MB/frame':>9s} {'vs render':>9s} {'write ms/fr':>11s} "
          f"{'read ms/fr':>10s}  lossless")
    for name in CANDIDATES:
        comp = getattr(OpenEXR, f"{name}_COMPRESSION", None)
        if comp is None:
            continue
        with tempfile.TemporaryDirectory(dir=args.clip.parent) as tmp:
            try:
                tw, size, exact = rewrite(frames, Path(tmp), comp)
            except Exception as exc:  # noqa: BLE001 - a codec this build cannot write
                print(f"  {name:10s} cannot write: {exc}")
                continue
            tr = read_time(Path(tmp), n)
        print(f"  {name:10s} {size / n / 1e6:9.2f} {size / n / orig:9.2f} {1000 * tw / n:11.1f} "
              f"{1000 * tr:10.1f}  {'yes' if exact else 'NO'}")


if __name__ == "__main__":
    main()
