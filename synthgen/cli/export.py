"""``synthgen export RENDERS... --out DATASET``: finished renders -> WebDataset shards."""
from __future__ import annotations

import math
import re
import sys

import click

from ..errors import UsageError
from ..vocabulary import EXPORT_MEMBERS
from ..executors.cli import executor_options

_SIZE = re.compile(r"^\s*(?P<num>[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(?P<unit>[kmgt]?)(?P<i>i?)b?\s*$", re.I)


def parse_size(text: str) -> int:
    """Bytes from ``1GB`` / ``500M`` / ``250k`` (powers of 1000), ``1GiB`` / ``64MiB``
    (powers of 1024), or a plain number of bytes (``1000000``, ``1e9``)."""
    m = _SIZE.match(str(text))
    value = float(m["num"]) if m else float("nan")
    if not m or not math.isfinite(value):
        raise UsageError(f"{text!r} is not a size like 1GB, 500MiB or 1e9", field="--shard-size")
    base = 1024 if m["i"] else 1000
    size = int(value * base ** " kmgt".index(m["unit"].lower() or " "))
    if size < 1:
        raise UsageError(f"{text!r} is less than one byte", field="--shard-size")
    return size


def parse_flow_scale(text: str | None) -> tuple[float, float] | None:
    """``auto`` (None: per clip) or one or two positive numbers of pixels (``12`` / ``12,8``)."""
    if text is None or text.strip().lower() == "auto":
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or not all(math.isfinite(v) and v > 0 for v in values):
        raise UsageError(f"{text!r} is not auto, S or SU,SV (positive pixels)", field="--flow-scale")
    return (values[0], values[-1])


def parse_res(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.match(r"^(\d+)x(\d+)$", text.strip())
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise UsageError(f"{text!r} is not WIDTHxHEIGHT", field="--plucker-res")
    return int(m.group(1)), int(m.group(2))


@click.command("export")
@click.argument("renders", nargs=-1, required=True, type=click.Path(path_type=__import__("pathlib").Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=__import__("pathlib").Path),
              help="Dataset folder (shards, index.jsonl, stats.json).")
@click.option("--format", "fmt", type=click.Choice(["webdataset", "videox-fun", "folders"]),
              default="webdataset", show_default=True,
              help="webdataset: tar shards; videox-fun: mp4 + RealEstate10K pose txt + metadata "
                   "json for VideoX-Fun / CameraCtrl; folders: one plain folder per clip.")
@click.option("--members", default=None,
              help=f"Comma list from: {', '.join(EXPORT_MEMBERS)}, and (clips whose job asks "
                   "for them or for \"geometry\") flow_k<K>, occ_k<K>, tracks, track_vis, "
                   "scene_flow. Default: each job's outputs (its preset's [render] outputs; "
                   "videox-fun: fixed).")
@click.option("--tracks", "n_tracks", default=2048, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Query points of the tracks member.")
@click.option("--flow-video", type=click.Choice(["hsv", "sqrt", "middlebury"]), default=None,
              help="Encoding of the flow control video (videox-fun, folders) [default: hsv].")
@click.option("--flow-scale", default=None,
              help="Scale of the flow video in px: auto (each clip's p99 |F|), S, or SU,SV "
                   "(sqrt) [default: auto].")
@click.option("--target", type=click.Choice(["none", "wan2.2-ti2v-5b", "wan2.2-a14b", "wan2.1", "vace"]),
              default=None, help="Check frame counts (4n+1) and sizes against a video model "
                                 "[default: wan2.2-ti2v-5b for videox-fun, none otherwise].")
@click.option("--strict-target", is_flag=True,
              help="Clips that do not fit --target are errors (left out) instead of a warning.")
@click.option("--plucker-res", default=None, help="WIDTHxHEIGHT of plucker.npy (default: render size / 8).")
@click.option("--shard-size", default="1GB", show_default=True, help="Close a shard past this size.")
@click.option("--max-fb-p90", type=float, default=1.19, show_default=True,
              help="Leave out clips whose fb-consistency error p90 (px) exceeds this; negative: no limit. "
                   "Clips with unknown object ids or (full mode) a failed photometric check are always left out.")
@click.option("--tags", default=None, help="Comma list of caption tags replacing the jobs' own.")
@click.option("--allow-partial", is_flag=True, help="Exit 0 even when some clips were bad.")
@click.option("--compression", type=click.Choice(["zstd", "none"]), default=None,
              help="Array members as lossless .npy.zst (zstd) or plain .npy (none) "
                   "[default: zstd for webdataset, none for folders].")
@click.option("--prune-renders", is_flag=True,
              help="Remove each clip's render folder once its sample is in an indexed shard.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Clips computed at the same time (local processes).")
@executor_options
def export_cmd(renders, out, fmt, members, n_tracks, flow_video, flow_scale, target, strict_target,
               plucker_res, shard_size, max_fb_p90, tags, allow_partial, compression,
               prune_renders, workers, **executor_opts):
    """Pack finished render folders (or folders of them) into WebDataset shards, or into
    the videox-fun or folders file layouts.

    Only clips with a DONE marker are exported; clips already in the dataset are skipped.
    Each bad clip is reported on one line; the exit code is 1 if any was bad.
    """
    from ..executors.cli import executor_from_options
    from ..export import export_dataset
    from ..export.formats import make_format

    export_format = make_format(fmt, flow_video=flow_video, flow_scale=parse_flow_scale(flow_scale),
                                target=target, strict_target=strict_target)

    executor = executor_from_options(executor_opts, workers=workers, progress=sys.stderr.isatty())
    if not math.isfinite(max_fb_p90):
        raise UsageError(f"must be a number of pixels (negative: no limit), got {max_fb_p90}",
                         field="--max-fb-p90")
    summary = export_dataset(
        list(renders), out, members=members, plucker_res=parse_res(plucker_res),
        shard_bytes=parse_size(shard_size), max_fb_p90=None if max_fb_p90 < 0 else max_fb_p90,
        tags=None if tags is None else [t for t in tags.split(",") if t],
        progress=sys.stderr.isatty(), executor=executor, compression=compression,
        prune_renders=prune_renders, fmt=export_format, n_tracks=n_tracks)
    for folder, message in summary.bad:
        click.echo(f"synthgen: skipped clip: {message}" if folder in message
                   else f"synthgen: skipped clip: {folder}: {message}", err=True)
    for key, reason, _ in summary.filtered:
        click.echo(f"filtered {key}: {reason}", err=True)
    for line in summary.warnings:
        click.echo(f"synthgen: warning: {line}", err=True)
    for line in summary.lines():
        click.echo(line)
    if prune_renders:
        click.echo(f"pruned {len(summary.pruned)} render folders")
    if summary.bad and not allow_partial:
        sys.exit(1)
