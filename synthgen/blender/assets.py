"""Resolve a job's asset locations to files and check their checksums. Needs bpy."""
from __future__ import annotations

import logging
from pathlib import Path

import bpy

from ..errors import RenderError
from ..fsutil import is_inside, sha256_file
from ..job import AssetRef

log = logging.getLogger(__name__)

DATAFILES = "blender-datafiles:"
PROCEDURAL = "procedural:"


def is_procedural(ref: AssetRef) -> bool:
    return ref.location.startswith(PROCEDURAL)


def procedural_name(ref: AssetRef) -> str:
    """``procedural:cube/red`` -> ``cube``."""
    return ref.location[len(PROCEDURAL):].split("/", 1)[0]


def resolve(ref: AssetRef, field: str, source: str | None = None) -> Path:
    """The file behind ``ref`` (absolute path or ``blender-datafiles:<rel>``), checked.

    Raises :class:`RenderError` naming ``field`` when the file is missing, is not a file,
    or its sha256 differs from ``ref.sha256``.
    """
    loc = ref.location
    if loc.startswith(DATAFILES):
        rel = loc[len(DATAFILES):]
        base = bpy.utils.system_resource("DATAFILES")   # (path= finds folders only)
        path = Path(base, rel) if base else None
        if path is None or not is_inside(path, base) or not path.is_file():
            raise RenderError(f"{loc!r} is not among Blender's data files", source=source,
                              field=f"{field}.location")
    elif loc.startswith(PROCEDURAL):
        raise RenderError(f"{loc!r} is procedural, not a file", source=source, field=f"{field}.location")
    else:
        path = Path(loc)
        if not path.is_absolute():
            raise RenderError(f"{loc!r} must be an absolute path (the planner resolves assets)",
                              source=source, field=f"{field}.location")
    if not path.is_file():
        raise RenderError(f"asset file {str(path)!r} does not exist", source=source, field=f"{field}.location")
    if ref.sha256:
        got = sha256_file(path)
        if got != ref.sha256.lower():
            raise RenderError(f"checksum mismatch for {path.name} (sha256 {got[:12]}…, job says "
                              f"{ref.sha256[:12]}…)", source=source, field=f"{field}.sha256")
    return path
