"""``synthgen render``: render job files, each in its own subprocess."""
from __future__ import annotations

import math
import sys

import click

from ..executors.cli import executor_options
from ..errors import UsageError
from ..job import DEVICES, RENDER_MODES


def _workers(value: str) -> int | str:
    if str(value) == "auto":
        return "auto"
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= 256:
        raise UsageError(f"must be auto or a number of jobs from 1 to 256, got {value!r}", field="--workers")
    return n


def _positive(value: float | None, flag: str) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise UsageError(f"must be a positive number of seconds, got {value}", field=flag)
    return value


@click.command("render")
@click.argument("jobs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Renders root; each clip goes to OUT/<clip_id>.")
@click.option("--workers", default="auto", show_default=True, callback=lambda c, p, v: _workers(v),
              help="Jobs rendered at the same time (one subprocess each): a number, or auto "
                   "(as many as the cores and the memory allow, the cores split between them).")
@click.option("--device", type=click.Choice(DEVICES), default=None,
              help="Override the jobs' device (auto: a GPU when present, else the CPU).")
@click.option("--mode", type=click.Choice(RENDER_MODES), default=None,
              help="Override the jobs' mode: flow (Vector/Depth/Index only), full (+ RGB) or "
                   "geometry (the flow layer computed from the scene's geometry, no path tracing).")
@click.option("--timeout", type=float, default=None, callback=lambda ctx, param, v: _positive(v, "--timeout"),
              help="Seconds before a job's subprocess is killed.")
@click.option("--print-commands", is_flag=True,
              help="Print one stock-Blender command line per job (for farm managers) and exit.")
@click.option("--blender", default="blender", show_default=True,
              help="Blender executable named in --print-commands lines.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@executor_options
@click.pass_context
def render(ctx, jobs, out, workers, device, mode, timeout, print_commands, blender, no_progress,
           **executor_opts):
    """Render JOBS (job files or folders of them) into OUT.

    Finished clips (DONE matching the job) are skipped, half-finished ones resume.
    Exit code 1 when any job failed.
    """
    from .. import render as runner

    paths = runner.collect_jobs(jobs)
    if print_commands:
        for p in paths:
            click.echo(runner.shell_line(runner.farm_command(p, out, blender=blender,
                                                             device=device, mode=mode)))
        return
    verbose = (ctx.find_root().params.get("verbose") or 0)
    from ..executors.cli import executor_from_options
    from ..executors.render import node_sizing, render_jobs
    sizing = node_sizing(runner.load_run(paths), workers, mode)
    ex = executor_from_options(executor_opts, workers=sizing.workers, threads=True,
                               progress=not no_progress, memory_per_job=sizing.rss_bytes)
    cpus = getattr(ex, "cpus_per_job", None)
    click.echo(f"render: one Ray task per job, {cpus:g} CPU(s) each" if cpus else
               f"render: {sizing.workers} job(s) at a time x {sizing.threads} Cycles thread(s) "
               f"({sizing.reason})", err=True)
    results = render_jobs(ex, paths, out, device=device, mode=mode, timeout=timeout, verbose=verbose,
                          sizing=sizing)
    for line in runner.summary_lines(results):
        click.echo(line, err=line.startswith(("failed ", "failed:", "note ")))
    if any(r.status == "failed" for r in results):
        sys.exit(1)
