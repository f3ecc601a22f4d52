"""``synthgen demo``: the main job end to end on the embedded defaults.

Plans one tiny DynaVid-Human and one tiny DynaVid-Camera clip, renders both (each in its
own subprocess), exports them to WebDataset shards and writes a preview picture.
"""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

log = logging.getLogger(__name__)

KINDS = ("human", "camera")


def run_demo(out: Path, *, seed: int = 0, workers: int = 2, device: str | None = None,
             progress: bool = True, echo=click.echo) -> dict:
    """Plan, render, export and preview into ``out`` (``jobs/``, ``renders/``,
    ``dataset/``, ``preview-<clip_id>.png``). Returns ``{"render": [JobResult], "export":
    summary or None, "preview": [paths] or None, "plan_errors": [str], "seconds": float}``; a clip
    that cannot be planned or rendered is reported and the other goes on."""
    from ..errors import SynthgenError
    from ..planner import plan
    from ..executors import LocalExecutor
    from ..executors.render import render_jobs
    from ..render import summary_lines

    t0 = time.perf_counter()
    out = Path(out)
    jobs, plan_errors = [], []
    for kind in KINDS:
        try:
            jobs += plan("tiny", 1, seed, out / "jobs" / kind, kind=kind)
        except SynthgenError as exc:      # e.g. no character in the manifests yet
            plan_errors.append(f"{kind}: {exc}")
            echo(f"planning the {kind} clip failed: {exc}", err=True)
    echo(f"planned {len(jobs)} clips into {out / 'jobs'}")
    results = render_jobs(LocalExecutor(workers, threads=True, progress=progress), jobs,
                          out / "renders", device=device)
    for line in summary_lines(results):
        echo(line)
    report = {"render": results, "export": None, "preview": None, "plan_errors": plan_errors}
    done = [r.folder for r in results if r.ok]
    if done:
        report.update(_export(done, out, progress, echo))
    report["seconds"] = time.perf_counter() - t0
    echo(f"demo finished in {report['seconds']:.1f} s: {out}")
    return report


def _export(folders: list[Path], out: Path, progress: bool, echo) -> dict:
    try:
        from ..export import export_dataset
        from ..export.preview import write_preview
    except ImportError as exc:     # exporter not installed in this checkout
        echo(f"export skipped ({exc})")
        return {}
    summary = export_dataset(folders, out / "dataset", progress=progress)
    echo(f"exported to {out / 'dataset'}")
    # one contact sheet per clip, from its render folder (flow, HSV, depth, ids, Plücker)
    previews = [write_preview(folder, out / f"preview-{folder.name}.png") for folder in folders]
    for path in previews:
        echo(f"preview: {path}")
    return {"export": summary, "preview": previews}


@click.command("demo")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Demo folder.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--device", default=None, help="cpu, cuda, optix, hip, metal, oneapi or auto.")
@click.option("--no-progress", is_flag=True)
def demo(out, seed, workers, device, no_progress):
    """Plan, render, export and preview two tiny clips (one human, one camera) into OUT."""
    report = run_demo(Path(out), seed=seed, workers=workers, device=device, progress=not no_progress)
    if report["plan_errors"] or any(not r.ok for r in report["render"]):
        sys.exit(1)
