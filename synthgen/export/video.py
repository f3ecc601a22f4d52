"""8-bit RGB video files through imageio-ffmpeg (H.264 in an mp4 container).

Defaults keep colour exact enough for flow encodings: full-resolution chroma (yuv444p) and
a low CRF. Frames of any size are written as they are (no macro-block resizing).
"""
from __future__ import annotations

import logging
from pathlib import Path

import imageio_ffmpeg
import numpy as np

log = logging.getLogger(__name__)

DEFAULT_PIX_FMT = "yuv444p"
DEFAULT_CRF = 4
#: x264 preset for general video (RGB renders, previews). Flow encodings use "ultrafast",
#: which at low CRF is both faster and closer to its input (no psy-rd/deblocking).
DEFAULT_PRESET = "veryfast"


class VideoWriter:
    """Stream uint8 RGB frames (H, W, 3) into an mp4; use as a context manager."""

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 pix_fmt: str = DEFAULT_PIX_FMT, crf: int = DEFAULT_CRF,
                 preset: str = DEFAULT_PRESET):
        if pix_fmt == "yuv420p" and (width % 2 or height % 2):
            raise ValueError(f"yuv420p needs even sizes, got {width}x{height}")
        self.path = Path(path)
        self.size = (int(width), int(height))
        self._gen = imageio_ffmpeg.write_frames(
            str(self.path), self.size, fps=float(fps), codec="libx264", pix_fmt_in="rgb24",
            pix_fmt_out=pix_fmt, macro_block_size=1, quality=None, ffmpeg_log_level="error",
            output_params=["-crf", str(int(crf)), "-preset", str(preset), "-f", "mp4"])
        self._gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if frame.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"frame shape {frame.shape} != {(self.size[1], self.size[0], 3)}")
        self._gen.send(frame)

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_video(path_or_bytes: str | Path | bytes) -> np.ndarray:
    """Decode an mp4 (path or bytes) into uint8 RGB frames ``(T, H, W, 3)``."""
    import tempfile
    if isinstance(path_or_bytes, (bytes, bytearray)):
        with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
            tmp.write(path_or_bytes)
            tmp.flush()
            return read_video(tmp.name)
    reader = imageio_ffmpeg.read_frames(str(path_or_bytes), pix_fmt="rgb24")
    meta = next(reader)
    w, h = meta["size"]
    frames = [np.frombuffer(buf, np.uint8).reshape(h, w, 3) for buf in reader]
    return np.stack(frames) if frames else np.zeros((0, h, w, 3), np.uint8)
