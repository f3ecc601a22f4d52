"""``--workers auto``: how many renders a node runs at once, and with how many Cycles threads.

A flow-mode job has serial parts that leave cores idle while it runs: Blender's start-up and
the scene build (about 1.4 s per job), then per frame the EXR encode and write. Measured with
``python bench/node.py`` at 832x480 on a quiet 2-core node (4 jobs of 16 frames): one job at a
time on both cores 4.34 frames/s, two jobs of one thread 5.06, four jobs of one thread 5.69.
So in flow (and geometry) mode a node runs :data:`JOBS_PER_CORE` jobs per core, each on an
equal share of the cores (at least one thread); in full mode, where path tracing keeps every
thread busy, one job per core. Both are limited by the memory each job needs and by the
number of jobs. Standard library only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

#: Peak resident memory of one render subprocess (bpy + scene + frame buffers), modelled as
#: a base plus a cost per pixel, in MiB. Measured with ``python bench/render.py --rss``:
#: flow mode at 1280x704 with a person ~0.45 GiB; full mode holds several float buffers more.
RSS_BASE_MIB = {"flow": 300.0, "full": 450.0}
RSS_PER_MPIX_MIB = {"flow": 170.0, "full": 520.0}
#: Concurrent jobs per core by mode: flow-mode jobs overlap one another's serial parts.
JOBS_PER_CORE = {"flow": 2, "geometry": 2, "full": 1}
#: Leave this share of the available memory to the rest of the machine.
MEMORY_HEADROOM = 0.8
#: Environment variable through which the driver tells each worker the node's sizing (the
#: worker records it in render.json as ``node``).
SIZING_ENV = "SYNTHGEN_NODE_SIZING"


@dataclass(frozen=True)
class Sizing:
    """Concurrent jobs and Cycles threads per job, and why (printed once, kept in render.json)."""

    workers: int
    threads: int
    reason: str
    rss_mib: float = 0.0        # modelled peak memory of one job

    @property
    def rss_bytes(self) -> float | None:
        return self.rss_mib * 2 ** 20 if self.rss_mib else None

    def as_dict(self) -> dict:
        return {"workers": self.workers, "threads_per_job": self.threads, "reason": self.reason,
                "rss_per_job_mib": round(self.rss_mib, 1)}


def job_rss_mib(width: int, height: int, mode: str = "flow") -> float:
    """Modelled peak RSS of one render of a ``width x height`` clip in ``mode``."""
    mode = mode if mode in RSS_BASE_MIB else "full"
    return RSS_BASE_MIB[mode] + RSS_PER_MPIX_MIB[mode] * width * height / 1e6


def available_memory_mib() -> float | None:
    """MemAvailable from /proc/meminfo (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def auto_sizing(n_jobs: int, rss_mib: float, *, cores: int | None = None,
                memory_mib: float | None = None, mode: str = "flow") -> Sizing:
    """Jobs at a time and threads per job for ``n_jobs`` jobs in ``mode`` needing ``rss_mib`` each."""
    cores = cores or usable_cores()
    slots = cores * JOBS_PER_CORE.get(mode, 1)
    memory_mib = available_memory_mib() if memory_mib is None else memory_mib
    by_memory = slots if memory_mib is None else max(1, int(memory_mib * MEMORY_HEADROOM // rss_mib))
    workers = max(1, min(slots, by_memory, max(n_jobs, 1)))
    threads = max(1, cores // workers)
    limit = "cores" if workers == slots else ("memory" if workers == by_memory else "jobs")
    mem = "unknown" if memory_mib is None else f"{memory_mib / 1024:.1f} GiB"
    reason = (f"auto: {cores} cores ({JOBS_PER_CORE.get(mode, 1)} {mode}-mode job(s) per core), {mem} available, "
              f"~{rss_mib / 1024:.2f} GiB per job, {n_jobs} jobs: limited by {limit}")
    return Sizing(workers, threads, reason, rss_mib)


def fixed_sizing(workers: int, rss_mib: float, *, cores: int | None = None) -> Sizing:
    """``--workers N``: the cores split between N jobs (N = 1: the job's own thread count)."""
    cores = cores or usable_cores()
    threads = max(1, cores // workers) if workers > 1 else cores
    return Sizing(workers, threads, f"--workers {workers}, {cores} cores", rss_mib)
