"""``synthgen report``: the page's files and data from a real export, and the page itself in a
headless Chromium (skipped where Debian's chromium and chromium-driver are absent): it shows
every clip with playable videos and loaded contact sheets, and the kind / movement / world
filters hide the other clips and redraw the plots (also when given in the URL)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import chromium
from synthgen.dataset import load_sample
from synthgen.export import export_dataset
from synthgen.export.video import read_video
from synthgen.job import AssetRef
from synthgen.report import write_report
from synthetic import make_job, write_clip

PANEL = 96
#: key -> (kind, movement, world, render mode, focal_mm param)
CLIPS = {"cam-pan": ("camera", "pan", "empty", "flow", 20.0),
         "cam-orbit": ("camera", "orbit", "hdri", "flow", 35.0),
         "hum-follow": ("human", "following", "empty", "flow", 50.0),
         "hum-tilt": ("human", "tilt", "hdri", "full", 24.0)}


def _job(key, kind, movement, world, mode, focal, pan):
    job = make_job(key, width=48, height=32, n_frames=5, pan_deg_per_frame=pan, mode=mode)
    job.kind = kind
    job.camera.movement_type = movement
    job.camera.path_family = movement if kind == "camera" else ""
    if world == "hdri":
        job.environment.type = "hdri"
        job.environment.hdri = AssetRef("hdri-forest", "hdri", "blender-datafiles:studiolights/world/forest.exr",
                                        licence="CC0")
    job.plan.params = {"focal_mm": focal, "speed_profile": "burst" if kind == "camera" else "constant",
                       "initial_position": [0.5, -1.0, 1.5], "with_character": kind == "human",
                       "lights": {"count": 2}, "note": None}
    assert not job.validate(), job.validate()
    return job


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    for i, (key, spec) in enumerate(CLIPS.items()):
        write_clip(_job(key, *spec, pan=1.0 + i), root / "r" / key, box_motion=(1.0 + i, 0.5))
    write_clip(_job("bad-gate", "camera", "pan", "empty", "flow", 30.0, pan=3.0), root / "bad" / "bad-gate")
    members = "flow,valid,flow_hsv,plucker,depth,seg,rgb,txt,json"
    assert export_dataset([root / "r"], root / "ds", members=members, progress=False).ok
    gate = export_dataset([root / "bad"], root / "ds", max_fb_p90=0.0, progress=False)
    assert [k for k, _, _ in gate.filtered] == ["bad-gate"]
    out = write_report(root / "ds", root / "page" / "report.html", panel_width=PANEL, progress=False)
    return root, out


def _data(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw)


def test_page_files_and_records(dataset):
    root, out = dataset
    html = out.read_text()
    files = out.parent / "report_files"
    assert sorted(p.name for p in files.iterdir()) == sorted(f"{k}.{e}" for k in CLIPS for e in ("mp4", "png"))
    assert html.count('<article class="card"') == 4 and "bad-gate" in html and "fb-consistency p90" in html
    data = _data(html)
    recs = {r["key"]: r for r in data["clips"]}
    assert set(recs) == set(CLIPS)
    for key, (kind, movement, world, mode, focal) in CLIPS.items():
        r = recs[key]
        assert (r["kind"], r["movement"], r["world"], r["mode"]) == (kind, movement, world, mode)
        assert r["params"]["focal_mm"] == focal and r["params"]["initial_position[2]"] == 1.5
        assert r["params"]["with_character"] == str(kind == "human").lower()
        assert r["params"]["lights.count"] == 2.0 and "note" not in r["params"]
    names = {(f["group"], f["name"]): f["type"] for f in data["fields"]}
    assert names[("params", "focal_mm")] == "num" and names[("params", "speed_profile")] == "cat"
    assert names[("qa", "flow_mag_p99")] == "num" and ("qa", "fb_err_p90") in names


def test_pictures_show_the_clip(dataset):
    root, out = dataset
    files = out.parent / "report_files"
    full = read_video(files / "hum-tilt.mp4")          # RGB | flow | HSV, T - 1 frames (pairs)
    flow_only = read_video(files / "cam-pan.mp4")      # flow | HSV
    assert full.shape[:3] == (4, PANEL * 32 // 48, 3 * PANEL)
    assert flow_only.shape[:3] == (4, PANEL * 32 // 48, 2 * PANEL)
    sample = load_sample(root / "ds", "hum-tilt")
    rgb_panel = full[0][:, :PANEL].astype(float)
    ref = np.asarray(__import__("PIL.Image", fromlist=["Image"]).fromarray(sample["rgb"][0]).resize(
        (PANEL, PANEL * 32 // 48)), float)
    assert np.abs(rgb_panel[20:] - ref[20:]).mean() < 12          # below the label
    html = out.read_text()
    spark = re.search(r'data-key="hum-tilt".*?<svg class="spark"[^>]*data-max="([0-9.]+)"', html, re.S)
    mag = np.linalg.norm(sample["flow"].astype(np.float32), axis=-1)
    assert float(spark.group(1)) == pytest.approx(max(np.percentile(m, 99) for m in mag), abs=2e-3)


def test_report_reads_file_layouts_and_rejects_bad_input(dataset, tmp_path):
    root, _ = dataset
    for fmt, panels in (("videox-fun", 3), ("folders", 2)):     # folders: no rgb member asked
        export_dataset([root / "r"], tmp_path / fmt, fmt=fmt, progress=False)
        page = write_report(tmp_path / fmt, tmp_path / f"{fmt}.html", panel_width=PANEL, progress=False)
        assert page.read_text().count('<article class="card"') == 4
        frames = read_video(tmp_path / f"{fmt}_files" / "hum-tilt.mp4")
        assert frames.shape[2] == panels * PANEL        # (RGB |) flow | control video
    res = _main("report", str(root / "r"), "--out", str(tmp_path / "x.html"))
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert res.stderr.startswith("synthgen: error: ") and "no index.jsonl: not an exported dataset" in res.stderr
    res = _main("report", str(root / "ds"), "--out", str(tmp_path / "x.pdf"))
    assert res.returncode == 1 and "must end in .html" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x_files").exists() and not list(tmp_path.glob(".x_files*"))
    ok = _main("report", str(root / "ds"), "--out", str(tmp_path / "cli.html"), "--max-clips", "2")
    assert ok.returncode == 0 and ok.stdout.strip() == f"report: {tmp_path / 'cli.html'}"
    assert (tmp_path / "cli.html").read_text().count('<article class="card"') == 2


def _main(*args):
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


VISIBLE = "return [...document.querySelectorAll('.card')].filter(c => c.offsetParent !== null).map(c => c.dataset.key)"
SELECTED = "return Object.fromEntries([...document.querySelectorAll('.plot')].map(p => [p.dataset.field, +p.dataset.selected]))"


def _choose(b, name, value):
    b.js(f"const s = document.getElementById('f-{name}'); s.value = arguments[0];"
         "s.dispatchEvent(new Event('change'));", value)


@pytest.mark.skipif(not chromium.available(), reason="needs Debian's chromium and chromium-driver")
def test_page_in_chromium_shows_clips_and_filters(dataset):
    _, out = dataset
    with chromium.Browser() as b:
        b.open(out)
        assert b.wait_for("return document.body.dataset.ready")
        assert sorted(b.js(VISIBLE)) == sorted(CLIPS)
        videos = b.wait_for("const v = [...document.querySelectorAll('video')];"
                            "return v.every(x => x.readyState >= 2) && v.map(x => x.videoWidth)")
        assert videos and sorted(videos) == sorted([3 * PANEL] + [2 * PANEL] * 3)
        assert b.js("return [...document.images].map(i => i.complete && i.naturalWidth > 0)") == [True] * 4
        assert b.js("return document.getElementById('count').textContent") == "4 of 4 clips match; 4 pictured"
        assert b.js(SELECTED)["params.focal_mm"] == 4

        _choose(b, "kind", "human")
        assert sorted(b.js(VISIBLE)) == ["hum-follow", "hum-tilt"]
        sel = b.js(SELECTED)
        assert sel["params.focal_mm"] == 2 and sel["qa.flow_mag_p99"] == 2 and sel["params.speed_profile"] == 2
        assert b.js("return document.getElementById('count').textContent") == "2 of 4 clips match; 2 pictured"
        _choose(b, "world", "hdri")
        assert b.js(VISIBLE) == ["hum-tilt"] and b.js(SELECTED)["params.focal_mm"] == 1
        assert b.js("return location.hash") == "#kind=human&world=hdri"
        _choose(b, "kind", "")
        _choose(b, "world", "")
        assert sorted(b.js(VISIBLE)) == sorted(CLIPS)

        b.js("location.hash = '#movement=orbit'")           # a link within the page
        assert b.wait_for("return document.getElementById('f-movement').value === 'orbit'")
        assert b.js(VISIBLE) == ["cam-orbit"]

        b.open("about:blank")
        b.open(f"{out.resolve().as_uri()}#kind=camera&world=empty")     # a link to a view
        assert b.wait_for("return document.body.dataset.ready")
        assert b.js(VISIBLE) == ["cam-pan"]
        assert b.js("return document.getElementById('f-kind').value") == "camera"
