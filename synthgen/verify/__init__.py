"""Renderer-independent verification of a clip's flow (``synthgen verify``).

Predictions come from depth, intrinsics, camera poses, job transforms and subject vertices
(:mod:`.geometry`), never from the Vector pass; :func:`verify_clip` compares them with the
flow the exporter produces and returns a :class:`Report`; :func:`write_report` writes the
json, :class:`PictureWriter` the per-frame error pictures (``verify_clip(on_frame=...)``),
:func:`format_table` the printed table.
"""
from .clip import Report, verify_clip
from .report import PictureWriter, format_table, write_report
from .stats import CHECKS, CheckResult, Goal

__all__ = ["CHECKS", "CheckResult", "Goal", "PictureWriter", "Report", "format_table", "verify_clip",
           "write_report"]
