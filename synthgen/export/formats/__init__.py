"""Export formats: where the exporter puts each clip's members.

Public surface::

    FORMATS                      name -> format class (webdataset, videox-fun, folders)
    make_format(name, **options) -> ExportFormat
    encodings.encode / decode    flow <-> 8-bit RGB (hsv, sqrt, middlebury)
    targets.TARGETS              frame counts and sizes video models accept

``webdataset`` is the default and is the shard layout of :mod:`synthgen.export.shards`;
``videox-fun`` (:mod:`.videox_fun`) and ``folders`` (:mod:`.folders`) are file layouts for
other training code. All run through the same export pipeline (:mod:`..pipeline`).
"""
from __future__ import annotations

from ...errors import ExportError
from .base import ClipExtras, ExportFormat
from .encodings import ENCODINGS
from .flow_video import FlowVideoFormat
from .folders import FoldersFormat
from .targets import TARGET_NAMES
from .videox_fun import VideoXFunFormat
from .webdataset import WebDatasetFormat

__all__ = ["FORMATS", "ENCODINGS", "TARGET_NAMES", "ClipExtras", "ExportFormat", "make_format"]

FORMATS: dict[str, type[ExportFormat]] = {
    WebDatasetFormat.name: WebDatasetFormat,
    VideoXFunFormat.name: VideoXFunFormat,
    FoldersFormat.name: FoldersFormat,
}


def make_format(name: str = "webdataset", *, flow_video: str | None = None, flow_scale=None,
                target: str | None = None, strict_target: bool = False) -> ExportFormat:
    """The format called ``name``. ``flow_video`` / ``flow_scale``: encoding and scale of the
    flow control video (file layouts only; None: hsv, per-clip scale); ``target``: a name of
    :data:`TARGET_NAMES`, ``"none"``, or None for the format's default; ``strict_target``:
    clips that do not fit it are errors instead of a warning."""
    if name not in FORMATS:
        raise ExportError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})",
                          field="format")
    cls = FORMATS[name]
    if not issubclass(cls, FlowVideoFormat):
        if (flow_video or "hsv") != "hsv" or flow_scale is not None:
            raise ExportError("WebDataset shards carry the HSV flow video (flow_hsv.mp4) at the "
                              "clip's own scale; --flow-video and --flow-scale apply to "
                              "videox-fun and folders", field="flow_video")
        return cls(target=target, strict_target=strict_target)
    return cls(target=target, strict_target=strict_target, flow_video=flow_video or "hsv",
               flow_scale=flow_scale)
