"""Executors: run one function over many items, locally over processes or on a Ray cluster.

Render and export hand an executor a picklable function (e.g. ``functools.partial`` of a
module-level function) and a list of items (job files, clip folders). The executor
owns what the stages must not reinvent:

* **where** each call runs: in this process (``workers=1``), in a local pool of processes
  or threads (:class:`LocalExecutor`), or as one Ray task per item on a local or remote
  Ray cluster (:class:`RayExecutor`, Ray imported lazily);
* **skipping** finished items in the driver before anything is started (``precheck``), so
  re-running a finished stage starts no process, no pool and no Ray cluster;
* **retries**: an attempt fails when the function raises, its worker process dies (SIGKILL,
  out of memory, a lost Ray node) or ``failure_of(result)`` names a reason; a failed item
  is submitted again up to ``retries`` more times, then reported with its last reason;
* aggregated tqdm progress over items, and one :class:`Outcome` per item, in input order.

Ray tasks are submitted with ``max_retries=0``: the driver counts every attempt itself, so
local and Ray runs retry, count and report the same way.
"""
from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import logging
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from tqdm import tqdm

from ..errors import SynthgenError

log = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
RAY_INSTALL_HINT = "pip install 'synthgen[ray]'"
_RAY_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class ExecutorError(SynthgenError):
    """The executor could not start (Ray missing, cluster unreachable, bad options)."""

    exit_code = 2


@dataclass
class Outcome:
    """What became of one item.

    ``result`` is the function's return value of the last attempt (``precheck``'s value
    for a skipped item; ``None`` when the last attempt raised or its worker died).
    ``error`` is the one-line reason of the final failure, ``None`` on success.
    ``attempts`` counts submissions (0 for an item skipped by ``precheck``).
    """

    item: Any
    result: Any = None
    error: str | None = None
    attempts: int = 0
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def describe_exception(exc: BaseException) -> str:
    """One line for a failed attempt: the synthgen message, or ``Type: message``."""
    cause = getattr(exc, "cause", None)          # ray.exceptions.RayTaskError wraps the real one
    if isinstance(cause, BaseException):
        exc = cause
    if isinstance(exc, SynthgenError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


# --------------------------------------------------------------------------- driver
class Executor:
    """Base class: the retry / skip / progress loop shared by every backend.

    Subclasses implement :meth:`_start` (returns a session with ``submit(item)``,
    ``wait(handles) -> [(handle, value, exc)]``, ``cancel(handles)`` and ``close()``).
    """

    name = "base"

    def __init__(self, *, retries: int = 0, progress: bool = True):
        if retries < 0:
            raise ExecutorError(f"must be 0 or more, got {retries}", field="--retries")
        self.retries = retries
        self.progress = progress

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], *,
            failure_of: Callable[[Any], str | None] | None = None,
            precheck: Callable[[Any], Any] | None = None,
            on_outcome: Callable[[Outcome], None] | None = None,
            desc: str = "jobs", unit: str = "job") -> list[Outcome]:
        """Run ``fn(item)`` for every item; return one :class:`Outcome` per item, in order.

        ``precheck(item)`` runs in the driver: a non-``None`` value marks the item done
        without submitting it. ``failure_of(result)`` returns a reason when a returned
        result is a failure (so it is retried), else ``None``. ``on_outcome`` is called in
        the driver as each item finishes (e.g. to stream results into shards).
        """
        items = list(items)
        outcomes: list[Outcome | None] = [None] * len(items)
        todo = []
        for i, item in enumerate(items):
            pre = precheck(item) if precheck is not None else None
            if pre is None:
                todo.append(i)
                continue
            outcomes[i] = Outcome(item, pre, skipped=True)
            if on_outcome is not None:
                on_outcome(outcomes[i])
        with tqdm(total=len(items), initial=len(items) - len(todo), desc=desc, unit=unit,
                  disable=not self.progress, dynamic_ncols=True) as bar:
            if todo:
                self._run(fn, items, todo, outcomes, failure_of, on_outcome, bar)
        return outcomes  # type: ignore[return-value]

    def _run(self, fn, items, todo, outcomes, failure_of, on_outcome, bar) -> None:
        session = self._start(fn, len(todo))
        failed = 0
        pending: dict = {}
        try:
            for i in todo:
                pending[session.submit(items[i])] = (i, 1)
            while pending:
                for handle, value, exc in session.wait(list(pending)):
                    i, attempt = pending.pop(handle)
                    reason = describe_exception(exc) if exc is not None else (
                        failure_of(value) if failure_of is not None else None)
                    if reason is not None and attempt <= self.retries:
                        log.warning("%s: attempt %d of %d failed (%s); retrying", _label(items[i]),
                                    attempt, self.retries + 1, reason)
                        pending[session.submit(items[i])] = (i, attempt + 1)
                        continue
                    outcomes[i] = Outcome(items[i], value, reason, attempt)
                    failed += reason is not None
                    if on_outcome is not None:
                        on_outcome(outcomes[i])
                    bar.update(1)
                    if failed:
                        bar.set_postfix(failed=failed, refresh=False)
        except BaseException:          # Ctrl-C, or on_outcome failed: stop what is still queued
            session.cancel(list(pending))
            raise
        finally:
            session.close()

    def _start(self, fn, n_items: int):  # pragma: no cover - abstract
        raise NotImplementedError


