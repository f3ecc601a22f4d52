"""One clip: validate its render folder, then stream its frames into member files.

Frames are read one at a time; every array member is written frame by frame into a
``.npy`` file in a scratch folder, so peak memory is a few frames whatever the clip length.

Frame pairing (T rendered frames): ``flow[i]`` maps rendered frame i to i+1 (from frame i's
Vector pass), ``flow_bwd[i]`` maps frame i+1 back to i (from frame i+1's), ``valid[i]``
belongs to ``flow[i]``; i = 0 .. T-2.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import layout
from ..color import encode_srgb
from ..correspond import names as corr
from ..errors import CorrespondenceError, ExportError
from ..job import Job
from ..renderdir import RenderDir
from . import exr, flow as flowmod, hsv, plucker
from .blas import keep_freed_memory, single_threaded_blas
from .npy import NpyStreamWriter
from .members import DEFAULT_MEMBERS, is_member
from .qa import ClipQA, people_clearance, photometric_sums
from .video import VideoWriter

log = logging.getLogger(__name__)

#: A sample key: WebDataset splits member names at the first dot, tar names must be safe.
SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")



@dataclass
class ClipSource:
    """A finished, validated render folder."""

    path: Path
    job: Job
    render_info: dict
    frames: list[Path]

    @property
    def key(self) -> str:
        return self.job.clip_id


@dataclass
class ClipOptions:
    members: tuple[str, ...] | None = DEFAULT_MEMBERS   # None: each job's own outputs
    #: with ``members`` None: job outputs the export format writes its own way (not members)
    replaced: tuple[str, ...] = ()

    def for_job(self, job: Job) -> "ClipOptions":
        """These options with ``members`` decided for ``job``: the ones asked for, or (None)
        the job's ``outputs`` (the preset's ``[render] outputs``) that are members."""
        if self.members is not None:
            return self
        own = tuple(m for m in job.outputs if is_member(m)) or DEFAULT_MEMBERS
        return dataclasses.replace(self, members=tuple(m for m in own if m not in self.replaced))
    plucker_res: tuple[int, int] | None = None      # (w, h); None = render size / 8
    fb_alpha: float = flowmod.FB_ALPHA
    fb_beta: float = flowmod.FB_BETA
    hsv_pix_fmt: str = "yuv444p"
    hsv_crf: int = 4
    hsv_preset: str = "ultrafast"     # x264: faster and closer to the input than veryfast
    tags: list[str] | None = None                   # None = the job's caption tags
    compression: str = "zstd"                       # array members: zstd (SGZ) | none
    n_tracks: int = corr.DEFAULT_TRACKS             # query points of the tracks member


@dataclass
class ClipResult:
    """Computed members: ``files`` (member -> path in the scratch folder) and small values."""

    key: str
    files: dict[str, Path] = field(default_factory=dict)
    s_f: float = 0.0
    qa: dict = field(default_factory=dict)
    instances: dict = field(default_factory=dict)
    plucker_size: tuple[int, int] = (0, 0)
    #: member -> tar suffix where it differs from :data:`SUFFIX` (``flow.npy.zst``), and
    #: member -> codec header + sizes (see :mod:`synthgen.export.codec`)
    suffixes: dict[str, str] = field(default_factory=dict)
    codecs: dict[str, dict] = field(default_factory=dict)
    #: the json's ``correspondence`` record (flow_k, occ_k, tracks, scene_flow asked)
    correspondence: dict = field(default_factory=dict)


def load_clip(path: str | Path) -> ClipSource:
    """Check that ``path`` is a finished render folder and return its job and frame files.

    "Finished" is :meth:`synthgen.renderdir.RenderDir.load`'s rule. Raises
    :class:`ExportError` naming the file and reason: no DONE marker, unreadable job, DONE
    written for another job, missing or changed frames, a clip id unfit as a sample key.
    """
    done = RenderDir(path).load(ExportError)
    if not SAFE_KEY.match(done.job.clip_id):
        raise ExportError(f"clip id {done.job.clip_id!r} cannot be a WebDataset key (letters, "
                          "digits, '_' and '-' only)", source=str(done.path / layout.JOB_FILE),
                          field="clip_id")
    if len(done.frames) < 2:
        raise ExportError("a clip needs at least 2 rendered frames for flow", source=str(done.path))
    return ClipSource(path=done.path, job=done.job, render_info=done.info, frames=done.frames)


def _srgb8(linear: np.ndarray) -> np.ndarray:
    """Linear RGB(A) float -> sRGB uint8 RGB (H, W, 3)."""
    return np.rint(encode_srgb(linear[..., :3]) * 255.0).astype(np.uint8)


def _seg_dtype(job: Job):
    return np.uint8 if max(job.instances()) < 256 else np.uint16


def compute_clip(src: ClipSource, scratch: Path, opts: ClipOptions) -> ClipResult:
    """Stream the frames of ``src`` into member files under ``scratch`` (must exist).

    Writes ``flow.npy`` always (the HSV video is encoded from it), and the other members
    in ``opts.members``. Returns paths, ``s_f`` and QA; raises :class:`ExportError` on bad
    frames (the caller discards ``scratch``).
    """
    keep_freed_memory()                # see synthgen.export.blas: page faults per frame
    with single_threaded_blas():       # and spinning BLAS workers
        return _compute_clip(src, scratch, opts)


def _compute_clip(src: ClipSource, scratch: Path, opts: ClipOptions) -> ClipResult:
    opts = opts.for_job(src.job)
    job, members = src.job, set(opts.members)
    _check_correspondence(src, opts.members)
    if "rgb" in members and job.render.mode != "full":
        log.info("%s: rgb requested but the clip was rendered in flow mode", src.key)
    res = ClipResult(key=src.key)
    qa = ClipQA(min((s.instance_id for s in job.subjects), default=None))
    inst_sums: dict[int, list] = {}
    writers = _array_writers(job, members, scratch)
    try:
        seg0 = _stream_frames(src, writers, qa, inst_sums, opts)
    finally:
        for w in writers.values():
            w.close()
    res.files.update({name: w.path for name, w in writers.items()})
    res.s_f = qa.mag.percentile(99) or 0.0
    if "flow_hsv" in members:
        res.files["flow_hsv"] = _write_hsv(scratch / "flow_hsv.mp4", res.files["flow"], res.s_f,
                                           job.fps, opts)
    if "plucker" in members:
        res.files["plucker"], res.plucker_size = _write_plucker(scratch / "plucker.npy", job, opts)
    res.instances = _instance_vectors(job, inst_sums, seg0)
    if "inst_flow" in members:
        res.files["inst_flow"] = _write_inst_flow(scratch / "inst_flow.npy", seg0, res.instances)
    if corr.requested(opts.members):
        _write_correspondence(src, scratch, opts, res)
    c2ws = np.stack([job.c2w(f) for f in range(job.frame_start, job.frame_end + 1)])
    res.qa = qa.result(float(flowmod.angular_speed_deg_s(c2ws, job.fps).max()))
    if len(job.subjects) > 1:
        res.qa["people_clearance_m"] = people_clearance(job)
    return res


def _check_correspondence(src: ClipSource, members) -> None:
    try:
        corr.check(src.path, src.job, members)
    except CorrespondenceError as exc:
        raise ExportError(exc.reason, source=exc.source, field=exc.field) from None


def _write_correspondence(src: ClipSource, scratch: Path, opts: ClipOptions, res: ClipResult) -> None:
    """flow_k / occ_k / tracks / scene_flow members (:mod:`synthgen.correspond.members`)."""
    from ..correspond.members import write_members   # the engine imports export.flow
    try:
        files, res.correspondence = write_members(src.path, src.job, opts.members, scratch,
                                                       n_tracks=opts.n_tracks)
    except CorrespondenceError as exc:
        raise ExportError(exc.reason, source=exc.source, field=exc.field) from None
    res.files.update(files)


def _array_writers(job: Job, members: set, scratch: Path) -> dict:
    """Member -> streaming writer in ``scratch`` (``flow`` always: the HSV video reads it)."""
    T, H, W = job.n_frames, job.height, job.width
    shapes = {"flow": ((T - 1, H, W, 2), np.float16), "flow_bwd": ((T - 1, H, W, 2), np.float16),
              "valid": ((T - 1, H, W), np.uint8), "depth": ((T, H, W), np.float32),
              "seg": ((T, H, W), _seg_dtype(job))}
    writers = {name: NpyStreamWriter(scratch / f"{name}.npy", *spec) for name, spec in shapes.items()
               if name == "flow" or name in members}
    if "rgb" in members and job.render.mode == "full":
        writers["rgb"] = VideoWriter(scratch / "rgb.mp4", W, H, job.fps)
    return writers


def _stream_frames(src: ClipSource, writers: dict, qa: ClipQA, inst_sums: dict,
                   opts: ClipOptions):
    """Read, convert and write every frame (pairs as they complete); returns frame 0's ids."""
    job = src.job
    known_ids = np.array(sorted(job.instances()))
    full = job.render.mode == "full"      # RGB is read for the photometric gate too
    seg0 = prev = None   # prev: (forward flow float32, behind mask, seg, rgb8) of frame t-1
    for k, fr in enumerate(_prefetched(job, src.frames, full, _seg_dtype(job),
                                       depth="depth" in writers)):
        qa.add_frame(fr.seg, fr.bg)
        qa.add_ids(fr.seg, known_ids)
        seg0 = fr.seg if k == 0 else seg0
        for name, value in (("depth", fr.depth), ("seg", fr.seg), ("rgb", fr.rgb8)):
            if name in writers:
                writers[name].write(value)
        if prev is not None:
            _write_pair(prev, fr, writers, qa, inst_sums, opts)
        prev = (fr.fwd, fr.behind, fr.seg, fr.rgb8)
    return seg0


