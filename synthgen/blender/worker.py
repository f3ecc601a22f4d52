"""Render one job into its render folder (see :mod:`synthgen.layout`). Needs bpy.

Public entry: :func:`render_job`. Runs in the ``synthgen render`` subprocess, in the farm
entry script (``entry.py``) and in stock Blender alike.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Callable

import bpy
import numpy as np

from .. import __version__, exrfile, layout
from ..errors import RenderError, UsageError
from ..fsutil import is_inside
from ..job import Job
from ..renderdir import HOST, RenderDir
from . import scene as scene_mod
from .devices import setup_device
from .scene_geometry import geometry_ok, write_geometry

log = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]


def render_job(job: Job, out_dir: Path, *, frames: tuple[int, int] | None = None,
               device: str | None = None, mode: str | None = None,
               progress: Progress | None = None, source: str | None = None,
               threads: int | None = None, notes: Callable[[str], None] | None = None) -> Path:
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
        notes: called with each line the user should see (e.g. frames of an unknown job
            set aside); default: logged as warnings.

    The folder is claimed, checked and finished through :class:`synthgen.renderdir.RenderDir`
    (the one owner of the render-folder contract). Writes ``job.json``, one
    ``frame_####.exr`` per frame (multi-part float32 EXR with the channels of
    :func:`synthgen.layout.required_channels`), ``vertices.npz`` and ``geometry.npz`` when
    asked, ``render.json``,
    then ``DONE`` (holding the job hash). Frames already present and complete are skipped;
    truncated ones are rendered again. Raises :class:`RenderError`.
    """
    job = with_mode(job, mode)
    rdir = RenderDir(_clip_dir(job, Path(out_dir), source))
    if rdir.is_done(job):
        log.info("%s: already done", job.clip_id)
        return rdir.path
    for line in rdir.claim(job, source):
        (notes or log.warning)(line)
    try:
        _render_claimed(job, rdir, frames, device, progress, source, threads)
    finally:
        rdir.release()
    return rdir.path


def _render_claimed(job: Job, rdir: RenderDir, frames, device, progress, source, threads) -> None:
    wanted = _frame_range(job, frames, source)
    todo = [f for f in wanted if not _frame_ok(job, rdir, f)]
    need_vertices = "vertices" in job.outputs and job.subjects and not _vertices_ok(job, rdir.path)
    need_geometry = job.wants_geometry() and not geometry_ok(job, rdir.path)
    if todo or need_vertices or need_geometry:
        scene, built, device_name = _prepare(job, source, threads, device or job.render.device)
        if need_vertices:
            write_vertices(job, built["subjects"], rdir.path)
        if need_geometry:
            write_geometry(job, rdir.path)
        _render_frames(job, scene, rdir, todo, len(wanted), progress)
    else:
        device_name = job.render.device
    checked = set(wanted) - set(todo)
    _finish(job, rdir, device_name, known_good=checked | set(todo))


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


def _temp(final: Path, tag: str = "") -> Path:
    """A hidden temp sibling of ``final`` naming this host and process."""
    return final.with_name(f".{final.name}.{HOST}.{os.getpid()}{tag}.tmp")


def _frame_range(job: Job, frames, source) -> list[int]:
    if frames is None:
        return list(range(job.frame_start, job.frame_end + 1))
    a, b = frames
    if a > b or a < job.frame_start or b > job.frame_end:
        raise UsageError(f"{a}:{b} is outside the clip's frames {job.frame_start}:{job.frame_end}",
                         source=source, field="--frames")
    return list(range(a, b + 1))


def _frame_ok(job: Job, rdir: RenderDir, frame: int) -> bool:
    problem = rdir.frame_problem(job, frame)
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
    if job.render.mode == "geometry":         # no Cycles render: the engine writes the frames
        device_name = "none (geometry mode: computed from geometry.npz)"
    else:
        device_name = setup_device(scene, device, source)
    scene_mod.use_flow_pass(job)
    log.info("%s: scene built, device %s", job.clip_id, device_name)
    return scene, built, device_name


