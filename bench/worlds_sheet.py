"""A contact sheet of the worlds: the first frame (full mode, denoised) of camera clips in
each world kind, captioned with the clip's world phrase; for looking at, not for figures.

    python bench/worlds_sheet.py [--per-kind 2] [--width 320] [--height 176] [--samples 32] --out docs/worlds.png
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthgen.color import encode_srgb  # noqa: E402
from synthgen.export.exr import read_channels  # noqa: E402
from synthgen.manifest import load_manifests  # noqa: E402
from synthgen.planner import load_preset, plan_clip  # noqa: E402
from synthgen.render import run_one  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"interior": 'type = "interior"', "street": 'type = "street"', "hdri": 'type = "hdri"'}


def first_frame(env: str, k: int, a, work: Path) -> tuple[np.ndarray, str]:
    work.mkdir(parents=True, exist_ok=True)
    p = work / "preset.toml"
    p.write_text(f'[preset]\nkind = "camera"\nbase = ["dynavid-camera"]\n[video]\nwidth = {a.width}\n'
                 f'height = {a.height}\nframes = 2\n[render]\nmode = "full"\nquality = "low"\ndevice = "cpu"\n'
                 f'[quality.low]\nsamples_rgb = {a.samples}\ndenoise = true\nmax_bounces = 3\n'
                 f'[environment]\n{env}\n')
    aset = load_manifests([ROOT / "assets_manifest" / "default.json", ROOT / "assets_manifest" / "people.json"])
    job = plan_clip(load_preset(p), aset, a.seed, k)
    res = run_one(job.save(work / f"{job.clip_id}.json"), work / "r", frames=(job.frame_start, job.frame_start))
    if res.status != "done":
        raise SystemExit(f"{job.clip_id}: {res.reason}")
    ch = read_channels(res.folder / f"frame_{job.frame_start:04d}.exr", ["rgb.Combined.R", "rgb.Combined.G",
                                                                        "rgb.Combined.B"])
    srgb = encode_srgb(np.stack([ch["rgb.Combined.R"], ch["rgb.Combined.G"], ch["rgb.Combined.B"]], -1))
    words = job.caption.text.split(", in ")[-1].split(", on ")[-1][:60]
    return (srgb * 255).astype(np.uint8), words


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=2)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=176)
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="worlds-sheet-"))
    tiles = [first_frame(env, k, a, work / f"{name}{k}") for name, env in KINDS.items() for k in range(a.per_kind)]
    W, H, cap = a.width, a.height, 14
    sheet = Image.new("RGB", (W * a.per_kind, (H + cap) * len(KINDS)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (img, words) in enumerate(tiles):
        x, y = (i % a.per_kind) * W, (i // a.per_kind) * (H + cap)
        sheet.paste(Image.fromarray(img), (x, y + cap))
        draw.text((x + 2, y + 1), words, fill="black")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(a.out)
    print(a.out)


if __name__ == "__main__":
    main()
