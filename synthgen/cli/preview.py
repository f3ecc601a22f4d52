"""``synthgen preview CLIP_DIR|SHARD|DATASET --out FILE.png|FILE.mp4``."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("preview")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="FILE.png (contact sheet) or FILE.mp4 (every frame).")
@click.option("--key", default=None, help="Sample key inside a shard or dataset (default: first).")
@click.option("--rows", default=8, show_default=True, help="Frames shown in a PNG.")
def preview(src, out, key, rows):
    """Contact sheet of a clip: RGB, flow, HSV encoding, depth, segmentation, Plücker."""
    from ..export.preview import write_preview
    click.echo(str(write_preview(src, out, key=key, max_rows=rows)))