def _render_frames(job: Job, scene, rdir: RenderDir, todo: list[int], total: int,
                   progress: Progress | None) -> None:
    done = total - len(todo)
    engine = _geometry_engine(job, rdir.path) if job.render.mode == "geometry" and todo else None
    for frame in todo:
        t0 = time.perf_counter()
        try:
            render_frame(job, scene, rdir.path, frame, engine)
            rdir.record_time(frame, time.perf_counter() - t0)
        except OSError as exc:
            raise RenderError(f"cannot write frame {frame} into {rdir.path} "
                              f"({exc.strerror or exc})") from None
        rdir.touch_claim()
        done += 1
        if progress:
            progress(frame, done, total)


def render_frame(job: Job, scene, clip_dir: Path, frame: int, engine=None) -> Path:
    """Render one frame (both passes in full mode; in geometry mode the flow layer computed
    by ``engine``) to a temp name, check it, rename it."""
    final = clip_dir / layout.frame_name(frame)
    tmp = _temp(final)
    if engine is not None:
        from ..correspond.frames import write_geometry_frame
        write_geometry_frame(engine, frame, tmp)
    else:
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
        raise RenderError(_space_reason(job, clip_dir) or
                          f"Blender wrote an incomplete frame {frame} ({problem})")
    os.replace(tmp, final)
    return final


def _geometry_engine(job: Job, clip_dir: Path):
    """The correspondence engine on the clip's geometry.npz (geometry mode). It needs
    numba and OpenEXR, which ``pip install synthgen`` brings and stock Blender lacks."""
    import importlib.util

    missing = [m for m in ("numba", "OpenEXR") if importlib.util.find_spec(m) is None]
    if missing:
        raise RenderError(f"geometry mode needs {missing[0]} in this Python (stock Blender lacks "
                          "it): render with `synthgen render --mode geometry` from an environment "
                          "where synthgen is installed")
    from ..correspond.engine import Engine
    from ..correspond.geometry import load_geometry
    return Engine(job, load_geometry(clip_dir, job))


def _space_reason(job: Job, folder: Path) -> str | None:
    """"no space left on device ..." when the disk under ``folder`` cannot hold a frame
    (Blender writes a short file rather than failing when the disk fills up)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize
    frame_bytes = job.width * job.height * 4 * len(layout.required_channels(job.render.mode))
    if free >= max(1 << 20, frame_bytes):
        return None
    return f"no space left on device ({free} bytes free in {folder})"


def _render_still(scene, path: Path) -> None:
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    if not path.is_file():
        raise RenderError(f"Blender did not write {path.name}")


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
def _finish(job: Job, rdir: RenderDir, device_name: str, known_good: set[int]) -> None:
    """render.json and DONE once every frame is there (frames in ``known_good`` were
    checked or written by this run and are not read again)."""
    all_frames = range(job.frame_start, job.frame_end + 1)
    if any(rdir.frame_problem(job, f) for f in all_frames if f not in known_good):
        return
    if "vertices" in job.outputs and job.subjects and not _vertices_ok(job, rdir.path):
        return
    if job.wants_geometry() and not geometry_ok(job, rdir.path):
        return
    full = job.render.mode == "full"
    rdir.finish(job, {
        "synthgen_version": __version__,
        "blender_version": bpy.app.version_string,
        "device": device_name,
        "cpu_threads": bpy.context.scene.render.threads,   # of the run that finished the clip
        "mode": job.render.mode,
        "engine": "geometry (no path tracing)" if job.render.mode == "geometry" else "cycles",
        "width": job.width,
        "height": job.height,
        "frames": [job.frame_start, job.frame_end],
        "samples": {"flow": job.render.samples_flow, "rgb": job.render.samples_rgb if full else 0},
        "filter_width_px": {"flow": job.render.filter_width,
                            "rgb": scene_mod.RGB_FILTER_WIDTH if full else None},
        "denoise_rgb": job.render.denoise if full else False,
        "max_bounces": {"flow": 0, "rgb": job.render.max_bounces if full else None},
        "channels": list(layout.required_channels(job.render.mode)),
        "node": _node_sizing(),
    })


def _node_sizing() -> dict | None:
    """The driver's choice of concurrent jobs and threads (``synthgen render --workers``)."""
    import json
    try:
        return json.loads(os.environ.get("SYNTHGEN_NODE_SIZING", "null"))
    except ValueError:
        return None
