"""The export stage: finished render folders -> WebDataset shards that trainers stream.

Public surface::

    export_dataset(render_dirs, out, **options) -> ExportSummary
    formats.make_format(name, **options) -> ExportFormat   (webdataset, videox-fun, folders)
    preview.write_preview(src, out) -> Path
    hsv.decode_hsv(rgb, s_f) -> flow

See :mod:`synthgen.export.clip` for the per-clip computation, :mod:`synthgen.export.pipeline`
for the run, and the README for conventions and members.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import layout
from ..errors import ExportError, NothingToDoError
from ..executors.core import LocalExecutor
from . import shards as shardmod
from .clip import ClipOptions
from .codec import parse_compression
from .formats import ExportFormat, make_format
from .members import ALL_MEMBERS, DEFAULT_MEMBERS, parse_members
from .pipeline import export_clips
from .prune import RenderPruner
from .stats import write_stats

log = logging.getLogger(__name__)

__all__ = ["export_dataset", "ExportSummary", "ALL_MEMBERS", "DEFAULT_MEMBERS", "find_clips"]

DEFAULT_SHARD_BYTES = 1_000_000_000
DEFAULT_MAX_FB_P90 = 1.19


@dataclass
class ExportSummary:
    out: Path
    exported: list[str] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    filtered: list[tuple[str, str, str]] = field(default_factory=list)  # (key, reason, job hash)
    bad: list[tuple[str, str]] = field(default_factory=list)          # (folder, message)
    shards: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)                   # render folders removed
    format: str = "webdataset"
    warnings: list[str] = field(default_factory=list)                 # e.g. clips unfit for a target

    @property
    def ok(self) -> bool:
        return not self.bad

    def lines(self) -> list[str]:
        where = (f"into {len(self.shards)} new shards in {self.out}" if self.format == "webdataset"
                 else f"as {self.format} into {self.out}")
        return [f"exported {len(self.exported)} clips {where}",
                f"skipped {len(self.skipped_existing)} already in the dataset",
                f"filtered {len(self.filtered)} failing the quality gate",
                f"bad {len(self.bad)}"]


def find_clips(paths: list[Path]) -> list[Path]:
    """Render folders among ``paths``: each path is a clip folder (holds job.json, DONE or
    frames) or a folder of clip folders."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in map(Path, paths):
        if _is_clip_dir(p) or not p.is_dir():
            out.append(p)
        else:
            out += sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith("."))
    return out


def _is_clip_dir(p: Path) -> bool:
    return p.is_dir() and ((p / layout.JOB_FILE).exists() or (p / layout.DONE_FILE).exists()
                           or any(p.glob("frame_*.exr")))


def _parse_members(members) -> tuple[str, ...] | None:
    """The members asked for, checked; None (not asked): each clip's ``job.outputs``."""
    return None if members is None else parse_members(members)


def _prepare_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".probe-{id(out)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ExportError(f"dataset folder is not writable ({exc.strerror})", source=str(out)) from None