@dataclass
class FrameFlows:
    """One rendered frame, converted: flows float32 (H, W, 2) with the background filled,
    ``behind`` / ``bg`` bool (H, W), ``seg`` ids, ``depth`` float32 (+inf background),
    ``rgb8`` uint8 sRGB (H, W, 3) or None."""

    fwd: np.ndarray
    bwd: np.ndarray
    behind: np.ndarray
    bg: np.ndarray
    seg: np.ndarray
    depth: np.ndarray
    rgb8: np.ndarray | None


def frame_flows(job: Job, path: Path, frame: int, rgb: bool, seg_dtype, *,
                depth: bool = True) -> FrameFlows:
    """Read Blender frame ``frame`` and convert it (docs/CONVENTIONS.md §4: signs, background fill).
    ``depth=False`` leaves ``FrameFlows.depth`` None (not exported: skip the pass)."""
    ch = exr.read_frame_channels(path, rgb=rgb, expect_shape=(job.height, job.width))
    return convert_frame(job, ch, frame, rgb, seg_dtype, depth=depth)


def convert_frame(job: Job, ch: dict[str, np.ndarray], frame: int, rgb: bool, seg_dtype, *,
                  depth: bool = True) -> FrameFlows:
    """:func:`frame_flows` from channels already read by :func:`exr.read_frame_channels`."""
    fwd, bwd = flowmod.channels_to_flows(*(ch[n] for n in layout.VECTOR_CHANNELS))
    z = ch[layout.DEPTH_CHANNEL]
    behind = flowmod.fill_background(fwd, z, job.K(frame), job.c2w(frame),
                                     job.K(frame + 1), job.c2w(frame + 1))
    flowmod.fill_background(bwd, z, job.K(frame), job.c2w(frame),
                            job.K(frame - 1), job.c2w(frame - 1))
    bg = flowmod.background_mask(z)
    seg = np.rint(np.nan_to_num(ch[layout.INDEX_CHANNEL])).astype(seg_dtype)
    dep = np.where(bg, np.float32(np.inf), z) if depth else None
    rgb8 = _srgb8(np.stack([ch[n] for n in layout.RGB_CHANNELS], axis=-1)) if rgb else None
    return FrameFlows(fwd, bwd, behind, bg, seg, dep, rgb8)


