"""Previews: Middlebury colours, PNG contact sheets and MP4s from render folders and shards."""
from __future__ import annotations

import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from synthgen.export import export_dataset
from synthgen.export.preview import flow_to_color, write_preview
from synthetic import make_job, write_clip
from synthgen.export.video import read_video


def test_middlebury_directions():
    flow = np.array([[[1, 0], [0, 1], [-1, 0], [0, -1], [0, 0], [0.5, 0]]], np.float32)
    c = flow_to_color(flow, 1.0)[0].astype(int)
    np.testing.assert_array_equal(c[0], [255, 0, 0])                  # right: red
    assert c[1][0] == 255 and c[1][1] > 200 and c[1][2] == 0          # down: yellow
    assert c[2][0] == 0 and c[2][2] == 255 and c[2][1] > 150          # left: cyan-blue
    assert c[3][2] == 255 and c[3][1] == 0 and c[3][0] > 50           # up: violet
    np.testing.assert_array_equal(c[4], [255, 255, 255])              # still: white
    np.testing.assert_array_equal(c[5], [255, 128, 128])              # half speed: paler
    # no seam for left/right flows whose v changes sign
    seam = flow_to_color(np.array([[[3, 1e-4], [3, -1e-4]]], np.float32), 3.0)[0].astype(int)
    assert np.abs(seam[0] - seam[1]).max() <= 1


@pytest.fixture(scope="module")
def clip_and_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("pv")
    job = make_job("prev-000001", width=48, height=32, n_frames=4, mode="full")
    clip = write_clip(job, root / "r" / job.clip_id)
    export_dataset([root / "r"], root / "ds", members="flow,flow_hsv,plucker,depth,seg,rgb,json",
                   progress=False)
    return clip, root


def test_png_from_render_folder_and_shard(clip_and_dataset, tmp_path):
    clip, root = clip_and_dataset
    a = iio.imread(write_preview(clip, tmp_path / "a.png"))
    b = iio.imread(write_preview(root / "ds" / "shard-000000.tar", tmp_path / "b.png"))
    assert a.ndim == 3 and a.shape[0] > 200 and a.shape[1] > 500
    assert a.shape == b.shape
    assert len(np.unique(a.reshape(-1, a.shape[-1]), axis=0)) > 50     # not blank


def test_mp4_has_every_frame_and_all_panels(clip_and_dataset, tmp_path):
    _, root = clip_and_dataset
    v = read_video(write_preview(root / "ds", tmp_path / "c.mp4"))
    assert v.shape[0] == 4 and v.shape[1] == 32
    assert v.shape[2] == 6 * (48 + 4)          # rgb, flow, hsv, depth, seg, plucker + gaps


def test_cli_preview_and_stats(clip_and_dataset, tmp_path):
    _, root = clip_and_dataset
    run = [sys.executable, "-c", "from synthgen.cli import main; main()"]
    res = subprocess.run([*run, "preview", str(root / "ds"), "--out", str(tmp_path / "p.png")],
                         capture_output=True, text=True)
    assert res.returncode == 0 and (tmp_path / "p.png").stat().st_size > 1000, res.stderr
    res = subprocess.run([*run, "stats", str(root / "ds"), "--out", str(tmp_path / "s.png")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "flow_mag_p99" in res.stdout and "env_type: empty 1" in res.stdout
    assert iio.imread(tmp_path / "s.png").shape[0] > 300
    res = subprocess.run([*run, "stats", str(tmp_path)], capture_output=True, text=True)
    assert res.returncode != 0 and "no index.jsonl" in res.stderr and "Traceback" not in res.stderr
    res = subprocess.run([*run, "preview", str(tmp_path), "--out", str(tmp_path / "x.gif")],
                         capture_output=True, text=True)
    assert res.returncode != 0 and "Traceback" not in res.stderr
