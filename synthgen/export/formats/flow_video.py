"""The flow control video of a clip: one frame per rendered frame, in a chosen encoding.

Video models want as many control frames as RGB frames (Wan: ``4n + 1``), so frame ``t`` of
this video is the forward flow from rendered frame ``t`` to ``t + 1`` for every ``t``: the
first ``T - 1`` come from the clip's ``flow.npy`` (the shards' pairs), the last from the
last rendered frame's own Vector pass, which points at the boundary frame the job animates
after the clip (the boundary-frames convention), with the background filled like every other
pair. The shards' ``flow_hsv.mp4`` keeps its ``T - 1`` frames.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterator

import numpy as np

from ..clip import ClipResult, ClipSource, frame_flows
from ..video import VideoWriter
from . import encodings, poses
from .base import ClipExtras, ExportFormat

#: x264 settings of the control video: full chroma, near-lossless, like ``flow_hsv.mp4``.
PIX_FMT, CRF, PRESET = "yuv444p", 4, "ultrafast"


def _npy_frames(path: Path) -> Iterator[np.ndarray]:
    """Slices of a ``.npy`` file as float32, read with ``pread`` (never memory-mapped)."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read(fh)
        offset, size = fh.tell(), int(np.prod(shape[1:])) * dtype.itemsize
        for t in range(shape[0]):
            raw = os.pread(fh.fileno(), size, offset + t * size)
            yield np.frombuffer(raw, dtype).reshape(shape[1:]).astype(np.float32)


def clip_flows(src: ClipSource, res: ClipResult) -> Iterator[np.ndarray]:
    """The ``T`` forward flows float32 (H, W, 2) of the clip, as float16 values (the shards'
    precision): ``flow.npy``'s pairs, then the last rendered frame's flow (module doc)."""
    yield from _npy_frames(Path(res.files["flow"]))
    job = src.job
    last = frame_flows(job, src.frames[-1], job.frame_end, False, np.uint16, depth=False)
    yield last.fwd.astype(np.float16).astype(np.float32)


def write_flow_video(src: ClipSource, res: ClipResult, path: Path, encoding: str, scale, *,
                     png_dir: Path | None = None) -> int:
    """Encode the clip's ``T`` flows (:func:`clip_flows`) into the mp4 ``path`` (and, with
    ``png_dir``, lossless ``00000.png``... frames of the same encoding). Returns ``T``."""
    job = src.job
    n = 0
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    with VideoWriter(path, job.width, job.height, job.fps, pix_fmt=PIX_FMT, crf=CRF,
                     preset=PRESET) as vw:
        for flow in clip_flows(src, res):
            rgb = encodings.encode(encoding, flow, scale)
            vw.write(rgb)
            if png_dir is not None:
                write_png(png_dir / f"{n:05d}.png", rgb)
            n += 1
    return n


def write_png(path: Path, rgb: np.ndarray) -> Path:
    """uint8 RGB (H, W, 3) as a PNG (fast zlib level: these are written per frame)."""
    from PIL import Image
    Image.fromarray(np.ascontiguousarray(rgb, np.uint8), "RGB").save(path, compress_level=1)
    return path


@dataclass
class FlowVideoFormat(ExportFormat):
    """A file-layout format with a flow control video and a pose file per clip.

    ``flow_video``: one of :data:`~synthgen.export.formats.encodings.ENCODINGS`;
    ``flow_scale``: None (per clip: the clip's ``s_f``, p99 of ``|F|``, as DynaVid's HSV
    does) or a fixed ``(s_u, s_v)`` in pixels for the whole dataset (as FloVD does).
    """

    flow_video: str = "hsv"
    flow_scale: tuple[float, float] | None = None
    #: write lossless PNG frames of the control video too
    png_frames: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.flow_scale is not None:
            self.flow_scale = encodings.check_encoding(self.flow_video, self.flow_scale)
        else:
            encodings.check_encoding(self.flow_video, 1.0)

    def identity(self) -> dict:
        return {**super().identity(), "flow_video": self.flow_video,
                "flow_scale": list(self.flow_scale) if self.flow_scale else "auto"}

    def compression(self, requested: str | None) -> str:
        return requested or "none"

    def scale_for(self, res: ClipResult) -> tuple[float, float]:
        if self.flow_scale is not None:
            return self.flow_scale
        s = float(res.s_f) if res.s_f and res.s_f > 0 else 1.0
        return (s, s)

    def clip_files(self, src: ClipSource, res: ClipResult, scratch: Path) -> ClipExtras:
        suffix = f"flow_{self.flow_video}.mp4"
        scale = self.scale_for(res)
        video = scratch / suffix
        png_dir = scratch / f"flow_{self.flow_video}" if self.png_frames else None
        n = write_flow_video(src, res, video, self.flow_video, scale, png_dir=png_dir)
        pose = scratch / "pose.txt"
        pose.write_text(poses.pose_text(src.job), encoding="utf-8")
        members = [(suffix, str(video)), ("pose.txt", str(pose))]
        if png_dir is not None:
            members.append((png_dir.name, str(png_dir)))
        info = {"encoding": self.flow_video, "scale": [float(s) for s in scale],
                "scale_rule": "fixed" if self.flow_scale else "per clip: s_f (p99 of |F|)",
                "frames": n, "pix_fmt": PIX_FMT, "crf": CRF,
                "frame_t": "forward flow from rendered frame t to t+1 (the last to the "
                           "boundary frame after the clip)"}
        return ClipExtras(members=members, entry={"flow_video": info})
