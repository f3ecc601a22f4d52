"""Training samples: fixed-length windows, resized and cropped, that ``default_collate`` batches.

A training sample holds only numpy arrays, Python numbers and strings:

- array members windowed (and resized when asked): per-frame members (``plucker``, ``depth``,
  ``seg``, ``rgb``) get ``frames`` rows, per-pair members (``flow``, ``flow_bwd``, ``valid``,
  ``flow_hsv``, ``scene_flow``) ``frames - 1``, frame-gap members (``flow_k{K}``,
  ``occ_k{K}``) ``max(0, frames - K)``; ``inst_flow`` (the clip's frame-0 instance flow) is
  resized only; ``tracks`` ``[N, T, 2]`` and ``track_vis`` ``[N, T]`` are windowed along
  their frame axis (``[N, frames, ...]``), their (x, y) mapped like pixel coordinates
  (``x' = sx x - x0``) and ``track_vis`` set to 0 where a track leaves the output image;
- ``K`` float32 ``[F, 3, 3]`` and ``c2w`` float32 ``[F, 4, 4]`` of the window (K adjusted to
  the output image), ``frame_ids`` int64 ``[F]`` (rendered frame numbers), ``start`` (window
  start index), ``scale`` float32 ``[2]`` = (sx, sy), ``crop`` float32 ``[2]`` = (x0, y0);
- ``fps``, ``s_f`` floats (``s_f`` is the stored HSV scale in render pixels); ``txt`` str;
- ``json``: the exported json **as a string** (verbatim; ``json.loads`` it). A dict cannot
  batch: clips differ in asset lists, instances and frame counts, and it holds nulls;
- ``__key__``, ``__url__`` str.
"""
from __future__ import annotations

import json
import logging
import re
import zlib
from dataclasses import dataclass

import numpy as np

from . import geometry
from .errors import ReaderError
from .members import decode_array_member, decode_member, member_name, sample_where

log = logging.getLogger(__name__)

PAIR_MEMBERS = ("flow", "flow_bwd", "valid", "flow_hsv")
FRAME_MEMBERS = ("plucker", "depth", "seg", "rgb")
STATIC_MEMBERS = ("inst_flow",)
NEAREST_MEMBERS = ("valid", "seg", "depth", "scene_flow")
TRACK_MEMBERS = ("tracks", "track_vis")
#: ``flow_k{K}`` / ``occ_k{K}``: row i maps frame i to i+K.
GAP_MEMBER = re.compile(r"^(flow|occ)_k([1-9][0-9]*)$")


def member_gap(name: str):
    """K of a frame-gap member (``flow_k4`` -> 4), ``1`` for the other per-pair members,
    None for the rest."""
    m = GAP_MEMBER.match(name)
    if m:
        return int(m.group(2))
    return 1 if name in PAIR_MEMBERS or name == "scene_flow" else None


@dataclass(frozen=True)
class Options:
    """See :func:`synthgen_reader.open_dataset` for each field."""

    members: tuple | None = None
    frames: int | None = None
    start: str = "random"
    stride: int | None = None
    size: tuple | None = None
    fit: str = "cover"
    crop: str = "center"
    seed: int | None = 0
    decode_video: bool = True
    plucker_size: tuple | None = None
    flow_interp: str = "linear"

    def __post_init__(self):
        if self.frames is not None and int(self.frames) < 2:
            raise ValueError(f"frames={self.frames!r}: a window needs at least 2 frames")
        if self.start not in ("random", "first", "center", "strided"):
            raise ValueError(f"start={self.start!r}: choose random, first, center or strided")
        if self.flow_interp not in ("linear", "nearest"):
            raise ValueError(f"flow_interp={self.flow_interp!r}: choose linear or nearest")


