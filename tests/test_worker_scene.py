"""Scene building from the job: environments, room templates (security), lights, assets,
devices, and one-line errors for bad input. Real bpy, real files."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

import scenes
from synthgen import layout
from synthgen.blender.color import blackbody_rgb
from synthgen.blender.worker import render_job
from synthgen.errors import RenderError
from synthgen.job import AssetRef, EnvironmentSpec, LightSpec, RoomSpec
from synthgen.fsutil import sha256_file

ROOT = scenes.__file__ and os.path.dirname(os.path.dirname(os.path.abspath(scenes.__file__)))
TEMPLATES = os.path.join(ROOT, "blend_templates")
MALICIOUS = os.path.join(TEMPLATES, "malicious_text_block.blend")


def _room_job(asset: AssetRef, center=(0.0, 2.0, -1.5), scene_type="room", **room_kw):
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1, clip_id="room")
    room = RoomSpec(asset=asset, size=[6.0, 12.0, 3.0], center=list(center), **room_kw)
    env = EnvironmentSpec(type=scene_type, room=room, ambient_intensity=0.3)
    lights = [LightSpec(kind="point", position=[0.0, 2.0, 1.0], intensity_w=400.0)]
    job = dataclasses.replace(job, environment=env, lights=lights)
    assert job.validate() == []
    return job


def test_procedural_room_surrounds_camera_with_background_ids(tmp_path):
    job = _room_job(AssetRef(id="room", kind="room", location="procedural:room"),
                    wall_colors=[[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.9], [0.9, 0.9, 0.1]])
    ch = scenes.read_frame(render_job(job, tmp_path) / "frame_0001.exr")
    ids, depth = ch[layout.INDEX_CHANNEL], ch[layout.DEPTH_CHANNEL]
    assert set(np.unique(ids)) == {0.0, 1.0}
    room = ids == 0
    # every background pixel hits a wall, floor or ceiling: finite depth inside the room
    assert (depth[room] < 12.0).all() and (depth[room] > 0.5).all()
    # the far wall (wall_2 at y = 8, blue) fills the view centre around the prop
    far = room & (depth > 7.9)
    assert far.sum() > 100
    assert ch["flow.Combined.B"][far].mean() > 2 * ch["flow.Combined.R"][far].mean()


def test_job_files_spelling_the_room_basic_render_the_same_scene(tmp_path):
    """Scene types were renamed (basic -> room); job files written before still render, identically."""
    asset = AssetRef(id="room", kind="room", location="procedural:room")
    frames = [scenes.read_frame(render_job(_room_job(asset, scene_type=name), tmp_path / name) / "frame_0001.exr")
              for name in ("room", "basic")]
    assert set(frames[0]) == set(frames[1])
    for channel in frames[0]:
        np.testing.assert_array_equal(frames[0][channel], frames[1][channel], err_msg=channel)
    assert (frames[0][layout.DEPTH_CHANNEL] < 12.0).all()        # a room was built around the camera


def test_room_template_meshes_render_and_its_script_never_runs(tmp_path, monkeypatch):
    marker = tmp_path / "pwned.txt"
    monkeypatch.setenv("SYNTHGEN_TEMPLATE_MARKER", str(marker))
    job = _room_job(AssetRef(id="evil", kind="room", location=MALICIOUS, sha256=sha256_file(MALICIOUS)),
                    center=(0.0, 0.0, 0.0))
    job = dataclasses.replace(job, camera=scenes.front_camera(3, 64, 48, positions=[[0, 0, 0.3]] * 3))
    ch = scenes.read_frame(render_job(job, tmp_path / "out") / "frame_0001.exr")
    assert not marker.exists()
    floor = (ch[layout.INDEX_CHANNEL] == 0) & (ch[layout.DEPTH_CHANNEL] < 100)
    assert floor.sum() > 100                                 # the template's floor is there


def test_malicious_template_script_does_run_when_auto_exec_is_on(tmp_path):
    """Positive control: the template's registered script really writes the marker when a
    file is opened trusting scripts, so the test above can fail."""
    marker = tmp_path / "pwned.txt"
    code = ("import bpy; bpy.ops.wm.open_mainfile(filepath=%r, use_scripts=True)" % MALICIOUS)
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                   env=dict(os.environ, SYNTHGEN_TEMPLATE_MARKER=str(marker)), timeout=120)
    assert marker.read_text() == "template script ran"


def test_room_small_template_renders_at_room_center(tmp_path):
    """The template (4 x 3 x 2.5 m, floor centre at the origin) is moved to room.center:
    from inside, every pixel is room; the north wall (y = +1.5 + 10) is 2.7 m ahead."""
    path = os.path.join(TEMPLATES, "room_small.blend")
    job = _room_job(AssetRef(id="room_small", kind="room", location=path), center=(0.0, 10.0, 0.0))
    job = dataclasses.replace(job, camera=scenes.front_camera(3, 64, 48, positions=[[-0.5, 8.8, 1.2]] * 3))
    ch = scenes.read_frame(render_job(job, tmp_path) / "frame_0001.exr")
    room = ch[layout.INDEX_CHANNEL] == 0
    depth = ch[layout.DEPTH_CHANNEL]
    assert room.all() and (depth < 4.0).all()               # closed 4x3 m room
    assert abs(np.median(depth[20:28, 28:36]) - 2.7) < 0.05


def test_checksum_mismatch_is_one_line_error_without_done(tmp_path):
    job = scenes.rotating_camera_hdri_job(1.0, n_frames=1)
    job.environment.hdri.sha256 = "0" * 64
    with pytest.raises(RenderError) as err:
        render_job(job, tmp_path, source="job.json")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("job.json: environment.hdri.sha256: checksum mismatch")
    assert not (tmp_path / job.clip_id / layout.DONE_FILE).exists()
    assert not list((tmp_path / job.clip_id).glob("frame_*"))


def test_missing_and_unreadable_hdri(tmp_path):
    job = scenes.rotating_camera_hdri_job(1.0, n_frames=1)
    job.environment.hdri.location = str(tmp_path / "nope.exr")
    with pytest.raises(RenderError, match=r"environment\.hdri\.location: asset file .* does not exist"):
        render_job(job, tmp_path / "out")
    bad = tmp_path / "broken.exr"
    bad.write_bytes(b"v/1\x01 this is not an image")
    job.environment.hdri.location = str(bad)
    with pytest.raises(RenderError, match=r"environment\.hdri\.location: cannot read HDRI broken\.exr"):
        render_job(job, tmp_path / "out")
    assert not (tmp_path / "out" / job.clip_id / layout.DONE_FILE).exists()


def test_unknown_primitive_and_relative_asset_path(tmp_path):
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1)
    job.props[0].asset.location = "procedural:dodecahedron"
    with pytest.raises(RenderError, match=r"props\[0\]\.asset\.location: unknown primitive 'dodecahedron'"):
        render_job(job, tmp_path)
    job.props[0].asset.location = "../../etc/passwd.obj"
    with pytest.raises(RenderError, match="must be an absolute path"):
        render_job(job, tmp_path)


def test_folder_of_a_different_job_is_refused(tmp_path):
    render_job(scenes.moving_prop_job(1.0, 0.0, n_frames=1, clip_id="same"), tmp_path)
    other = scenes.moving_prop_job(2.0, 0.0, n_frames=1, clip_id="same")
    with pytest.raises(RenderError, match="holds frames of a different job"):
        render_job(other, tmp_path)


def test_unwritable_output_folder(tmp_path):
    if os.geteuid() == 0:
        target = tmp_path / "file_not_folder"
        target.write_text("x")                       # root ignores modes: use a file
    else:
        target = tmp_path / "ro"
        target.mkdir(mode=0o500)
    with pytest.raises(RenderError, match="output folder"):
        render_job(scenes.moving_prop_job(1.0, 0.0, n_frames=1), target)


def test_absent_gpu_type_is_a_clear_error_and_auto_falls_back():
    import bpy

    from synthgen.blender import devices
    scene = bpy.context.scene
    if devices._gpus("cuda"):
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(RenderError, match=r"render\.device: no CUDA device found"):
        devices.setup_device(scene, "cuda")
    assert devices.setup_device(scene, "auto") == "cpu"
    assert scene.cycles.device == "CPU"


def test_blackbody_colours():
    warm, white, cold = blackbody_rgb(2000), blackbody_rgb(6500), blackbody_rgb(15000)
    assert warm[0] == 1.0 and warm[0] > warm[1] > warm[2]
    assert cold[2] == 1.0 and cold[2] > cold[1] > cold[0]
    assert np.abs(white - 1.0).max() < 0.08                 # near white around D65
    greens = [blackbody_rgb(k)[1] for k in (1500, 2500, 3500, 4500, 5500)]
    assert np.all(np.diff(greens) > 0)                      # warmer = less green relative to red


def test_lights_get_blackbody_colour_and_power():
    import bpy

    from synthgen.blender import scene as scene_mod
    from synthgen.job import LightSpec
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1)
    job.lights = [LightSpec(kind="area", position=[0, 0, 3], target=[0, 5, 0],
                            color_temperature_k=3000, intensity_w=250, size=1.5)]
    scene_mod.reset()
    scene_mod.build(job)
    bpy.context.view_layer.update()
    light = bpy.data.objects["light_0"]
    np.testing.assert_allclose(light.data.color, blackbody_rgb(3000), atol=1e-6)
    assert light.data.energy == 250 and light.data.size == 1.5
    aim = light.matrix_world.to_3x3() @ __import__("mathutils").Vector((0, 0, -1))
    np.testing.assert_allclose(np.array(aim), np.array([0, 5, -3]) / np.linalg.norm([0, 5, -3]), atol=1e-6)


def test_env_ground_same_geometry_in_flow_and_full_mode(tmp_path):
    """Flow mode swaps the shadow catcher for a plain ground (faster): Vector, Depth and
    Object Index must be identical to full mode's, where it really catches shadows."""
    import bpy

    job = scenes.rotating_camera_hdri_job(1.5, n_frames=1, width=40, height=30, clip_id="g")
    job.environment.shadow_catcher = True
    job.camera = scenes.front_camera(3, 40, 30, positions=[[0, 0, 1.0]] * 3,
                                     rotations=job.camera.c2w and [np.asarray(m)[:3, :3] for m in job.camera.c2w])
    flow = scenes.read_frame(render_job(job, tmp_path / "flow") / "frame_0001.exr")
    assert bpy.data.objects["ground"].is_shadow_catcher is False
    full_job = dataclasses.replace(job, render=dataclasses.replace(job.render, mode="full"))
    full = scenes.read_frame(render_job(full_job, tmp_path / "full") / "frame_0001.exr")
    assert bpy.data.objects["ground"].is_shadow_catcher is True
    ground = flow[layout.DEPTH_CHANNEL] < 1e9
    assert ground.sum() > 100 and (flow[layout.INDEX_CHANNEL][ground] == 0).all()
    for name in (*layout.VECTOR_CHANNELS, layout.DEPTH_CHANNEL, layout.INDEX_CHANNEL):
        np.testing.assert_array_equal(flow[name], full[name])


