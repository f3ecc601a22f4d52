"""Worker (synthgen.blender.worker) rendering tiny hand-made jobs with the real bpy and
reading the EXRs back with the real OpenEXR. Physical facts: known pixel displacements,
known depths, instance ids, Blender's projection equal to the job's K."""
from __future__ import annotations

import json

import numpy as np
import pytest

import scenes
from synthgen import layout
from synthgen.blender.worker import render_job
from synthgen.camera import project


def _interior(mask: np.ndarray, margin: int = 2) -> np.ndarray:
    """Pixels of ``mask`` at least ``margin`` pixels away from its edge."""
    out = mask.copy()
    for dy in range(-margin, margin + 1):
        for dx in range(-margin, margin + 1):
            out &= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


@pytest.mark.parametrize("k", [2.0, 3.25])
def test_forward_flow_sign_props_u_and_v(tmp_path, k):
    """A prop moving +k px/frame in u and one moving +k in v: forward (-Z, +W) = (+k, 0)
    and (0, +k), backward (+X, -Y) = (-k, 0) and (0, -k), within 0.01 px off edges."""
    job = scenes.moving_props_job([(k, 0.0), (0.0, k)], n_frames=3)
    folder = render_job(job, tmp_path)
    for frame in (1, 2, 3):
        ch = scenes.read_frame(folder / layout.frame_name(frame))
        fwd, bwd = scenes.forward_flow(ch), scenes.backward_flow(ch)
        ids = ch[layout.INDEX_CHANNEL]
        for iid, want in ((1, (k, 0.0)), (2, (0.0, k))):
            inner = _interior(ids == iid)
            assert inner.sum() > 20
            np.testing.assert_allclose(fwd[inner], np.broadcast_to(want, fwd[inner].shape), atol=0.01)
            np.testing.assert_allclose(bwd[inner], -np.broadcast_to(want, bwd[inner].shape), atol=0.01)


@pytest.mark.parametrize("axis,px", [("u", 1.5), ("v", -2.0)])
def test_camera_translation_flow(tmp_path, axis, px):
    """The camera moving parallel to a backdrop: backdrop flow is exactly the designed px."""
    job = scenes.translating_camera_job(axis, px, n_frames=2)
    folder = render_job(job, tmp_path)
    ch = scenes.read_frame(folder / layout.frame_name(1))
    want = np.array(job.plan.params["expected_flow_px"][0])
    assert (ch[layout.INDEX_CHANNEL] == 1).all()
    np.testing.assert_allclose(scenes.forward_flow(ch), np.broadcast_to(want, (48, 64, 2)), atol=0.01)
    np.testing.assert_allclose(ch[layout.DEPTH_CHANNEL], 5.0, atol=1e-4)


def test_layers_dtypes_depth_ids_and_render_info(tmp_path):
    job = scenes.moving_props_job([(1.0, 0.0), (0.0, 1.0)], n_frames=2)
    folder = render_job(job, tmp_path)
    assert folder == tmp_path / job.clip_id
    ch = scenes.read_frame(folder / "frame_0001.exr")
    assert set(ch) == set(layout.required_channels("flow"))
    for name, arr in ch.items():
        assert arr.dtype == np.float32 and arr.shape == (48, 64), name
    ids = ch[layout.INDEX_CHANNEL]
    assert set(np.unique(ids)) == {0.0, 1.0, 2.0}
    depth = ch[layout.DEPTH_CHANNEL]
    np.testing.assert_allclose(depth[_interior(ids == 1)], 5.0, atol=1e-4)
    assert (depth[ids == 0] >= layout.BACKGROUND_DEPTH * 0.99).all()
    assert (scenes.forward_flow(ch)[ids == 0] == 0).all()      # Cycles: zero on the world
    info = json.loads((folder / layout.RENDER_INFO_FILE).read_text())
    assert info["job_hash"] == job.hash() and info["samples"]["flow"] == 1
    assert info["device"] == "cpu" and len(info["frame_times_s"]) == 2
    assert all(t > 0 for t in info["frame_times_s"])
    assert (folder / layout.DONE_FILE).read_text().strip() == job.hash()
    assert (folder / layout.JOB_FILE).read_text() == job.to_json()
    assert not list(folder.glob(".*.tmp"))


CAMERAS = [  # width, height, sensor_fit, shift_x, shift_y
    (48, 64, "AUTO", 0.0, 0.0),
    (48, 64, "AUTO", 0.1, -0.05),
    (64, 40, "HORIZONTAL", -0.08, 0.12),
    (40, 64, "VERTICAL", 0.05, 0.1),
    (64, 48, "VERTICAL", 0.0, 0.0),
]


