"""``synthgen export --format videox-fun|folders``: the files VideoX-Fun and CameraCtrl read,
read back here with numpy ports of their readers (written from their documented format: the
pose file's first line skipped, then ``frame fx fy cx cy 0 0 w2c(3x4)`` split on single
spaces, intrinsics normalised by the frame size, ``c2w = inv(w2c)``); the flow control
video's T frames; the plain folder layout; targets (4n+1 frames, sides multiple of 16/32);
one run path (resume, refusal of mixed formats, the quality gate, parallel tasks)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from synthgen.cli import cli
from synthgen.dataset import load_sample
from synthgen.errors import ExportError
from synthgen.executors import LocalExecutor
from synthgen.export import export_dataset
from synthgen.export.flow import rotation_flow
from synthgen.export.formats import encodings, make_format
from synthgen.export.formats.folders import FoldersWriter
from synthgen.export.plucker import plucker_clip
from synthgen.export.video import read_video
from synthetic import box_mask, make_job, write_clip

BOX = (3.0, 2.0)
W, H, T = 64, 48, 5


# ------------------------------------------------------------------ ports of the trainers' readers
def cameractrl_read_pose_file(path):
    """CameraCtrl's ``RealEstate10KPose.load_cameras`` + ``Camera``: skip line 1, split each line
    on single spaces, fx fy cx cy = entry[1:5], w2c = entry[7:] as 3x4, c2w = inv(w2c)."""
    with open(path) as fh:
        lines = fh.readlines()
    entries = [[float(x) for x in line.strip().split(" ")] for line in lines[1:]]
    cams = []
    for e in entries:
        w2c = np.eye(4)
        w2c[:3, :] = np.array(e[7:]).reshape(3, 4)
        cams.append({"fx": e[1], "fy": e[2], "cx": e[3], "cy": e[4], "w2c": w2c,
                     "c2w": np.linalg.inv(w2c), "time": e[0]})
    return cams


def videox_intrinsics(cams, width, height, original_pose_width=1280, original_pose_height=720):
    """VideoX-Fun's ``process_pose_file`` intrinsics (its aspect correction, then x width/height)."""
    sample, pose = width / height, original_pose_width / original_pose_height
    out = []
    for c in cams:
        fx, fy = c["fx"], c["fy"]
        if pose > sample:
            fx = height * pose * fx / width
        else:
            fy = width / pose * fy / height
        out.append([fx * width, fy * height, c["cx"] * width, c["cy"] * height])
    return np.array(out)


def cameractrl_plucker(cams, width, height):
    """CameraCtrl's ``get_relative_pose`` (zero_t_first_frame) + ``ray_condition``: rays through
    pixel centres (+0.5), unit directions, ``[o x d, d]``, as (T, 6, h, w)."""
    w2c0 = cams[0]["w2c"]
    rel = [np.eye(4)] + [w2c0 @ c["c2w"] for c in cams[1:]]
    j, i = np.meshgrid(np.arange(height) + 0.5, np.arange(width) + 0.5, indexing="ij")
    out = []
    for c, c2w in zip(cams, rel):
        d = np.stack([(i - c["cx"] * width) / (c["fx"] * width),
                      (j - c["cy"] * height) / (c["fy"] * height), np.ones_like(i)], -1)
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        d = d @ c2w[:3, :3].T
        o = np.broadcast_to(c2w[:3, 3], d.shape)
        out.append(np.concatenate([np.cross(o, d), d], -1).transpose(2, 0, 1))
    return np.stack(out)


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    root = tmp_path_factory.mktemp("fmt")
    jobs = []
    for i, mode in enumerate(("full", "flow")):
        job = make_job(f"pan-{i:06d}", width=W, height=H, n_frames=T, pan_deg_per_frame=2.0 + i,
                       mode=mode)
        write_clip(job, root / "r" / job.clip_id, box_motion=BOX)
        jobs.append(job)
    return root, jobs


