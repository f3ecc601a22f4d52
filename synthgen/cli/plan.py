"""``synthgen plan``: presets + asset manifests -> baked job files (thin wrapper over synthgen.planner)."""
from __future__ import annotations

from pathlib import Path

import click

from ..planner import plan as plan_jobs
from ..planner import summarize


@click.command("plan")
@click.option("--preset", required=True, help="dynavid-human, dynavid-camera, tiny, or a PATH.toml.")
@click.option("--count", type=int, required=True, help="Number of clips to plan.")
@click.option("--seed", type=int, default=0, show_default=True, help="Run seed (clip k is the same whatever --count).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for <clip_id>.json and index.jsonl.")
@click.option("--assets", "assets", multiple=True, type=click.Path(path_type=Path),
              help="Asset manifest (repeatable); default: every assets_manifest/*.json.")
@click.option("--start", type=int, default=0, show_default=True, help="Global index of the first clip (for sharding runs).")
@click.option("--kind", type=click.Choice(["human", "camera", "group", "mixed"]), default=None,
              help="Override the preset's clip kind.")
@click.option("--overwrite", is_flag=True,
              help="Replace the jobs of another plan already in OUT (otherwise refused).")
@click.option("--quiet", is_flag=True, help="No summary table.")
def plan(preset: str, count: int, seed: int, out: Path, assets: tuple[Path, ...], start: int,
         kind: str | None, overwrite: bool, quiet: bool) -> None:
    """Plan COUNT clips into OUT: one fully baked job file per clip, plus index.jsonl.

    OUT may already hold clips of the same plan (same preset, manifests and seed; e.g. the
    first part of a run planned with --start); another plan's jobs are refused unless
    --overwrite."""
    params: list[dict] = []
    paths = plan_jobs(preset, count, seed, out, list(assets) or None, start=start, kind=kind,
                      progress=True, params_out=params, overwrite=overwrite)
    click.echo(f"planned {len(paths)} clips into {out}")
    if not quiet:
        rows = summarize(params)
        width = max(len(k) for k, _ in rows)
        click.echo(f"{'parameter'.ljust(width)}  distribution")
        for key, text in rows:
            click.echo(f"{key.ljust(width)}  {text}")
