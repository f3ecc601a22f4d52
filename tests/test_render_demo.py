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
    camera = out / "renders" / "camera-000000"
    assert (camera / layout.DONE_FILE).is_file(), res.output
    job = json.loads((camera / layout.JOB_FILE).read_text())
    assert len(list(camera.glob("frame_*.exr"))) == job["frame_end"] - job["frame_start"] + 1
    assert list((out / "dataset").glob("shard-*.tar"))
    assert (out / "preview.png").stat().st_size > 1000
    humans = list((out / "renders").glob("human-*"))
    if humans:                                   # once the manifests carry a character
        assert (humans[0] / layout.DONE_FILE).is_file(), res.output
        assert res.exit_code == 0, res.output
    else:
        assert res.exit_code == 1 and "planning the human clip failed" in res.output
