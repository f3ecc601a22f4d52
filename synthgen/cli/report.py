"""``synthgen report DATASET --out report.html``: a static page about an exported dataset."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("report")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The page (.html); pictures go to <stem>_files/ beside it.")
@click.option("--max-clips", default=48, show_default=True, type=click.IntRange(1, 10000),
              help="Clips pictured in the grid (spread over the dataset); plots use every clip.")
@click.option("--panel-width", default=320, show_default=True, type=click.IntRange(32, 4096),
              help="Width in px of each panel of the side-by-side videos.")
def report(dataset, out, max_clips, panel_width):
    """Write one HTML page about DATASET: a grid of clips (RGB | flow | HSV videos, contact
    sheets, QA), plots of every sampled parameter and of flow magnitude, filterable by kind,
    movement and world."""
    from ..report import write_report

    path = write_report(dataset, out, max_clips=max_clips, panel_width=panel_width,
                        progress=sys.stderr.isatty())
    click.echo(f"report: {path.resolve()}")
