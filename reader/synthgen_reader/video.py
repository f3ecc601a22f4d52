"""mp4 members -> uint8 RGB frames ``(T, H, W, 3)``, through imageio-ffmpeg or PyAV.

Neither is a dependency of the reader: ``pip install './reader[video]'`` (imageio-ffmpeg)
or ``'./reader[av]'`` (PyAV). Without either, ask for videos as bytes (``decode_video=False``).
"""
from __future__ import annotations

import io
import os
import tempfile

import numpy as np

from .errors import ReaderError


def read_video(data: bytes) -> np.ndarray:
    """Decode mp4 bytes into uint8 RGB frames ``(T, H, W, 3)``."""
    try:
        import imageio_ffmpeg
    except ImportError:
        imageio_ffmpeg = None
    if imageio_ffmpeg is not None:
        return _read_ffmpeg(imageio_ffmpeg, data)
    try:
        import av
    except ImportError:
        raise ReaderError("decoding mp4 members needs imageio-ffmpeg or av "
                          "(pip install 'synthgen-reader[video]'), or pass decode_video=False") from None
    with av.open(io.BytesIO(bytes(data))) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    if not frames:
        raise ReaderError("mp4 member holds no frames")
    return np.stack(frames)


def _read_ffmpeg(imageio_ffmpeg, data: bytes) -> np.ndarray:
    fd, path = tempfile.mkstemp(suffix=".mp4")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        reader = imageio_ffmpeg.read_frames(path, pix_fmt="rgb24")
        meta = next(reader)
        w, h = meta["size"]
        frames = [np.frombuffer(buf, np.uint8).reshape(h, w, 3) for buf in reader]
    finally:
        os.unlink(path)
    return np.stack(frames) if frames else np.zeros((0, h, w, 3), np.uint8)
