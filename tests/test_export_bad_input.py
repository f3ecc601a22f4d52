"""Bad render folders: one line each, counted, non-zero exit unless --allow-partial."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from synthgen import layout
from synthgen.export import export_dataset
from synthgen.export.exr import write_frame
from synthgen.export.synthetic import frame_channels, make_job, write_clip


def _clip(root, name, n_frames=3):
    job = make_job(name, n_frames=n_frames, width=32, height=24)
    return job, write_clip(job, root / name)


def _break(kind, root):
    job, clip = _clip(root, f"bad-{kind}")
    frame = clip / layout.frame_name(2)
    if kind == "nodone":
        (clip / layout.DONE_FILE).unlink()
    elif kind == "missing":
        frame.unlink()
    elif kind == "truncated":
        data = frame.read_bytes()
        frame.write_bytes(data[: len(data) // 2])
    elif kind == "channel":
        ch = frame_channels(job, 1)
        del ch[layout.DEPTH_CHANNEL]
        write_frame(frame, ch)
    elif kind == "size":
        ch = {k: np.zeros((12, 16), np.float32) for k in frame_channels(job, 1)}
        write_frame(frame, ch)
    elif kind == "hash":
        (clip / layout.DONE_FILE).write_text("0" * 64)
    elif kind == "job":
        (clip / layout.JOB_FILE).write_text("{not json")
    return clip


#: What the line says when render.json recorded the frame sizes (every folder the worker
#: finishes) ...
KINDS = {"nodone": "no DONE marker", "missing": "frame_0002.exr is missing",
         "truncated": "changed since the clip was finished", "channel": "missing channel 'flow.Depth.Z'",
         "size": "size is 16x12, expected 32x24", "hash": "job hash", "job": "not valid JSON"}
#: ... and for a folder finished without them (older renders): the frame reader's reasons.
LEGACY = {**KINDS, "truncated": "unreadable EXR (", "channel": "flow.Depth.Z: channel is missing",
          "size": "the job says 32x24"}


@pytest.mark.parametrize("recorded", [True, False], ids=["sizes-recorded", "legacy"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_bad_clip_is_reported_and_the_rest_exported(tmp_path, kind, recorded):
    _clip(tmp_path / "r", "good-000001")
    bad = _break(kind, tmp_path / "r")
    if not recorded and (bad / layout.RENDER_INFO_FILE).exists():
        info = json.loads((bad / layout.RENDER_INFO_FILE).read_text())
        del info["frame_bytes"]
        (bad / layout.RENDER_INFO_FILE).write_text(json.dumps(info))
    summary = export_dataset([tmp_path / "r"], tmp_path / "ds", progress=False)
    assert summary.exported == ["good-000001"]
    assert len(summary.bad) == 1
    folder, message = summary.bad[0]
    want = (KINDS if recorded else LEGACY)[kind]
    assert folder == str(bad) and want in message and "\n" not in message, message
    if kind == "truncated":
        assert "truncated" in message
    if kind in ("truncated", "channel", "size"):
        assert "frame_0002.exr" in message
    # nothing of the bad clip is left behind, not even scratch folders
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == ["index.jsonl", "shard-000000.tar",
                                                                  "stats.json"]


def _run(*args):
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


def test_cli_exit_codes_and_one_line_per_bad_clip(tmp_path):
    _clip(tmp_path / "r", "good-000001")
    _break("truncated", tmp_path / "r")
    _break("nodone", tmp_path / "r")
    res = _run("export", str(tmp_path / "r"), "--out", str(tmp_path / "ds"))
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("synthgen: skipped clip")]
    assert len(lines) == 2 and "Traceback" not in res.stderr
    assert "exported 1 clips" in res.stdout and "bad 2" in res.stdout
    res = _run("export", str(tmp_path / "r"), "--out", str(tmp_path / "ds"), "--allow-partial")
    assert res.returncode == 0 and "skipped 1 already" in res.stdout
    index = (tmp_path / "ds" / "index.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in index] == ["good-000001"]


def test_cli_bad_arguments_are_one_line(tmp_path):
    _clip(tmp_path / "r", "good-000001")
    res = _run("export", str(tmp_path / "r"), "--out", str(tmp_path / "ds"), "--members", "flow,bogus")
    assert res.returncode != 0 and "bogus" in res.stderr and "Traceback" not in res.stderr
    res = _run("export", str(tmp_path / "r"), "--out", str(tmp_path / "ds"), "--plucker-res", "12")
    assert res.returncode != 0 and "--plucker-res" in res.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = _run("export", str(tmp_path / "r"), "--out", str(blocker / "ds"))
    assert res.returncode != 0 and "not writable" in res.stderr and "Traceback" not in res.stderr


def test_plucker_res_option(tmp_path):
    _clip(tmp_path / "r", "good-000001")
    res = _run("export", str(tmp_path / "r"), "--out", str(tmp_path / "ds"), "--plucker-res", "5x3",
               "--members", "plucker,json")
    assert res.returncode == 0, res.stderr
    from synthgen.dataset import load_sample
    s = load_sample(tmp_path / "ds")
    assert s["plucker"].shape == (3, 6, 3, 5) and set(s) >= {"plucker", "json"} and "flow" not in s
