"""Export through an executor: clips computed in parallel tasks, shards assembled by the driver.

Each task (:func:`prepare_sample`) validates one render folder and streams its members into
a hidden scratch folder inside the dataset folder (the shared output every node sees), then
returns a small picklable :class:`PreparedSample`: member file paths, the caption/json bytes
and the index entry. Only the driver writes shards and the index, and it writes samples in
the order of the input clips (a reorder buffer), so each exported clip lands exactly once, in
one finished shard, whatever order the tasks finish in. A task that dies leaves at most a
hidden ``.tmp-<key>-*`` folder, which the driver removes.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..errors import ExportError
from ..export.clip import ClipOptions, compute_clip, load_clip

log = logging.getLogger(__name__)


@dataclass
class PreparedSample:
    """What one clip task hands to the driver.

    ``status``: ``ok`` (members ready in ``scratch``), ``bad`` (``message`` says why),
    ``filtered`` (fb-consistency p90 ``fb`` above the limit) or ``existing`` (already in
    the dataset; decided in the driver, no task started).
    """

    clip_dir: str
    status: str
    key: str | None = None
    message: str = ""
    fb: float | None = None
    members: list[tuple[str, str | bytes]] = field(default_factory=list)
    entry: dict = field(default_factory=dict)
    scratch: str | None = None


def prepare_sample(item: tuple[int, str], *, out: str, opts: ClipOptions,
                   max_fb_p90: float | None) -> PreparedSample:
    """Task body: load and compute one clip into a scratch folder under ``out``."""
    from ..export import _index_entry, _members   # the sequential exporter's sample layout
    _, clip_dir = item
    try:
        src = load_clip(clip_dir)
    except ExportError as exc:
        return PreparedSample(clip_dir, "bad", message=str(exc))
    scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{src.key}-", dir=out))
    try:
        res = compute_clip(src, scratch, opts)
        fb = res.qa.get("fb_err_p90")
        if max_fb_p90 is not None and fb is not None and fb > max_fb_p90:
            shutil.rmtree(scratch, ignore_errors=True)
            return PreparedSample(clip_dir, "filtered", key=src.key, fb=fb)
        members = [(suffix, str(data) if isinstance(data, Path) else bytes(data))
                   for suffix, data in _members(src, res, opts)]
        return PreparedSample(clip_dir, "ok", key=src.key, members=members,
                              entry=_index_entry(src, res), scratch=str(scratch))
    except ExportError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        return PreparedSample(clip_dir, "bad", key=src.key, message=str(exc))
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _existing(item: tuple[int, str], done_keys: set) -> PreparedSample | None:
    """Driver-side precheck: clips already in the dataset (or unreadable) start no task."""
    _, clip_dir = item
    try:
        key = load_clip(clip_dir).key
    except ExportError as exc:
        return PreparedSample(clip_dir, "bad", message=str(exc))
    return PreparedSample(clip_dir, "existing", key=key) if key in done_keys else None


class _OrderedSink:
    """Writes finished samples into shards in input order; records the summary."""

    def __init__(self, out: Path, writer, summary, done_keys: set):
        self.out, self.writer, self.summary, self.done_keys = out, writer, summary, done_keys
        self.waiting: dict[int, PreparedSample] = {}
        self.next = 0

    def __call__(self, outcome) -> None:
        index, clip_dir = outcome.item
        sample = outcome.result
        if not outcome.ok or sample is None:
            sample = PreparedSample(clip_dir, "bad",
                                    message=f"{clip_dir}: {outcome.error} (after {outcome.attempts} attempts)")
        self.waiting[index] = sample
        while self.next in self.waiting:
            self._write(self.waiting.pop(self.next))
            self.next += 1

    def _write(self, s: PreparedSample) -> None:
        summary = self.summary
        if s.status == "bad":
            summary.bad.append((s.clip_dir, s.message))
        elif s.status == "filtered":
            summary.filtered.append((s.key, s.fb))
        elif s.status == "existing" or s.key in self.done_keys:
            summary.skipped_existing.append(s.key)
        else:
            members = [(suffix, Path(d) if isinstance(d, str) else d) for suffix, d in s.members]
            try:
                self.writer.add(s.key, members, s.entry)
            except OSError as exc:
                raise ExportError(f"cannot write shard ({exc.strerror or exc}); nothing of it was kept",
                                  source=str(self.out)) from None
            self.done_keys.add(s.key)
            summary.exported.append(s.key)
        if s.scratch:
            shutil.rmtree(s.scratch, ignore_errors=True)


def export_clips(clips: list[Path], out: Path, opts: ClipOptions, max_fb_p90: float | None,
                 done_keys: set, writer, summary, executor) -> None:
    """Compute ``clips`` with ``executor`` and add them to ``writer`` / ``summary`` in order.

    ``writer`` is the exporter's :class:`~synthgen.export.shards.ShardWriter`; the caller
    closes it (or aborts it when this raises).
    """
    items = [(i, str(c)) for i, c in enumerate(clips)]
    sink = _OrderedSink(Path(out), writer, summary, done_keys)
    task = partial(prepare_sample, out=str(out), opts=opts, max_fb_p90=max_fb_p90)
    try:
        executor.map(task, items, precheck=partial(_existing, done_keys=set(done_keys)),
                     on_outcome=sink, desc="export", unit="clip")
    finally:
        for scratch in Path(out).glob(".tmp-*"):       # left by tasks that died or aborted
            if scratch.is_dir():
                shutil.rmtree(scratch, ignore_errors=True)
