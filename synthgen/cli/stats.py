"""``synthgen stats DATASET --out stats.png``: histograms and a printed table."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("stats")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--out", "out", default=None, type=click.Path(path_type=Path),
              help="PNG of histograms (flow magnitude, camera angular speed, moves, environments).")
def stats(dataset, out):
    """Dataset-wide statistics from index.jsonl."""
    from ..export.stats import load_dataset_index, plot_stats, summarise, table
    index = load_dataset_index(dataset)
    click.echo(table(summarise(index)))
    if out is not None:
        click.echo(f"wrote {plot_stats(index, out)}")
