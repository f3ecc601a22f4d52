"""Job runner: each job renders in its own subprocess (a crash never takes the others down).

Public functions:

* :func:`run_one` - render one job file in a subprocess, return a :class:`JobResult`;
* :func:`collect_jobs` / :func:`load_run` - job files from files and folders; every job of a
  run, duplicate clip ids refused;
* :func:`summary_lines` - the end-of-run summary;
* :func:`worker_command` / :func:`farm_command` - the subprocess and stock-Blender command
  lines (for ``--print-commands``).

Many jobs run through :func:`synthgen.executors.render.render_jobs` on an executor (inline,
a local pool, or Ray): one execution path for every way of running. This module never
imports bpy; the subprocess runs ``synthgen/blender/entry.py``.
"""
from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import JobError, NothingToDoError, RenderError, SynthgenError
from .job import Job, load_job
from .renderdir import RenderDir, duplicate_clip_ids

log = logging.getLogger(__name__)

ENTRY = Path(__file__).resolve().parent / "blender" / "entry.py"
PROGRESS_PREFIX = "synthgen-progress"
NOTE_PREFIX = "synthgen-note"
STATUSES = ("done", "skipped", "failed")


@dataclass
class JobResult:
    """Outcome of one job.

    ``status``: ``done`` (rendered now), ``skipped`` (DONE already there for this job's
    hash) or ``failed`` (``reason`` is one line). ``folder`` is ``out_root/<clip_id>`` when
    the job could be read. ``seconds`` is wall time, ``frames_rendered`` the frames this run
    rendered (resumed frames are not counted).
    """

    job_path: Path
    status: str
    clip_id: str | None = None
    folder: Path | None = None
    reason: str = ""
    seconds: float = 0.0
    frames_rendered: int = 0
    returncode: int | None = None
    log_tail: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # lines the user should see

    @property
    def ok(self) -> bool:
        return self.status in ("done", "skipped")


# --------------------------------------------------------------------------- commands
def _worker_args(job_path: Path, out_root: Path, frames, device, mode, verbose: int,
                 threads: int | None = None) -> list[str]:
    args = ["--", "--job", str(job_path), "--out", str(out_root)]
    if threads:
        args += ["--threads", str(threads)]
    if frames:
        args += ["--frames", f"{frames[0]}:{frames[1]}"]
    if device:
        args += ["--device", device]
    if mode:
        args += ["--mode", mode]
    return args + ["-v"] * verbose


def worker_command(job_path: str | os.PathLike, out_root: str | os.PathLike, *,
                   frames: tuple[int, int] | None = None, device: str | None = None,
                   mode: str | None = None, python: str | None = None, verbose: int = 0,
                   threads: int | None = None) -> list[str]:
    """argv running the entry script with PyPI bpy (``python entry.py -- ...``)."""
    return [python or sys.executable, str(ENTRY),
            *_worker_args(Path(job_path), Path(out_root), frames, device, mode, verbose, threads)]


def farm_command(job_path: str | os.PathLike, out_root: str | os.PathLike, *,
                 blender: str = "blender", frames: tuple[int, int] | None = None,
                 device: str | None = None, mode: str | None = None) -> list[str]:
    """argv of a stock Blender rendering the job (what ``--print-commands`` prints)."""
    return [blender, "--background", "--factory-startup", "--python-exit-code", "1",
            "--python", str(ENTRY),
            *_worker_args(Path(job_path).resolve(), Path(out_root).resolve(), frames, device, mode, 0)]


