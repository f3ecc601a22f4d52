"""Writing a verification :class:`~synthgen.verify.clip.Report`: table, json, error pictures.

Pictures (:class:`PictureWriter`, passed to ``verify_clip(on_frame=...)``):
``error_####.png`` per rendered frame, three panels side by side, each scaled up
(nearest) to at least 192 px wide, grey where nothing was checked:

1. EPE of the static / background / rigid-prop pixels against geometry, 0 … 0.1 px;
2. EPE of the visible subject vertices (one dot per vertex), 0 … 1 px;
3. forward-backward error on valid pixels, 0 … 0.1 px.

Colour map: magma (black = 0, light yellow = at or above the top of the scale).
"""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import VerifyError
from ..fsutil import atomic_write_bytes, atomic_write_text
from .clip import FrameReport, Report

log = logging.getLogger(__name__)

REPORT_JSON = "verify.json"
PANEL_MIN_WIDTH = 192
UNCHECKED_RGB = (60, 60, 60)


def format_table(report: Report) -> str:
    """The table printed by ``synthgen verify``: one row per check."""
    head = ("check", "n", "median", "p95", "p99", "goal", "result")
    rows = [head]
    for c in report.checks:
        s = c.stats
        if c.name == "photometric":
            figs = (_fmt(s.get("ratio")), "", "")
        elif c.name == "ids":
            figs = (f"{s.get('unknown', 0)} unknown", "", "")
        elif "disagree" in s:
            figs = (f"{_fmt(s.get('disagree'))} disagree", "", "")
        elif c.name == "fb":
            figs = (_fmt(s.get("median")), f"p90 {_fmt(s.get('p90'))}", _fmt(s.get("p99")))
        else:
            figs = (_fmt(s.get("median")), _fmt(s.get("p95")), _fmt(s.get("p99")))
        rows.append((c.name, str(s.get("n") or 0), *figs, " ".join(str(g) for g in c.goals),
                     c.verdict + (f" ({c.note})" if c.note and c.passed is None else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    verdict = "PASS" if report.passed else "FAIL"
    return "\n".join([f"{report.clip_id} ({report.mode} mode, {len(report.frames)} frames checked): {verdict}",
                      *lines])


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.1e}" if 0 < abs(v) < 1e-3 else f"{v:.4f}"


def to_dict(report: Report) -> dict:
    """The json report: verdict, every check with its goals and statistics, per-frame figures."""
    return {
        "clip_id": report.clip_id,
        "clip_dir": str(report.clip_dir),
        "job_hash": report.job_hash,
        "mode": report.mode,
        "synthgen_version": __version__,
        "passed": report.passed,
        "checks": [c.to_dict() for c in report.checks],
        "frames": report.frames,
    }


def write_report(report: Report, out_dir: str | Path) -> Path:
    """Write ``verify.json`` into ``out_dir`` (atomically) and return its path."""
    out_dir = _report_dir(out_dir)
    try:
        path = atomic_write_text(out_dir / REPORT_JSON, json.dumps(to_dict(report), indent=1) + "\n")
    except OSError as exc:
        raise VerifyError(f"cannot write the report ({exc.strerror})", source=str(out_dir)) from None
    log.info("wrote %s", path)
    return path


def _report_dir(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VerifyError(f"cannot create the report folder ({exc.strerror})", source=str(out_dir)) from None
    return out_dir


class PictureWriter:
    """``on_frame`` callback of :func:`~synthgen.verify.clip.verify_clip` writing
    ``out_dir/error_####.png`` for each frame as soon as it is checked."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = _report_dir(out_dir)
        self.written: list[Path] = []

    def __call__(self, fr: FrameReport) -> None:
        path = self.out_dir / f"error_{fr.frame:04d}.png"
        try:
            self.written.append(atomic_write_bytes(path, _png(error_picture(fr))))
        except OSError as exc:
            raise VerifyError(f"cannot write the picture ({exc.strerror})", source=str(path)) from None


def colourize(values: np.ndarray, vmax: float) -> np.ndarray:
    """``(H, W)`` float, NaN = unchecked → ``(H, W, 3)`` uint8 through magma on ``[0, vmax]``."""
    from matplotlib import colormaps
    v = np.asarray(values, np.float64)
    rgb = (colormaps["magma"](np.clip(np.nan_to_num(v) / vmax, 0, 1))[..., :3] * 255).round()
    rgb = rgb.astype(np.uint8)
    rgb[~np.isfinite(v)] = UNCHECKED_RGB
    return rgb


def error_picture(fr: FrameReport) -> np.ndarray:
    """The three-panel ``(h, w, 3)`` uint8 picture of one frame (see the module docstring)."""
    h, w = fr.pixel_error.shape
    vmap = np.full((h, w), np.nan)
    if len(fr.vertex_uv):
        cols = np.clip(fr.vertex_uv[:, 0].astype(int), 0, w - 1)
        rows = np.clip(fr.vertex_uv[:, 1].astype(int), 0, h - 1)
        order = np.argsort(fr.vertex_error)                  # the worst vertex wins a pixel
        vmap[rows[order], cols[order]] = fr.vertex_error[order]
    scale = max(1, -(-PANEL_MIN_WIDTH // w))
    panels = [colourize(fr.pixel_error, 0.1), colourize(vmap, 1.0), colourize(fr.fb_error, 0.1)]
    panels = [np.repeat(np.repeat(p, scale, axis=0), scale, axis=1) for p in panels]
    sep = np.full((panels[0].shape[0], 2, 3), 255, np.uint8)
    return np.concatenate([panels[0], sep, panels[1], sep, panels[2]], axis=1)


def _png(rgb: np.ndarray) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()
