"""The correspondence engine on real Cycles renders (real bpy, real EXRs, tiny frames).

The worker writes ``geometry.npz`` when the job asks; the engine's flow at K = 1 must equal
the Vector pass (median <= 0.01 px on static and rigid geometry, <= 0.05 px on characters,
away from edges), and its K > 1 flow, occlusion and tracks must pass verify's checks against
the rendered depth and vertices. Deliberate faults (a prop's geometry half a pixel off,
subject vertices one frame late) must fail.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

import scenes
from synthgen import layout
from synthgen.renderdir import RenderDir
from synthgen.verify import format_table, verify_clip

bpy = pytest.importorskip("bpy")
worker = pytest.importorskip("synthgen.blender.worker")
tv = pytest.importorskip("test_verify_scenes")

pytestmark = pytest.mark.slow

CORR = ("corr_k1", "flow_k", "tracks", "occ_k", "track_vis")


def with_geometry(job):
    job.outputs = sorted(set(job.outputs) | {"geometry"})
    assert not job.validate()
    return job


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("corr")
    jobs = {"spin": tv.scene_spinning_prop(), "zoom": tv.scene_zoom(),
            "roll-pan-hdri": tv.scene_roll_pan_hdri(), "orbit-room": tv.scene_orbit_room(),
            "human": scenes.human_job(n_frames=4, width=128, height=96, distance=2.5,
                                      outputs=("flow", "vertices"), clip_id="human")}
    return {name: worker.render_job(with_geometry(job), root) for name, job in jobs.items()}


def checks_of(report) -> dict:
    print("\n" + format_table(report))
    return {c.name: c for c in report.checks}


@pytest.mark.parametrize("name", ["spin", "zoom", "roll-pan-hdri", "orbit-room"])
def test_engine_equals_vector_pass_and_passes_verify(rendered, name):
    report = verify_clip(rendered[name], gaps=(2,))
    c = checks_of(report)
    assert report.passed
    for check in CORR:
        assert c[check].passed is True and c[check].stats["n"] > 50, check
    assert c["corr_k1"].stats["median"] <= 0.01


def test_engine_equals_vector_pass_on_a_character(rendered):
    report = verify_clip(rendered["human"], gaps=(2, 3))
    c = checks_of(report)
    assert report.passed
    sub = c["corr_k1_subjects"]
    assert sub.passed and sub.stats["n"] > 200 and sub.stats["median"] <= 0.05
    assert c["flow_k_vertices"].passed and c["flow_k_vertices"].stats["n"] > 100


@pytest.mark.parametrize("name", ["human", "roll-pan-hdri", "orbit-room", "spin"])
def test_visibility_shortcut_equals_the_exact_test_everywhere(rendered, name):
    """Visibility decided from the target frame's pixel-centre rays agrees with the exact
    test (rasterised coverage at the landing position, itself checked against Embree in
    test_correspond.py) for every point (surface and sky) at gaps 1..3."""
    from synthgen.correspond.engine import Engine
    from synthgen.correspond.geometry import load_geometry

    job = RenderDir(rendered[name]).load().job
    geo = load_geometry(rendered[name], job)
    fast, exact = Engine(job, geo), Engine(job, geo, exact=True)
    n = 0
    for t in range(job.frame_start, job.frame_end):
        seen = fast.seen(t)
        for gap in range(1, job.frame_end - t + 1):
            target = fast.seen(t + gap)
            _, v_fast = fast.flow(seen, t + gap, target=target)
            _, v_exact = exact.flow(seen, t + gap)
            assert np.array_equal(v_fast, v_exact), (t, gap, int((v_fast != v_exact).sum()))
            n += v_exact.size
    assert n > 0


def test_geometry_file_layout(rendered):
    job = RenderDir(rendered["spin"]).load().job
    with np.load(rendered["spin"] / layout.GEOMETRY_FILE) as g:
        assert g["frames"].tolist() == list(job.baked_frames())
        ids = g["instance_ids"].tolist()
        assert sorted(ids) == [2, 3, 4]
        spinner = ids.index(4)
        assert g[f"o{spinner}_matrix"].shape == (job.n_baked, 4, 4)       # keyframed prop
        assert g[f"o{spinner}_verts"].shape[0] == 1
        wall = ids.index(2)
        assert g[f"o{wall}_matrix"].shape == (1, 4, 4)                     # static
    with np.load(rendered["human"] / layout.GEOMETRY_FILE) as g:
        assert g["o0_verts"].shape[0] == 6 and g["o0_verts"].dtype == np.float32   # deforming


def _rewrite(path, **changes):
    with np.load(path) as g:
        arrays = {k: g[k] for k in g.files}
    arrays.update({k: f(arrays[k]) for k, f in changes.items()})
    np.savez(path, **arrays)


def test_prop_half_a_pixel_off_fails(rendered, tmp_path):
    clip = shutil.copytree(rendered["spin"], tmp_path / "spin")
    with np.load(clip / layout.GEOMETRY_FILE) as g:
        k = g["instance_ids"].tolist().index(4)
    job = RenderDir(clip).load().job
    shift = 0.5 * 4.0 / job.K(1)[0, 0]                       # 0.5 px at the prop's 4 m

    def moved(m):
        m = m.copy()
        m[:, 0, 3] += shift
        return m
    _rewrite(clip / layout.GEOMETRY_FILE, **{f"o{k}_matrix": moved})
    c = checks_of(verify_clip(clip, gaps=(2,)))
    assert c["corr_k1"].passed is False


def test_subject_vertices_one_frame_late_fail(rendered, tmp_path):
    clip = shutil.copytree(rendered["human"], tmp_path / "human")
    _rewrite(clip / layout.GEOMETRY_FILE, o0_verts=lambda v: np.concatenate([v[:1], v[:-1]]))
    c = checks_of(verify_clip(clip, gaps=(2,)))
    assert c["corr_k1_subjects"].passed is False
    assert c["flow_k_vertices"].passed is False


def test_done_rule_needs_the_geometry_file(rendered, tmp_path):
    clip = shutil.copytree(rendered["zoom"], tmp_path / "zoom")
    job = RenderDir(clip).load().job
    assert RenderDir(clip).is_done(job)
    (clip / layout.GEOMETRY_FILE).unlink()
    assert not RenderDir(clip).is_done(job)
    assert "geometry.npz is missing" in RenderDir(clip).frames_intact(job)
    worker.render_job(job, tmp_path)                          # frames kept, geometry written
    assert RenderDir(clip).is_done(job) and (clip / layout.GEOMETRY_FILE).is_file()


@pytest.mark.parametrize("name", ["human", "roll-pan-hdri", "spin"])
def test_geometry_mode_writes_the_flow_layer_cycles_writes(rendered, name, tmp_path):
    """--mode geometry: no path tracing, yet the same Vector, Depth and Object Index as the
    1-sample Cycles pass, and the clip passes verify."""
    import json

    flow_dir = rendered[name]
    job = RenderDir(flow_dir).load().job
    geo_dir = worker.render_job(worker.with_mode(job, "geometry"), tmp_path)
    geo_job = RenderDir(geo_dir).load().job
    assert geo_job.render.mode == "geometry"
    info = json.loads((geo_dir / layout.RENDER_INFO_FILE).read_text())
    assert info["engine"].startswith("geometry") and info["device"].startswith("none")
    for frame in range(job.frame_start, job.frame_end + 1):
        a = scenes.read_frame(geo_dir / layout.frame_name(frame))
        b = scenes.read_frame(flow_dir / layout.frame_name(frame))
        assert np.array_equal(a[layout.INDEX_CHANNEL], b[layout.INDEX_CHANNEL])
        for ch in layout.VECTOR_CHANNELS:
            assert np.abs(a[ch] - b[ch]).max() < 1e-3, ch
        fin = b[layout.DEPTH_CHANNEL] < 1e9
        assert np.array_equal(a[layout.DEPTH_CHANNEL] < 1e9, fin)
        rel = np.abs(a[layout.DEPTH_CHANNEL][fin] / b[layout.DEPTH_CHANNEL][fin] - 1)
        assert np.median(rel) < 1e-5 and rel.max() < 1e-3
    report = verify_clip(geo_dir, gaps=(2,))
    checks_of(report)
    assert report.passed


def test_correspondence_outputs_imply_geometry_and_export_by_default(tmp_path):
    """A job listing tracks and flow_k2 in its outputs gets geometry.npz from the worker, and
    ``synthgen export`` without --members writes those members."""
    from synthgen.dataset import load_sample
    from synthgen.export import export_dataset

    job = tv.scene_zoom()
    job.outputs = ["flow", "flow_k2", "tracks", "track_vis", "json"]
    assert not job.validate() and job.wants_geometry()
    clip = worker.render_job(job, tmp_path / "r")
    assert (clip / layout.GEOMETRY_FILE).is_file() and RenderDir(clip).is_done(job)
    summary = export_dataset([clip], tmp_path / "ds", progress=False, n_tracks=50)
    assert summary.ok, summary.bad
    s = load_sample(tmp_path / "ds", job.clip_id)
    assert {"flow", "flow_k2", "tracks", "track_vis"} <= set(s)
    assert s["flow_k2"].shape == (job.n_frames - 2, job.height, job.width, 2)
    assert s["tracks"].shape == (50, job.n_frames, 2)


def test_verify_checks_the_exported_members(rendered, tmp_path):
    """verify --sample checks the exported float16 flow_k / occ_k / tracks; a sample whose
    flow_k2 was tampered with fails."""
    import io
    import tarfile
    from synthgen.export import export_dataset

    clip = rendered["spin"]
    summary = export_dataset([clip], tmp_path / "ds", members="flow,flow_k2,occ_k2,tracks,track_vis,json",
                             progress=False, compression="none", n_tracks=300)
    assert summary.ok, summary.bad
    c = checks_of(verify_clip(clip, sample=tmp_path / "ds"))
    for name in ("flow_k", "occ_k", "tracks", "track_vis"):
        assert c[name].passed is True and c[name].stats["n"] > 50, name
    shard = next((tmp_path / "ds").glob("shard-*.tar"))
    with tarfile.open(shard) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    key = next(n for n in members if n.endswith(".flow_k2.npy"))
    arr = np.load(io.BytesIO(members[key]))
    arr[..., 1] += np.float16(0.25)                                  # v off by a quarter pixel
    buf = io.BytesIO()
    np.save(buf, arr)
    members[key] = buf.getvalue()
    bad = tmp_path / "bad" / shard.name
    bad.parent.mkdir()
    with tarfile.open(bad, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert checks_of(verify_clip(clip, sample=bad))["flow_k"].passed is False
