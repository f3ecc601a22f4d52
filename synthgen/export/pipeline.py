"""The export run: clips computed by an executor, shards assembled by the driver.

Every export runs through here, one clip at a time in this process (the inline executor) or
in parallel local processes or Ray tasks. Each task (:func:`prepare_sample`) validates one
render folder and streams its members into a hidden scratch folder inside the dataset
folder (the shared output every node sees), checks the clip against the quality gate
(:func:`synthgen.export.qa.quality_problems`), then returns a small picklable
:class:`PreparedSample`: member file paths, the caption/json bytes and the index entry. Only
the driver writes shards and the index, and it writes samples in the order of the input
clips (a reorder buffer), so each exported clip lands exactly once, in one finished shard,
whatever order the tasks finish in. A task that dies leaves at most a hidden
``.tmp-<key>-*`` folder, which the driver removes. A write failure that no other clip could
escape (a full disk, a read-only file system) ends the run with one line.
"""
from __future__ import annotations

import errno
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..errors import ExportError
from .clip import ClipOptions, ClipSource, compute_clip, load_clip
from .codec import compress_result
from .members import SUFFIX, member_suffix
from .meta import caption_text, index_fields, sample_json, to_json_bytes
from .qa import quality_problems

log = logging.getLogger(__name__)

#: errno values that end an export: every later clip would fail the same way.
FATAL_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG, errno.EIO)


@dataclass
class PreparedSample:
    """What one clip task hands to the driver.

    ``status``: ``ok`` (members ready in ``scratch``), ``bad`` (``message`` says why),
    ``filtered`` (failed the quality gate: ``message`` says why), ``fatal`` (a write failure
    that ends the run), or ``existing`` (already in the dataset; decided in the driver, no
    task started).
    """

    clip_dir: str
    status: str
    key: str | None = None
    message: str = ""
    job_hash: str | None = None
    members: list[tuple[str, str | bytes]] = field(default_factory=list)
    entry: dict = field(default_factory=dict)
    scratch: str | None = None


def sample_members(src: ClipSource, res, opts: ClipOptions) -> list[tuple[str, Path | bytes]]:
    """The shard members of one sample, in order: (suffix, file path or bytes). Array members
    are compressed first when ``opts.compression`` asks for it (``flow.npy.zst``)."""
    compress_result(res, opts.compression)
    names = [m for m in opts.members if m in res.files or m in ("txt", "json")]
    out: list[tuple[str, Path | bytes]] = []
    for m in names:
        if m == "txt":
            out.append((SUFFIX[m], caption_text(src.job, opts.tags).encode("utf-8")))
        elif m == "json":
            out.append((SUFFIX[m], to_json_bytes(sample_json(src, res, names, opts.tags))))
        else:
            out.append((res.suffixes.get(m, member_suffix(m)), res.files[m]))
    return out


def index_entry(src: ClipSource, res) -> dict:
    """The sample's line in ``index.jsonl`` (before the shard name is known)."""
    return {**index_fields(src.job), "n_frames": src.job.n_frames, "width": src.job.width,
            "height": src.job.height, "s_f": res.s_f, "qa": res.qa, "job_hash": src.job.hash()}


