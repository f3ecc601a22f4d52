"""Reading the frame EXRs of a render folder into named numpy arrays.

Everything here is about the files written by the worker (see :mod:`synthgen.layout`): one
multilayer EXR per rendered frame. Errors name the file, the field and the reason
(:class:`synthgen.errors.ExportError`); nothing else leaks out of OpenEXR.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import OpenEXR

from .. import exrfile, layout
from ..errors import ExportError

log = logging.getLogger(__name__)


@dataclass
class FramePasses:
    """The passes of one rendered frame, shapes ``(H, W)`` unless stated, float32.

    * ``vector``: ``(H, W, 4)`` raw Cycles Vector pass X, Y, Z, W (pixels; see
      :mod:`synthgen.export.flow` for the sign convention).
    * ``depth``: planar z-depth in metres; Cycles writes ~1e10 for the world background.
    * ``index``: object pass index (= instance id), float as stored.
    * ``rgb``: ``(H, W, 4)`` linear RGBA of the RGB layer (full mode) or ``None``.
    """

    vector: np.ndarray
    depth: np.ndarray
    index: np.ndarray
    rgb: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth.shape


def read_channels(path: str | Path, names: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
    """Read ``names`` from the EXR at ``path`` as float32 ``(H, W)`` arrays.

    Raises :class:`ExportError` (file, channel, reason) when the file is missing, truncated or
    corrupt, or lacks a channel.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError("file is missing", source=str(path))
    problem = exrfile.check(path, None, None, (), float_only=False, decode=False)
    if problem:     # before OpenEXR, which reads a truncated file with zeros and a warning
        raise ExportError(f"unreadable EXR ({problem})", source=str(path))
    try:
        with OpenEXR.File(str(path), separate_channels=True) as exr:
            channels = {}
            for part in exr.parts:          # Blender 5 writes one part per pass
                channels.update(part.channels)
            out = {}
            for name in names:
                ch = channels.get(name)
                if ch is None:
                    raise ExportError(f"channel is missing (has {len(channels)} others)",
                                      source=str(path), field=name)
                out[name] = np.asarray(ch.pixels, dtype=np.float32)
    except ExportError:
        raise
    except Exception as exc:  # OpenEXR raises RuntimeError/OSError for truncated files
        raise ExportError(f"unreadable EXR ({exc.__class__.__name__}: {exc})".strip(),
                          source=str(path)) from None
    shapes = {a.shape for a in out.values()}
    if len(shapes) > 1:
        raise ExportError(f"channels have different sizes {sorted(shapes)}", source=str(path))
    return out


def read_frame_channels(path: str | Path, *, rgb: bool = False,
                        expect_shape: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """The channels :func:`read_frame` needs, unstacked: channel name -> float32 ``(H, W)``
    (Vector X/Y/Z/W, depth, object index, and RGBA when ``rgb``). Same checks and errors."""
    names = [*layout.VECTOR_CHANNELS, layout.DEPTH_CHANNEL, layout.INDEX_CHANNEL]
    if rgb:
        names += list(layout.RGB_CHANNELS)
    ch = read_channels(path, names)
    depth = ch[layout.DEPTH_CHANNEL]
    if expect_shape is not None and depth.shape != tuple(expect_shape):
        raise ExportError(f"frame is {depth.shape[1]}x{depth.shape[0]}, the job says "
                          f"{expect_shape[1]}x{expect_shape[0]}", source=str(path), field="dataWindow")
    return ch


def read_frame(path: str | Path, *, rgb: bool = False,
               expect_shape: tuple[int, int] | None = None) -> FramePasses:
    """Read one frame EXR of a render folder. ``expect_shape`` is ``(H, W)`` from the job."""
    ch = read_frame_channels(path, rgb=rgb, expect_shape=expect_shape)
    depth = ch[layout.DEPTH_CHANNEL]
    vector = np.stack([ch[n] for n in layout.VECTOR_CHANNELS], axis=-1)
    rgba = np.stack([ch[n] for n in layout.RGB_CHANNELS], axis=-1) if rgb else None
    return FramePasses(vector=vector, depth=depth, index=ch[layout.INDEX_CHANNEL], rgb=rgba)


def write_frame(path: str | Path, channels: dict[str, np.ndarray]) -> Path:
    """Write float32 ``(H, W)`` channels to a ZIP-compressed multi-part scanline EXR, one part
    per pass (``flow.Vector.X`` goes to part ``flow.Vector``), as Blender 5 does."""
    groups: dict[str, dict[str, np.ndarray]] = {}
    for name, arr in channels.items():
        groups.setdefault(name.rsplit(".", 1)[0], {})[name] = np.ascontiguousarray(arr, np.float32)
    parts = [OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                          data, part) for part, data in groups.items()]
    with OpenEXR.File(parts) as exr:
        exr.write(str(path))
    return Path(path)