def test_writes_never_leave_out(tmp_path):
    """A clip id that escapes (only possible by bypassing Job validation) or a clip folder
    that is a symlink elsewhere is refused before anything is written."""
    outside = tmp_path / "outside"
    outside.mkdir()
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1)
    evil = dataclasses.replace(job, clip_id="../outside")
    assert evil.validate()                                   # the contract refuses it too
    with pytest.raises(RenderError, match="would write outside --out"):
        render_job(evil, tmp_path / "out")
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / job.clip_id).symlink_to(outside, target_is_directory=True)
    with pytest.raises(RenderError, match="would write outside --out"):
        render_job(job, tmp_path / "out")
    assert not any(outside.iterdir())


@pytest.mark.parametrize("light", ["none", "ambient", "hdri"])
def test_empty_world_background_colour_and_world_light(tmp_path, light):
    """``empty``: camera rays see exactly background_color (both layers); in the RGB pass
    the prop is lit by the ambient white or by the HDRI given as light only, and dark
    without either. The flow layer shows the unlit preview colour of the prop."""
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1, clip_id=f"empty-{light}", mode="full")
    env = EnvironmentSpec(type="empty", background_color=[0.25, 0.5, 0.125, 1.0],
                          ambient_intensity=1.0 if light == "ambient" else 0.0,
                          hdri=AssetRef(id="forest", kind="hdri", location=scenes.HDRI) if light == "hdri" else None,
                          hdri_as_light_only=light == "hdri")
    job = dataclasses.replace(job, environment=env, lights=[])
    ch = scenes.read_frame(render_job(job, tmp_path) / "frame_0001.exr")
    ids = ch[layout.INDEX_CHANNEL]
    bg, prop = _interior_mask(ids == 0), _interior_mask(ids == 1)
    for layer in ("flow", "rgb"):
        for c, want in zip("RGB", (0.25, 0.5, 0.125)):
            np.testing.assert_allclose(ch[f"{layer}.Combined.{c}"][bg], want, atol=1e-5)
    lit = ch["rgb.Combined.R"][prop].mean()
    assert lit > 0.05 if light != "none" else lit < 1e-4
    preview = ch["flow.Combined.R"][prop] / job.props[0].color[0]     # unlit, facing-shaded
    assert preview.max() <= 1.0 + 1e-5 and preview.min() > 0.9


def _interior_mask(mask, margin: int = 2):
    out = mask.copy()
    for axis in (0, 1):
        for shift in range(-margin, margin + 1):
            out &= np.roll(mask, shift, axis)
    return out
