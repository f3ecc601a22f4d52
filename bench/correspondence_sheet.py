"""A picture of the correspondence members on one dynavid-human clip, for looking at.

    python bench/correspondence_sheet.py [--width 384] [--height 224] [--frames 17] [--gap 8] \
        [--tracks 400] [--samples 16] --out docs/correspondences.png

Plans one dynavid-human clip (full mode, low samples, denoised, ``"geometry"`` in its
outputs), renders it, computes ``flow_k1``, ``flow_k{gap}``, ``occ_k{gap}`` and tracks with
the engine (:func:`synthgen.correspond.members.write_members`), and lays out:

* row 1: frame 0 and frame ``gap`` (RGB), ``flow_k1[0]`` and ``flow_k{gap}[0]`` (HSV colour
  wheel, one scale for both: hue = direction, brightness = length);
* row 2: frame 0 with the pixels whose point is hidden or out of frame at ``gap`` tinted red
  (``occ_k{gap}[0] == 0``), the tracks' query points on frame 0 and where they are at
  frame ``gap`` and at the last frame (dot: visible; ring: hidden), with their trails.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthgen.correspond.members import write_members  # noqa: E402
from synthgen.color import encode_srgb  # noqa: E402
from synthgen.export.exr import read_channels  # noqa: E402
from synthgen.export.hsv import encode_hsv  # noqa: E402
from synthgen.manifest import load_manifests  # noqa: E402
from synthgen.planner import load_preset, plan_clip  # noqa: E402
from synthgen.render import run_one  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def render_clip(a, work: Path):
    work.mkdir(parents=True, exist_ok=True)
    p = work / "preset.toml"
    p.write_text(f'[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[video]\nwidth = {a.width}\n'
                 f'height = {a.height}\nframes = {a.frames}\n[render]\nmode = "full"\nquality = "low"\n'
                 f'device = "cpu"\n[quality.low]\nsamples_rgb = {a.samples}\ndenoise = true\n'
                 'max_bounces = 3\n')
    aset = load_manifests([ROOT / "assets_manifest" / "default.json", ROOT / "assets_manifest" / "people.json"])
    job = plan_clip(load_preset(p), aset, a.seed, 0)
    job = dataclasses.replace(job, outputs=sorted(set(job.outputs) | {"geometry"}))
    res = run_one(job.save(work / f"{job.clip_id}.json"), work / "r")
    if res.status != "done":
        raise SystemExit(f"{job.clip_id}: {res.reason}")
    return job, res.folder


def rgb_frame(folder: Path, frame: int) -> np.ndarray:
    ch = read_channels(folder / f"frame_{frame:04d}.exr", ["rgb.Combined.R", "rgb.Combined.G", "rgb.Combined.B"])
    rgb = np.stack([ch["rgb.Combined.R"], ch["rgb.Combined.G"], ch["rgb.Combined.B"]], -1)
    return (encode_srgb(rgb) * 255).astype(np.uint8)


def draw_tracks(img: np.ndarray, tracks: np.ndarray, vis: np.ndarray, qframe: np.ndarray, upto: int,
                colours) -> Image.Image:
    """Trails of every track from its query frame ``qframe`` to ``upto`` and its position there
    (dot: visible, ring: hidden); tracks not yet queried by ``upto`` are left out."""
    out = Image.fromarray((img * 0.6).astype(np.uint8))
    d = ImageDraw.Draw(out)
    for n in range(len(tracks)):
        if qframe[n] > upto:
            continue
        pts = [tuple(p) for p in tracks[n, qframe[n]:upto + 1] if p[0] > -1e3]
        if len(pts) > 1:
            d.line(pts, fill=colours[n], width=1)
        x, y = tracks[n, upto]
        if x > -1e3:
            box = (x - 2, y - 2, x + 2, y + 2)
            d.ellipse(box, fill=colours[n]) if vis[n, upto] else d.ellipse(box, outline=colours[n])
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=384)
    ap.add_argument("--height", type=int, default=224)
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--gap", type=int, default=8)
    ap.add_argument("--tracks", type=int, default=400)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="corr-sheet-"))
    job, folder = render_clip(a, work)
    K = a.gap
    members = ["flow_k1", f"flow_k{K}", f"occ_k{K}", "tracks", "track_vis"]
    (work / "m").mkdir()
    files, info = write_members(folder, job, members, work / "m", n_tracks=a.tracks)
    arr = {m: np.load(p) for m, p in files.items()}
    f0 = job.frame_start
    rgb0, rgbK = rgb_frame(folder, f0), rgb_frame(folder, f0 + K)
    fk1, fkK = arr["flow_k1"][0].astype(np.float32), arr[f"flow_k{K}"][0].astype(np.float32)
    s_f = float(np.percentile(np.linalg.norm(fkK, axis=-1), 99)) or 1.0
    occ = arr[f"occ_k{K}"][0] == 0
    tint = rgb0.copy()
    tint[occ] = (0.45 * tint[occ] + 0.55 * np.array([230, 40, 40])).astype(np.uint8)
    tr, tv = arr["tracks"], arr["track_vis"]
    qf = np.asarray(info["tracks"]["query_frame"])
    at_query = tr[np.arange(len(tr)), qf] if len(tr) else np.zeros((0, 2))
    hue = at_query[:, 0] / job.width
    colours = [tuple(int(255 * c) for c in col) for col in
               (np.stack([0.5 + 0.5 * np.cos(6.28 * (hue + o)) for o in (0.0, 0.33, 0.67)], -1))]
    last = job.n_frames - 1
    tiles = [(rgb0, "frame 0"), (rgbK, f"frame {K}"), (encode_hsv(fk1, s_f / K), f"flow_k1[0] (scale / {K})"),
             (encode_hsv(fkK, s_f), f"flow_k{K}[0]"),
             (tint, f"occ_k{K}[0] = 0 (red): hidden or out of frame at {K}"),
             (draw_tracks(rgb0, tr, tv, qf, 0, colours), f"tracks: {(qf == 0).sum()} queries on frame 0"),
             (draw_tracks(rgbK, tr, tv, qf, K, colours), f"tracks at frame {K} (ring: hidden)"),
             (draw_tracks(rgb_frame(folder, f0 + last), tr, tv, qf, last, colours),
              f"tracks at frame {last} (of {len(tr)})")]
    W, H, cap = job.width, job.height, 14
    sheet = Image.new("RGB", (4 * W, 2 * (H + cap)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (img, words) in enumerate(tiles):
        x, y = (i % 4) * W, (i // 4) * (H + cap)
        sheet.paste(img if isinstance(img, Image.Image) else Image.fromarray(img), (x, y + cap))
        draw.text((x + 2, y + 1), words, fill="black")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(a.out)
    print(f"{a.out}: {job.clip_id}, {job.caption.text[:80]}")


if __name__ == "__main__":
    main()
