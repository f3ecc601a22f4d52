"""The demo: the whole main job on the embedded defaults, with something worth looking at.

``run_demo(out)`` plans one DynaVid-Human and one DynaVid-Camera clip (preset ``demo``:
480x272, 49 frames, flow mode; :func:`plan_demo_clips` is the one place that chooses them),
derives from each a short full-mode part (its middle :data:`RGB_FRAMES` frames as a clip
of its own, ``<clip_id>-rgb``, so that RGB costs a minute or two instead of ten), renders all four (each in its own subprocess), exports them to WebDataset shards,
writes a side-by-side video (RGB | flow | HSV) per clip and the dataset report page.
``fast=True`` is the tiny demo the tests run: two 128x80, 8-frame flow clips, a preview
picture each, and the report.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from . import layout
from .color import encode_srgb
from .errors import SynthgenError
from .job import Job, load_job

log = logging.getLogger(__name__)

DEMO_PRESET, FAST_PRESET = "demo", "tiny"
#: The demo's clips: (kind, seed offset). Offsets pick draws that look good with the default
#: manifests: a backflip filmed with an arcing forward shot on a city rooftop, and a camera
#: orbiting a backflip in a photo studio.
DEMO_CLIPS = (("human", 0), ("camera", 1))
#: Frames of each clip rendered in full mode (4n+1, like the clips themselves).
RGB_FRAMES = 13
#: Members of the demo's dataset.
MEMBERS = "flow,valid,flow_hsv,plucker,depth,seg,inst_flow,rgb,txt,json"


def plan_demo_clips(out: Path, seed: int, *, fast: bool = False) -> tuple[list[Path], list[str]]:
    """Plan the demo's clips into ``out/jobs/<kind>/``: job paths, and one line per clip
    that could not be planned (the other still goes on)."""
    from .planner import plan
    jobs, errors = [], []
    for kind, offset in DEMO_CLIPS:
        preset, clip_seed = (FAST_PRESET, seed) if fast else (DEMO_PRESET, seed + offset)
        try:
            jobs += plan(preset, 1, clip_seed, out / "jobs" / kind, kind=kind)
        except SynthgenError as exc:      # e.g. no character in the manifests
            errors.append(f"{kind}: {exc}")
    return jobs, errors


def rgb_part(job: Job, n_frames: int, start: int | None = None) -> Job:
    """Rendered frames ``start .. start + n_frames - 1`` (0-based; None: the middle of the
    clip, where the planner puts the action's most dynamic part) of ``job`` as a full-mode
    job of its own, clip id ``<clip_id>-rgb``: the same scene, camera and motion on those
    frames (every per-frame array cut to them and their two boundary frames), the same
    Blender frame numbers, RGB at the job's quality preset."""
    n = min(n_frames, job.n_frames)
    start = (job.n_frames - n) // 2 if start is None else min(max(start, 0), job.n_frames - n)
    data = job.to_dict()

    def cut(seq):
        return seq[start:start + n + 2] if len(seq) == job.n_baked else seq
    cam = data["camera"]
    for name in ("c2w", "focal_mm", "K"):
        cam[name] = cut(cam[name])
    for subject in data["subjects"]:
        subject["source_time_s"] = cut(subject["source_time_s"])
    for prop in data["props"]:
        prop["location"], prop["rotation_quat"] = cut(prop["location"]), cut(prop["rotation_quat"])
    first = job.frame_start + start
    data.update(clip_id=f"{job.clip_id}-rgb", frame_start=first, frame_end=first + n - 1)
    data["render"]["mode"] = "full"
    part = Job.from_dict(data)
    problems = part.validate()
    if problems:
        raise SynthgenError(f"cannot cut an RGB part: {problems[0][0]} {problems[0][1]}",
                            source=job.clip_id)
    return part


def write_rgb_parts(jobs: list[Path], out: Path, n_frames: int = RGB_FRAMES) -> list[Path]:
    """Save :func:`rgb_part` of each job under ``out/jobs/rgb/``; returns their paths."""
    paths = []
    for path in jobs:
        part = rgb_part(load_job(path), n_frames)
        paths.append(part.save(out / "jobs" / "rgb" / f"{part.clip_id}.json"))
    return paths


def preview_frames(folder: Path, frames) -> list[np.ndarray]:
    """The flow pass's unlit preview (its Combined layer) of rendered ``frames``, sRGB uint8."""
    from .export import exr
    out = []
    for f in frames:
        ch = exr.read_channels(folder / layout.frame_name(f), list(layout.FLOW_COMBINED_CHANNELS[:3]))
        lin = np.stack([ch[n] for n in layout.FLOW_COMBINED_CHANNELS[:3]], axis=-1)
        out.append(np.rint(encode_srgb(lin) * 255).astype(np.uint8))
    return out


def write_clip_video(dataset: Path, renders: Path, key: str, path: Path) -> Path:
    """RGB | flow | HSV of clip ``key``: RGB from its full-mode part on the frames it covers,
    the flow pass's unlit preview on the others (each panel says which)."""
    from .dataset import load_sample
    from .report.media import label, write_side_by_side
    sample = load_sample(dataset, key, members=("flow", "flow_hsv", "json"))
    frames = [int(f) for f in sample["json"]["frames"][:len(sample["flow"])]]
    try:
        part = load_sample(dataset, f"{key}-rgb", members=("rgb", "json"))
        rgb = dict(zip(part["json"]["frames"], part["rgb"]))
    except KeyError:                  # the RGB part was not rendered
        rgb = {}
    rest = dict(zip([f for f in frames if f not in rgb],
                    preview_frames(renders / key, [f for f in frames if f not in rgb])))
    sample["rgb"] = np.stack([label(rgb[f], "RGB (full mode)") if f in rgb
                              else label(rest[f], "unlit preview (flow mode)") for f in frames])
    return write_side_by_side(sample, path, labels={"rgb": None})


def run_demo(out: Path, *, seed: int = 0, workers: int = 2, device: str | None = None,
             progress: bool = True, fast: bool = False, echo=print) -> dict:
    """Plan, render, export, picture and report into ``out`` (module doc). Returns
    ``{"render": [JobResult], "export": summary or None, "pictures": [paths], "report": path
    or None, "plan_errors": [str], "seconds": float}``; a clip that cannot be planned or
    rendered is reported and the rest goes on."""
    from .executors import LocalExecutor
    from .executors.render import render_jobs
    from .render import summary_lines

    t0 = time.perf_counter()
    out = Path(out)
    jobs, plan_errors = plan_demo_clips(out, seed, fast=fast)
    for line in plan_errors:
        echo(f"planning the {line}")
    parts = [] if fast else write_rgb_parts(jobs, out)
    echo(f"planned {len(jobs)} clips{'' if fast else f' and {RGB_FRAMES} frames of each in full mode'} "
         f"into {out / 'jobs'}")
    results = render_jobs(LocalExecutor(workers, threads=True, progress=progress), parts + jobs,
                          out / "renders", device=device)
    for line in summary_lines(results):
        echo(line)
    report = {"render": results, "export": None, "pictures": [], "report": None,
              "plan_errors": plan_errors}
    done = [r.folder for r in results if r.ok]
    if done:
        report.update(_present(done, out, progress, fast, echo))
    report["seconds"] = time.perf_counter() - t0
    _where_to_look(report, out, echo)
    return report


def _present(folders: list[Path], out: Path, progress: bool, fast: bool, echo) -> dict:
    """Export ``folders``, then the pictures (side-by-side videos, or previews when fast)
    and the report page."""
    from .export import export_dataset
    from .export.preview import write_preview
    from .report import write_report
    dataset = out / "dataset"
    folders = sorted(folders, key=lambda f: f.name.endswith("-rgb"))     # whole clips first
    summary = export_dataset(folders, dataset, progress=progress, members=None if fast else MEMBERS)
    echo(summary.lines()[0])
    if fast:
        pictures = [write_preview(f, out / f"preview-{f.name}.png") for f in folders]
    else:
        indexed = set(summary.exported) | set(summary.skipped_existing)
        keys = [f.name for f in folders if not f.name.endswith("-rgb") and f.name in indexed]
        pictures = [write_clip_video(dataset, out / "renders", k, out / "side-by-side" / f"{k}.mp4")
                    for k in keys]
    page = write_report(dataset, out / "report.html", progress=progress)
    return {"export": summary, "pictures": pictures, "report": page}


def _where_to_look(report: dict, out: Path, echo) -> None:
    echo(f"demo finished in {report['seconds']:.1f} s: {out}")
    if report["report"] is not None:
        echo(f"  open  {report['report']}   (every clip, its QA, plots of the sampled parameters)")
    for path in report["pictures"]:
        kind = "RGB | flow | HSV" if path.suffix == ".mp4" else "contact sheet"
        echo(f"  watch {path}   ({kind})" if path.suffix == ".mp4" else f"  see   {path}   ({kind})")
    if report["export"] is not None:
        echo(f"  data  {out / 'dataset'}   (WebDataset shards: synthgen.dataset.open_dataset)")