def sample_rng(seed: int | None, key: str) -> np.random.Generator:
    """The generator of one sample: from (seed, crc32(key)), so a window and crop depend on
    the seed and the clip only, never on the worker or the order; None: fresh entropy."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), zlib.crc32(key.encode("utf-8"))])


def window_starts(n_frames: int, opts: Options, rng: np.random.Generator) -> list[int]:
    """Start indices of the windows of ``opts.frames`` frames in a clip of ``n_frames``."""
    F = n_frames if opts.frames is None else int(opts.frames)
    spare = n_frames - F
    if spare < 0:
        return []
    if opts.start == "first" or spare == 0:
        return [0]
    if opts.start == "center":
        return [spare // 2]
    if opts.start == "strided":
        return list(range(0, spare + 1, int(opts.stride or F)))
    return [int(rng.integers(0, spare + 1))]


def training_samples(raw: dict, opts: Options):
    """Yield the training samples (one per window) of one raw webdataset sample."""
    key = raw.get("__key__", "")
    meta = _json(raw)
    T, W, H = int(meta["n_frames"]), int(meta["width"]), int(meta["height"])
    rng = sample_rng(opts.seed, key)
    starts = window_starts(T, opts, rng)
    if not starts:
        log.warning("%s: %d frames, shorter than the %d-frame window: skipped", key, T, opts.frames)
        return
    F = T if opts.frames is None else int(opts.frames)
    for s in starts:
        resize = geometry.plan_resize(W, H, opts.size, opts.fit, opts.crop, rng) if opts.size \
            else geometry.Resize(W, H, W, H, 1.0, 1.0)
        yield _one_window(raw, meta, s, F, resize, opts)


def _json(raw: dict) -> dict:
    if "json" not in raw:
        raise ReaderError(sample_where(raw, "json") + ": missing (training samples need it)")
    return decode_member("json", raw["json"], where=sample_where(raw, "json"))


def _wanted(suffix: str, opts: Options) -> bool:
    return opts.members is None or member_name(suffix) in opts.members


def _one_window(raw: dict, meta: dict, s: int, F: int, r: geometry.Resize, opts: Options) -> dict:
    Ks = np.asarray(meta["K"], np.float64)[s:s + F]
    c2ws = np.asarray(meta["c2w"], np.float64)[s:s + F]
    out = {"__key__": str(raw.get("__key__", "")), "__url__": str(raw.get("__url__", ""))}
    for suffix, data in raw.items():
        if suffix.startswith("__") or not _wanted(suffix, opts):
            continue
        name, where = member_name(suffix), sample_where(raw, suffix)
        if suffix == "json":
            out["json"] = bytes(data).decode("utf-8")
        elif name in TRACK_MEMBERS:
            out[name] = _tracks_window(raw, suffix, data, name, s, F, where)
        elif name == "plucker":
            out[name] = _plucker(suffix, data, meta, s, F, Ks, c2ws, r, opts, where)
        else:
            value = _windowed(suffix, data, name, s, F, opts, where)
            out[name] = _resized(name, value, r) if isinstance(value, np.ndarray) else value
    out.update({"K": geometry.adjust_K(Ks, r).astype(np.float32), "c2w": c2ws.astype(np.float32),
                "frame_ids": np.asarray(meta.get("frames", range(len(meta["K"]))), np.int64)[s:s + F],
                "start": int(s), "scale": np.array([r.sx, r.sy], np.float32),
                "crop": np.array([r.x0, r.y0], np.float32), "fps": float(meta.get("fps") or 0.0),
                "s_f": float(meta.get("s_f") or 0.0)})
    if not r.identity and ("tracks" in out or "track_vis" in out):
        _resize_tracks(raw, out, s, F, r)
    return out


def _tracks_window(raw, suffix, data, name: str, s: int, F: int, where: str) -> np.ndarray:
    a = decode_array_member(suffix, data, where=where)
    return np.ascontiguousarray(a[:, s:s + F])


def _resize_tracks(raw: dict, out: dict, s: int, F: int, r: geometry.Resize) -> None:
    """Track positions into output pixels; visibility 0 where they leave the output image
    (the positions are read for that even when only ``track_vis`` was asked)."""
    xy = out.get("tracks")
    if xy is None:
        suffix = next((k for k in raw if member_name(k) == "tracks"), None)
        if suffix is None:
            return
        xy = _tracks_window(raw, suffix, raw[suffix], "tracks", s, F, sample_where(raw, suffix))
    xy = geometry.resize_points(xy, r)
    if "tracks" in out:
        out["tracks"] = xy
    if "track_vis" in out:
        inside = (xy[..., 0] >= 0) & (xy[..., 0] < r.out_w) & (xy[..., 1] >= 0) & (xy[..., 1] < r.out_h)
        out["track_vis"] = (out["track_vis"].astype(bool) & inside).astype(out["track_vis"].dtype)


def _windowed(suffix: str, data, name: str, s: int, F: int, opts: Options, where: str):
    gap = member_gap(name)
    rows = slice(s, s + max(0, F - gap)) if gap is not None else slice(s, s + F)
    if name in STATIC_MEMBERS:
        rows = None
    if suffix.endswith((".npy", ".npy.zst")):
        return decode_array_member(suffix, data, rows=rows, where=where)
    value = decode_member(suffix, data, decode_video=opts.decode_video, where=where)
    if isinstance(value, np.ndarray) and rows is not None:
        value = np.ascontiguousarray(value[rows])
    return value


def _resized(name: str, a: np.ndarray, r: geometry.Resize) -> np.ndarray:
    if r.identity:
        return a
    if name in ("flow", "flow_bwd", "inst_flow") or name.startswith("flow_k"):
        return geometry.resize_flow(a, r, nearest=False)
    if name in ("flow_hsv", "rgb"):
        return geometry.resize_image(a, r)
    if name == "scene_flow":                        # [F-1, H, W, 3]: image axes 1, 2
        return geometry.resize_nearest(a, r, (a.ndim - 3, a.ndim - 2))
    if name in NEAREST_MEMBERS or name.startswith("occ_k") or a.dtype.kind != "f":
        return geometry.resize_nearest(a, r, (a.ndim - 2, a.ndim - 1))
    return geometry.resize_linear(a, r, (a.ndim - 2, a.ndim - 1)).astype(a.dtype)


def _plucker(suffix, data, meta, s, F, Ks, c2ws, r: geometry.Resize, opts: Options, where):
    """The stored embedding sliced when it is still exact (window at frame 0, no resize),
    else recomputed from the window's cameras (see :mod:`synthgen_reader.geometry`)."""
    if s == 0 and r.identity and opts.plucker_size is None:
        return decode_array_member(suffix, data, rows=slice(0, F), where=where)
    pw, ph = opts.plucker_size or _plucker_default(meta.get("plucker") or {}, r, opts)
    return geometry.plucker(geometry.adjust_K(Ks, r), c2ws, r.out_w, r.out_h, pw, ph)


def _plucker_default(stored: dict, r: geometry.Resize, opts: Options) -> tuple[int, int]:
    """With ``size``: output size / 8 (the same for every clip, so batches stack); else the
    stored member's size."""
    if opts.size is None and stored.get("width"):
        return int(stored["width"]), int(stored["height"])
    return max(1, r.out_w // 8), max(1, r.out_h // 8)


def json_of(sample: dict) -> dict:
    """The json member of a training sample, parsed."""
    return json.loads(sample["json"])
