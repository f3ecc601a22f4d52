"""Contact sheets of a clip: RGB (if rendered), flow (Middlebury wheel), HSV encoding, depth,
segmentation and a Plücker direction image, one row per frame (PNG) or one frame per frame
(MP4).

Sources: a render folder (computed on the fly into a temporary folder), a shard
(``.tar``, first sample or ``key``) or a dataset folder.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from .. import layout
from ..errors import ExportError
from ..fsutil import atomic_write_bytes, unwritable_folder
from . import shards as shardmod

log = logging.getLogger(__name__)

PANELS = ("rgb", "flow", "flow_hsv", "depth", "seg", "plucker")


# --------------------------------------------------------------------------- colourings
def _color_wheel() -> np.ndarray:
    """Middlebury colour wheel (Baker et al. 2011): (55, 3) float in [0, 1]."""
    segments = ((15, (1, 0, 0), (1, 1, 0)), (6, (1, 1, 0), (0, 1, 0)), (4, (0, 1, 0), (0, 1, 1)),
                (11, (0, 1, 1), (0, 0, 1)), (13, (0, 0, 1), (1, 0, 1)), (6, (1, 0, 1), (1, 0, 0)))
    rows = []
    for n, a, b in segments:
        t = (np.arange(n) / n)[:, None]
        rows.append((1 - t) * np.array(a, float) + t * np.array(b, float))
    return np.concatenate(rows)


_WHEEL = _color_wheel()


def flow_to_color(flow: np.ndarray, max_mag: float | None = None) -> np.ndarray:
    """Middlebury colouring of flow (H, W, 2): hue = direction, saturation = |F| / max_mag
    (white = still). Returns uint8 (H, W, 3)."""
    f = np.nan_to_num(np.asarray(flow, np.float32))
    mag = np.hypot(f[..., 0], f[..., 1])
    scale = float(max_mag) if max_mag else float(mag.max()) or 1.0
    rad = mag / max(scale, 1e-6)
    a = np.arctan2(-f[..., 1], -f[..., 0]) / np.pi
    fk = (a + 1) / 2 * len(_WHEEL)          # seamless at a = +-1 (left-pointing flow)
    k0 = np.floor(fk).astype(int) % len(_WHEEL)
    k1 = (k0 + 1) % len(_WHEEL)
    w = (fk - np.floor(fk))[..., None]
    col = (1 - w) * _WHEEL[k0] + w * _WHEEL[k1]
    r = rad[..., None]
    col = np.where(r <= 1, 1 - r * (1 - col), col * 0.75)
    return np.rint(np.clip(col, 0, 1) * 255).astype(np.uint8)


def depth_to_color(depth: np.ndarray) -> np.ndarray:
    """Inverse depth, normalised per image, through viridis; background (+inf) black."""
    from matplotlib import colormaps
    d = np.asarray(depth, np.float32)
    fin = np.isfinite(d) & (d > 0)
    inv = np.zeros_like(d)
    inv[fin] = 1.0 / d[fin]
    if fin.any():
        lo, hi = inv[fin].min(), inv[fin].max()
        inv[fin] = (inv[fin] - lo) / (hi - lo) if hi > lo else 0.5
    rgb = colormaps["viridis"](inv)[..., :3]
    rgb[~fin] = 0
    return np.rint(rgb * 255).astype(np.uint8)


def seg_to_color(seg: np.ndarray) -> np.ndarray:
    """Instance ids -> fixed colours (0 dark grey)."""
    ids = np.asarray(seg).astype(np.int64)
    gen = np.random.default_rng(12345)
    lut = gen.integers(60, 256, size=(int(ids.max()) + 1, 3)).astype(np.uint8)
    lut[0] = 40
    return lut[ids]


def plucker_to_color(emb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Direction channels of one Plücker frame (6, h, w) as RGB = (d + 1) / 2, upsampled."""
    d = np.asarray(emb[3:6], np.float32).transpose(1, 2, 0)
    rgb = np.rint((d + 1) / 2 * 255).astype(np.uint8)
    ys = (np.arange(height) * d.shape[0] // height)
    xs = (np.arange(width) * d.shape[1] // width)
    return rgb[ys][:, xs]


# --------------------------------------------------------------------------- sources
def _load(src: Path, key: str | None) -> dict:
    src = Path(src)
    if src.is_dir() and (src / layout.JOB_FILE).exists():
        return _from_render_folder(src)
    if (src.is_dir() and any(src.glob("shard-*.tar"))) or (src.is_file() and src.suffix == ".tar"):
        return shardmod.read_sample(src, key)
    raise ExportError("not a render folder, shard or dataset folder", source=str(src))



def _from_render_folder(src: Path) -> dict:
    from .clip import ClipOptions, compute_clip, load_clip
    from .video import read_video
    clip = load_clip(src)
    members = ("flow", "flow_hsv", "plucker", "depth", "seg", "rgb")
    with tempfile.TemporaryDirectory(prefix="synthgen-preview-") as tmp:
        res = compute_clip(clip, Path(tmp), ClipOptions(members=members))
        out = {"__key__": clip.key, "json": {"s_f": res.s_f, "fps": clip.job.fps}}
        for name, path in res.files.items():
            out[name] = read_video(path) if path.suffix == ".mp4" else np.load(path)
    return out


# --------------------------------------------------------------------------- sheets
def frame_panels(sample: dict, t: int) -> tuple[list[str], list[np.ndarray]]:
    """Names and uint8 (H, W, 3) images of frame ``t``'s panels."""
    flow = sample.get("flow")
    H, W = (flow.shape[1:3] if flow is not None else sample["depth"].shape[1:3])
    blank = np.zeros((H, W, 3), np.uint8)
    s_f = float(sample.get("json", {}).get("s_f") or 0) or None
    names, imgs = [], []
    if "rgb" in sample:
        names.append("rgb")
        imgs.append(sample["rgb"][t])
    if flow is not None:
        names.append("flow")
        imgs.append(flow_to_color(flow[t], s_f) if t < len(flow) else blank)
    if "flow_hsv" in sample:
        names.append("flow_hsv")
        hsv = sample["flow_hsv"]
        imgs.append(hsv[t] if t < len(hsv) else blank)
    if "depth" in sample:
        names.append("depth")
        imgs.append(depth_to_color(sample["depth"][t]))
    if "seg" in sample:
        names.append("seg")
        imgs.append(seg_to_color(sample["seg"][t]))
    if "plucker" in sample:
        names.append("plucker d")
        imgs.append(plucker_to_color(sample["plucker"][t], H, W))
    return names, imgs


def n_frames(sample: dict) -> int:
    for name in ("plucker", "depth", "seg", "rgb"):
        if name in sample:
            return len(sample[name])
    return len(sample["flow"]) + 1


def _gap(img: np.ndarray, px: int = 4) -> np.ndarray:
    return np.pad(img, ((0, 0), (0, px), (0, 0)), constant_values=255)


def write_preview(src: Path, out: Path, *, key: str | None = None, max_rows: int = 8) -> Path:
    """Write a contact sheet of ``src`` (render folder, shard or dataset) to ``out``.

    ``.png``: up to ``max_rows`` frames (evenly spaced), one row each, titled columns.
    ``.mp4``: every frame, panels side by side. Returns ``out``.
    """
    out = Path(out)
    if out.suffix.lower() not in (".png", ".mp4"):
        raise ExportError("output must end in .png or .mp4", source=str(out))
    problem = unwritable_folder(out.parent)
    if problem:
        raise ExportError(f"cannot write the preview there ({problem})", source=str(out))
    sample = _load(Path(src), key)
    T = n_frames(sample)
    try:
        if out.suffix.lower() == ".mp4":
            return _write_mp4(sample, T, out)
        rows = np.unique(np.linspace(0, T - 1, min(T, max_rows)).round().astype(int))
        return _write_png(sample, rows, out)
    except OSError as exc:
        raise ExportError(f"cannot write the preview ({exc.strerror or exc})", source=str(out)) from None


def _write_mp4(sample: dict, T: int, out: Path) -> Path:
    from .video import VideoWriter
    fps = float(sample.get("json", {}).get("fps") or 24.0)
    tmp = out.with_name(f".{out.name}.tmp.mp4")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    try:
        for t in range(T):
            _, imgs = frame_panels(sample, t)
            row = np.concatenate([_gap(i) for i in imgs], axis=1)
            if writer is None:
                writer = VideoWriter(tmp, row.shape[1], row.shape[0], fps, pix_fmt="yuv444p", crf=12)
            writer.write(row)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(out)
    return out


def _write_png(sample: dict, rows, out: Path) -> Path:
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, _ = frame_panels(sample, int(rows[0]))
    H, W = _[0].shape[:2]
    scale = max(1.0, 160.0 / W)
    fig, axes = plt.subplots(len(rows), len(names), squeeze=False,
                             figsize=(len(names) * W * scale / 80, len(rows) * H * scale / 80 + 0.6))
    for r, t in enumerate(rows):
        _, imgs = frame_panels(sample, int(t))
        for c, img in enumerate(imgs):
            ax = axes[r, c]
            ax.imshow(img, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(names[c], fontsize=9)
            if c == 0:
                ax.set_ylabel(f"t={t}", fontsize=8)
    fig.suptitle(f"{sample.get('__key__', '')}  s_f={sample.get('json', {}).get('s_f', 0):.3g} px",
                 fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return atomic_write_bytes(out, buf.getvalue())