#: EXR reader threads: decompression releases the GIL, so two readers read a clip about
#: twice as fast as one on two cores, and the conversion in the caller sets the pace.
READ_THREADS = 2


def _prefetched(job: Job, paths: list[Path], rgb: bool, seg_dtype, depth: bool = True):
    """Yield :class:`FrameFlows` in order. :data:`READ_THREADS` threads read (decompress)
    the next frames' EXRs while this one converts the current frame and the caller works on
    it; at most ``READ_THREADS`` frames are read ahead."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    shape = (job.height, job.width)
    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="exr") as pool:
        pending: deque = deque()
        queued = 0

        def read_ahead() -> None:
            nonlocal queued
            while queued < len(paths) and len(pending) < READ_THREADS:
                pending.append(pool.submit(exr.read_frame_channels, paths[queued], rgb=rgb,
                                           expect_shape=shape))
                queued += 1

        for k in range(len(paths)):
            read_ahead()
            ch = pending.popleft().result()
            read_ahead()
            yield convert_frame(job, ch, job.frame_start + k, rgb, seg_dtype, depth=depth)
            del ch


def _write_pair(prev, nxt: "FrameFlows", writers, qa: ClipQA, inst_sums, opts: ClipOptions) -> None:
    """Write flow pair (t, t+1): forward flow of t, backward flow of t+1, validity; QA."""
    fwd, behind, seg, rgb8 = prev
    fwd16 = fwd.astype(np.float16)
    writers["flow"].write(fwd16)
    if "flow_bwd" in writers:
        writers["flow_bwd"].write(nxt.bwd.astype(np.float16))
    valid, err, _, mag = flowmod.fb_check(fwd, nxt.bwd, alpha=opts.fb_alpha, beta=opts.fb_beta)
    valid &= ~behind
    if "valid" in writers:
        writers["valid"].write(valid.view(np.uint8))
    qa.add_pair(mag, err, valid)
    if rgb8 is not None and nxt.rgb8 is not None:
        qa.add_photo(photometric_sums(rgb8 / 255.0, nxt.rgb8 / 255.0, fwd, valid))
    _accumulate_instances(inst_sums, seg, fwd)


#: Up to this many instances in a frame, per-instance sums use masks; beyond, bincount.
_MAX_MASKED_INSTANCES = 16


def _accumulate_instances(inst_sums: dict, seg: np.ndarray, fwd: np.ndarray) -> None:
    """Per instance: list of this pair's mean forward flow over its mask in frame t.

    Sums are float64 (complex128); the largest instance (usually the background) gets the
    frame total minus the others, so only the small masks are gathered.
    """
    flat = seg.reshape(-1)
    n = np.bincount(flat)
    ids = np.flatnonzero(n)
    if len(ids) > _MAX_MASKED_INSTANCES:
        wide = flat.astype(np.int64)
        su = np.bincount(wide, weights=fwd[..., 0].ravel())
        sv = np.bincount(wide, weights=fwd[..., 1].ravel())
        sums = {int(i): complex(su[i], sv[i]) for i in ids}
    else:
        fc = np.ascontiguousarray(fwd, np.float32).view(np.complex64).reshape(-1)
        big = int(ids[np.argmax(n[ids])])
        sums = {int(i): complex(fc[flat == i].sum(dtype=np.complex128)) for i in ids if i != big}
        sums[big] = complex(fc.sum(dtype=np.complex128)) - sum(sums.values())
    for iid in ids:
        mean = sums[int(iid)] / n[iid]
        inst_sums.setdefault(int(iid), []).append((mean.real, mean.imag))


def instance_kinds(job: Job) -> dict[int, dict]:
    """Instance id -> what it is: ``{"kind": "background"}`` for 0, a person's ``kind``,
    ``appearance``, ``action`` (asset id), ``sentence`` and ``move_names`` (of its first
    action) and ``actions``: every action it does in turn, each with its ``from_frame``
    (Blender frame where it starts taking over) and whether it is ``mirrored``; a prop's
    ``kind`` and ``description``."""
    out: dict[int, dict] = {0: {"kind": "background"}}
    for s in job.subjects:
        a = s.action.params
        parts = [(s.action, 0, bool(s.mirror))] + [(g.action, g.first, g.mirror) for g in s.segments or []]
        actions = [{"action": ref.id, "sentence": ref.params.get("sentence", ""),
                    "move_names": list(ref.params.get("move_names", [])),
                    "from_frame": job.frame_start - 1 + first, "mirrored": mirror} for ref, first, mirror in parts]
        out[s.instance_id] = {"kind": "person", "appearance": s.character.params.get("appearance", ""),
                              "action": s.action.id, "sentence": a.get("sentence", ""),
                              "move_names": list(a.get("move_names", [])), "actions": actions}
    for p in job.props:
        out[p.instance_id] = {"kind": "prop", "description": p.asset.params.get("description", "")}
    return out


def _instance_vectors(job: Job, inst_sums: dict, seg0) -> dict:
    """json-ready per-instance info: name, what it is (:func:`instance_kinds`), mean flow
    over the clip, per-pair means."""
    names, kinds = job.instances(), instance_kinds(job)
    out = {}
    for iid in sorted(set(names) | set(inst_sums)):
        per = inst_sums.get(iid, [])
        mean = np.mean(per, axis=0).tolist() if per else [0.0, 0.0]
        out[str(iid)] = {
            "name": names.get(iid, "unknown"),
            **kinds.get(iid, {"kind": "unknown"}),
            "mean_flow": [round(float(x), 4) for x in mean],
            "pairs_visible": len(per),
            "frame0_pixels": int(np.count_nonzero(seg0 == iid)) if seg0 is not None else 0,
        }
    return out


def _write_inst_flow(path: Path, seg0: np.ndarray, instances: dict) -> Path:
    """Motion Dreamer instance flow: float16 (H, W, 2), each instance's mean flow on its
    frame-0 mask."""
    lut = np.zeros((int(seg0.max()) + 1, 2), np.float32)
    for iid, info in instances.items():
        if int(iid) < len(lut):
            lut[int(iid)] = info["mean_flow"]
    np.save(path, lut[seg0].astype(np.float16))
    return path


def _write_hsv(path: Path, flow_path: Path, s_f: float, fps: float, opts: ClipOptions) -> Path:
    """Encode ``flow.npy`` frame by frame into the HSV-RGB video: two encoder threads kept
    busy by a sliding window of 4 frames (written in order). Frames are read with ``pread``
    rather than a memory map, so the clip's flow never counts towards resident memory."""
    import os
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with open(flow_path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        (n, H, W, _), _, dtype = read_header(fh)
        offset, nbytes = fh.tell(), H * W * 2 * dtype.itemsize
        fd = fh.fileno()

        def encode(t: int) -> np.ndarray:
            raw = np.frombuffer(os.pread(fd, nbytes, offset + t * nbytes), dtype)
            return hsv.encode_hsv(_f16_to_f32(raw.reshape(H, W, 2)), s_f)

        with VideoWriter(path, W, H, fps, pix_fmt=opts.hsv_pix_fmt, crf=opts.hsv_crf,
                         preset=opts.hsv_preset) as vw, \
                ThreadPoolExecutor(max_workers=2, thread_name_prefix="hsv") as pool:
            pending: deque = deque()
            for t in range(n):
                pending.append(pool.submit(encode, t))
                if len(pending) >= 4:
                    vw.write(pending.popleft().result())
            while pending:
                vw.write(pending.popleft().result())
    return path


#: float16 bit pattern -> float32 (exact; a table lookup is twice as fast as astype).
_F16_TABLE = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)


def _f16_to_f32(a: np.ndarray) -> np.ndarray:
    """float16 array -> float32, same values as ``astype`` (via :data:`_F16_TABLE`)."""
    return _F16_TABLE.take(np.ascontiguousarray(a).view(np.uint16))


def _write_plucker(path: Path, job: Job, opts: ClipOptions) -> tuple[Path, tuple[int, int]]:
    w, h = opts.plucker_res or plucker.default_resolution(job.width, job.height)
    frames = range(job.frame_start, job.frame_end + 1)
    Ks = [job.K(f) for f in frames]
    c2ws = [job.c2w(f) for f in frames]
    np.save(path, plucker.plucker_clip(Ks, c2ws, job.width, job.height, w, h))
    return path, (w, h)
