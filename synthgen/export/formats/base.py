"""What an export format is: hooks on the one export run of :mod:`synthgen.export.pipeline`.

A format changes where a clip's members land, never how a clip is computed or judged: every
format runs through the same tasks (:func:`~synthgen.export.pipeline.prepare_sample`, the
quality gate, the in-order driver). Its hooks:

* in each clip task: :meth:`ExportFormat.reject` (before any work: e.g. a strict target
  check) and :meth:`ExportFormat.clip_files` (after the gate: extra files such as a flow
  control video or a pose file, written into the clip's scratch folder);
* in the driver: :meth:`ExportFormat.claim` (refuse a folder holding another format or other
  options), :meth:`ExportFormat.recover` (finished output the index does not name yet) and
  :meth:`ExportFormat.open_writer`, the sink that puts each sample in place, in input order.

A writer has ``add(key, members, entry)``, ``close()`` and ``abort()``; it reports finished
samples through ``on_flush(shard_name_or_None, entries)``, after which they are in the index.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ...errors import ExportError
from ...fsutil import atomic_write_bytes, atomic_write_text
from ..clip import ClipResult, ClipSource
from ..meta import to_json_bytes
from . import targets

log = logging.getLogger(__name__)

#: Hidden file naming the format (and its options) of a non-WebDataset export.
MARKER = ".synthgen-export"


@dataclass
class ClipExtras:
    """Extra files of one clip (``(suffix, path)``, path a file or a folder in the scratch
    folder) and fields added to its index entry."""

    members: list[tuple[str, str]] = field(default_factory=list)
    entry: dict = field(default_factory=dict)


@dataclass
class ExportFormat:
    """Base format: WebDataset-like members, no extra files. Subclasses set ``name``."""

    name: ClassVar[str] = ""
    #: target checked when the caller names none (None: no check)
    default_target: ClassVar[str | None] = None
    target: str | None = None
    strict_target: bool = False

    def __post_init__(self) -> None:
        if self.target is None:
            self.target = self.default_target
        targets.get_target(self.target)          # unknown names fail here, before any work

    # ---------------------------------------------------------------- task side
    #: Members this format never writes as members (it writes them its own way).
    replaced_members: ClassVar[tuple[str, ...]] = ()

    def members(self, requested: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """The members the clip tasks compute, given those the caller asked for (None: each
        job's own outputs, less :attr:`replaced_members`; see ``ClipOptions.for_job``)."""
        if requested is None:
            return None
        return tuple(m for m in requested if m not in self.replaced_members)

    def compression(self, requested: str | None) -> str:
        return requested or "zstd"

    def reject(self, src: ClipSource) -> str | None:
        """Why ``src`` must not be exported at all (strict target), or None."""
        if not self.strict_target:
            return None
        job = src.job
        problem = targets.clip_problem(targets.get_target(self.target), job.n_frames,
                                       job.width, job.height)
        return f"{src.path}: {problem} (--strict-target)" if problem else None

    def clip_files(self, src: ClipSource, res: ClipResult, scratch: Path) -> ClipExtras:
        """Extra files of one clip, written into ``scratch`` (before members are compressed)."""
        return ClipExtras()

    # ---------------------------------------------------------------- driver side
    def identity(self) -> dict:
        """What must agree between runs that export into one folder."""
        return {"format": self.name}

    def claim(self, out: Path, index: list[dict]) -> None:
        """Refuse ``out`` when it holds another format's export (or other options); record
        this format in :data:`MARKER` for the runs after."""
        marker = read_marker(out)
        mine = self.identity()
        if marker is None:
            if index or any(out.glob("shard-*.tar")):
                raise ExportError(f"holds a WebDataset export (shards and index.jsonl); export "
                                  f"{self.name} into a new folder", source=str(out))
            atomic_write_text(out / MARKER, json.dumps(mine, sort_keys=True) + "\n")
            return
        for key in sorted(set(marker) | set(mine)):
            if marker.get(key) != mine.get(key):
                raise ExportError(f"holds a {marker.get('format')} export with {key} = "
                                  f"{marker.get(key)!r}, not {mine.get(key)!r}; export with the "
                                  "same options or into a new folder", source=str(out / MARKER))

    def recover(self, out: Path, index: list[dict]) -> list[dict]:
        """Index entries of finished output the index does not name (an interrupted run)."""
        return []

    def open_writer(self, out: Path, index: list[dict], on_flush, shard_bytes: int):
        raise NotImplementedError

    def warnings(self, entries: list[dict]) -> list[str]:
        """Lines about the clips exported by this run (``entries``: their index entries)."""
        target = targets.get_target(self.target)
        bad = [(e["key"], p) for e in entries
               if (p := targets.clip_problem(target, int(e.get("n_frames", 0)),
                                             int(e.get("width", 0)), int(e.get("height", 0))))]
        if not bad:
            return []
        key, problem = bad[0]
        return [f"{len(bad)} of {len(entries)} exported clips do not fit {target.name} "
                f"({target.note}), e.g. {key} {problem.split(': ', 1)[1]}; --strict-target "
                "leaves them out"]


def read_marker(out: Path) -> dict | None:
    path = Path(out) / MARKER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise ExportError("is not a readable export marker; restore it or export into a new "
                          "folder", source=str(path)) from None
    if not isinstance(data, dict):
        raise ExportError("is not a JSON object", source=str(path))
    return data


def put(dst: Path, data: Path | bytes) -> Path:
    """Place one member at ``dst``: bytes written atomically, a scratch file or folder
    renamed (same file system: the scratch folder lives inside the dataset folder)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (bytes, bytearray)):
        return atomic_write_bytes(dst, bytes(data))
    _fsync_tree(Path(data))
    if dst.is_dir() and not dst.is_symlink():
        shutil.rmtree(dst)
    os.replace(data, dst)
    return dst


def _fsync_tree(path: Path) -> None:
    """Flush a file (or every file of a folder) to disk before it is renamed into place, so
    that a sample the index names is never an empty file after a power loss."""
    for p in (sorted(path.rglob("*")) if path.is_dir() else [path]):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def sample_meta(members: list[tuple[str, Path | bytes]], entry: dict, files: dict) -> bytes:
    """The sample's json member, with the flow video's encoding and the files of this layout."""
    raw = next((d for s, d in members if s == "json"), None)
    meta = json.loads(raw) if isinstance(raw, (bytes, bytearray)) else {}
    if "flow_video" in entry:
        meta["flow_video"] = entry["flow_video"]
    meta["files"] = files
    return to_json_bytes(meta)


def caption_of(members: list[tuple[str, Path | bytes]]) -> str:
    raw = next((d for s, d in members if s == "txt"), b"")
    return raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else Path(raw).read_text("utf-8")


class FileLayoutWriter:
    """Driver-side writer of a per-clip file layout. :meth:`place` puts one sample's files
    in place; index entries are handed on in batches (a clip counts as exported once it is
    in ``index.jsonl``; files of a clip not yet indexed are replaced when it is exported
    again, and removed by :meth:`abort`)."""

    BATCH = 8

    def __init__(self, out: Path, index: list[dict], on_flush) -> None:
        self.out, self.index, self.on_flush = Path(out), index, on_flush
        self.pending: list[tuple[dict, list[Path]]] = []

    def place(self, key: str, members: list, entry: dict) -> tuple[dict, list[Path]]:
        """Put the sample in place; returns the fields added to its entry and its paths."""
        raise NotImplementedError

    def after_flush(self) -> None:
        """Runs once the index holds the flushed entries (e.g. rewrite metadata lists)."""

    def add(self, key: str, members: list, entry: dict) -> None:
        added, paths = self.place(key, members, entry)
        self.pending.append(({**entry, **added, "key": key}, paths))
        if len(self.pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        entries = [e for e, _ in self.pending]
        self.pending = []
        self.on_flush(None, entries)
        self.after_flush()

    def close(self) -> None:
        self._flush()

    def abort(self) -> None:
        for _, paths in self.pending:
            for p in paths:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        self.pending = []
