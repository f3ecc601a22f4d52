"""Render one job into its render folder (see :mod:`synthgen.layout`). Needs bpy.

Public entry: :func:`render_job`. Runs in the ``synthgen render`` subprocess, in the farm
entry script (``entry.py``) and in stock Blender alike.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import socket
import time
from pathlib import Path
from typing import Callable

import bpy
import numpy as np

from .. import __version__, layout
from ..errors import RenderError
from ..fsutil import atomic_write_text, is_inside, pid_alive
from ..job import Job
from . import exrfile, scene as scene_mod
from .devices import setup_device

log = logging.getLogger(__name__)

TIMES_FILE = ".frame_times.json"   # per-frame render seconds, kept across resumed runs
STALE_TEMP_S = 3600.0              # temp files older than this are leftovers of killed runs
_HOST = socket.gethostname().replace(".", "-") or "host"
_TEMP_RE = re.compile(r"\.(?P<host>[^.]+)\.(?P<pid>\d+)(\.[a-z]+)?\.tmp$")

Progress = Callable[[int, int, int], None]


def render_job(job: Job, out_dir: Path, *, frames: tuple[int, int] | None = None,
               device: str | None = None, mode: str | None = None,
               progress: Progress | None = None, source: str | None = None,
               threads: int | None = None) -> Path:
    """Render ``job`` into ``out_dir / job.clip_id`` and return that folder.

    Args:
        job: a validated job.
        out_dir: the renders root (``--out``); nothing is written outside it.
        frames: inclusive Blender frame range ``(a, b)`` to render (default: the whole
            clip). ``DONE`` is written only once every frame of the clip is present.
        device: overrides ``job.render.device`` (cpu, cuda, optix, hip, metal, oneapi, auto)
            for this run; where a job renders is not part of the job (render.json says).
        mode: overrides ``job.render.mode`` (flow or full); this changes the outputs, so the
            folder's job.json records the job as rendered (with the new mode).
        progress: called as ``progress(frame, n_done, n_total)`` after each frame.
        source: the job file's path, for error messages.
        threads: CPU render threads for this run (overrides ``job.render.threads``; not
            part of the job, so it never changes the job hash or the output).

    Writes ``job.json``, one ``frame_####.exr`` per frame (multi-part float32 EXR with the
    channels of :func:`synthgen.layout.required_channels`), ``vertices.npz`` when asked,
    ``render.json``, then ``DONE`` (holding the job hash). Frames already present and
    complete are skipped; truncated ones are rendered again. Raises :class:`RenderError`.
    """
    job = with_mode(job, mode)
    clip_dir = _clip_dir(job, Path(out_dir), source)
    done = clip_dir / layout.DONE_FILE
    if done.is_file() and done.read_text().strip() == job.hash():
        log.info("%s: already done", job.clip_id)
        return clip_dir
    _claim_folder(job, clip_dir, source)
    wanted = _frame_range(job, frames, source)
    todo = [f for f in wanted if not _frame_ok(job, clip_dir, f)]
    need_vertices = "vertices" in job.outputs and job.subjects and not _vertices_ok(job, clip_dir)
    if todo or need_vertices:
        scene, built, device_name = _prepare(job, source, threads, device or job.render.device)
        if need_vertices:
            write_vertices(job, built["subjects"], clip_dir)
        _render_frames(job, scene, clip_dir, todo, len(wanted), progress)
    else:
        device_name = job.render.device
    checked = set(wanted) - set(todo)
    _finish(job, clip_dir, device_name, known_good=checked | set(todo))
    return clip_dir


# --------------------------------------------------------------------------- folder
def with_mode(job: Job, mode: str | None) -> Job:
    """``job`` with ``render.mode`` replaced (unchanged when ``mode`` is None)."""
    if not mode or mode == job.render.mode:
        return job
    return dataclasses.replace(job, render=dataclasses.replace(job.render, mode=mode))


def _clip_dir(job: Job, out_dir: Path, source) -> Path:
    clip_dir = out_dir / job.clip_id
    if not is_inside(clip_dir, out_dir) or clip_dir.resolve() == out_dir.resolve():
        raise RenderError(f"{job.clip_id!r} would write outside --out", source=source, field="clip_id")
    if "#" in str(clip_dir.resolve()):
        raise RenderError(f"output path {clip_dir} contains '#', which Blender replaces by the "
                          "frame number; choose another --out", source=source)
    try:
        clip_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create output folder {clip_dir} ({exc.strerror})", source=source) from None
    if not os.access(clip_dir, os.W_OK):
        raise RenderError(f"output folder {clip_dir} is not writable", source=source)
    return clip_dir


def _claim_folder(job: Job, clip_dir: Path, source) -> None:
    """Write job.json, after checking that frames already in the folder (if any) were
    rendered from this exact job."""
    path = clip_dir / layout.JOB_FILE
    if path.is_file():
        try:
            old = Job.from_json(path.read_text(encoding="utf-8")).hash()
        except Exception:   # a corrupt leftover: overwrite it below
            old = None
        has_output = any(clip_dir.glob("frame_*.exr")) or (clip_dir / layout.VERTICES_FILE).exists()
        if old is not None and old != job.hash() and has_output:
            raise RenderError(f"{clip_dir} holds frames of a different job (hash {old[:12]}); "
                              "delete the folder or use another --out", source=source)
    (clip_dir / layout.DONE_FILE).unlink(missing_ok=True)
    atomic_write_text(path, job.to_json())
    _remove_stale_temps(clip_dir)


def _temp(final: Path, tag: str = "") -> Path:
    """A hidden temp sibling of ``final`` naming this host and process."""
    return final.with_name(f".{final.name}.{_HOST}.{os.getpid()}{tag}.tmp")


def _remove_stale_temps(clip_dir: Path) -> None:
    """Delete temp files of killed runs: this host's dead processes, or older than an hour."""
    now = time.time()
    for tmp in clip_dir.glob(".*.tmp"):
        m = _TEMP_RE.search(tmp.name)
        try:
            mine = m is not None and m["host"] == _HOST
            if (mine and not pid_alive(int(m["pid"]))) or now - tmp.stat().st_mtime > STALE_TEMP_S:
                tmp.unlink()
        except (OSError, ValueError, IndexError):
            pass



