"""``synthgen verify CLIP_DIR [--report DIR]``: prove a clip's flow against geometry."""
from __future__ import annotations

import sys

import click


@click.command("verify")
@click.argument("clip_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=str),
              default=None, help="Write verify.json and per-frame error_####.png here.")
@click.option("--sample", type=click.Path(exists=True, path_type=str), default=None,
              help="Dataset folder or shard with the exported clip: check its float16 flow.")
@click.option("--no-pictures", is_flag=True, help="With --report: json only.")
@click.option("--gaps", default="2,4,8", show_default=True,
              help="Frame gaps K > 1 of the correspondence checks (clips rendered with "
                   "\"geometry\"; gaps >= T are left out).")
def verify(clip_dir: str, report_dir: str | None, sample: str | None, no_pictures: bool,
           gaps: str) -> None:
    """Check CLIP_DIR's flow against reprojected depth, rotation-only background flow,
    job transforms and subject vertices; exit code 1 when a goal fails."""
    from ..errors import UsageError
    from ..verify import PictureWriter, format_table, verify_clip, write_report

    try:
        ks = [int(k) for k in gaps.split(",") if k.strip()]
    except ValueError:
        raise UsageError(f"{gaps!r} is not a comma list of frame gaps", field="--gaps") from None
    if any(k < 2 for k in ks):
        raise UsageError(f"{gaps!r}: gaps must be 2 or more (gap 1 is always checked)", field="--gaps")
    pictures = PictureWriter(report_dir) if report_dir and not no_pictures else None
    report = verify_clip(clip_dir, sample=sample, on_frame=pictures, progress=sys.stderr.isatty(),
                         gaps=ks)
    click.echo(format_table(report))
    if report_dir:
        path = write_report(report, report_dir)
        click.echo(f"report: {path}")
    if not report.passed:
        sys.exit(1)
