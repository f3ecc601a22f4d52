"""Real Mixamo FBX files: import, retarget onto model_T and a procedural character, render.

Uses ../shared/assets/mixamo through the ``mixamo_dir`` fixture (skipped when absent).
"""
from __future__ import annotations

import bpy
import numpy as np
import pytest

import scenes
from synthgen import layout
from synthgen.blender import characters, mixamo
from synthgen.blender.worker import render_job
from synthgen.characters.retarget import source_stance
from test_characters import human_job, reset, subject

SAMBA = "anim_samba_dancing_noskin.fbx"
MODEL = "character_jumping.fbx"
JUMP = "anim_jumping_noskin.fbx"


# --------------------------------------------------------------------------- import
@pytest.mark.parametrize("name, fps, frames, bones, meshes, hip_m", [
    (MODEL, 30.0, (1, 36), 65, 1, 0.963),
    (SAMBA, 24.0, (1, 476), 65, 0, 0.900),
    (JUMP, 24.0, (1, 78), 65, 0, 0.900),
])
def test_import_each_file(mixamo_dir, name, fps, frames, bones, meshes, hip_m):
    """fps, frame range, bone and mesh counts as authored; cm armatures come out in metres;
    the scene's own fps and frame range are left alone."""
    reset()
    scene = bpy.context.scene
    scene.render.fps, scene.frame_start, scene.frame_end = 25, 1, 9
    imp = mixamo.import_file(mixamo_dir / name)
    assert (scene.render.fps, scene.frame_start, scene.frame_end) == (25, 1, 9)
    assert imp["fps"] == fps and imp["frame_range"] == frames
    assert len(imp["armature"].data.bones) == bones and len(imp["meshes"]) == meshes
    skel = mixamo.rest_skeleton(imp["armature"], mixamo._bone_names(imp["armature"], False))
    assert skel.hip_height == pytest.approx(hip_m, abs=0.01)
    assert not skel.missing()
    if meshes:
        assert len(imp["meshes"][0].data.vertices) == 9112


def test_motion_in_action_frame(mixamo_dir):
    """Samba: 476 source frames at 24 fps, facing −Y with the hips above the origin at
    frame 0, feet on the floor, imported objects removed again."""
    reset()
    mo = mixamo.load_motion(mixamo_dir / SAMBA)
    assert mo.fps == 24.0 and mo.pose.rot.shape[:2] == (476, 65)
    s = mo.skeleton
    assert np.allclose(mo.pose.head[0, s.i("Hips"), :2], 0, atol=1e-9)
    left = mo.pose.head[0, s.i("LeftUpLeg")] - mo.pose.head[0, s.i("RightUpLeg")]
    assert left[0] > 0.15 and abs(left[1]) < 1e-6                  # left = +X ⇒ facing −Y
    from synthgen.characters.retarget import lowest_sole
    assert abs(lowest_sole(s, mo.pose)[:5]).max() < 0.03
    assert len(bpy.data.objects) == 0


def _export_variant(src, out, *, fps: int, prefix: str, drop=()) -> None:
    """Re-export a real animation with another bone prefix / frame rate / fewer bones."""
    reset()
    bpy.ops.import_scene.fbx(filepath=str(src))
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    if drop:
        bpy.context.view_layer.objects.active = arm
        bpy.ops.object.mode_set(mode="EDIT")
        for n in drop:
            eb = arm.data.edit_bones[n]
            for c in eb.children:
                c.parent = eb.parent
            arm.data.edit_bones.remove(eb)
        bpy.ops.object.mode_set(mode="OBJECT")
    for b in arm.data.bones:
        b.name = b.name.replace("mixamorig:", prefix)
    sc = bpy.context.scene
    sc.render.fps, sc.frame_start, sc.frame_end = fps, 1, 78
    bpy.ops.export_scene.fbx(filepath=str(out), object_types={"ARMATURE"}, bake_anim=True,
                             add_leaf_bones=False)


@pytest.mark.parametrize("prefix, fps", [("mixamorig1_", 60), ("mixamorig1:", 30), ("", 24)])
def test_prefix_variants_and_frame_rates(mixamo_dir, tmp_path, prefix, fps):
    src = tmp_path / f"jump_{fps}.fbx"
    _export_variant(mixamo_dir / JUMP, src, fps=fps, prefix=prefix)
    reset()
    mo = mixamo.load_motion(src)
    assert mo.fps == fps and mo.pose.rot.shape[0] == 78
    assert all(n.startswith("mixamorig:") for n in mo.skeleton.names)
    assert mo.skeleton.hip_height == pytest.approx(0.89, abs=0.02)     # metres, from a cm rig