def shell_line(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


# --------------------------------------------------------------------------- one job
def is_done(job, out_root: str | os.PathLike) -> bool:
    """True when ``out_root/<clip_id>`` is finished for this job (the rule of
    :meth:`synthgen.renderdir.RenderDir.is_done`)."""
    return RenderDir.of(out_root, job.clip_id).is_done(job)


def run_one(job_path: str | os.PathLike, out_root: str | os.PathLike, *,
            frames: tuple[int, int] | None = None, device: str | None = None,
            mode: str | None = None, timeout: float | None = None,
            on_frame: Callable[[int, int, int], None] | None = None,
            python: str | None = None, command: list[str] | None = None,
            verbose: int = 0, threads: int | None = None, env: dict | None = None) -> JobResult:
    """Render ``job_path`` into ``out_root/<clip_id>`` in a subprocess and report.

    Never raises for a bad job or a failed render: the result says ``failed`` with a
    one-line ``reason``. ``on_frame(frame, done, total)`` is called (from this thread) as
    frames finish. ``command`` replaces the subprocess argv (e.g. :func:`farm_command` to
    use a stock Blender). ``mode``/``device`` override the job's own settings; ``threads``
    sets the worker's CPU render threads (not part of the job); ``env`` adds environment
    variables for the subprocess.
    """
    job_path, out_root = Path(job_path), Path(out_root)
    t0 = time.perf_counter()
    try:
        job = load_job(job_path)
    except SynthgenError as exc:
        return JobResult(job_path, "failed", reason=str(exc), returncode=exc.exit_code)
    folder = out_root / job.clip_id
    res = JobResult(job_path, "failed", clip_id=job.clip_id, folder=folder)
    effective = _with_mode(job, mode)
    if frames is None and is_done(effective, out_root):
        res.status = "skipped"
        return res
    argv = command or worker_command(job_path, out_root, frames=frames, device=device, mode=mode,
                                     python=python, verbose=verbose, threads=threads)
    res.returncode, res.frames_rendered, res.log_tail, res.notes = _run(argv, timeout, on_frame, env)
    res.seconds = time.perf_counter() - t0
    finished = is_done(effective, out_root) or (frames is not None and res.returncode == 0)
    if res.returncode == 0 and finished:
        res.status = "done"
    else:
        res.reason = _reason(res.returncode, res.log_tail, timeout)
    return res


def _with_mode(job, mode):
    """The job as the worker records it: ``--mode`` changes the outputs (and the hash);
    ``--device`` and ``--threads`` do not."""
    import dataclasses
    if not mode or mode == job.render.mode:
        return job
    return dataclasses.replace(job, render=dataclasses.replace(job.render, mode=mode))


def _run(argv: list[str], timeout, on_frame, extra_env: dict | None = None
         ) -> tuple[int, int, list[str], list[str]]:
    """Run ``argv``; parse progress and note lines from stdout; return (rc, frames, last log
    lines, notes)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True,
                                errors="replace", env=env)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        frames, out_tail, notes = 0, [], []
        try:
            for line in proc.stdout:
                if line.startswith(NOTE_PREFIX):
                    notes.append(line[len(NOTE_PREFIX):].strip())
                elif line.startswith(PROGRESS_PREFIX):
                    _, frame, done, total = line.split()
                    frames += 1
                    if on_frame:
                        on_frame(int(frame), int(done), int(total))
                elif line.strip():
                    out_tail = (out_tail + [line.rstrip()])[-20:]
            rc = proc.wait()
        finally:
            if timer:
                timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        err_lines = [ln.rstrip() for ln in err.read().splitlines() if ln.strip()]
    return rc, frames, (out_tail + err_lines)[-40:], notes


def _reason(rc: int | None, tail: list[str], timeout) -> str:
    for line in reversed(tail):
        if line.startswith("synthgen: error: "):
            return line[len("synthgen: error: "):]
    if rc is not None and rc < 0:
        return f"worker killed by signal {-rc}" + (f" (timeout {timeout} s?)" if timeout else "")
    last = next((ln for ln in reversed(tail) if ln.strip()), "no output")
    return f"worker exited with code {rc}: {last.strip()[:300]}"


# --------------------------------------------------------------------------- many jobs
def collect_jobs(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Job files named by ``paths``: files as given, folders' ``*.json`` (sorted, not
    recursive, hidden files ignored). Raises :class:`JobError` for a missing path or a
    folder without job files."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.glob("*.json") if not q.name.startswith("."))
            if not found:
                raise NothingToDoError("folder holds no job files (*.json); plan some with "
                                       "`synthgen plan`", source=str(p))
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise JobError("no such job file or folder", source=str(p))
    return out


def load_run(job_paths: list[Path]) -> dict[Path, "Job | str"]:
    """Every job of a run: path -> :class:`Job`, or the one-line reason it cannot be read.

    Raises :class:`JobError` before anything renders when two job files share a clip id
    (their renders would overwrite each other), naming both files."""
    jobs: dict[Path, Job | str] = {}
    for path in job_paths:
        try:
            jobs[Path(path)] = load_job(path)
        except SynthgenError as exc:
            jobs[Path(path)] = str(exc)
    dups = duplicate_clip_ids(jobs)
    if dups:
        clip, first, second = dups[0]
        more = f" (and {len(dups) - 1} more)" if len(dups) > 1 else ""
        raise JobError(f"clip id {clip!r} is planned twice: {first} and {second}{more}; "
                       "every clip id of a run must be unique", source=second)
    return jobs


def summary_lines(results: list[JobResult]) -> list[str]:
    """``done N, skipped N, failed N``, one ``note <clip>: ...`` line per note, then one
    line per failed job."""
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    lines = [", ".join(f"{s} {counts[s]}" for s in STATUSES)]
    lines += [f"note {note}" for r in results for note in r.notes]
    for r in results:
        if r.status == "failed":
            lines.append(f"failed {r.clip_id}: {r.reason}" if r.clip_id else f"failed: {r.reason}")
    return lines