@pytest.fixture(scope="module")
def videox(renders):
    root, jobs = renders
    summary = export_dataset([root / "r"], root / "vx", fmt="videox-fun", progress=False)
    return root / "vx", summary, jobs


def _frames(job):
    return range(job.frame_start, job.frame_end + 1)


# ------------------------------------------------------------------ videox-fun
def test_videox_layout_and_metadata(videox):
    out, summary, jobs = videox
    assert summary.exported == [j.clip_id for j in jobs] and summary.ok and not summary.shards
    meta = json.loads((out / "metadata.json").read_text())
    assert [m["file_path"] for m in meta] == [f"videos/{j.clip_id}.mp4" for j in jobs]
    assert [m["control_file_path"] for m in meta] == [f"poses/{j.clip_id}.txt" for j in jobs]
    assert {m["type"] for m in meta} == {"video"} and {(m["width"], m["height"]) for m in meta} == {(W, H)}
    assert meta[0]["text"] == "<synthetic> a camera pans across a box."
    for m in meta:                       # relative to the data root, as --train_data_dir expects
        assert (out / m["file_path"]).is_file() and (out / m["control_file_path"]).is_file()
    rgb = json.loads((out / "metadata_rgb_camera.json").read_text())
    assert [m["file_path"] for m in rgb] == ["videos/pan-000000_rgb.mp4"]     # full mode only
    flow_ctl = json.loads((out / "metadata_rgb_flow.json").read_text())
    assert flow_ctl[0]["control_file_path"] == "videos/pan-000000.mp4"
    ctrl = json.loads((out / "cameractrl.json").read_text())
    assert [(c["clip_name"], c["clip_path"], c["pose_file"]) for c in ctrl] == \
        [(j.clip_id, f"videos/{j.clip_id}.mp4", f"poses/{j.clip_id}.txt") for j in jobs]
    assert read_video(out / "videos/pan-000000_rgb.mp4").shape == (T, H, W, 3)
    assert not list(out.glob(".tmp-*")) and not list(out.glob("*.tar"))


def test_pose_file_read_by_cameractrl_gives_back_K_and_c2w(videox):
    out, _, jobs = videox
    for job in jobs:
        cams = cameractrl_read_pose_file(out / f"poses/{job.clip_id}.txt")
        assert len(cams) == job.n_frames
        for c, f in zip(cams, _frames(job)):
            K = np.array([[c["fx"] * W, 0, c["cx"] * W], [0, c["fy"] * H, c["cy"] * H], [0, 0, 1]])
            np.testing.assert_allclose(K, job.K(f), rtol=0, atol=1e-12)
            np.testing.assert_allclose(c["c2w"], job.c2w(f), rtol=0, atol=1e-12)
        assert not np.allclose(cams[-1]["w2c"], job.c2w(job.frame_end))    # w2c, not c2w
        times = [c["time"] for c in cams]
        assert times == [round(k * 1e6 / job.fps) for k in range(job.n_frames)]
        meta = json.loads((out / f"meta/{job.clip_id}.json").read_text())
        np.testing.assert_allclose(meta["c2w"], [job.c2w(f) for f in _frames(job)])


def test_videox_reader_needs_the_clip_size_when_not_16_9(videox):
    out, summary, jobs = videox
    cams = cameractrl_read_pose_file(out / "poses/pan-000000.txt")
    K0 = jobs[0].K(jobs[0].frame_start)
    exact = videox_intrinsics(cams, W, H, original_pose_width=W, original_pose_height=H)
    np.testing.assert_allclose(exact[0], [K0[0, 0], K0[1, 1], K0[0, 2], K0[1, 2]], atol=1e-9)
    default = videox_intrinsics(cams, W, H)          # VideoX-Fun's 1280x720 assumption
    assert default[0][0] == pytest.approx(K0[0, 0] * (1280 / 720) / (W / H))   # fx 33 % off
    assert default[0][1] == pytest.approx(K0[1, 1])
    assert any("not 16:9" in w and "33.3% off" in w for w in summary.warnings)


