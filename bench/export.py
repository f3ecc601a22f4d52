"""Exporter speed and memory, measured side by side in one run.

    python bench/export.py                       # synthetic 832x480 clip, 49 frames
    python bench/export.py --frames 121          # longer
    python bench/export.py --clip renders/<id>   # an existing render folder
    python bench/export.py --rss                 # + peak RSS of exporting 121 frames at 1280x704
    python bench/export.py --stages              # + CPU per stage, run one after another
    python bench/export.py --clip renders/<id> --sizes --read   # compressed members (issue 16)

Prints: time to merely read every EXR of the clip (all channels the exporter needs), time
to export it (default members: flow, valid, flow_hsv, plucker, txt, json), and the ratio
(goal <= 1.5x), as wall-clock and as CPU seconds (robust on a busy machine). ``--rss`` exports a 1280x704, 121-frame clip in a child process and prints
its peak resident memory (goal <= 2 GB). ``--stages`` runs the exporter's stages one after
another on one thread and prints each one's CPU time (thread CPU, so other load on the
machine matters less than for wall time). ``--sizes`` exports every member twice
(``--compression zstd`` and ``none``) and prints bytes per member raw vs compressed and the
totals of the default and of all members (goals: >= 5x and >= 4x). ``--read`` compares the
reader's decode throughput (MB/s of decoded arrays, file read included) of each ``.npy.zst``
member with reading the raw ``.npy`` from the same disk, cold (pages dropped with
``posix_fadvise``) and warm.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from synthgen import layout
from synthgen.export import export_dataset
from synthgen.export.exr import read_frame, write_frame
from synthgen.fsutil import atomic_write_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import frame_channels, make_job  # noqa: E402  (the tests' synthetic render folders)


def synthetic_clip(root: Path, width: int, height: int, frames: int, seed: int = 0) -> Path:
    """A render folder with a panning camera, a moving box and a noisy Combined pass (so the
    EXRs compress like real renders rather than like constants)."""
    rng = np.random.default_rng(seed)
    job = make_job("bench-000000", width=width, height=height, n_frames=frames,
                   pan_deg_per_frame=1.5, focal_mm=28.0)
    clip = root / job.clip_id
    clip.mkdir(parents=True)
    job.save(clip / layout.JOB_FILE)
    for k in range(frames):
        ch = frame_channels(job, k, box_motion=(6.0, -3.0), rng=rng)
        write_frame(clip / layout.frame_name(job.frame_start + k), ch)
    atomic_write_text(clip / layout.DONE_FILE, job.hash())
    return clip


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children (ffmpeg)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def time_read(clip: Path) -> tuple[float, float]:
    """(wall s, CPU s) to read every frame EXR with the channels the exporter needs."""
    frames = sorted(clip.glob("frame_*.exr"))
    t0, c0 = time.perf_counter(), _cpu()
    for f in frames:
        read_frame(f)
    return time.perf_counter() - t0, _cpu() - c0


def time_export(clip: Path, out: Path, **kw) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    s = export_dataset([clip], out, progress=False, max_fb_p90=None, **kw)
    dt, dc = time.perf_counter() - t0, _cpu() - c0
    assert s.exported, s.bad
    return dt, dc


def rss_child(width: int, height: int, frames: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clip = synthetic_clip(Path(tmp) / "r", width, height, frames)
        code = ("import sys, resource; from pathlib import Path; "
                "from synthgen.export import export_dataset; "
                "s = export_dataset([Path(sys.argv[1])], Path(sys.argv[2]), progress=False, "
                "max_fb_p90=None); assert s.exported, s.bad; "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", code, str(clip), str(Path(tmp) / "ds")],
                             capture_output=True, text=True, check=True)
        dt = time.perf_counter() - t0
        peak_mb = int(res.stdout.strip().splitlines()[-1]) / 1024
        flow_mb = (frames - 1) * height * width * 2 * 2 / 1e6
        print(f"rss: {width}x{height}, {frames} frames: peak RSS {peak_mb:.0f} MiB "
              f"(flow member alone {flow_mb:.0f} MB; goal <= 2048 MiB), export {dt:.1f} s")


def stage_profile(clip: Path) -> None:
    """CPU seconds of each export stage, run sequentially on this thread (default members)."""
    import collections
    import resource
    import tarfile
    from contextlib import contextmanager

    from synthgen.export import clip as cm, exr, flow as fm, hsv
    from synthgen.export.blas import single_threaded_blas
    from synthgen.export.npy import NpyStreamWriter
    from synthgen.export.qa import ClipQA
    from synthgen.export.video import VideoWriter

    acc: dict[str, float] = collections.defaultdict(float)

    @contextmanager
    def stage(name):
        t = time.thread_time()
        yield
        acc[name] += time.thread_time() - t

    src = cm.load_clip(clip)
    job, opts = src.job, cm.ClipOptions()
    T, H, W = job.n_frames, job.height, job.width
    with tempfile.TemporaryDirectory() as tmp, single_threaded_blas():
        tmp = Path(tmp)
        wf = NpyStreamWriter(tmp / "flow.npy", (T - 1, H, W, 2), np.float16)
        wv = NpyStreamWriter(tmp / "valid.npy", (T - 1, H, W), np.uint8)
        qa, inst, prev = ClipQA(1), {}, None
        for k, path in enumerate(src.frames):
            f = job.frame_start + k
            with stage("EXR read + decompress"):
                ch = exr.read_frame_channels(path, expect_shape=(H, W))
            with stage("Vector -> flows"):
                fwd, bwd = fm.channels_to_flows(*(ch[n] for n in layout.VECTOR_CHANNELS))
            z = ch[layout.DEPTH_CHANNEL]
            with stage("background fill (fwd + bwd)"):
                behind = fm.fill_background(fwd, z, job.K(f), job.c2w(f), job.K(f + 1), job.c2w(f + 1))
                fm.fill_background(bwd, z, job.K(f), job.c2w(f), job.K(f - 1), job.c2w(f - 1))
            with stage("bg mask, seg ids, QA frame"):
                bg = fm.background_mask(z)
                seg = np.rint(np.nan_to_num(ch[layout.INDEX_CHANNEL])).astype(np.uint8)
                qa.add_frame(seg, bg)
            if prev is not None:
                pf, pb, ps = prev
                with stage("float16 + flow npy write"):
                    wf.write(pf.astype(np.float16))
                with stage("fb consistency (bilinear)"):
                    valid, err, _, mag = fm.fb_check(pf, bwd, alpha=opts.fb_alpha, beta=opts.fb_beta)
                with stage("valid npy write"):
                    valid &= ~pb
                    wv.write(valid.view(np.uint8))
                with stage("QA histograms"):
                    qa.add_pair(mag, err, valid)
                with stage("instance means"):
                    cm._accumulate_instances(inst, ps, pf)
            prev = (fwd, behind, seg)
        wf.close()
        wv.close()
        s_f = qa.mag.percentile(99)
        flows = np.load(tmp / "flow.npy", mmap_mode="r")
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        with VideoWriter(tmp / "hsv.mp4", W, H, job.fps, pix_fmt=opts.hsv_pix_fmt, crf=opts.hsv_crf,
                         preset=opts.hsv_preset) as vw:
            for t in range(len(flows)):
                with stage("HSV: encode (incl. f16 load)"):
                    img = hsv.encode_hsv(cm._f16_to_f32(flows[t]), s_f)
                with stage("HSV: pipe to ffmpeg"):
                    vw.write(img)
        kids2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        acc[f"ffmpeg x264 ({opts.hsv_preset}, process)"] = (kids2.ru_utime + kids2.ru_stime
                                                          - kids.ru_utime - kids.ru_stime)
        del flows
        with stage("Plücker"):
            cm._write_plucker(tmp / "plucker.npy", job, opts)
        with stage("tar write (~100 MB)"):
            with tarfile.open(tmp / "x.tar", "w", copybufsize=1 << 20) as tar:
                for name in ("flow.npy", "valid.npy", "hsv.mp4", "plucker.npy"):
                    tar.add(tmp / name, arcname=f"k.{name}")
    total = sum(acc.values())
    print(f"stages (CPU s, sequential, {T} frames):")
    for name, sec in acc.items():
        print(f"  {name:34s} {sec:6.3f} s  {1000 * sec / T:6.2f} ms/frame  {100 * sec / total:5.1f} %")
    print(f"  {'total':34s} {total:6.3f} s")


ALL_MEMBERS = "flow,flow_bwd,valid,flow_hsv,plucker,depth,seg,inst_flow,txt,json"
DEFAULT = ("flow", "valid", "flow_hsv", "plucker", "txt", "json")


def _member_bytes(ds: Path) -> dict[str, int]:
    import tarfile
    out: dict[str, int] = {}
    for shard in sorted(ds.glob("shard-*.tar")):
        with tarfile.open(shard) as tar:
            for m in tar:
                name = m.name.split(".", 1)[1].split(".")[0]
                out[name] = out.get(name, 0) + m.size
    return out


def member_sizes(clip: Path, tmp: Path) -> tuple[Path, Path]:
    """Export every member with and without compression; print the per-member table."""
    (tz, cz), (tn, cn) = (time_export(clip, tmp / "all_zstd", members=ALL_MEMBERS),
                          time_export(clip, tmp / "all_none", members=ALL_MEMBERS, compression="none"))
    z, n = _member_bytes(tmp / "all_zstd"), _member_bytes(tmp / "all_none")
    print(f"members (all): export wall {tz:.1f} s / cpu {cz:.1f} s compressed, "
          f"{tn:.1f} s / {cn:.1f} s plain")
    print(f"  {'member':10s} {'raw MB':>9s} {'zstd MB':>9s} {'ratio':>7s}")
    for name in n:
        print(f"  {name:10s} {n[name] / 1e6:9.2f} {z[name] / 1e6:9.2f} {n[name] / z[name]:7.1f}x")
    for label, names, goal in (("default", DEFAULT, 5), ("all", tuple(n), 4)):
        raw, comp = sum(n[m] for m in names if m in n), sum(z[m] for m in names if m in z)
        print(f"  total {label:8s} {raw / 1e6:9.1f} MB -> {comp / 1e6:7.1f} MB  "
              f"{raw / comp:5.1f}x (goal >= {goal}x)")
    return tmp / "all_zstd", tmp / "all_none"


def _drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_speed(zstd_ds: Path, none_ds: Path, tmp: Path) -> None:
    """MB/s of decoded arrays: reader on .npy.zst vs np.load of the raw .npy, same disk."""
    import tarfile

    from synthgen_reader import decode_array
    folder = tmp / "members"
    folder.mkdir()
    for ds in (zstd_ds, none_ds):
        for shard in ds.glob("shard-*.tar"):
            with tarfile.open(shard) as tar:
                tar.extractall(folder, filter="data")
    print("read (MB/s of decoded arrays; cold = pages dropped first; 2 decode threads; "
          "cpu = MB per CPU second, warm):")
    print(f"  {'member':10s} {'MB':>7s} {'npy cold':>9s} {'zst cold':>9s} {'npy warm':>9s} "
          f"{'zst warm':>9s} {'npy cpu':>8s} {'zst cpu':>8s}")
    for raw in sorted(folder.glob("*.npy")):
        packed = raw.with_name(raw.name + ".zst")
        if not packed.exists():
            continue
        mb = raw.stat().st_size / 1e6
        speeds, cpus = [], []
        for cold in (True, False):
            for path, load in ((raw, lambda p: np.load(p)),
                               (packed, lambda p: decode_array(p.read_bytes()))):
                if cold:
                    _drop_cache(path)
                else:
                    load(path)
                t0, c0 = time.perf_counter(), time.process_time()
                load(path)
                speeds.append(mb / (time.perf_counter() - t0))
                cpus.append(mb / max(time.process_time() - c0, 1e-9))
        name = raw.name.split(".")[1]
        print(f"  {name:10s} {mb:7.1f} {speeds[0]:9.0f} {speeds[1]:9.0f} {speeds[2]:9.0f} "
              f"{speeds[3]:9.0f} {cpus[2]:8.0f} {cpus[3]:8.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", type=Path, help="existing render folder (default: synthetic)")
    ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--frames", type=int, default=49)
    ap.add_argument("--rss", action="store_true", help="also measure peak RSS at 1280x704x121")
    ap.add_argument("--stages", action="store_true", help="also print CPU time per stage")
    ap.add_argument("--sizes", action="store_true", help="also bytes per member, raw vs compressed")
    ap.add_argument("--read", action="store_true", help="also decode MB/s vs raw .npy reads (implies --sizes)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = args.clip or synthetic_clip(tmp / "r", args.width, args.height, args.frames)
        n = len(list(clip.glob("frame_*.exr")))
        time_read(clip)                      # warm the page cache for both measurements
        (t_read, c_read), (t_exp, c_exp) = time_read(clip), time_export(clip, tmp / "ds")
        t_none, c_none = time_export(clip, tmp / "ds_none", compression="none")
        size = sum(p.stat().st_size for p in (tmp / "ds").glob("*.tar")) / 1e6
        size_none = sum(p.stat().st_size for p in (tmp / "ds_none").glob("*.tar")) / 1e6
        print(f"clip {clip.name}: {n} frames, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
        print(f"read EXRs : wall {t_read:6.2f} s ({1000 * t_read / n:5.1f} ms/frame)  "
              f"cpu {c_read:6.2f} s")
        print(f"export    : wall {t_exp:6.2f} s ({1000 * t_exp / n:5.1f} ms/frame)  "
              f"cpu {c_exp:6.2f} s (incl. ffmpeg), shard {size:.0f} MB")
        print(f"ratio     : wall {t_exp / t_read:5.2f}x  cpu {c_exp / c_read:5.2f}x  (goal <= 1.5x)")
        print(f"export --compression none: wall {t_none:6.2f} s ({t_none / t_read:5.2f}x)  "
              f"cpu {c_none:6.2f} s ({c_none / c_read:5.2f}x), shard {size_none:.0f} MB")
        if args.stages:
            stage_profile(clip)
        if args.sizes or args.read:
            zstd_ds, none_ds = member_sizes(clip, tmp)
            if args.read:
                read_speed(zstd_ds, none_ds, tmp)
    if args.rss:
        rss_child(1280, 704, 121)


if __name__ == "__main__":
    main()