def _label(item: Any) -> str:
    return os.fspath(item) if isinstance(item, (str, os.PathLike)) else repr(item)[:80]


# --------------------------------------------------------------------------- local
class LocalExecutor(Executor):
    """Runs items on this machine.

    ``workers=1`` calls the function inline in this process (no pool: cheapest, and
    what a function that already starts its own subprocess per item wants). ``workers>1``
    uses a pool of ``workers`` processes (``threads=False``; spawned, so each imports the
    package afresh) or threads (``threads=True``: for functions whose real work happens in
    a subprocess, e.g. a Blender render). A pool process that dies fails the attempts it
    held; the pool is rebuilt and they are retried like any other failure.
    """

    name = "local"

    def __init__(self, workers: int = 1, *, threads: bool = False, retries: int = 0,
                 progress: bool = True):
        super().__init__(retries=retries, progress=progress)
        if workers < 1:
            raise ExecutorError(f"must be 1 or more, got {workers}", field="--workers")
        self.workers = workers
        self.threads = threads

    def _start(self, fn, n_items: int):
        if self.workers == 1:
            return _InlineSession(fn)
        return _PoolSession(fn, min(self.workers, n_items), self.threads)


class _InlineSession:
    def __init__(self, fn):
        self.fn = fn
        self._queue: list[tuple[int, Any]] = []
        self._next = 0

    def submit(self, item) -> int:
        self._next += 1
        self._queue.append((self._next, item))
        return self._next

    def wait(self, handles):
        handle, item = self._queue.pop(0)
        try:
            return [(handle, self.fn(item), None)]
        except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
            log.debug("attempt failed", exc_info=True)
            return [(handle, None, exc)]

    def cancel(self, handles) -> None:
        self._queue.clear()

    def close(self) -> None:
        pass


class _PoolSession:
    def __init__(self, fn, workers: int, threads: bool):
        self.fn, self.workers, self.threads = fn, workers, threads
        self.pool = self._new_pool()

    def _new_pool(self) -> cf.Executor:
        if self.threads:
            return cf.ThreadPoolExecutor(self.workers)
        return cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, item) -> cf.Future:
        try:
            return self.pool.submit(self.fn, item)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(self.fn, item)

    def wait(self, handles):
        done, _ = cf.wait(handles, return_when=cf.FIRST_COMPLETED)
        out = []
        for fut in done:
            exc = fut.exception()
            if isinstance(exc, BrokenProcessPool):
                exc = WorkerDied("a pool worker process died (killed or crashed)")
            out.append((fut, None if exc else fut.result(), exc))
        return out

    def cancel(self, handles) -> None:
        for fut in handles:
            fut.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class WorkerDied(RuntimeError):
    """The process running an attempt disappeared (SIGKILL, OOM killer, crash)."""


