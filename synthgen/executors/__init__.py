"""Where work runs: the executor abstraction shared by render and export.

* :mod:`.core` - :class:`LocalExecutor` (inline, threads, processes) and
  :class:`RayExecutor` (one Ray task per item, Ray imported lazily), with driver-side
  skipping of finished items, retries and aggregated progress; :func:`make_executor`
  builds one from the CLI options.
* :mod:`.render` - :func:`~.render.render_jobs`: the job runner (:func:`synthgen.render.run_one`,
  a subprocess per job) on any executor.

Export runs on these executors through :mod:`synthgen.export.pipeline`.
"""
from __future__ import annotations

from .core import (EXECUTORS, RAY_INSTALL_HINT, Executor, ExecutorError, LocalExecutor, Outcome,
                   RayExecutor, WorkerDied, describe_exception, import_ray, make_executor,
                   split_threads)

__all__ = ["EXECUTORS", "Executor", "ExecutorError", "LocalExecutor", "Outcome", "RayExecutor",
           "RAY_INSTALL_HINT", "WorkerDied", "describe_exception", "import_ray", "make_executor",
           "split_threads"]
