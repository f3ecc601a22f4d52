"""``synthgen demo``: plan -> render -> export -> pictures -> report on the embedded defaults.
``--fast`` (tiny clips) always; the full demo (the README's first command) is slow: about
2 minutes on 2 idle cores."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from synthgen import layout
from synthgen.cli import cli
from synthgen.dataset import load_sample
from synthgen.demo import RGB_FRAMES, preview_frames, rgb_part
from synthgen.export.video import read_video
from synthgen.job import load_job
from synthgen.planner import plan


@pytest.mark.slow
def test_fast_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out), "--fast", "--no-progress"])
    assert res.exit_code == 0, res.output
    clips = sorted(p.name for p in (out / "renders").iterdir() if p.is_dir())
    assert clips == ["camera-000000", "human-000000"]
    for clip in clips:
        folder = out / "renders" / clip
        assert (folder / layout.DONE_FILE).is_file(), res.output
        job = json.loads((folder / layout.JOB_FILE).read_text())
        assert len(list(folder.glob("frame_*.exr"))) == job["frame_end"] - job["frame_start"] + 1
        assert (out / f"preview-{clip}.png").stat().st_size > 1000
    index = [json.loads(line) for line in (out / "dataset" / "index.jsonl").read_text().splitlines()]
    assert sorted(e["key"] for e in index) == clips
    human = next(e for e in index if e["key"] == "human-000000")
    assert human["qa"]["subject_in_frame_ratio"] == 1.0     # the character is seen in every frame
    assert human["qa"]["flow_mag_p99"] > 0.1
    assert (out / "report.html").read_text().count('<article class="card"') == 2
    assert f"open  {out / 'report.html'}" in res.output


def test_rgb_part_is_the_same_clip_on_fewer_frames(tmp_path):
    job = load_job(plan("demo", 1, 1, tmp_path / "jobs", kind="camera")[0])
    part = rgb_part(job, RGB_FRAMES)
    assert part.clip_id == f"{job.clip_id}-rgb" and part.render.mode == "full" and not part.validate()
    assert part.n_frames == RGB_FRAMES and job.render.mode == "flow"
    start = (job.n_frames - RGB_FRAMES) // 2
    assert part.frame_start == job.frame_start + start
    for f in part.baked_frames():                      # boundary frames included
        np.testing.assert_array_equal(part.c2w(f), job.c2w(f))
        np.testing.assert_array_equal(part.K(f), job.K(f))
        for a, b in zip(part.subjects, job.subjects):
            assert a.source_time_s[part.index_of(f)] == b.source_time_s[job.index_of(f)]
        for a, b in zip(part.props, job.props):
            if len(b.location) > 1:
                assert a.location[part.index_of(f)] == b.location[job.index_of(f)]
    assert rgb_part(job, 999).n_frames == job.n_frames and rgb_part(job, 5, start=10 ** 6).frame_end == job.frame_end


@pytest.mark.slow
def test_full_demo_as_the_readme_runs_it(tmp_path):
    out = tmp_path / "demo_out"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    index = [json.loads(line) for line in (out / "dataset" / "index.jsonl").read_text().splitlines()]
    assert [e["key"] for e in index] == ["human-000000", "camera-000000", "human-000000-rgb",
                                         "camera-000000-rgb"]
    assert {(e["width"], e["height"], e["n_frames"]) for e in index[:2]} == {(480, 272, 49)}
    assert {e["mode"] for e in index[2:]} == {"full"} and {e["n_frames"] for e in index[2:]} == {RGB_FRAMES}
    for key in ("human-000000", "camera-000000"):
        video = read_video(out / "side-by-side" / f"{key}.mp4")
        assert video.shape == (48, 272, 3 * 480, 3)           # RGB | flow | HSV, one per flow pair
        part = load_sample(out / "dataset", f"{key}-rgb", members=("rgb", "json"))
        t = part["json"]["frames"][4] - 1                     # a frame the full-mode part covers
        rgb_panel = video[t, 40:, :480].astype(float)         # below the label
        assert np.abs(rgb_panel - part["rgb"][4][40:]).mean() < 8
        assert np.abs(rgb_panel - part["rgb"][0][40:]).mean() > 8     # frames line up
        preview = preview_frames(out / "renders" / key, [1])[0]     # before the part: unlit preview
        assert np.abs(video[0, 40:, :480].astype(float) - preview[40:]).mean() < 8
        assert re.search(rf"watch .*side-by-side/{key}\.mp4", res.output)
    assert (out / "report.html").read_text().count('<article class="card"') == 4
    assert re.search(r"demo finished in \d+\.\d s", res.output)
