"""The render folder of one clip: the one owner of its contract (names in :mod:`synthgen.layout`).

The worker claims and finishes folders through :class:`RenderDir`; the job runner, the
executors, the exporter and the verifier decide "done" and list frames through it, so every
stage applies the same rules:

* **done** - ``DONE`` holds the job's hash, ``job.json`` is that job (its bytes hash to it),
  and every rendered frame is there with the size recorded in ``render.json`` when the clip
  was finished, and so is every per-clip file the job asks for (``vertices.npz``,
  ``geometry.npz``: :func:`clip_files`);
* **claim** - a folder whose ``job.json`` is another (readable) job and which holds output
  is refused; a folder with output but no readable ``job.json`` is never adopted: its files
  are set aside under ``<renders>/.setaside/`` and the clip is rendered again (the claim
  returns a note saying so); a folder being rendered right now by a process of another job
  with the same clip id is refused (per-process ``.claim.<host>.<pid>.lock`` files holding
  the job hash, touched after every frame);
* **finish** - ``render.json`` (with each frame's byte size) then ``DONE``, both atomically,
  only once every frame is complete.

Standard library and numpy only: the worker imports this inside a stock Blender.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from . import exrfile, layout
from .errors import RenderError, SynthgenError
from .fsutil import atomic_write_text, pid_alive
from .job import Job, load_job

HOST = socket.gethostname().replace(".", "-") or "host"
STALE_S = 3600.0          # temp and claim files older than this belong to killed runs
SETASIDE_DIR = ".setaside"
TIMES_FILE = ".frame_times.json"   # per-frame render seconds, kept across resumed runs
_OWNED_RE = re.compile(r"\.(?P<host>[^.]+)\.(?P<pid>\d+)(\.[a-z]+)?\.(tmp|lock)$")
_CLAIM_PREFIX = ".claim"


@dataclass
class Finished:
    """A finished render folder, loaded: its job, render info and frame paths (in order)."""

    path: Path
    job: Job
    info: dict
    frames: list[Path]


class RenderDir:
    """``<renders>/<clip_id>/``: claim, decide done, list frames, load, finish."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    @classmethod
    def of(cls, out_root: str | os.PathLike, clip_id: str) -> "RenderDir":
        return cls(Path(out_root) / clip_id)

    # ------------------------------------------------------------------ names
    @property
    def job_file(self) -> Path:
        return self.path / layout.JOB_FILE

    @property
    def done_file(self) -> Path:
        return self.path / layout.DONE_FILE

    @property
    def info_file(self) -> Path:
        return self.path / layout.RENDER_INFO_FILE

    @property
    def vertices_file(self) -> Path:
        return self.path / layout.VERTICES_FILE

    @property
    def geometry_file(self) -> Path:
        return self.path / layout.GEOMETRY_FILE

    def frame_path(self, frame: int) -> Path:
        return self.path / layout.frame_name(frame)

    def frame_paths(self, job: Job) -> list[Path]:
        """Frame EXR paths of the rendered frames ``frame_start..frame_end``, in order."""
        return layout.frame_paths(self.path, job.frame_start, job.frame_end)

    # ------------------------------------------------------------------ reading
    def done_hash(self) -> str | None:
        try:
            return self.done_file.read_text(encoding="utf-8", errors="replace").strip() or None
        except OSError:
            return None

    def job_file_hash(self) -> str | None:
        """sha256 of ``job.json``'s bytes (equals the job hash of the canonical JSON the worker
        writes); None when absent or unreadable."""
        try:
            return hashlib.sha256(self.job_file.read_bytes()).hexdigest()
        except OSError:
            return None

    def read_info(self) -> dict:
        """``render.json`` as a dict ({} when absent); raises :class:`SynthgenError` when
        present but unreadable."""
        if not self.info_file.is_file():
            return {}
        try:
            data = json.loads(self.info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise SynthgenError(f"unreadable ({exc.__class__.__name__})", source=str(self.info_file)) from None
        return data if isinstance(data, dict) else {}

    def has_output(self) -> bool:
        """Frames, vertices or a DONE marker are present (what a claim must not adopt)."""
        return (any(self.path.glob("frame_*.exr")) or self.vertices_file.exists()
                or self.geometry_file.exists() or self.done_file.exists())

    def is_done(self, job: Job) -> bool:
        """The done rule (module docstring). Cheap: reads two small files and stats frames."""
        digest = job.hash()
        if self.done_hash() != digest or self.job_file_hash() != digest:
            return False
        return self.frames_intact(job) is None

    def frames_intact(self, job: Job) -> str | None:
        """Why the finished frames are not all there as recorded (None when they are)."""
        try:
            sizes = self.read_info().get("frame_bytes") or {}
        except SynthgenError as exc:
            return str(exc)
        for frame, path in zip(range(job.frame_start, job.frame_end + 1), self.frame_paths(job)):
            try:
                size = path.stat().st_size
            except OSError:
                return f"{path.name} is missing"
            want = sizes.get(str(frame)) if isinstance(sizes, dict) else None
            if want is not None and want != size:
                why = exrfile.check(path, job.width, job.height,
                                    layout.required_channels(job.render.mode), decode=False)
                return (f"{path.name} changed since the clip was finished ({size} bytes, "
                        f"{want} recorded){': ' + why if why else ''}")
        return self._files_intact(job)

    def _files_intact(self, job: Job) -> str | None:
        """Why a per-clip file the job asks for is missing or changed (None when intact)."""
        try:
            sizes = self.read_info().get("file_bytes") or {}
        except SynthgenError as exc:
            return str(exc)
        for name in clip_files(job):
            try:
                size = (self.path / name).stat().st_size
            except OSError:
                return f"{name} is missing although the job lists it in outputs"
            want = sizes.get(name) if isinstance(sizes, dict) else None
            if want is not None and want != size:
                return f"{name} changed since the clip was finished ({size} bytes, {want} recorded)"
        return None

    def frame_problem(self, job: Job, frame: int, *, decode: bool = True) -> str | None:
        """Why the EXR of ``frame`` is missing or incomplete (None when complete)."""
        path = self.frame_path(frame)
        if not path.is_file():
            return "missing"
        return exrfile.check(path, job.width, job.height, layout.required_channels(job.render.mode),
                             decode=decode)

    def load(self, error: type[SynthgenError] = SynthgenError) -> Finished:
        """A finished folder's job, info and frames; raises ``error`` naming the file and the
        reason (no DONE, unreadable job, DONE of another job, missing or changed frames)."""
        if not self.path.is_dir():
            raise error("not a readable render folder", source=str(self.path))
        marker = self.done_hash()
        if marker is None:
            raise error("no DONE marker: render not finished", source=str(self.path))
        try:
            job = load_job(self.job_file)
        except SynthgenError as exc:
            raise error(exc.reason, source=exc.source, field=exc.field) from None
        if marker != job.hash():
            raise error(f"holds job hash {marker[:12]}…, job.json hashes to {job.hash()[:12]}…",
                        source=str(self.done_file))
        problem = self.frames_intact(job)
        if problem:
            raise error(f"{problem} (render it again)", source=str(self.path))
        try:
            info = self.read_info()
        except SynthgenError as exc:
            raise error(exc.reason, source=exc.source) from None
        return Finished(self.path, job, info, self.frame_paths(job))

    # ------------------------------------------------------------------ claiming
    def claim(self, job: Job, source: str | None = None) -> list[str]:
        """Make this folder ``job``'s before rendering into it; returns notes for the user.

        Raises :class:`RenderError` when it holds another readable job's output, or when a
        live process renders another job with this clip id into it right now."""
        digest = job.hash()
        self._refuse_rivals(digest, source)
        self._write_claim(digest)
        try:
            self._refuse_rivals(digest, source)     # two claims at once: both back off
            notes = self._adopt_or_set_aside(job, source)
            if self.done_hash() not in (None, digest):
                self.done_file.unlink(missing_ok=True)
            if self.job_file_hash() != digest:
                self.done_file.unlink(missing_ok=True)
                atomic_write_text(self.job_file, job.to_json())
        except BaseException:
            self.release()
            raise
        self.remove_stale_temps()
        return notes

    def _adopt_or_set_aside(self, job: Job, source) -> list[str]:
        if self.job_file_hash() == job.hash() or not self.has_output():
            return []
        try:
            old = load_job(self.job_file).hash()
        except SynthgenError as exc:
            why = "job.json is missing" if not self.job_file.exists() else f"job.json is unreadable ({exc.reason})"
            return [self.set_aside(why)]
        if old != job.hash():
            raise RenderError(f"{self.path} holds frames of a different job (hash {old[:12]}); "
                              "delete the folder or use another --out", source=source)
        return []

    def set_aside(self, why: str) -> str:
        """Move everything but claims out to ``<renders>/.setaside/<clip>-<time>/``; a note."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        dest = self.path.parent / SETASIDE_DIR / f"{self.path.name}-{stamp}-{os.getpid()}"
        dest.mkdir(parents=True, exist_ok=True)
        moved = 0
        for p in sorted(self.path.iterdir()):
            if p.name.startswith(_CLAIM_PREFIX):
                continue
            moved += p.name.startswith("frame_")
            shutil.move(str(p), str(dest / p.name))
        return (f"{self.path.name}: {why}, so its {moved} frames cannot be this job's; set them "
                f"aside in {dest} and rendering again")

    def _claim_file(self) -> Path:
        return self.path / f"{_CLAIM_PREFIX}.{HOST}.{os.getpid()}.lock"

    def _write_claim(self, digest: str) -> None:
        atomic_write_text(self._claim_file(), digest + "\n")

    def touch_claim(self) -> None:
        """Heartbeat (after each frame): claims of other hosts go stale by age."""
        try:
            os.utime(self._claim_file())
        except OSError:
            pass

    def release(self) -> None:
        self._claim_file().unlink(missing_ok=True)

    def _refuse_rivals(self, digest: str, source) -> None:
        for path in self.path.glob(f"{_CLAIM_PREFIX}.*.lock"):
            if path == self._claim_file() or _abandoned(path):
                continue
            try:
                other = path.read_text().strip()
            except OSError:
                continue
            if other and other != digest:
                host, pid = path.name.split(".")[2:4]
                raise RenderError(f"{self.path} is being rendered right now from another job with "
                                  f"this clip id (hash {other[:12]}, host {host}, pid {pid}); "
                                  "clip ids must be unique", source=source)

    def remove_stale_temps(self) -> None:
        """Delete temp and claim files of killed runs (this host's dead processes, or old)."""
        for path in list(self.path.glob(".*.tmp")) + list(self.path.glob(f"{_CLAIM_PREFIX}.*.lock")):
            if path != self._claim_file() and _abandoned(path):
                path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ finishing
    def read_times(self) -> dict:
        try:
            return json.loads((self.path / TIMES_FILE).read_text())
        except (OSError, ValueError):
            return {}

    def record_time(self, frame: int, seconds: float) -> None:
        times = self.read_times()
        times[str(frame)] = round(seconds, 4)
        atomic_write_text(self.path / TIMES_FILE, json.dumps(times, sort_keys=True))

    def finish(self, job: Job, info: dict) -> None:
        """Write ``render.json`` (``info`` + job hash + frame sizes + times) and then DONE."""
        frames = range(job.frame_start, job.frame_end + 1)
        times = self.read_times()
        info = {**info, "clip_id": job.clip_id, "job_hash": job.hash(),
                "frame_bytes": {str(f): self.frame_path(f).stat().st_size for f in frames},
                "file_bytes": {n: (self.path / n).stat().st_size for n in clip_files(job)},
                "frame_times_s": [times.get(str(f)) for f in frames]}
        atomic_write_text(self.info_file, json.dumps(info, indent=1))
        atomic_write_text(self.done_file, job.hash() + "\n")


def clip_files(job: Job) -> list[str]:
    """The per-clip files (beside the frames) that ``job``'s outputs ask the worker for."""
    names = []
    if "vertices" in job.outputs and job.subjects:
        names.append(layout.VERTICES_FILE)
    if job.wants_geometry():
        names.append(layout.GEOMETRY_FILE)
    return names


def _abandoned(path: Path) -> bool:
    """A temp/claim file of a dead process on this host, or older than :data:`STALE_S`."""
    m = _OWNED_RE.search(path.name)
    try:
        if m is not None and m["host"] == HOST and not pid_alive(int(m["pid"])):
            return True
        return time.time() - path.stat().st_mtime > STALE_S
    except (OSError, ValueError):
        return False


def duplicate_clip_ids(jobs: dict) -> list[tuple[str, str, str]]:
    """``(clip_id, first file, second file)`` for every clip id that two job files share;
    ``jobs`` maps a job file path to its :class:`Job` (other values are ignored)."""
    seen: dict[str, str] = {}
    dups = []
    for path, job in jobs.items():
        if not isinstance(job, Job):
            continue
        if job.clip_id in seen:
            dups.append((job.clip_id, seen[job.clip_id], str(path)))
        else:
            seen[job.clip_id] = str(path)
    return dups
