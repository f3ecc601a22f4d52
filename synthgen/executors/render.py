"""The job runner on any executor: one task per job, each a render subprocess.

:func:`render_jobs` is what ``synthgen render --executor ray`` (or ``--retries K``) runs. Every
task calls the same :func:`synthgen.render.run_one` as the local runner, so a job renders in
its own subprocess and a Blender crash ends only its task; the subprocess is started through
:mod:`.launch` so it also dies when the task's process is killed. Finished jobs (DONE holding
the job's hash) are recognised in the driver and start nothing. A failed attempt (crash,
non-zero exit, dead worker) is retried up to ``executor.retries`` times; the retry resumes
from the frames already written. Results are :class:`synthgen.render.JobResult` in input
order, so the end summary is the local runner's own :func:`synthgen.render.summary_lines`.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from functools import partial
from pathlib import Path

from tqdm import tqdm

from ..errors import RenderError
from ..job import Job
from ..render import JobResult, is_done, load_run, run_one, worker_command
from . import launch
from .core import Executor, LocalExecutor, Outcome, split_threads
from .sizing import JOBS_PER_CORE, SIZING_ENV, Sizing, auto_sizing, fixed_sizing, job_rss_mib, usable_cores

log = logging.getLogger(__name__)

POLL_S = 0.5          # how often the driver counts finished frames for the frames bar


def run_job(job_path: str, *, out_root: str, device: str | None = None, mode: str | None = None,
            timeout: float | None = None, verbose: int = 0, threads: int | None = None,
            env: dict | None = None) -> JobResult:
    """Task body: :func:`~synthgen.render.run_one` with a subprocess tied to this process
    (``env``: extra environment variables for it)."""
    argv = worker_command(job_path, out_root, device=device, mode=mode, verbose=verbose,
                          threads=threads)
    return run_one(job_path, out_root, device=device, mode=mode, timeout=timeout,
                   command=launch.command(argv), verbose=verbose, threads=threads, env=env)


def node_sizing(jobs: dict, workers: int | str, mode: str | None = None) -> Sizing:
    """Concurrent jobs and threads for this run: ``workers`` (a number) or ``"auto"``
    (:func:`synthgen.executors.sizing.auto_sizing` from the cores, the memory and the largest
    job's modelled footprint). ``jobs``: job file -> :class:`Job` (others are ignored)."""
    real = [j for j in jobs.values() if isinstance(j, Job)]
    rss = max((job_rss_mib(j.width, j.height, mode or j.render.mode) for j in real), default=0.0)
    if workers == "auto":
        modes = {mode or j.render.mode for j in real} or {"flow"}
        heaviest = min(sorted(modes), key=lambda m: JOBS_PER_CORE.get(m, 1))    # fewest jobs per core
        return auto_sizing(len(real), rss or job_rss_mib(1280, 704), mode=heaviest)
    return fixed_sizing(int(workers), rss)


def render_jobs(executor: Executor | None, job_paths: list[Path], out_root: str | os.PathLike, *,
                device: str | None = None, mode: str | None = None,
                timeout: float | None = None, verbose: int = 0,
                sizing: Sizing | None = None) -> list[JobResult]:
    """Render every job on ``executor`` (None: one at a time here); one :class:`JobResult`
    per job, in input order, with tqdm bars over clips and frames.

    ``out_root`` must be a folder every worker node sees at the same path. Never raises
    for a failed job; raises :class:`synthgen.errors.JobError` for duplicate clip ids and
    :class:`RenderError` when ``out_root`` cannot be created, both before anything renders.
    """
    executor = executor or LocalExecutor(1, threads=True)
    # each worker records the node's sizing in render.json ("node")
    env = {SIZING_ENV: json.dumps(sizing.as_dict(), sort_keys=True)} if sizing is not None else None
    paths = [str(Path(p).absolute()) for p in job_paths]
    jobs = {str(p): j for p, j in load_run([Path(p) for p in paths]).items()}
    out_root = Path(out_root).absolute()
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create output folder ({exc.strerror})", source=str(out_root)) from None
    task = partial(run_job, out_root=str(out_root), device=device, mode=mode, timeout=timeout,
                   verbose=verbose, threads=_threads_per_task(executor), env=env)
    ready = {p: _finished(p, jobs[p], out_root, device, mode) for p in paths}
    todo = [(out_root / jobs[p].clip_id, jobs[p].n_frames) for p in paths if ready[p] is None]
    with _FrameBar(todo, enabled=executor.progress) as frames:
        def finished(outcome: Outcome) -> None:
            if not outcome.skipped:
                frames.finish(out_root / jobs[outcome.item].clip_id)
        outcomes = executor.map(task, paths, precheck=ready.get, failure_of=_failure,
                                on_outcome=finished, desc="clips", unit="clip")
    return [_result(o, jobs[o.item]) for o in outcomes]


def _threads_per_task(executor: Executor) -> int | None:
    """Cycles threads for each task: what a Ray task reserves (``--cpus-per-job``), or this
    machine's cores split between a local pool's workers, so concurrent renders never
    oversubscribe a node; None (one job at a time) keeps the job's own ``render.threads``."""
    cpus = getattr(executor, "cpus_per_job", None)
    if cpus:
        return max(1, int(cpus))
    workers = getattr(executor, "workers", 1)
    return split_threads(usable_cores(), workers) if workers > 1 else None


def _finished(path: str, job: Job | str, out_root: Path, device, mode) -> JobResult | None:
    """Driver-side: a result for jobs that need no task (done already, or unreadable)."""
    if not isinstance(job, Job):
        return JobResult(Path(path), "failed", reason=job)
    changes = {k: v for k, v in (("device", device), ("mode", mode)) if v}
    effective = dataclasses.replace(job, render=dataclasses.replace(job.render, **changes))
    if is_done(effective, out_root):
        return JobResult(Path(path), "skipped", clip_id=job.clip_id, folder=out_root / job.clip_id)
    return None


def _failure(result: JobResult) -> str | None:
    return (result.reason or "failed") if result.status == "failed" else None


def _result(outcome: Outcome, job: Job | str) -> JobResult:
    res = outcome.result
    if res is None:       # the task raised or its worker died on the last attempt
        clip = job.clip_id if isinstance(job, Job) else None
        res = JobResult(Path(outcome.item), "failed", clip_id=clip, reason=outcome.error or "failed")
    if res.status == "failed" and outcome.attempts > 1:
        res.reason = f"{res.reason} (after {outcome.attempts} attempts)"
    return res


class _FrameBar:
    """A frames bar fed by counting finished ``frame_*.exr`` files in the clip folders.

    Works the same wherever the tasks run (the output folder is shared). Finished clips
    (:meth:`finish`) are counted whole and no longer listed; the polling interval grows
    with the time a listing takes (at least :data:`POLL_S`), so a large run on a slow shared
    file system spends at most a fifth of the time listing.
    """

    def __init__(self, clips: list[tuple[Path, int]], enabled: bool):
        self.open = dict(clips)                   # clip folder -> frames, still running
        self.closed = 0                           # frames of finished clips
        self.enabled = enabled and bool(clips)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self):
        if self.enabled:
            self.bar = tqdm(total=sum(self.open.values()), desc="frames", unit="frame",
                            position=1, leave=False, dynamic_ncols=True)
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def finish(self, folder: Path) -> None:
        """The clip in ``folder`` ended (done or failed): stop listing it."""
        with self._lock:
            n = self.open.pop(folder, None)
            if n is not None:
                self.closed += _frames_in(folder, n)

    def _count(self) -> int:
        with self._lock:
            open_, closed = list(self.open.items()), self.closed
        return closed + sum(_frames_in(folder, n) for folder, n in open_)

    def _poll(self) -> None:
        wait = POLL_S
        while not self._stop.wait(wait):
            t = time.perf_counter()
            self.bar.n = self._count()
            self.bar.refresh()
            wait = max(POLL_S, 4 * (time.perf_counter() - t))

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.bar.n = self._count()
            self.bar.close()


def _frames_in(folder: Path, n: int) -> int:
    try:
        return min(n, sum(1 for _ in folder.glob("frame_*.exr")))
    except OSError:
        return 0
