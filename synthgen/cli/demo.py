"""``synthgen demo``: the main job end to end on the embedded defaults (:mod:`synthgen.demo`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("demo")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Demo folder.")
@click.option("--fast", is_flag=True,
              help="The tiny demo (two 128x80, 8-frame flow clips, seconds): for tests.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--device", default=None, help="cpu, cuda, optix, hip, metal, oneapi or auto.")
@click.option("--no-progress", is_flag=True)
def demo(out, fast, seed, workers, device, no_progress):
    """Plan, render and export one human and one camera clip (480x272, 49 frames, with a
    short full-mode part for RGB) into OUT; write a side-by-side video (RGB | flow | HSV)
    per clip and the dataset report, and say where to look."""
    from ..demo import run_demo

    report = run_demo(Path(out), seed=seed, workers=workers, device=device,
                      progress=not no_progress, fast=fast, echo=click.echo)
    if report["plan_errors"] or any(not r.ok for r in report["render"]):
        sys.exit(1)
