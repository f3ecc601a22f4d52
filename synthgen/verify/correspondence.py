"""Correspondence checks of ``synthgen verify`` (clips rendered with ``"geometry"``).

The engine (:mod:`synthgen.correspond`) reads ``geometry.npz``; here its results meet
what the renderer wrote, which the engine never reads:

* ``corr_k1`` / ``corr_k1_subjects``: the engine's flow t→t+1 against the Vector pass on
  static and rigid geometry, and on subjects, >= 2 px from discontinuities (a check of the
  Vector pass as much as of the engine);
* ``flow_k``: the engine's flow t→t+K (K in ``gaps``) against the rendered depth at t
  unprojected, moved by the job's prop poses and reprojected with ``K(t+K)``, ``c2w(t+K)``;
  ``flow_k_vertices``: against subject vertices (``vertices.npz``) visible at t;
* ``occ_k``: the engine's visibility at t+K against the rendered depth at t+K, where that
  depth decides (the point lands in frame and matches the depth seen there within 1 %, or
  lands outside the frame, or something at least 5 % nearer is seen there; taps near
  discontinuities leave a pixel undecided);
* ``tracks`` / ``track_vis``: tracks on static and rigid instances against their query
  pixel's rendered depth, moved and reprojected to every later frame, and their visibility
  against the rendered depth as for ``occ_k``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ..correspond import tracks as trackmod
from ..correspond.engine import Engine, Seen
from ..correspond.geometry import has_geometry, load_geometry
from ..correspond.members import track_rng
from ..job import Job
from . import checks
from . import geometry as geo
from .masks import bilinear_taps, sample_bilinear
from .stats import CheckResult, summarize

log = logging.getLogger(__name__)

DEFAULT_GAPS = (2, 4, 8)
VERIFY_TRACKS = 512
DEPTH_TOL = 0.01          # relative: the depth seen is the point's own
FRONT_TOL = 0.05          # relative: something this much nearer hides the point
NAMES = ("corr_k1", "corr_k1_subjects", "flow_k", "flow_k_vertices", "tracks")
AGREEMENT = ("occ_k", "track_vis")


@dataclass
class Exported:
    """Correspondence members of an exported sample, checked instead of the engine's own:
    ``flows`` / ``occs`` K -> float32 / bool arrays, ``tracks`` (query frames as Blender
    frames, instance ids, positions, visibility) or None."""

    flows: dict = field(default_factory=dict)
    occs: dict = field(default_factory=dict)
    tracks: tuple | None = None

    @property
    def gaps(self) -> list[int]:
        return sorted(set(self.flows) | set(self.occs))


def exported_members(sample: dict, job: Job) -> Exported | None:
    """The correspondence members of a decoded sample (None when it has none)."""
    from ..vocabulary import GAP_MEMBER
    out = Exported()
    for name, arr in sample.items():
        m = GAP_MEMBER.match(name)
        if m:
            (out.flows if m.group(1) == "flow" else out.occs)[int(m.group(2))] = np.asarray(
                arr, np.float32 if m.group(1) == "flow" else bool)
    rec = (sample.get("json") or {}).get("correspondence", {}).get("tracks", {})
    if "tracks" in sample and "track_vis" in sample and "query_frame" in rec:
        tr = np.asarray(sample["tracks"])
        qi = np.asarray(rec["query_frame"], np.int64)
        centres = tr[np.arange(len(tr)), qi].astype(np.float64)     # a query sits on its pixel
        out.tracks = (qi + job.frame_start, centres, np.asarray(rec["instance_id"]), tr,
                      np.asarray(sample["track_vis"]))
    return out if (out.flows or out.occs or out.tracks) else None


@dataclass
class _Acc:
    errors: dict = field(default_factory=lambda: {n: [] for n in NAMES})
    counts: dict = field(default_factory=lambda: {n: np.zeros(2, np.int64) for n in AGREEMENT})

    def agree(self, name: str, got: np.ndarray, want: np.ndarray) -> None:
        self.counts[name] += (int((got != want).sum()), got.size)


def correspondence_results(job: Job, clip_dir, paths, vertices, read_frame, *,
                           gaps=DEFAULT_GAPS, n_tracks: int = VERIFY_TRACKS,
                           exported: Exported | None = None) -> list[CheckResult]:
    """Every correspondence check (module doc); skipped with a note without geometry.npz.
    ``read_frame(path, frame)`` gives a :class:`~synthgen.verify.checks.FrameData`. With
    ``exported``, its members are checked instead of the engine's (at its gaps)."""
    ex = exported or Exported()
    gaps = ex.gaps if ex.gaps else gaps
    gaps = [int(k) for k in gaps if 1 < int(k) < job.n_frames]
    if not has_geometry(clip_dir):
        note = "no geometry.npz: render with 'geometry' in job.outputs to check correspondences"
        return _results(_Acc(), note, vertices)
    engine = Engine(job, load_geometry(clip_dir, job))
    frames = list(range(job.frame_start, job.frame_end + 1))
    tracked = ex.tracks if ex.tracks is not None else _tracks(engine, frames, n_tracks)
    acc, fds, seens, anchors = _Acc(), {}, {}, {}
    for k, t in enumerate(frames):
        fd, seen = read_frame(paths[k], t), engine.seen(t)
        fds[t], seens[t] = fd, seen
        _k1(job, engine, seen, fd, acc, ex.flows.get(1), k)
        for K in gaps:
            if k >= K:
                given = (ex.flows.get(K), ex.occs.get(K), k - K)
                _gap(job, engine, seens[t - K], fds[t - K], fd, K, vertices, acc, given)
        _track_frame(job, tracked, anchors, fd, k, acc)
        keep = max(gaps, default=1)
        fds.pop(t - keep, None)
        seens.pop(t - keep, None)
    return _results(acc, "", vertices, gaps)


