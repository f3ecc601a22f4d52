"""Verify one render folder: read its job, frame EXRs and vertices, run every check.

The flow checked is the product: the Vector pass converted and background-filled by
:mod:`synthgen.export.flow`, exactly as the exporter writes it. The predictions it is checked
against come from :mod:`synthgen.verify.geometry` and never read the Vector pass.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from .. import layout
from ..errors import CorrespondenceError, ExportError, VerifyError
from ..export import exr as exr_io
from ..export import flow as flow_io
from ..export import qa
from ..export.shards import read_sample
from ..job import Job
from ..renderdir import RenderDir
from . import checks
from .correspondence import DEFAULT_GAPS, correspondence_results, exported_members
from .masks import instance_ids
from .stats import CheckResult, summarize

log = logging.getLogger(__name__)



@dataclass
class FrameReport:
    """Per-frame figures and the arrays the error pictures are drawn from (handed to
    ``on_frame`` as each frame is checked, not kept: a long clip's maps would not fit)."""

    frame: int
    stats: dict[str, dict]
    pixel_error: np.ndarray                    # (H, W) EPE of pixel checks, NaN unchecked
    vertex_uv: np.ndarray                      # (N, 2) checked vertex positions at t
    vertex_error: np.ndarray                   # (N,)
    fb_error: np.ndarray                       # (H, W) fb error on valid pixels, NaN elsewhere


@dataclass
class Report:
    """Everything :func:`verify_clip` found. ``passed`` is False when any goal failed."""

    clip_dir: Path
    clip_id: str
    job_hash: str
    mode: str
    checks: list[CheckResult]
    frames: list[dict] = field(default_factory=list)        # {"frame": t, "stats": {check: stats}}

    @property
    def passed(self) -> bool:
        return all(c.passed is not False for c in self.checks)

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)


def load_clip(clip_dir: str | Path) -> tuple[Job, list[Path]]:
    """The job of a finished render folder and its frame EXR paths (rendered frames, in
    order); "finished" is :meth:`synthgen.renderdir.RenderDir.load`'s rule."""
    done = RenderDir(clip_dir).load(VerifyError)
    return done.job, done.frames


def load_vertices(clip_dir: Path, job: Job) -> dict[int, np.ndarray] | None:
    """``vertices.npz`` as instance id -> float64 ``[n_baked, V, 3]``; ``None`` when absent.

    A missing file is an error only when the job asked for it (``"vertices"`` in outputs).
    """
    path = clip_dir / layout.VERTICES_FILE
    if not path.is_file():
        if "vertices" in job.outputs and job.subjects:
            raise VerifyError("file is missing although the job lists 'vertices' in outputs",
                              source=str(path))
        return None
    try:
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # zipfile/pickle/ValueError: a corrupt file
        raise VerifyError(f"unreadable npz ({exc.__class__.__name__}: {exc})", source=str(path)) from None
    out = {}
    for key, arr in arrays.items():
        if not key.startswith("inst_"):
            continue
        try:
            iid = int(key[5:])
        except ValueError:
            raise VerifyError("key must be inst_<instance id>", source=str(path), field=key) from None
        if arr.ndim != 3 or arr.shape[0] != job.n_baked or arr.shape[2] != 3:
            raise VerifyError(f"shape {arr.shape}, expected [{job.n_baked}, V, 3] "
                              "(frames + 2 boundary frames)", source=str(path), field=key)
        out[iid] = arr.astype(np.float64)
    return out


def read_frame_data(path: Path, job: Job, frame: int, *, rgb: bool) -> checks.FrameData:
    """Read one frame EXR and turn it into product flows (background filled) and masks."""
    try:
        passes = exr_io.read_frame(path, rgb=rgb, expect_shape=(job.height, job.width))
    except ExportError as exc:
        raise VerifyError(exc.reason, source=exc.source, field=exc.field) from None
    fwd, bwd = flow_io.vector_to_flows(passes.vector)
    flow_io.fill_background(fwd, passes.depth, job.K(frame), job.c2w(frame),
                            job.K(frame + 1), job.c2w(frame + 1))
    flow_io.fill_background(bwd, passes.depth, job.K(frame), job.c2w(frame),
                            job.K(frame - 1), job.c2w(frame - 1))
    ids, blended = instance_ids(passes.index)
    colour = None if passes.rgb is None else passes.rgb[..., :3]
    return checks.FrameData(frame, fwd, bwd, passes.depth, ids, blended, colour)


