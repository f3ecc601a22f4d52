"""Correspondence members through ``synthgen export`` (real CLI, real shards, no Blender):
names, shapes, compression, json record, and one line per bad request."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

import corr_fixtures as cf
import synthetic
from synthgen.dataset import load_sample
from synthgen.export.flow import rotation_homography
from synthgen.renderdir import RenderDir

MEMBERS = "flow,flow_k2,occ_k2,tracks,track_vis,scene_flow,json"


def clip(root, key="pan-000001", n_frames=4, geometry=True):
    """A panning camera before a static wall; with ``geometry`` the job asks for it."""
    job = synthetic.make_job(key, n_frames=n_frames, box=False)
    if geometry:
        job.outputs = job.outputs + ["geometry"]
    folder = synthetic.write_clip(job, root / key, done=False)
    if geometry:
        big = 20 * job.width                          # the camera at frame 1 looks along +y
        wall = cf.quad(-big, -big, big, big, 10.0, job.K(1)) + [0, 0, job.c2w(1)[2, 3]]
        cf.write_geometry(folder, job, [cf.obj("wall", 0, wall)])
    RenderDir(folder).finish(job, {"blender_version": "synthetic"})
    return folder, job


def run(*args):
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


def test_members_exported_compressed_with_their_record(tmp_path):
    folder, job = clip(tmp_path / "r")
    res = run("export", str(folder), "--out", str(tmp_path / "ds"), "--members", MEMBERS,
              "--tracks", "100")
    assert res.returncode == 0, res.stderr
    s = load_sample(tmp_path / "ds", job.clip_id)
    T, H, W = job.n_frames, job.height, job.width
    assert s["flow_k2"].shape == (T - 2, H, W, 2) and s["flow_k2"].dtype == np.float16
    assert s["occ_k2"].shape == (T - 2, H, W) and s["occ_k2"].dtype == np.uint8
    assert s["tracks"].shape == (100, T, 2) and s["track_vis"].shape == (100, T)
    assert s["scene_flow"].shape == (T - 1, H, W, 3) and not s["scene_flow"].any()   # static
    meta = s["json"]
    assert meta["correspondence"]["gaps"] == [2] and meta["correspondence"]["tracks"]["n"] == 100
    assert "flow_k2" in meta["compression"] and "tracks" in meta["conventions"]
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)       # a pure pan: rotation only
    x = np.stack([u, v, np.ones_like(u)], -1)
    for i in range(T - 2):
        t = job.frame_start + i
        y = x @ rotation_homography(job.K(t), job.c2w(t), job.K(t + 2), job.c2w(t + 2)).T
        want = y[..., :2] / y[..., 2:] - x[..., :2]
        assert np.abs(s["flow_k2"][i].astype(np.float32) - want).max() < 0.01
    names = run("export", str(folder), "--out", str(tmp_path / "ds2"), "--members", MEMBERS,
                "--compression", "none")
    assert names.returncode == 0, names.stderr
    import tarfile
    with tarfile.open(next((tmp_path / "ds2").glob("shard-*.tar"))) as tar:
        suffixes = {n.split(".", 1)[1] for n in tar.getnames()}
    assert {"flow_k2.npy", "occ_k2.npy", "tracks.npy", "track_vis.npy", "scene_flow.npy"} <= suffixes


def test_gap_too_long_is_one_line_naming_member_and_fix(tmp_path):
    folder, _ = clip(tmp_path / "r", n_frames=4)
    res = run("export", str(folder), "--out", str(tmp_path / "ds"), "--members", "flow,flow_k4,json")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("synthgen:")]
    assert len(lines) == 1
    assert "flow_k4: a gap of 4 frames needs more than 4 rendered frames" in lines[0]
    assert "choose K < 4" in lines[0]


def test_clip_without_geometry_is_one_line_with_the_fix(tmp_path):
    folder, _ = clip(tmp_path / "r", geometry=False)
    res = run("export", str(folder), "--out", str(tmp_path / "ds"), "--members", "flow,tracks,json")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("synthgen:")]
    assert len(lines) == 1 and "tracks: the clip was rendered without scene geometry" in lines[0]
    assert 'add "geometry" to the job\'s outputs' in lines[0]
    assert not list((tmp_path / "ds").glob("shard-*.tar"))


def test_bad_member_names_are_one_line(tmp_path):
    folder, _ = clip(tmp_path / "r")
    for bad in ("flow_k0", "occ_k", "flow_k2x"):
        res = run("export", str(folder), "--out", str(tmp_path / "ds"), "--members", f"flow,{bad}")
        assert res.returncode != 0 and bad in res.stderr and "Traceback" not in res.stderr
        assert "flow_k<K>" in res.stderr
