"""The export stage: finished render folders -> WebDataset shards that trainers stream.

Public surface::

    export_dataset(render_dirs, out, **options) -> ExportSummary
    preview.write_preview(src, out) -> Path
    hsv.decode_hsv(rgb, s_f) -> flow

See :mod:`synthgen.export.clip` for the per-clip computation and DESIGN.md §3 / §5 for
conventions and members.
"""
from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .. import layout
from ..errors import ExportError
from . import shards as shardmod
from .clip import (ALL_MEMBERS, DEFAULT_MEMBERS, SUFFIX, ClipOptions, ClipSource, compute_clip,
                   load_clip)
from .codec import compress_result, parse_compression
from .meta import caption_text, index_fields, sample_json, to_json_bytes
from .prune import RenderPruner

log = logging.getLogger(__name__)

__all__ = ["export_dataset", "ExportSummary", "ALL_MEMBERS", "DEFAULT_MEMBERS", "find_clips"]

DEFAULT_SHARD_BYTES = 1_000_000_000
DEFAULT_MAX_FB_P90 = 1.19


@dataclass
class ExportSummary:
    out: Path
    exported: list[str] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    filtered: list[tuple[str, float]] = field(default_factory=list)   # (key, fb_err_p90)
    bad: list[tuple[str, str]] = field(default_factory=list)          # (folder, message)
    shards: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)                   # render folders removed

    @property
    def ok(self) -> bool:
        return not self.bad

    def lines(self) -> list[str]:
        return [f"exported {len(self.exported)} clips into {len(self.shards)} new shards in {self.out}",
                f"skipped {len(self.skipped_existing)} already in the dataset",
                f"filtered {len(self.filtered)} failing the fb-consistency p90 limit",
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


def _parse_members(members) -> tuple[str, ...]:
    if members is None:
        return DEFAULT_MEMBERS
    if isinstance(members, str):
        members = [m.strip() for m in members.split(",") if m.strip()]
    unknown = [m for m in members if m not in ALL_MEMBERS]
    if unknown:
        raise ExportError(f"unknown member {unknown[0]!r} (choose from {', '.join(ALL_MEMBERS)})",
                          field="members")
    return tuple(dict.fromkeys(members))


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
                   executor=None, compression: str = "zstd",
                   prune_renders: bool = False) -> ExportSummary:
    """Export finished render folders into WebDataset shards under ``out``.

    ``render_dirs``: clip folders or folders of clip folders. Clips already in
    ``out/index.jsonl`` are skipped; bad clips are reported in ``summary.bad`` (never raised);
    clips whose fb-consistency p90 exceeds ``max_fb_p90`` (None: no filter) are left out and
    counted. Writes shards, ``index.jsonl`` and ``stats.json``. ``compression``: ``zstd``
    (array members as lossless ``.npy.zst``, see :mod:`synthgen.export.codec`) or ``none``
    (plain ``.npy``). ``prune_renders``: remove each clip's render folder once its sample is
    in a finished, indexed shard (see :mod:`synthgen.export.prune`). ``executor`` (a
    :class:`synthgen.executors.Executor`) computes clips in parallel local processes or Ray
    tasks while this process still writes every shard, in input order; None: one by one here.
    """
    out = Path(out)
    _prepare_out(out)
    opts = ClipOptions(members=_parse_members(members), plucker_res=plucker_res, tags=tags,
                       hsv_crf=hsv_crf, hsv_pix_fmt=hsv_pix_fmt,
                       compression=parse_compression(compression))
    summary = ExportSummary(out=out)
    with shardmod.DatasetLock(out):
        _export_locked(render_dirs, out, opts, max_fb_p90, summary, progress=progress,
                       executor=executor, shard_bytes=shard_bytes, prune=prune_renders)
    for folder, msg in summary.bad:
        log.info("skipped %s: %s", folder, msg)   # listed in summary.bad; the CLI prints each once
    return summary


def _export_locked(render_dirs, out: Path, opts: ClipOptions, max_fb_p90, summary: ExportSummary,
                   *, progress: bool, executor, shard_bytes: int, prune: bool = False) -> None:
    index = shardmod.read_index(out)
    orphans = shardmod.recover_orphans(out, index)
    if orphans:
        index += orphans
        shardmod.write_index(out, index)
    done_keys = {e["key"] for e in index}

    pruner = RenderPruner() if prune else None

    def on_shard(name: str, entries: list[dict]) -> None:
        index.extend(entries)
        shardmod.write_index(out, index)
        summary.shards.append(name)
        if pruner is not None:
            pruner.prune(entries)

    writer = shardmod.ShardWriter(out, shardmod.next_shard_number(out), shard_bytes, on_shard)
    try:
        clips = find_clips(render_dirs)
        if pruner is not None:
            pruner.add_clips(clips)
        if executor is not None:
            from ..executors.export import export_clips
            export_clips(clips, out, opts, max_fb_p90, done_keys, writer, summary, executor)
        for clip_dir in tqdm(clips if executor is None else [], desc="export", unit="clip",
                             disable=not progress):
            _export_one(clip_dir, out, opts, max_fb_p90, done_keys, writer, summary)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    if pruner is not None:      # clips exported by an earlier run: their samples are indexed
        pruner.prune([e for e in index if e.get("key") in set(summary.skipped_existing)])
        summary.pruned = pruner.pruned
    from .stats import write_stats
    write_stats(out, index)


def _export_one(clip_dir: Path, out: Path, opts: ClipOptions, max_fb_p90, done_keys: set,
                writer, summary: ExportSummary) -> None:
    try:
        src = load_clip(clip_dir)
    except ExportError as exc:
        summary.bad.append((str(clip_dir), str(exc)))
        return
    if src.key in done_keys:
        summary.skipped_existing.append(src.key)
        return
    with tempfile.TemporaryDirectory(prefix=f".tmp-{src.key}-", dir=out) as scratch:
        try:
            res = compute_clip(src, Path(scratch), opts)
        except ExportError as exc:
            summary.bad.append((str(clip_dir), str(exc)))
            return
        fb = res.qa.get("fb_err_p90")
        if max_fb_p90 is not None and fb is not None and fb > max_fb_p90:
            log.info("%s: fb-consistency p90 %.3f px > %.3f: left out", src.key, fb, max_fb_p90)
            summary.filtered.append((src.key, fb))
            return
        writer.add(src.key, _members(src, res, opts), _index_entry(src, res))
    done_keys.add(src.key)
    summary.exported.append(src.key)


def _members(src: ClipSource, res, opts: ClipOptions) -> list[tuple[str, Path | bytes]]:
    compress_result(res, opts.compression)      # array members -> .npy.zst (issue 16)
    names = [m for m in opts.members if m in res.files or m in ("txt", "json")]
    out: list[tuple[str, Path | bytes]] = []
    for m in names:
        if m == "txt":
            out.append((SUFFIX[m], caption_text(src.job, opts.tags).encode("utf-8")))
        elif m == "json":
            out.append((SUFFIX[m], to_json_bytes(sample_json(src, res, names, opts.tags))))
        else:
            out.append((res.suffixes.get(m, SUFFIX[m]), res.files[m]))
    return out


def _index_entry(src: ClipSource, res) -> dict:
    return {**index_fields(src.job), "n_frames": src.job.n_frames, "width": src.job.width,
            "height": src.job.height, "s_f": res.s_f, "qa": res.qa, "job_hash": src.job.hash()}