# --------------------------------------------------------------------------- Ray
def import_ray():
    """``import ray``, or a one-line :class:`ExecutorError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ExecutorError(f"Ray is not installed; install it with: {RAY_INSTALL_HINT}",
                            field="--executor ray") from None
    return ray


def _ray_call(fn, item):
    """The body of every Ray task: the same function the local executor calls."""
    return fn(item)


class RayExecutor(Executor):
    """One Ray task per item, on the cluster at ``address``.

    ``address=None`` starts a private local Ray instance (``num_cpus`` limits it) unless
    this process is already connected; ``"auto"`` joins the cluster this node belongs to
    (``ray start`` ran here); ``"HOST:PORT"`` joins that head node. Each task reserves
    ``cpus_per_job`` CPUs and ``gpus_per_job`` GPUs (Ray then sets ``CUDA_VISIBLE_DEVICES``
    for it, which a render subprocess inherits). Every node must have synthgen installed
    and see the same input and output paths. A Ray instance this executor started is shut
    down when :meth:`map` returns.
    """

    name = "ray"

    def __init__(self, *, address: str | None = None, cpus_per_job: float = 1,
                 gpus_per_job: float = 0, retries: int = 0, progress: bool = True,
                 num_cpus: int | None = None, memory_per_job: float | None = None):
        super().__init__(retries=retries, progress=progress)
        if cpus_per_job < 0 or gpus_per_job < 0:
            raise ExecutorError("must not be negative",
                                field="--cpus-per-job" if cpus_per_job < 0 else "--gpus-per-job")
        self.address = address
        self.cpus_per_job = cpus_per_job
        self.gpus_per_job = gpus_per_job
        self.num_cpus = num_cpus
        self.memory_per_job = memory_per_job      # bytes reserved per task (Ray's memory resource)
        if address is None:
            # A private instance for this run stays on the loopback interface (Ray reads
            # this when first imported; it makes a single-node Ray bind 127.0.0.1).
            os.environ.setdefault(_RAY_LOOPBACK_ENV, "0")
        import_ray()       # fail early, before any work is planned

    def _start(self, fn, n_items: int):
        ray = import_ray()
        owned = False
        if not ray.is_initialized():
            owned = True
            kwargs: dict[str, Any] = dict(include_dashboard=False, logging_level=logging.WARNING)
            if self.address is None:
                kwargs.update(address="local", num_cpus=self.num_cpus)
            else:
                kwargs["address"] = self.address
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ExecutorError(f"cannot reach a Ray cluster ({describe_exception(exc)}); "
                                    "start one with `ray start --head` or check the address",
                                    field=f"--address {self.address}") from None
        self._check_resources(ray)
        extra = {"memory": int(self.memory_per_job)} if self.memory_per_job else {}
        remote = ray.remote(_ray_call).options(num_cpus=self.cpus_per_job,
                                               num_gpus=self.gpus_per_job, max_retries=0, **extra)
        return _RaySession(ray, remote, ray.put(fn), owned)

    def _check_resources(self, ray) -> None:
        total = ray.cluster_resources()
        for key, need, flag in (("CPU", self.cpus_per_job, "--cpus-per-job"),
                                ("GPU", self.gpus_per_job, "--gpus-per-job")):
            if need > total.get(key, 0):
                raise ExecutorError(f"each job asks for {need} {key}s but the Ray cluster has "
                                    f"{total.get(key, 0):g}", field=flag)


class _RaySession:
    def __init__(self, ray, remote, fn_ref, owned: bool):
        self.ray, self.remote, self.fn_ref, self.owned = ray, remote, fn_ref, owned

    def submit(self, item):
        return self.remote.remote(self.fn_ref, item)

    def wait(self, handles):
        ready, _ = self.ray.wait(handles, num_returns=1)
        out = []
        for ref in ready:
            try:
                out.append((ref, self.ray.get(ref), None))
            except Exception as exc:  # noqa: BLE001 - task errors, dead workers, lost nodes
                out.append((ref, None, exc))
        return out

    def cancel(self, handles) -> None:
        """Stop queued and running tasks (their render subprocesses die with them)."""
        for ref in handles:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished or gone
                pass

    def close(self) -> None:
        if self.owned:
            self.ray.shutdown()


# --------------------------------------------------------------------------- factory
def make_executor(kind: str = "local", *, workers: int = 1, threads: bool = False,
                  retries: int = 0, address: str | None = None, cpus_per_job: float = 1,
                  gpus_per_job: float = 0, progress: bool = True,
                  num_cpus: int | None = None, memory_per_job: float | None = None) -> Executor:
    """The executor the CLI options describe (``--executor local|ray`` and friends)."""
    if kind == "local":
        if address is not None:
            raise ExecutorError("only applies to --executor ray", field="--address")
        return LocalExecutor(workers, threads=threads, retries=retries, progress=progress)
    if kind == "ray":
        return RayExecutor(address=address, cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job,
                           retries=retries, progress=progress, num_cpus=num_cpus,
                           memory_per_job=memory_per_job)
    raise ExecutorError(f"{kind!r} is not one of {', '.join(EXECUTORS)}", field="--executor")


def split_threads(total_cpus: int, concurrent_jobs: int) -> int:
    """Cycles threads per job when ``concurrent_jobs`` share ``total_cpus`` cores (>= 1)."""
    return max(1, total_cpus // max(1, concurrent_jobs))


__all__ = ["EXECUTORS", "Executor", "ExecutorError", "LocalExecutor", "Outcome", "RayExecutor",
           "RAY_INSTALL_HINT", "WorkerDied", "describe_exception", "import_ray", "make_executor",
           "split_threads"]