def _frame_range(job: Job, frames, source) -> list[int]:
    if frames is None:
        return list(range(job.frame_start, job.frame_end + 1))
    a, b = frames
    if a > b or a < job.frame_start or b > job.frame_end:
        raise RenderError(f"{a}:{b} is outside the clip's frames {job.frame_start}:{job.frame_end}",
                          source=source, field="frames")
    return list(range(a, b + 1))


def frame_problem(job: Job, clip_dir: Path, frame: int) -> str | None:
    """Why the frame file of ``frame`` is missing or incomplete (``None`` when it's fine)."""
    path = clip_dir / layout.frame_name(frame)
    if not path.is_file():
        return "missing"
    return exrfile.check(path, job.width, job.height, layout.required_channels(job.render.mode))


def _frame_ok(job: Job, clip_dir: Path, frame: int) -> bool:
    problem = frame_problem(job, clip_dir, frame)
    if problem and problem != "missing":
        log.warning("%s: re-rendering %s (%s)", job.clip_id, layout.frame_name(frame), problem)
    return problem is None


# --------------------------------------------------------------------------- rendering
def _prepare(job: Job, source, threads: int | None = None, device: str = "cpu"):
    scene = scene_mod.reset()
    built = scene_mod.build(job, source)
    scene_mod.setup_render(job)
    if threads:
        scene.render.threads_mode, scene.render.threads = "FIXED", threads
    device_name = setup_device(scene, device, source)
    scene_mod.use_flow_pass(job)
    log.info("%s: scene built, device %s", job.clip_id, device_name)
    return scene, built, device_name


def _render_frames(job: Job, scene, clip_dir: Path, todo: list[int], total: int,
                   progress: Progress | None) -> None:
    times = _read_times(clip_dir)
    done = total - len(todo)
    for frame in todo:
        t0 = time.perf_counter()
        render_frame(job, scene, clip_dir, frame)
        times[str(frame)] = round(time.perf_counter() - t0, 4)
        atomic_write_text(clip_dir / TIMES_FILE, json.dumps(times, sort_keys=True))
        done += 1
        if progress:
            progress(frame, done, total)


