"""The farm entry script run as ``python entry.py -- ...`` (PyPI bpy) in a subprocess:
outputs, exit codes, one-line errors, and a killed render resumed to identical flow."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np

import scenes
from synthgen import layout
from synthgen.render import ENTRY


def _entry(*args, **kw):
    return subprocess.run([sys.executable, str(ENTRY), "--", *map(str, args)],
                          capture_output=True, text=True, timeout=300, **kw)


def test_entry_renders_layers_dtypes_shapes(tmp_path):
    job = scenes.moving_props_job([(1.0, 0.0), (0.0, -1.0)], width=40, height=30, n_frames=2,
                                  mode="full")
    path = job.save(tmp_path / "job.json")
    res = _entry("--job", path, "--out", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    progress = [ln for ln in res.stdout.splitlines() if ln.startswith("synthgen-progress")]
    assert progress == ["synthgen-progress 1 1 2", "synthgen-progress 2 2 2"]
    folder = tmp_path / "out" / job.clip_id
    for frame in (1, 2):
        ch = scenes.read_frame(folder / layout.frame_name(frame))
        assert set(ch) == set(layout.required_channels("full"))
        assert all(a.dtype == np.float32 and a.shape == (30, 40) for a in ch.values())
    assert (folder / layout.DONE_FILE).read_text().strip() == job.hash()


def test_entry_bad_job_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"clip_id": "x", "kind": "dance"}')
    res = _entry("--job", bad, "--out", tmp_path / "out")
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"synthgen: error: {bad}: ")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


def test_entry_frames_argument_and_range_error(tmp_path):
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=3, width=32, height=24)
    path = job.save(tmp_path / "job.json")
    res = _entry("--job", path, "--out", tmp_path / "out", "--frames", "2:3")
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "out" / job.clip_id
    assert sorted(p.name for p in folder.glob("frame_*.exr")) == ["frame_0002.exr", "frame_0003.exr"]
    assert not (folder / layout.DONE_FILE).exists()
    res = _entry("--job", path, "--out", tmp_path / "out", "--frames", "0:9")
    assert res.returncode == 2            # a bad argument, not a failed render
    assert res.stderr.strip().splitlines()[-1] == \
        f"synthgen: error: {path}: --frames: 0:9 is outside the clip's frames 1:3"


def test_killed_render_resumes_to_identical_output(tmp_path):
    """SIGKILL the worker right after its first frame, re-run: every frame equals an
    uninterrupted render bit for bit, and no temp file is left over."""
    job = scenes.moving_props_job([(2.5, 0.0), (0.0, 1.5)], width=160, height=120, n_frames=8)
    path = job.save(tmp_path / "job.json")
    clean = _entry("--job", path, "--out", tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    proc = subprocess.Popen([sys.executable, str(ENTRY), "--", "--job", str(path), "--out",
                             str(tmp_path / "killed")], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("synthgen-progress"):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    folder = tmp_path / "killed" / job.clip_id
    assert not (folder / layout.DONE_FILE).exists()
    assert len(list(folder.glob("frame_*.exr"))) < 8
    again = _entry("--job", path, "--out", tmp_path / "killed")
    assert again.returncode == 0, again.stderr
    assert not list(folder.glob(".*.tmp"))
    for frame in range(1, 9):
        a = scenes.read_frame(folder / layout.frame_name(frame))
        b = scenes.read_frame(tmp_path / "clean" / job.clip_id / layout.frame_name(frame))
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"frame {frame} {name}")


def test_worker_imports_only_what_stock_blender_ships():
    """Everything the entry script can import must exist in a stock Blender's Python:
    bpy, bmesh, mathutils, bpy_extras, numpy and the standard library (no scipy, click,
    OpenEXR, tqdm ...)."""
    import ast
    from pathlib import Path

    root = Path(ENTRY).resolve().parents[2]
    files = sorted((root / "synthgen" / "blender").glob("*.py"))
    files += [root / "synthgen" / f"{m}.py" for m in ("__init__", "job", "camera", "layout", "errors", "fsutil")]
    allowed = set(sys.stdlib_module_names) | {"bpy", "bmesh", "mathutils", "bpy_extras", "numpy", "synthgen"}
    bad = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            bad += [f"{f.name}: {n}" for n in names if n.split(".")[0] not in allowed]
    assert bad == []