# --------------------------------------------------------------------------- retarget + render
@pytest.fixture()
def samba(mixamo_dir):
    return mixamo_dir / SAMBA


def _check_retarget(character: str, samba_path, *, height_m=None):
    """Build Samba on ``character`` over 3 s at 30 fps (24 fps source: fractional times)."""
    reset()
    times = np.arange(92) / 30.0 + 1.0
    spec = subject(character, str(samba_path), times, location=(0.3, 6.0, 0.0), heading=20.0,
                   height_m=height_m)
    job = human_job([spec], n_frames=90)
    h = characters.build_subject(spec, job)
    frames = list(job.baked_frames())
    err = h.direction_error_deg(frames[::3])
    # feet: at source stance frames the lowest vertex is within 2 cm of the floor
    stance = source_stance(h.source)
    on_stance = []
    for f, t in zip(frames, times):
        i = int(round(t * h.source.fps))
        if abs(t * h.source.fps - i) < 1e-6 and stance[i]:    # exactly on a source frame
            on_stance.append(f)
    lows = np.array([h.evaluated_vertices(f)[:, 2].min() for f in on_stance])
    return h, err, lows


def test_samba_onto_model_t(mixamo_dir, samba):
    h, err, lows = _check_retarget(str(mixamo_dir / MODEL), samba)
    print(f"samba -> model_T: bone direction error mean {err.mean():.3f} deg, p95 {np.percentile(err, 95):.3f} deg")
    assert err.shape[1] >= 50                       # fingers included
    assert err.mean() <= 5.0 and np.percentile(err, 95) <= 10.0
    assert len(lows) >= 3 and np.abs(lows).max() <= 0.02, lows
    assert len(bpy.data.objects) == 2               # armature + model_T, nothing else left


def test_samba_onto_procedural_character(samba):
    h, err, lows = _check_retarget("procedural:humanoid/broad-orange-overalls", samba, height_m=1.6)
    print(f"samba -> procedural: bone direction error mean {err.mean():.3f} deg, p95 {np.percentile(err, 95):.3f} deg")
    assert err.mean() <= 5.0 and np.percentile(err, 95) <= 10.0
    assert len(lows) >= 3 and np.abs(lows).max() <= 0.02 * 1.6 / 1.82 + 1e-3, lows


@pytest.mark.parametrize("character", [MODEL, "procedural:humanoid/teen-purple-jacket"])
def test_render_three_frames_character_flow(mixamo_dir, samba, tmp_path, character):
    """Worker render of 3 tiny frames: the character's pixels (Index = its id) have finite,
    non-zero flow."""
    loc = str(mixamo_dir / character) if character.endswith(".fbx") else character
    times = 4.0 + np.arange(5) / 30.0
    spec = subject(loc, str(samba), times, iid=3, location=(0.0, 5.0, 0.0))
    job = human_job([spec], n_frames=3, width=48, height=64, clip_id="samba")
    folder = render_job(job, tmp_path)
    for f in (1, 2, 3):
        ch = scenes.read_frame(folder / layout.frame_name(f))
        ids = ch[layout.INDEX_CHANNEL]
        mask = ids == 3
        assert mask.sum() > 30, mask.sum()
        flow = scenes.forward_flow(ch)[mask]
        assert np.isfinite(flow).all()
        assert np.abs(flow).max() > 0.05 and np.abs(flow).max() < 30


# --------------------------------------------------------------------------- bad input
def test_fbx_without_armature(tmp_path):
    reset()
    bpy.ops.mesh.primitive_cube_add()
    path = tmp_path / "cube.fbx"
    bpy.ops.export_scene.fbx(filepath=str(path))
    reset()
    with pytest.raises(mixamo.ImportError_, match=r"cube\.fbx: armature: no armature in the file"):
        mixamo.load_motion(path)
    with pytest.raises(mixamo.ImportError_, match="no armature"):
        mixamo.load_character(path, "x")
    assert len(bpy.data.objects) == 0


def test_animation_missing_bones_names_them(mixamo_dir, tmp_path):
    path = tmp_path / "nohand.fbx"
    _export_variant(mixamo_dir / JUMP, path, fps=30, prefix="mixamorig:",
                    drop=("mixamorig:LeftHand", "mixamorig:RightShoulder"))
    reset()
    with pytest.raises(mixamo.ImportError_) as exc:
        mixamo.load_motion(path)
    msg = str(exc.value)
    assert "\n" not in msg and "bones" in msg
    assert "LeftHand" in msg and "RightShoulder" in msg and "LeftArm" not in msg