def test_plucker_from_the_pose_file_equals_the_shards(videox, renders):
    out, _, jobs = videox
    job = jobs[1]
    cams = cameractrl_read_pose_file(out / f"poses/{job.clip_id}.txt")
    ours = plucker_clip([job.K(f) for f in _frames(job)], [job.c2w(f) for f in _frames(job)],
                        W, H, W // 4, H // 4)
    assert ours.dtype == np.float16
    np.testing.assert_allclose(cameractrl_plucker(cams, W // 4, H // 4), ours.astype(np.float64), atol=2e-3)


def test_flow_video_has_one_frame_per_rendered_frame(videox, renders):
    out, _, jobs = videox
    root, _ = renders
    job = jobs[0]
    meta = json.loads((out / f"meta/{job.clip_id}.json").read_text())
    fv = meta["flow_video"]
    assert fv["encoding"] == "hsv" and fv["frames"] == T and fv["scale"][0] == meta["s_f"]
    video = read_video(out / f"videos/{job.clip_id}.mp4")
    assert video.shape == (T, H, W, 3)
    flows = encodings.decode("hsv", video, fv["scale"])
    shard = export_dataset([root / "r" / job.clip_id], root / "wds", progress=False)
    assert shard.exported == [job.clip_id]
    ref = load_sample(root / "wds", job.clip_id)["flow"].astype(np.float32)     # T - 1 pairs
    s = fv["scale"][0]
    ok = np.linalg.norm(ref, axis=-1) <= s
    err = np.linalg.norm(flows[:-1] - ref, axis=-1)[ok]
    assert np.percentile(err, 95) < 0.05 * s
    last = flows[-1]                 # frame T-1 -> the boundary frame after the clip
    box = box_mask(W, H, T - 1, BOX)
    np.testing.assert_allclose(np.median(last[box], axis=0), BOX, atol=0.1)
    f0 = job.frame_end
    rot, _ = rotation_flow(job.K(f0), job.c2w(f0), job.K(f0 + 1), job.c2w(f0 + 1), W, H)
    assert np.percentile(np.linalg.norm(last[~box] - rot[~box], axis=-1), 95) < 0.05 * s


@pytest.mark.parametrize("encoding,scale", [("sqrt", (6.0, 4.0)), ("middlebury", (10.0, 10.0))])
def test_flow_video_encodings_and_fixed_scales(renders, encoding, scale):
    root, jobs = renders
    out = root / f"vx-{encoding}"
    fmt = make_format("videox-fun", flow_video=encoding, flow_scale=scale)
    export_dataset([root / "r" / jobs[1].clip_id], out, fmt=fmt, progress=False)
    meta = json.loads((out / f"meta/{jobs[1].clip_id}.json").read_text())
    assert meta["flow_video"]["encoding"] == encoding and meta["flow_video"]["scale"] == list(scale)
    flows = encodings.decode(encoding, read_video(out / f"videos/{jobs[1].clip_id}.mp4"), scale)
    box = box_mask(W, H, 0, BOX)
    np.testing.assert_allclose(np.median(flows[0][box], axis=0), BOX, atol=0.15)


# ------------------------------------------------------------------ folders
def test_folders_layout_round_trip(renders, videox):
    root, jobs = renders
    out = root / "folders"
    summary = export_dataset([root / "r"], out, fmt="folders", members="flow,valid,flow_hsv,plucker,rgb,txt,json",
                             progress=False)
    assert summary.exported == [j.clip_id for j in jobs]
    full = out / "pan-000000"
    names = sorted(p.name for p in full.iterdir())
    assert names == ["caption.txt", "flow.npy", "flow_hsv", "flow_hsv.mp4", "meta.json", "plucker.npy",
                     "pose.txt", "rgb.mp4", "valid.npy"]
    assert sorted(p.name for p in (full / "flow_hsv").iterdir()) == [f"{t:05d}.png" for t in range(T)]
    assert "rgb.mp4" not in [p.name for p in (out / "pan-000001").iterdir()]     # flow mode
    ref = export_dataset([root / "r"], root / "wds-all", members="flow,valid,plucker,txt,json",
                         progress=False)
    assert ref.ok
    for job in jobs:
        sample = load_sample(root / "wds-all", job.clip_id)
        folder = out / job.clip_id
        for name in ("flow", "valid", "plucker"):
            np.testing.assert_array_equal(np.load(folder / f"{name}.npy"), sample[name])
        assert (folder / "caption.txt").read_text() == sample["txt"]
        meta = json.loads((folder / "meta.json").read_text())
        np.testing.assert_allclose(meta["K"], sample["json"]["K"])
        assert meta["files"]["folder"] == job.clip_id and "pose.txt" in meta["files"]["files"]
        png = np.array(Image.open(folder / "flow_hsv" / "00000.png"))
        back = encodings.decode("hsv", png, meta["flow_video"]["scale"])
        s = meta["s_f"]
        ok = np.linalg.norm(sample["flow"][0].astype(np.float32), axis=-1) <= s
        err = np.linalg.norm(back - sample["flow"][0].astype(np.float32), axis=-1)[ok]
        assert err.max() < 0.01 * s + 0.01         # lossless PNG: 8-bit quantisation only
    assert (out / "pan-000001" / "pose.txt").read_text() == \
        (videox[0] / "poses" / "pan-000001.txt").read_text()


def test_unindexed_folders_are_removed_on_abort(tmp_path):
    (tmp_path / "a.npy").write_bytes(b"x")
    flushed: list = []
    writer = FoldersWriter(tmp_path, [], lambda name, entries: flushed.extend(entries))
    writer.add("clip-1", [("flow.npy", tmp_path / "a.npy"), ("txt", b"hello")], {"qa": {}})
    assert (tmp_path / "clip-1" / "caption.txt").read_text() == "hello" and not flushed
    writer.abort()
    assert not (tmp_path / "clip-1").exists() and not flushed


# ------------------------------------------------------------------ targets, resume, one run path
def test_targets_warn_and_strict_target_refuses(tmp_path):
    fits = make_job("fits-000000", width=64, height=64, n_frames=5)
    odd = make_job("odd-000000", width=64, height=48, n_frames=6)
    for job in (fits, odd):
        write_clip(job, tmp_path / "r" / job.clip_id)
    summary = export_dataset([tmp_path / "r"], tmp_path / "a", fmt="folders", progress=False)
    assert summary.warnings == []                        # folders: no target unless asked
    fmt = make_format("folders", target="wan2.2-ti2v-5b")
    summary = export_dataset([tmp_path / "r"], tmp_path / "b", fmt=fmt, progress=False)
    assert len(summary.warnings) == 1 and summary.warnings[0].startswith("1 of 2 exported clips")
    assert "odd-000000 6 frames is not 4n+1 (use 5 or 9); height 48 is not a multiple of 32" in summary.warnings[0]
    res = CliRunner().invoke(cli, ["export", str(tmp_path / "r"), "--out", str(tmp_path / "c"),
                                   "--format", "folders", "--target", "wan2.2-a14b", "--strict-target"])
    assert res.exit_code == 1
    assert "odd-000000: does not fit wan2.2-a14b: 6 frames is not 4n+1" in res.output
    assert "height" not in res.output.split("does not fit")[1].splitlines()[0]    # 48 = 3 x 16
    assert (tmp_path / "c" / "fits-000000").is_dir() and not (tmp_path / "c" / "odd-000000").exists()
    res = CliRunner().invoke(cli, ["export", str(tmp_path / "r"), "--out", str(tmp_path / "d"),
                                   "--format", "videox-fun"])
    assert res.exit_code == 0 and "synthgen: warning: 1 of 2 exported clips do not fit wan2.2-ti2v-5b" in res.output


def test_resume_and_mixed_formats_are_refused(renders, tmp_path):
    root, jobs = renders
    out = tmp_path / "vx"
    first = export_dataset([root / "r"], out, fmt="videox-fun", progress=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = export_dataset([root / "r"], out, fmt="videox-fun", progress=False)
    assert again.skipped_existing == first.exported and not again.exported
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    with pytest.raises(ExportError, match="flow_video = 'hsv', not 'sqrt'"):
        export_dataset([root / "r"], out, fmt=make_format("videox-fun", flow_video="sqrt"), progress=False)
    with pytest.raises(ExportError, match="holds a videox-fun export"):
        export_dataset([root / "r"], out, progress=False)                       # webdataset
    export_dataset([root / "r"], tmp_path / "wds", progress=False)
    with pytest.raises(ExportError, match="holds a WebDataset export"):
        export_dataset([root / "r"], tmp_path / "wds", fmt="folders", progress=False)
    with pytest.raises(ExportError, match="apply to videox-fun and folders"):
        make_format("webdataset", flow_video="sqrt")


def test_quality_gate_and_parallel_tasks(renders, tmp_path):
    root, jobs = renders
    strict = export_dataset([root / "r"], tmp_path / "gate", fmt="videox-fun", max_fb_p90=0.0,
                            progress=False)
    assert len(strict.filtered) == 2 and not strict.exported
    assert not (tmp_path / "gate" / "videos").exists()
    assert json.loads((tmp_path / "gate" / "stats.json").read_text())["filtered"]["clips"] == 2
    par = export_dataset([root / "r"], tmp_path / "par", fmt="folders", progress=False,
                         executor=LocalExecutor(2, progress=False))
    assert par.exported == [j.clip_id for j in jobs]
    index = [json.loads(x) for x in (tmp_path / "par" / "index.jsonl").read_text().splitlines()]
    assert [e["key"] for e in index] == par.exported and all("shard" not in e for e in index)


def _main(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


def test_cli_format_options_bad_values_are_one_line(renders, tmp_path):
    root, _ = renders
    cases = [(["--format", "videox-fun", "--flow-scale", "fast"], "is not auto, S or SU,SV"),
             (["--format", "videox-fun", "--flow-scale", "0"], "is not auto, S or SU,SV"),
             (["--format", "folders", "--flow-scale", "8,4"], "hsv takes one scale"),
             (["--flow-video", "sqrt"], "apply to videox-fun and folders"),
             (["--format", "zip"], "Invalid value for '--format'")]
    for args, message in cases:
        res = _main("export", str(root / "r"), "--out", str(tmp_path / "x"), *args)
        assert res.returncode != 0 and message in res.stderr, (args, res.stderr)
        assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert not (tmp_path / "x" / "index.jsonl").exists()


def test_folders_with_compressed_members(renders, tmp_path):
    from synthgen_reader.codec import decode_array
    root, jobs = renders
    res = _main("export", str(root / "r" / jobs[1].clip_id), "--out", str(tmp_path / "z"),
                "--format", "folders", "--compression", "zstd", "--flow-video", "middlebury")
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "z" / jobs[1].clip_id
    assert (folder / "flow.npy.zst").is_file() and not (folder / "flow.npy").exists()
    assert (folder / "flow_middlebury.mp4").is_file() and len(list((folder / "flow_middlebury").glob("*.png"))) == T
    flow = decode_array((folder / "flow.npy.zst").read_bytes())
    video = encodings.decode("middlebury", read_video(folder / "flow_middlebury.mp4"),
                             json.loads((folder / "meta.json").read_text())["flow_video"]["scale"])
    box = box_mask(W, H, 0, BOX)
    np.testing.assert_allclose(flow[0][box].astype(np.float32), np.broadcast_to(BOX, (box.sum(), 2)), atol=1e-3)
    np.testing.assert_allclose(np.median(video[0][box], axis=0), BOX, atol=0.15)
