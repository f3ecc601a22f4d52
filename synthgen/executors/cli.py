"""Click options shared by ``synthgen render`` and ``synthgen export`` to pick an executor."""
from __future__ import annotations

import click

from .core import EXECUTORS, Executor, ExecutorError, make_executor

_OPTIONS = [
    click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
                 help="Where jobs run: local processes, or one Ray task per job (needs "
                      "pip install 'synthgen[ray]')."),
    click.option("--address", default=None, metavar="auto|HOST:PORT",
                 help="Ray cluster to join (default: start a private local Ray instance)."),
    click.option("--retries", type=click.IntRange(0, 100), default=0, show_default=True,
                 help="Run a failed job (crash, error, lost worker) up to K more times; "
                      "renders resume from their finished frames."),
    click.option("--cpus-per-job", type=click.FloatRange(0, None), default=None,
                 help="Ray: CPUs reserved per job [default: 1]."),
    click.option("--gpus-per-job", type=click.FloatRange(0, None), default=None,
                 help="Ray: GPUs reserved per job (fractions share a GPU) [default: 0]."),
]

def executor_options(f):
    """Decorator adding ``--executor --address --retries --cpus-per-job --gpus-per-job``."""
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def executor_from_options(opts: dict, *, workers: int = 1, threads: bool = False,
                          progress: bool = True, memory_per_job: float | None = None) -> Executor:
    """The executor the parsed options describe; one-line errors for options that don't fit."""
    kind = opts.get("executor", "local")
    if kind == "local":
        for name in ("cpus_per_job", "gpus_per_job"):
            if opts.get(name) is not None:
                raise ExecutorError("only applies to --executor ray",
                                    field="--" + name.replace("_", "-"))
    cpus, gpus = opts.get("cpus_per_job"), opts.get("gpus_per_job")
    return make_executor(kind, workers=workers, threads=threads, retries=opts.get("retries", 0),
                         address=opts.get("address"), progress=progress,
                         cpus_per_job=1 if cpus is None else cpus,
                         gpus_per_job=0 if gpus is None else gpus, memory_per_job=memory_per_job)