def _results(acc: _Acc, note: str, vertices, gaps=()) -> list[CheckResult]:
    out = []
    for name in NAMES:
        e = acc.errors[name]
        why = note or ("no vertices.npz" if name == "flow_k_vertices" and not vertices else "")
        if not note and name.startswith("flow_k") and not gaps:
            why = "no gap K with 1 < K < T"
        out.append(CheckResult.evaluate(name, summarize(np.concatenate(e) if e else np.zeros(0)),
                                        note=why))
    for name in AGREEMENT:
        bad, n = acc.counts[name]
        stats = {"n": int(n), "disagree": float(bad / n) if n else None}
        out.append(CheckResult.evaluate(name, stats, unit="fraction", note=note))
    return out


def _static_mask(job: Job, fd: checks.FrameData) -> np.ndarray:
    moving = list(checks.rigid_motions(job, fd.frame))
    ids = checks.static_ids(job) + moving
    return np.isin(fd.ids, ids) & ~fd.bg & ~fd.near & ~fd.blended


def _k1(job: Job, engine: Engine, seen: Seen, fd: checks.FrameData, acc: _Acc,
        given=None, row: int = 0) -> None:
    if given is not None and row >= len(given):
        return                            # the exported flow_k1 has no row for the last frame
    flow = given[row] if given is not None else engine.flow(seen, fd.frame + 1, occlusion=False)[0]
    err = np.linalg.norm(flow.astype(np.float64) - fd.fwd, axis=-1)
    same = (seen.ids == fd.ids) & ~fd.near & ~fd.blended & ~fd.bg
    subjects = np.isin(fd.ids, [s.instance_id for s in job.subjects])
    acc.errors["corr_k1"].append(err[same & _static_mask(job, fd)])
    acc.errors["corr_k1_subjects"].append(err[same & subjects])