def export_dataset(render_dirs: list[Path], out: Path, *, members=None,
                   plucker_res: tuple[int, int] | None = None,
                   shard_bytes: int = DEFAULT_SHARD_BYTES,
                   max_fb_p90: float | None = DEFAULT_MAX_FB_P90,
                   tags: list[str] | None = None, hsv_crf: int = 4,
                   hsv_pix_fmt: str = "yuv444p", progress: bool = True,
                   executor=None, compression: str | None = None,
                   prune_renders: bool = False,
                   fmt: str | ExportFormat = "webdataset", n_tracks: int = 2048) -> ExportSummary:
    """Export finished render folders into WebDataset shards under ``out``.

    ``render_dirs``: clip folders or folders of clip folders. Clips already in
    ``out/index.jsonl`` are skipped (a changed job under an exported key is reported bad);
    bad clips are reported in ``summary.bad`` (never raised); clips failing the quality gate
    (fb-consistency p90 above ``max_fb_p90`` (None: no limit), object ids the job does not
    list, a photometric ratio above the verify goal in full mode) are left out, counted and
    listed with their reason in ``filtered.jsonl`` and ``stats.json``. Writes shards,
    ``index.jsonl`` and ``stats.json``. ``compression``: ``zstd`` (array members as lossless
    ``.npy.zst``, see :mod:`synthgen.export.codec`), ``none`` (plain ``.npy``) or None (the
    format's default: zstd for shards, none for file layouts). ``fmt``: a format name or
    :class:`~synthgen.export.formats.ExportFormat` (:func:`~synthgen.export.formats.make_format`:
    ``webdataset`` shards, or the ``videox-fun`` and ``folders`` file layouts, which write
    their own files instead of shards; every format runs the same pipeline and gate).
    ``prune_renders``: remove each clip's render folder once its sample is in a finished,
    indexed shard (see :mod:`synthgen.export.prune`). ``n_tracks``: query points of the
    ``tracks`` member (:mod:`synthgen.correspond.tracks`). ``executor`` (a
    :class:`synthgen.executors.Executor`) computes clips in parallel local processes or Ray
    tasks while this process still writes every shard, in input order; None: one by one in
    this process.
    """
    out = Path(out)
    if max_fb_p90 is not None and not math.isfinite(max_fb_p90):
        raise ExportError(f"must be a finite number of pixels, got {max_fb_p90}", field="max_fb_p90")
    fmt = make_format(fmt) if isinstance(fmt, str) else fmt
    _prepare_out(out)
    opts = ClipOptions(members=fmt.members(_parse_members(members)), replaced=fmt.replaced_members,
                       plucker_res=plucker_res,
                       tags=tags, hsv_crf=hsv_crf, hsv_pix_fmt=hsv_pix_fmt,
                       compression=parse_compression(fmt.compression(compression)),
                       n_tracks=int(n_tracks))
    summary = ExportSummary(out=out, format=fmt.name)
    executor = executor or LocalExecutor(1, progress=progress)
    with shardmod.DatasetLock(out):
        _export_locked(render_dirs, out, opts, max_fb_p90, summary, executor=executor,
                       shard_bytes=shard_bytes, prune=prune_renders, fmt=fmt)
    for folder, msg in summary.bad:
        log.info("skipped %s: %s", folder, msg)   # listed in summary.bad; the CLI prints each once
    return summary


def _export_locked(render_dirs, out: Path, opts: ClipOptions, max_fb_p90, summary: ExportSummary,
                   *, executor, shard_bytes: int, prune: bool = False, fmt: ExportFormat) -> None:
    index = shardmod.read_index(out)
    fmt.claim(out, index)
    orphans = fmt.recover(out, index)
    if orphans:
        index += orphans
        shardmod.write_index(out, index)
    exported = {e["key"]: e.get("job_hash") or "" for e in index if "key" in e}

    pruner = RenderPruner() if prune else None

    def on_shard(name: str, entries: list[dict]) -> None:
        index.extend(entries)
        shardmod.write_index(out, index)
        if name:
            summary.shards.append(name)
        if pruner is not None:
            pruner.prune(entries)

    writer = fmt.open_writer(out, index, on_shard, shard_bytes)
    try:
        clips = find_clips(render_dirs)
        if not clips:
            raise NothingToDoError("no render folders here; render some with `synthgen render`",
                                   source=", ".join(map(str, render_dirs)))
        if pruner is not None:
            pruner.add_clips(clips)
        export_clips(clips, out, opts, max_fb_p90, exported, writer, summary, executor, fmt)
        writer.close()
    except OSError as exc:
        writer.abort()
        raise ExportError(f"cannot write the dataset ({exc.strerror or exc}); no partial shard "
                          "was kept", source=str(exc.filename or out)) from None
    except BaseException:
        writer.abort()
        raise
    if pruner is not None:      # clips exported by an earlier run: their samples are indexed
        pruner.prune([e for e in index if e.get("key") in set(summary.skipped_existing)])
        summary.pruned = pruner.pruned
    filtered = shardmod.update_filtered(out, summary.filtered, exported)
    write_stats(out, index, filtered)
    new = set(summary.exported)
    summary.warnings = fmt.warnings([e for e in index if e.get("key") in new])
