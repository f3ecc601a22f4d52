"""8-bit RGB video files through imageio-ffmpeg (H.264 in an mp4 container).

Defaults keep colour exact enough for flow encodings: full-resolution chroma (yuv444p) and
a low CRF. Frames of any size are written as they are (no macro-block resizing).
"""
from __future__ import annotations

import errno
import logging
import os
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

log = logging.getLogger(__name__)

DEFAULT_PIX_FMT = "yuv444p"
DEFAULT_CRF = 4
#: x264 preset for general video (RGB renders, previews). Flow encodings use "ultrafast",
#: which at low CRF is both faster and closer to its input (no psy-rd/deblocking).
DEFAULT_PRESET = "veryfast"


#: errno values ffmpeg reports in words when the output file cannot be written.
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EIO)


class VideoWriter:
    """Stream uint8 RGB frames (H, W, 3) into an mp4; use as a context manager.

    Runs ffmpeg (from imageio-ffmpeg) with its messages captured, not printed: a failure
    (a full disk, a bad option) raises :class:`OSError` / :class:`RuntimeError` carrying
    ffmpeg's last message, and nothing reaches the user's terminal but that one line.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *,
                 pix_fmt: str = DEFAULT_PIX_FMT, crf: int = DEFAULT_CRF,
                 preset: str = DEFAULT_PRESET):
        if pix_fmt == "yuv420p" and (width % 2 or height % 2):
            raise ValueError(f"yuv420p needs even sizes, got {width}x{height}")
        self.path = Path(path)
        self.size = (int(width), int(height))
        rate = str(Fraction(float(fps)).limit_denominator())
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-f", "rawvideo", "-vcodec", "rawvideo",
               "-s", f"{self.size[0]}x{self.size[1]}", "-pix_fmt", "rgb24", "-r", rate, "-i", "-",
               "-vcodec", "libx264", "-pix_fmt", pix_fmt, "-v", "error",
               "-crf", str(int(crf)), "-preset", str(preset), "-f", "mp4", str(self.path)]
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=self._log)

    def write(self, frame: np.ndarray) -> None:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if frame.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"frame shape {frame.shape} != {(self.size[1], self.size[0], 3)}")
        try:
            self._proc.stdin.write(frame.tobytes())
        except (BrokenPipeError, OSError):
            self._fail()

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        if self._proc.wait() != 0:
            self._fail()
        self._proc = None
        self._log.close()

    def _fail(self) -> None:
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        self._log.seek(0)
        lines = [ln for ln in self._log.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        self._log.close()
        for code in _WRITE_ERRNOS:        # a write failure of the disk, not of ffmpeg
            if any(os.strerror(code) in ln for ln in lines):
                raise OSError(code, os.strerror(code), str(self.path))
        message = lines[-1].split("] ", 1)[-1] if lines else f"ffmpeg exited with code {proc.returncode}"
        raise RuntimeError(f"ffmpeg could not write {self.path.name}: {message}")

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is not None and exc[0] is not None:     # an error upstream: just stop
            self._proc.kill()
            self._proc.wait()
            self._proc = None
            self._log.close()
            return
        self.close()


def read_video(path_or_bytes: str | Path | bytes) -> np.ndarray:
    """Decode an mp4 (path or bytes) into uint8 RGB frames ``(T, H, W, 3)``."""
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