def load_exported(source: str | Path, job: Job) -> tuple[np.ndarray, np.ndarray | None]:
    """The exported ``flow`` (and ``flow_bwd`` when present) of ``job``'s clip from a dataset
    folder or shard: float32 ``[T-1, H, W, 2]`` each, ``flow[i]`` maps rendered frame i to
    i+1 and ``flow_bwd[i]`` frame i+1 to i (the exporter's pairing)."""
    sample = read_sample(Path(source), job.clip_id, decode_video=False, error=VerifyError)
    want = (job.n_frames - 1, job.height, job.width, 2)
    out = []
    for name in ("flow", "flow_bwd"):
        arr = sample.get(name)
        if arr is not None and tuple(arr.shape) != want:
            raise VerifyError(f"shape {tuple(arr.shape)}, the job implies {want}",
                              source=f"{source}:{job.clip_id}", field=name)
        out.append(None if arr is None else np.asarray(arr, np.float32))
    if out[0] is None:
        raise VerifyError("the sample has no flow member", source=f"{source}:{job.clip_id}", field="flow")
    return out[0], out[1]


def verify_clip(clip_dir: str | Path, *, sample: str | Path | None = None,
                on_frame: Callable[[FrameReport], None] | None = None,
                progress: bool = False, gaps=DEFAULT_GAPS) -> Report:
    """Run every check on the render folder ``clip_dir``; see :data:`stats.CHECKS`.

    With ``sample`` (a dataset folder or shard holding the exported clip), the exported
    float16 flows are checked instead of the ones converted here from the EXRs; the last
    rendered frame, whose forward flow the exporter does not write, is then left out.
    ``on_frame`` receives each frame's :class:`FrameReport` (e.g.
    :class:`synthgen.verify.report.PictureWriter`). Raises :class:`VerifyError` for missing
    or unreadable inputs. Frames are streamed: at most two frames' passes are in memory at
    once, plus the float32 error samples the percentiles are taken from. A clip rendered with
    ``"geometry"`` also gets the correspondence checks of
    :mod:`synthgen.verify.correspondence` at frame gaps 1 and ``gaps`` (those below T); with
    ``sample``, the sample's own flow_k / occ_k / tracks members are checked where it has them.
    """
    clip_dir = Path(clip_dir)
    job, paths = load_clip(clip_dir)
    vertices = load_vertices(clip_dir, job)
    exported = load_exported(sample, job) if sample is not None else None
    rgb = job.render.mode == "full"
    frames = list(range(job.frame_start, job.frame_end + 1))
    samples: dict[str, list[np.ndarray]] = {k: [] for k in
                                            ("static", "background", "rigid", "edges", "vertices", "fb")}
    photo = np.zeros(3)
    unknown = np.zeros(2, np.int64)            # pixels with an id the job does not list, all pixels
    known_ids = np.array(sorted(job.instances()))
    reports: list[dict] = []
    nxt = read_frame_data(paths[0], job, frames[0], rgb=rgb)
    for k, t in enumerate(tqdm(frames, desc=f"verify {job.clip_id}", unit="frame",
                               disable=not progress, leave=False)):
        cur = nxt
        nxt = read_frame_data(paths[k + 1], job, frames[k + 1], rgb=rgb) if k + 1 < len(frames) else None
        if exported is not None:
            if nxt is None:
                break                  # the exporter writes no forward flow for the last frame
            _use_exported(cur, nxt, exported, k)
        fr = _frame_checks(job, cur, nxt, vertices)
        unknown += (int((~np.isin(cur.ids, known_ids)).sum()), cur.ids.size)
        for name, errs in fr.pop("errors").items():
            samples[name].append(errs.astype(np.float32))
        photo += fr.pop("photo")
        reports.append({"frame": t, "stats": fr["stats"]})
        if on_frame is not None:
            on_frame(FrameReport(**fr))
    results = [CheckResult.evaluate(name, summarize(np.concatenate(s) if s else np.zeros(0)),
                                    note=_note(name, job, vertices))
               for name, s in samples.items()]
    results.append(_photometric_result(job, photo))
    results.append(CheckResult.evaluate("ids", {"n": int(unknown[1]), "unknown": int(unknown[0])},
                                        unit="pixels", note=f"job ids {known_ids.tolist()}"))
    results += _correspondence(job, clip_dir, paths, vertices, gaps, sample)
    report = Report(clip_dir, job.clip_id, job.hash(), job.render.mode, results, reports)
    log.info("verified %s: %s", job.clip_id, "pass" if report.passed else "FAIL")
    return report