def render_frame(job: Job, scene, clip_dir: Path, frame: int) -> Path:
    """Render one frame (both passes in full mode) to a temp name, check it, rename it."""
    final = clip_dir / layout.frame_name(frame)
    tmp = _temp(final)
    scene.frame_set(frame)
    if job.render.mode == "full":     # flow mode keeps the flow settings (persistent data)
        scene_mod.use_flow_pass(job)
    _render_still(scene, tmp)
    if job.render.mode == "full":
        rgb_tmp, merged = _temp(final, ".rgb"), _temp(final, ".merged")
        scene_mod.use_rgb_pass(job)
        _render_still(scene, rgb_tmp)
        exrfile.merge([tmp, rgb_tmp], merged)
        rgb_tmp.unlink()
        os.replace(merged, tmp)
    problem = exrfile.check(tmp, job.width, job.height, layout.required_channels(job.render.mode),
                            decode=False)
    if problem:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"Blender wrote an incomplete frame {frame} ({problem})")
    os.replace(tmp, final)
    return final


def _render_still(scene, path: Path) -> None:
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    if not path.is_file():
        raise RenderError(f"Blender did not write {path.name}")


def _read_times(clip_dir: Path) -> dict:
    try:
        return json.loads((clip_dir / TIMES_FILE).read_text())
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- vertices
def write_vertices(job: Job, handles: list, clip_dir: Path) -> Path:
    """``vertices.npz``: ``inst_<id>`` float32 [n_baked, V, 3] world-space vertices of each
    subject at frames frame_start-1 .. frame_end+1, and ``frames`` int32 [n_baked]."""
    frames = list(job.baked_frames())
    arrays = {"frames": np.asarray(frames, dtype=np.int32)}
    for spec, handle in zip(job.subjects, handles):
        verts = [np.asarray(handle.evaluated_vertices(f), dtype=np.float32) for f in frames]
        if len({v.shape for v in verts}) != 1:
            raise RenderError("vertex count changes between frames (motion vectors would be lost)",
                              field=f"subjects[{spec.instance_id}]")
        arrays[f"inst_{spec.instance_id}"] = np.stack(verts)
    final = clip_dir / layout.VERTICES_FILE
    tmp = _temp(final)
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, final)
    return final


def _vertices_ok(job: Job, clip_dir: Path) -> bool:
    path = clip_dir / layout.VERTICES_FILE
    if not path.is_file():
        return False
    try:
        with np.load(path) as data:
            return all(data[f"inst_{s.instance_id}"].shape[0] == job.n_baked for s in job.subjects)
    except Exception:   # unreadable/truncated: write it again
        return False


# --------------------------------------------------------------------------- finish
def _finish(job: Job, clip_dir: Path, device_name: str, known_good: set[int]) -> None:
    """render.json and DONE once every frame is there (frames in ``known_good`` were
    checked or written by this run and are not read again)."""
    all_frames = range(job.frame_start, job.frame_end + 1)
    if any(frame_problem(job, clip_dir, f) for f in all_frames if f not in known_good):
        return
    if "vertices" in job.outputs and job.subjects and not _vertices_ok(job, clip_dir):
        return
    times = _read_times(clip_dir)
    info = {
        "clip_id": job.clip_id,
        "job_hash": job.hash(),
        "synthgen_version": __version__,
        "blender_version": bpy.app.version_string,
        "device": device_name,
        "cpu_threads": bpy.context.scene.render.threads,   # of the run that finished the clip
        "mode": job.render.mode,
        "width": job.width,
        "height": job.height,
        "frames": [job.frame_start, job.frame_end],
        "samples": {"flow": job.render.samples_flow,
                    "rgb": job.render.samples_rgb if job.render.mode == "full" else 0},
        "filter_width_px": {"flow": job.render.filter_width,
                            "rgb": scene_mod.RGB_FILTER_WIDTH if job.render.mode == "full" else None},
        "denoise_rgb": job.render.denoise if job.render.mode == "full" else False,
        "max_bounces": {"flow": 0, "rgb": job.render.max_bounces if job.render.mode == "full" else None},
        "channels": list(layout.required_channels(job.render.mode)),
        "frame_times_s": [times.get(str(f)) for f in all_frames],
    }
    atomic_write_text(clip_dir / layout.RENDER_INFO_FILE, json.dumps(info, indent=1))
    atomic_write_text(clip_dir / layout.DONE_FILE, job.hash() + "\n")