def test_corrupt_fbx(mixamo_dir, tmp_path):
    reset()
    data = (mixamo_dir / MODEL).read_bytes()
    for i, blob in enumerate((data[: len(data) // 3], b"Kaydara FBX Binary  \x00garbage" * 10, b"")):
        path = tmp_path / f"bad{i}.fbx"
        path.write_bytes(blob)
        with pytest.raises(mixamo.ImportError_) as exc:
            mixamo.load_motion(path)
        assert "\n" not in str(exc.value) and f"bad{i}.fbx: file: not a readable FBX file" in str(exc.value)
    assert len(bpy.data.objects) == 0


# --------------------------------------------------------------------------- BVH
_CMU = {"Spine": "LowerBack", "Spine1": "Spine", "Spine2": "Spine1"}


def _samba_as_cmu_bvh(samba, out, frames: int = 48) -> None:
    """The real Samba re-exported by Blender's BVH exporter with CMU-style joint names
    (Hips, LowerBack, Spine, Spine1, ..., no prefix; centimetres)."""
    reset()
    bpy.ops.import_scene.fbx(filepath=str(samba))
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    for b in arm.data.bones:
        short = b.name.replace("mixamorig:", "")
        b.name = _CMU.get(short, short)
    bpy.context.view_layer.objects.active = arm
    arm.select_set(True)
    assert "FINISHED" in bpy.ops.export_anim.bvh(filepath=str(out), frame_start=1, frame_end=frames)


def test_bvh_with_cmu_names_matches_the_fbx_source(samba, tmp_path):
    """A CMU-named BVH of the same motion loads through the bone map to the same world bone
    directions (its hips bone points down, unlike Mixamo's) and the same hips path, in m."""
    path = tmp_path / "samba_cmu.bvh"
    _samba_as_cmu_bvh(samba, path)
    reset()
    bvh = mixamo.load_motion(path)
    fbx = mixamo.load_motion(samba)
    assert bvh.fps == pytest.approx(24.0, abs=1e-3) and bvh.pose.rot.shape[0] == 48
    assert not bvh.skeleton.missing() and bvh.skeleton.hip_height == pytest.approx(0.90, abs=0.01)
    from synthgen.characters import retarget as rt
    from synthgen.characters.skeleton import WorldPose
    err = rt.direction_error_deg(fbx.skeleton, WorldPose(fbx.pose.rot[:48], fbx.pose.head[:48]),
                                 bvh.skeleton, bvh.pose)
    assert err.shape[1] == 22 and err.mean() < 1.0, err.mean(axis=0)
    assert np.abs(bvh.pose.head[:, 0] - fbx.pose.head[:48, 0]).max() < 1e-3
    # and onto a procedural character, baked: same error budget as the FBX source
    reset()
    spec = subject("procedural:humanoid/slim-yellow-tracksuit", str(path), np.arange(12) / 24.0)
    h = characters.build_subject(spec, human_job([spec], n_frames=10))
    baked = h.direction_error_deg(list(range(0, 12, 3)))
    assert baked.mean() < 1.0


def test_two_subjects_from_the_same_files(mixamo_dir, samba):
    """Two model_T subjects (same FBX twice) in one scene: separate objects, own pass
    indices, own placements; the second import does not disturb the first."""
    reset()
    times = 2.0 + np.arange(5) / 30.0
    a = subject(str(mixamo_dir / MODEL), str(samba), times, iid=1, location=(-1.0, 6.0, 0.0))
    b = subject(str(mixamo_dir / MODEL), str(samba), times, iid=2, location=(1.0, 6.0, 0.0),
                heading=180.0)
    job = human_job([a, b], n_frames=3)
    ha = characters.build_subject(a, job)
    before = ha.evaluated_vertices(2)
    hb = characters.build_subject(b, job)
    assert set(ha.meshes).isdisjoint(hb.meshes) and ha.armature != hb.armature
    assert [m.pass_index for m in ha.meshes + hb.meshes] == [1, 2]
    assert np.array_equal(ha.evaluated_vertices(2), before)
    va, vb = ha.evaluated_vertices(2), hb.evaluated_vertices(2)
    assert va[:, 0].mean() == pytest.approx(-1.0, abs=0.3) and vb[:, 0].mean() == pytest.approx(1.0, abs=0.3)
    # heading 180°: same pose mirrored through the vertical axis at each location
    assert np.allclose(vb[:, :2] - [1.0, 6.0], -(va[:, :2] - [-1.0, 6.0]), atol=1e-4)