@pytest.mark.parametrize("width,height,fit,sx,sy", CAMERAS)
def test_blender_projection_equals_job_K(width, height, fit, sx, sy):
    """Blender's own world->view projection of the built camera equals job K (1e-4 px)."""
    import bpy
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    from synthgen.blender import scene as scene_mod

    job = scenes.marker_job([0.3, 4.0, -0.2], width=width, height=height, sensor_fit=fit,
                            shift_x=sx, shift_y=sy)
    scene_mod.reset()
    built = scene_mod.build(job)
    scene_mod.setup_render(job)
    scene = bpy.context.scene
    scene.frame_set(1)
    pts = np.array([[0.0, 5.0, 0.0], [1.0, 3.0, 0.5], [-0.7, 6.0, -0.9], [0.2, 2.0, 0.3]])
    got = []
    for p in pts:
        ndc = world_to_camera_view(scene, built["camera"], Vector(p.tolist()))
        got.append([ndc.x * width, (1.0 - ndc.y) * height])
    want, _ = project(pts, job.K(1), job.c2w(1))
    np.testing.assert_allclose(np.array(got), want, atol=1e-4)


@pytest.mark.parametrize("width,height,fit,sx,sy", CAMERAS[1:4])
def test_rendered_square_covers_exactly_the_pixels_job_K_predicts(tmp_path, width, height, fit, sx, sy):
    """A fronto-parallel square projects to an exact rectangle: the pixel centres the
    render marks as the object are those the job's K puts inside it (catches a half-pixel
    shift of the principal point, swapped axes, a wrong sensor fit)."""
    job = scenes.marker_job([0.17, 5.0, 0.11], width=width, height=height, sensor_fit=fit,
                            shift_x=sx, shift_y=sy, side=1.0)
    folder = render_job(job, tmp_path)
    ids = scenes.read_frame(folder / "frame_0001.exr")[layout.INDEX_CHANNEL]
    (u0, v0), (u1, v1) = job.plan.params["corners_uv_px"]
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    dist = np.minimum.reduce([u - u0, u1 - u, v - v0, v1 - v])   # > 0 inside
    sure = np.abs(dist) > 0.02
    assert ((ids == 1) == (dist > 0))[sure].all()
    assert (dist > 0).sum() > 30 and (dist < 0).sum() > 30


def test_full_mode_adds_rgb_and_keeps_one_sample_flow(tmp_path):
    job = scenes.moving_props_job([(2.0, 0.0), (0.0, 2.0)], n_frames=1, mode="full", clip_id="full")
    flow_job = scenes.moving_props_job([(2.0, 0.0), (0.0, 2.0)], n_frames=1, clip_id="flowonly")
    full = scenes.read_frame(render_job(job, tmp_path) / "frame_0001.exr")
    flow = scenes.read_frame(render_job(flow_job, tmp_path) / "frame_0001.exr")
    assert set(full) == set(layout.required_channels("full"))
    for name in (*layout.VECTOR_CHANNELS, layout.DEPTH_CHANNEL, layout.INDEX_CHANNEL):
        np.testing.assert_array_equal(full[name], flow[name])
    assert full["rgb.Combined.R"].dtype == np.float32
    assert full["rgb.Combined.R"].max() > 0.05
    import OpenEXR
    headers = {p.name(): p.header for p in OpenEXR.File(str(tmp_path / "full" / "frame_0001.exr")).parts}
    meta = {k: v for h in headers.values() for k, v in h.items() if k.startswith("cycles.")}
    assert meta["cycles.rgb.samples"] == str(job.render.samples_rgb)
    assert meta["cycles.flow.samples"] == "1"
    info = json.loads((tmp_path / "full" / layout.RENDER_INFO_FILE).read_text())
    assert info["mode"] == "full" and info["samples"]["rgb"] == job.render.samples_rgb


def test_resume_skips_good_frames_and_rerenders_truncated(tmp_path):
    job = scenes.moving_prop_job(1.0, 0.5, n_frames=3)
    folder = render_job(job, tmp_path)
    f1, f2 = folder / "frame_0001.exr", folder / "frame_0002.exr"
    before = scenes.read_frame(f2)
    good_mtime = f1.stat().st_mtime_ns
    data = f2.read_bytes()
    f2.write_bytes(data[: len(data) // 2])                     # a killed write
    (folder / layout.DONE_FILE).unlink()
    render_job(job, tmp_path)
    assert f1.stat().st_mtime_ns == good_mtime
    after = scenes.read_frame(f2)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])
    assert (folder / layout.DONE_FILE).is_file()


def test_partial_frames_write_done_only_when_complete(tmp_path):
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=3)
    folder = render_job(job, tmp_path, frames=(2, 3))
    assert sorted(p.name for p in folder.glob("frame_*.exr")) == ["frame_0002.exr", "frame_0003.exr"]
    assert not (folder / layout.DONE_FILE).exists()
    render_job(job, tmp_path, frames=(1, 1))
    assert (folder / layout.DONE_FILE).is_file()


def test_env_hdri_background_is_zero_vector_and_far(tmp_path):
    """The world gets Vector 0 and depth 1e10 from Cycles (the exporter fills the
    rotation flow); the HDRI itself is visible in Combined."""
    job = scenes.rotating_camera_hdri_job(2.0, n_frames=1)
    ch = scenes.read_frame(render_job(job, tmp_path) / "frame_0001.exr")
    assert (ch[layout.INDEX_CHANNEL] == 0).all()
    assert (ch[layout.DEPTH_CHANNEL] >= 1e9).all()
    assert np.abs(scenes.forward_flow(ch)).max() == 0
    assert ch["flow.Combined.G"].mean() > 0.01