def prepare_sample(item: tuple[int, str], *, out: str, opts: ClipOptions,
                   max_fb_p90: float | None, fmt=None) -> PreparedSample:
    """Task body: load and compute one clip into a scratch folder under ``out``. ``fmt``
    (an :class:`~synthgen.export.formats.ExportFormat`, None: plain shards) may reject the
    clip up front and adds its own files after the quality gate."""
    _, clip_dir = item
    try:
        src = load_clip(clip_dir)
    except ExportError as exc:
        return PreparedSample(clip_dir, "bad", message=str(exc))
    problem = fmt.reject(src) if fmt is not None else None
    if problem:
        return PreparedSample(clip_dir, "bad", key=src.key, message=problem)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{src.key}-", dir=out))
    except OSError as exc:
        return _write_failure(clip_dir, src, exc, out)
    try:
        return _compute(clip_dir, src, scratch, opts.for_job(src.job), max_fb_p90, fmt)
    except ExportError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        return PreparedSample(clip_dir, "bad", key=src.key, message=str(exc))
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        return _write_failure(clip_dir, src, exc, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _compute(clip_dir: str, src: ClipSource, scratch: Path, opts: ClipOptions,
             max_fb_p90: float | None, fmt=None) -> PreparedSample:
    res = compute_clip(src, scratch, opts)
    problems = quality_problems(res.qa, max_fb_p90)
    if problems:
        shutil.rmtree(scratch, ignore_errors=True)
        return PreparedSample(clip_dir, "filtered", key=src.key, message="; ".join(problems),
                              job_hash=src.job.hash())
    extras = fmt.clip_files(src, res, scratch) if fmt is not None else None   # before compression
    members = [(suffix, str(data) if isinstance(data, Path) else bytes(data))
               for suffix, data in sample_members(src, res, opts)]
    entry = index_entry(src, res)
    if extras is not None:
        members += extras.members
        entry.update(extras.entry)
    return PreparedSample(clip_dir, "ok", key=src.key, members=members, entry=entry,
                          scratch=str(scratch))


def _write_failure(clip_dir: str, src: ClipSource, exc: OSError, out: str) -> PreparedSample:
    status = "fatal" if exc.errno in FATAL_ERRNOS else "bad"
    where = exc.filename or out
    return PreparedSample(clip_dir, status, key=src.key,
                          message=f"cannot write into {where} ({exc.strerror or exc})")


def _existing(item: tuple[int, str], exported: dict[str, str]) -> PreparedSample | None:
    """Driver-side precheck: clips already in the dataset (or unreadable, or a changed job
    whose key is already taken) start no task. ``exported``: key -> job hash."""
    _, clip_dir = item
    try:
        src = load_clip(clip_dir)
    except ExportError as exc:
        return PreparedSample(clip_dir, "bad", message=str(exc))
    if src.key not in exported:
        return None
    old, new = exported[src.key], src.job.hash()
    if old and old != new:
        return PreparedSample(clip_dir, "bad", key=src.key, message=(
            f"{clip_dir}: key {src.key!r} is already in the dataset from another job (hash "
            f"{old[:12]}, this one {new[:12]}); export the changed clip into a new dataset folder"))
    return PreparedSample(clip_dir, "existing", key=src.key)


class _OrderedSink:
    """Writes finished samples into shards in input order; records the summary."""

    def __init__(self, out: Path, writer, summary, exported: dict[str, str]):
        self.out, self.writer, self.summary, self.exported = out, writer, summary, exported
        self.waiting: dict[int, PreparedSample] = {}
        self.next = 0

    def __call__(self, outcome) -> None:
        index, clip_dir = outcome.item
        sample = outcome.result
        if not outcome.ok or sample is None:
            sample = PreparedSample(clip_dir, "bad",
                                    message=f"{clip_dir}: {outcome.error} (after {outcome.attempts} attempts)")
        if sample.status == "fatal":
            raise ExportError(f"{sample.message}; nothing of {sample.key} was kept", source=str(self.out))
        self.waiting[index] = sample
        while self.next in self.waiting:
            self._write(self.waiting.pop(self.next))
            self.next += 1

    def _write(self, s: PreparedSample) -> None:
        summary = self.summary
        if s.status == "bad":
            summary.bad.append((s.clip_dir, s.message))
        elif s.status == "filtered":
            log.info("%s: left out (%s)", s.key, s.message)
            summary.filtered.append((s.key, s.message, s.job_hash))
        elif s.status == "existing" or s.key in self.exported:
            summary.skipped_existing.append(s.key)
        else:
            self._add(s)
        if s.scratch:
            shutil.rmtree(s.scratch, ignore_errors=True)

    def _add(self, s: PreparedSample) -> None:
        members = [(suffix, Path(d) if isinstance(d, str) else d) for suffix, d in s.members]
        try:
            self.writer.add(s.key, members, s.entry)
        except OSError as exc:
            raise ExportError(f"cannot write shard ({exc.strerror or exc}); nothing of it was kept",
                              source=str(self.out)) from None
        self.exported[s.key] = s.entry.get("job_hash", "")
        self.summary.exported.append(s.key)


def export_clips(clips: list[Path], out: Path, opts: ClipOptions, max_fb_p90: float | None,
                 exported: dict[str, str], writer, summary, executor, fmt=None) -> None:
    """Compute ``clips`` with ``executor`` and add them to ``writer`` / ``summary`` in order.

    ``exported`` maps the keys already in the dataset to their job hashes (updated as clips
    are added). ``writer`` is the exporter's :class:`~synthgen.export.shards.ShardWriter`
    or the writer of ``fmt`` (:mod:`synthgen.export.formats`); the caller closes it (or
    aborts it when this raises).
    """
    items = [(i, str(c)) for i, c in enumerate(clips)]
    sink = _OrderedSink(Path(out), writer, summary, exported)
    task = partial(prepare_sample, out=str(out), opts=opts, max_fb_p90=max_fb_p90, fmt=fmt)
    try:
        executor.map(task, items, precheck=partial(_existing, exported=dict(exported)),
                     on_outcome=sink, desc="export", unit="clip")
    finally:
        for scratch in Path(out).glob(".tmp-*"):       # left by tasks that died or aborted
            if scratch.is_dir():
                shutil.rmtree(scratch, ignore_errors=True)