def predicted(job: Job, fd: checks.FrameData, to: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flow (H, W, 2) and planar depth (H, W) at ``to`` of the static and rigid pixels of
    ``fd`` from its rendered depth and the job's poses; and the mask where they hold."""
    t = fd.frame
    depth = np.where(fd.bg, 1.0, fd.depth)
    mask = _static_mask(job, fd)
    flow = np.full(fd.shape + (2,), np.nan)
    z = np.full(fd.shape, np.nan)
    motions = checks.rigid_motions(job, t, to)
    p, zz = geo.static_flow(depth, job.K(t), job.c2w(t), job.K(to), job.c2w(to))
    stat = mask & ~np.isin(fd.ids, list(motions))
    flow[stat], z[stat] = p[stat], zz[stat]
    for iid, motion in motions.items():
        m = mask & (fd.ids == iid)
        if m.any():
            p, zz = geo.static_flow(depth, job.K(t), job.c2w(t), job.K(to), job.c2w(to), motion)
            flow[m], z[m] = p[m], zz[m]
    return flow, z, mask


def depth_decides(dst: checks.FrameData, x: np.ndarray, y: np.ndarray, z: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(decided, visible)`` bool of points landing at ``x, y`` with planar depth ``z`` in
    the frame of ``dst``, by its rendered depth (see the module doc)."""
    h, w = dst.shape
    with np.errstate(invalid="ignore"):
        out = ~((x >= 0) & (x < w) & (y >= 0) & (y < h) & (z > 0))
    cols, rows, _, inside = bilinear_taps(x, y, w, h)
    clear = inside & ~dst.near[rows, cols].any(axis=-1) & ~dst.blended[rows, cols].any(axis=-1)
    with np.errstate(divide="ignore"):
        inv = np.where(dst.bg, 0.0, 1.0 / dst.depth.astype(np.float64))
    inv_at, _ = sample_bilinear(inv, x, y)
    with np.errstate(invalid="ignore"):
        ratio = inv_at * z                    # z_point / z_seen
        same = clear & (np.abs(ratio - 1.0) <= DEPTH_TOL)
        front = clear & (ratio >= 1.0 + FRONT_TOL)
    return out | same | front, same & ~out


def _gap(job, engine, seen0, fd0, fd1, K, vertices, acc: _Acc, given=(None, None, 0)) -> None:
    flow_k, occ_k, row = given
    if flow_k is None or occ_k is None:
        flow, vis = engine.flow(seen0, fd1.frame)
    flow = flow if flow_k is None else flow_k[row]
    vis = vis if occ_k is None else occ_k[row]
    pred, z1, mask = predicted(job, fd0, fd1.frame)
    ok = mask & np.isfinite(pred).all(axis=-1) & (seen0.ids == fd0.ids)
    acc.errors["flow_k"].append(np.linalg.norm(flow.astype(np.float64) - pred, axis=-1)[ok])
    grid = geo.pixel_grid(job.width, job.height)
    decided, visible = depth_decides(fd1, grid[..., 0] + pred[..., 0], grid[..., 1] + pred[..., 1], z1)
    acc.agree("occ_k", vis[ok & decided], visible[ok & decided])
    if vertices:
        err, _ = checks.vertex_checks(job, fd0, vertices, gap=K, flow=flow)
        acc.errors["flow_k_vertices"].append(err)


def _tracks(engine: Engine, frames: list[int], n: int):
    sampler = trackmod.QuerySampler(engine, n, track_rng(engine.job))
    previous = None
    for t in frames:
        seen = engine.seen(t)
        sampler.observe(seen, previous)
        previous = seen
    qframe, centres, pts = sampler.draw()
    tr, vis = trackmod.track(engine, frames, pts)
    return qframe, centres, engine.instance_of(pts.obj), tr, vis


def _track_frame(job: Job, tracked, anchors: dict, fd: checks.FrameData, k: int, acc: _Acc) -> None:
    """Record the world points of tracks queried at this frame (from its rendered depth), then
    check every track queried so far at this frame."""
    qframe, centres, inst, tr, vis = tracked
    t = fd.frame
    rigid = set(checks.rigid_motions(job, t))
    static = set(checks.static_ids(job))
    new = np.flatnonzero((qframe == t) & np.isin(inst, list(static | rigid)))
    cols, rows = centres[new, 0].astype(int), centres[new, 1].astype(int)
    keep = ~fd.near[rows, cols] & ~fd.blended[rows, cols] & ~fd.bg[rows, cols]
    new, cols, rows = new[keep], cols[keep], rows[keep]
    if len(new):
        depth = fd.depth.astype(np.float64)[rows, cols]
        ray = np.stack([centres[new, 0], centres[new, 1], np.ones(len(new))], -1) @ np.linalg.inv(job.K(t)).T
        c2w = job.c2w(t)
        anchors.update({int(n): (t, p) for n, p in zip(new, (ray * depth[:, None]) @ c2w[:3, :3].T + c2w[:3, 3])})
    if not anchors:
        return
    ids = np.array(sorted(anchors))
    pts = np.empty((len(ids), 3))
    for frm in {anchors[n][0] for n in ids}:
        motions = checks.rigid_motions(job, frm, t)
        for j in np.flatnonzero([anchors[n][0] == frm for n in ids]):
            p, m = anchors[ids[j]][1], motions.get(int(inst[ids[j]]))
            pts[j] = p if m is None else m[:3, :3] @ p + m[:3, 3]
    uv, z = geo.project_points(pts, job.K(t), job.c2w(t))
    ok = np.isfinite(uv).all(axis=-1)
    acc.errors["tracks"].append(np.linalg.norm(tr[ids[ok], k].astype(np.float64) - uv[ok], axis=-1))
    decided, visible = depth_decides(fd, uv[:, 0], uv[:, 1], z)
    acc.agree("track_vis", vis[ids, k][decided].astype(bool), visible[decided])
