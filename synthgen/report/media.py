"""Pictures of one decoded sample for people: a side-by-side video, a contact sheet, and the
per-frame flow magnitude.

A sample is a dict as :func:`synthgen.dataset.load_sample` returns it (``flow`` (T-1, H, W, 2),
``flow_hsv`` / ``rgb`` uint8 frames, ``json``); panels come from
:func:`synthgen.export.preview.frame_panels` (RGB, Middlebury-coloured flow, HSV encoding,
depth, ids, Plücker). Videos are H.264 in yuv420p, which every browser and player decodes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..export.preview import frame_panels, n_frames
from ..export.video import VideoWriter
from ..fsutil import atomic_write_bytes

#: Panels of the side-by-side video, in order, and their labels.
SIDE_BY_SIDE = (("rgb", "RGB"), ("flow", "flow"), ("flow_hsv", "HSV"))
LABELS = dict(SIDE_BY_SIDE) | {"depth": "depth", "seg": "ids", "plucker d": "Plücker d"}


def resize(img: np.ndarray, width: int) -> np.ndarray:
    """``img`` (H, W, 3) uint8 scaled to ``width`` (aspect kept; box filter when shrinking)."""
    from PIL import Image
    h, w = img.shape[:2]
    if w == width:
        return img
    height = max(2, round(h * width / w))
    return np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.BOX
                                                  if width < w else Image.Resampling.BILINEAR))


def label(img: np.ndarray, text: str) -> np.ndarray:
    """``img`` with ``text`` in its top-left corner on a dark box."""
    from PIL import Image, ImageDraw, ImageFont
    pil = Image.fromarray(np.ascontiguousarray(img))
    draw = ImageDraw.Draw(pil)
    font = ImageFont.load_default(size=max(10, img.shape[0] // 18))
    box = draw.textbbox((5, 3), text, font=font)
    draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(0, 0, 0))
    draw.text((5, 3), text, fill=(255, 255, 255), font=font)
    return np.asarray(pil)


def panel_row(sample: dict, t: int, panels: tuple[str, ...], width: int | None,
              labels: dict[str, str] | None = None) -> np.ndarray:
    """Frame ``t``'s panels (those of ``panels`` the sample has) side by side, each scaled to
    ``width`` px (None: as rendered) and labelled (``labels`` overrides :data:`LABELS`; a
    None label leaves the panel as it is); uint8 (h, n * w, 3) with even sides."""
    names, imgs = frame_panels(sample, t)
    labels = {**LABELS, **(labels or {})}
    row = []
    for name in panels:
        if name in names:
            img = imgs[names.index(name)]
            img = resize(img, width) if width else img
            text = labels.get(name, name)          # None: the frames carry their own label
            row.append(label(img, text) if text else img)
    out = np.concatenate(row, axis=1)
    return out[: out.shape[0] // 2 * 2, : out.shape[1] // 2 * 2]


def shown_frames(sample: dict) -> int:
    """Frames worth showing: every frame that has a flow (the shards hold T - 1 pairs, so the
    last rendered frame, which has none, is left out), else every frame."""
    T = n_frames(sample)
    flow = sample.get("flow")
    return min(T, len(flow)) if flow is not None and len(flow) else T


def write_side_by_side(sample: dict, path: Path, *, width: int | None = None,
                       panels: tuple[str, ...] = tuple(p for p, _ in SIDE_BY_SIDE),
                       labels: dict[str, str] | None = None, crf: int = 18) -> Path:
    """An mp4 of every frame's :func:`panel_row` (RGB | flow | HSV by default), written under
    a temporary name and renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fps = float(sample.get("json", {}).get("fps") or 24.0)
    tmp = path.with_name(f".{path.name}.tmp.mp4")
    rows = (panel_row(sample, t, panels, width, labels) for t in range(shown_frames(sample)))
    first = next(rows)
    try:
        with VideoWriter(tmp, first.shape[1], first.shape[0], fps, pix_fmt="yuv420p", crf=crf) as vw:
            vw.write(first)
            for row in rows:
                vw.write(row)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def write_contact_sheet(sample: dict, path: Path, *, rows: int = 4, width: int = 200,
                        panels: tuple[str, ...] = ("rgb", "flow", "flow_hsv", "depth", "seg")) -> Path:
    """A PNG of ``rows`` evenly spaced frames (one row each) by the sample's panels."""
    T = shown_frames(sample)
    picks = np.unique(np.linspace(0, T - 1, min(rows, T)).round().astype(int))
    first = next(p for p in panels if p in frame_panels(sample, 0)[0])
    strips = [panel_row(sample, int(t), panels, width, {first: f"{LABELS.get(first, first)} t={t}"})
              for t in picks]
    wmax = max(s.shape[1] for s in strips)
    gap = np.full((4, wmax, 3), 255, np.uint8)
    sheet = np.concatenate(sum(([np.pad(s, ((0, 0), (0, wmax - s.shape[1]), (0, 0)),
                                        constant_values=255), gap] for s in strips), [])[:-1])
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, format="PNG", compress_level=6)
    return atomic_write_bytes(path, buf.getvalue())


def flow_magnitude_by_frame(flow: np.ndarray) -> dict[str, list[float]]:
    """Per flow pair: mean and 99th percentile of ``|F|`` (px), rounded for the page."""
    mean, p99 = [], []
    for f in flow:
        mag = np.hypot(*np.moveaxis(np.asarray(f, np.float32), -1, 0))
        mean.append(round(float(mag.mean()), 3))
        p99.append(round(float(np.percentile(mag, 99)), 3))
    return {"mean": mean, "p99": p99}
