"""``synthgen demo``: plan -> render -> export -> preview on the embedded defaults."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from synthgen import layout
from synthgen.cli import cli


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out), "--no-progress"])
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
