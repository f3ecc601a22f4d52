"""``synthgen export --prune-renders``: remove a clip's render folder once its sample is safe.

A folder is removed only after the shard holding its sample is renamed into place and the
index naming it is written, and only when its DONE marker (or job.json) carries the job hash
of the indexed sample, so a re-rendered or different clip in the same place is never touched.
The folder is first renamed to a hidden name (which no stage takes for a clip), then deleted,
so an interrupted removal never leaves a half-deleted folder that looks like a render.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from ..renderdir import RenderDir

log = logging.getLogger(__name__)


class RenderPruner:
    def __init__(self) -> None:
        self.by_key: dict[str, Path] = {}
        self.pruned: list[str] = []

    def add_clips(self, clips: list[Path]) -> None:
        """Candidate render folders (keyed by folder name, checked against the job on use)."""
        for c in clips:
            self.by_key.setdefault(Path(c).name, Path(c))

    def prune(self, entries: list[dict]) -> None:
        """Remove the render folders of these indexed samples (``key``, ``job_hash``)."""
        for e in entries:
            folder = self.by_key.get(e.get("key", ""))
            if folder is not None and _holds(folder, e.get("key"), e.get("job_hash")):
                self._remove(folder)

    def _remove(self, folder: Path) -> None:
        hidden = folder.with_name(f".pruned-{folder.name}-{os.getpid()}")
        try:
            os.replace(folder, hidden)
        except OSError as exc:
            log.warning("%s: not pruned (%s)", folder, exc.strerror or exc)
            return
        shutil.rmtree(hidden, ignore_errors=True)
        self.pruned.append(str(folder))
        self.by_key.pop(folder.name, None)
        log.info("pruned render folder %s", folder)


def _holds(folder: Path, key, job_hash) -> bool:
    """True when ``folder`` is the finished render of job ``job_hash`` (clip ``key``): its DONE
    and its job.json both carry that hash (the render-folder contract's own test)."""
    rdir = RenderDir(folder)
    return bool(job_hash) and folder.name == key and rdir.done_hash() == job_hash \
        and rdir.job_file_hash() == job_hash