def _correspondence(job: Job, clip_dir: Path, paths, vertices, gaps, sample) -> list[CheckResult]:
    exported = None
    if sample is not None:
        got = read_sample(Path(sample), job.clip_id, decode_video=False, error=VerifyError)
        exported = exported_members(got, job)
    try:
        return correspondence_results(job, clip_dir, paths, vertices,
                                      lambda p, f: read_frame_data(p, job, f, rgb=False), gaps=gaps,
                                      exported=exported)
    except CorrespondenceError as exc:
        raise VerifyError(exc.reason, source=exc.source, field=exc.field) from None


def _use_exported(cur: checks.FrameData, nxt: checks.FrameData, exported, k: int) -> None:
    fwd, bwd = exported
    cur.fwd = fwd[k]
    if bwd is not None:
        nxt.bwd = bwd[k]


def _frame_checks(job: Job, cur: checks.FrameData, nxt: checks.FrameData | None,
                  vertices: dict[int, np.ndarray] | None) -> dict:
    pix = checks.pixel_checks(job, cur)
    errors = dict(pix.errors)
    v_err, v_uv = (checks.vertex_checks(job, cur, vertices) if vertices
                   else (np.zeros(0), np.zeros((0, 2))))
    errors["vertices"] = v_err
    fb_map = np.full(cur.shape, np.nan)
    photo = np.zeros(3)
    if nxt is not None:
        valid, xt, yt = checks.fb_valid(cur, nxt, pix.z_next)
        errors["fb"] = checks.fb_errors(cur, nxt, valid, xt, yt)
        fb_map[valid] = errors["fb"]
        if cur.rgb is not None:
            geo_flow = np.where(np.isfinite(pix.pred), pix.pred, cur.fwd)
            photo_valid, _, _ = checks.fb_valid(cur, nxt, pix.z_next, geo_flow)
            photo += checks.photometric_sums(cur, nxt, photo_valid)
    else:
        errors["fb"] = np.zeros(0)      # t+1 is the boundary frame: no backward flow rendered
    stats = {name: summarize(e) for name, e in errors.items()}
    return {"frame": cur.frame, "stats": stats, "pixel_error": pix.error_map, "vertex_uv": v_uv,
            "vertex_error": v_err, "fb_error": fb_map, "errors": errors, "photo": photo}


def _note(name: str, job: Job, vertices) -> str:
    if name == "vertices" and job.subjects and not vertices:
        return "no vertices.npz: render with 'vertices' in job.outputs to check subjects"
    if name == "rigid" and not any(not p.is_static for p in job.props):
        return "no moving props in the job"
    if name == "fb" and job.n_frames < 2:
        return "needs two rendered frames"
    return ""


def _photometric_result(job: Job, photo: np.ndarray) -> CheckResult:
    warp, ident, n = photo
    if job.render.mode != "full":
        return CheckResult.evaluate("photometric", {"n": 0}, unit="ratio",
                                    note=f"{job.render.mode} mode: no RGB")
    if qa.photometric_ratio(photo) is None:
        return CheckResult.evaluate("photometric", {"n": 0}, unit="ratio",
                                    note=f"{int(n)} textured moving pixels: too few to judge")
    stats = {"n": int(n), "mae_warp": warp / (3 * n), "mae_identity": ident / (3 * n),
             "ratio": warp / ident}
    return CheckResult.evaluate("photometric", stats, unit="ratio")
