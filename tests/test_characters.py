"""Procedural humanoids, the procedural motion library and build_subject, with the real bpy."""
from __future__ import annotations

import json
import math

import bpy
import numpy as np
import pytest

import scenes
from synthgen.blender import asset_stats, characters, humanoid
from synthgen.characters import actions as motions
from synthgen.characters import mannequin, stats
from synthgen.characters import retarget as rtg
from synthgen.characters.model import Motion
from synthgen.characters import skeleton as sk
from synthgen.job import AssetRef, Job, PlanInfo, RenderSpec, SubjectSpec
from synthgen.job import EnvironmentSpec, LightSpec

ROOT = scenes.__file__.rsplit("/tests/", 1)[0]


def reset() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)


def subject(character: str, action: str, times, *, iid: int = 1, location=(0.0, 0.0, 0.0),
            heading: float = 0.0, height_m=None, root_motion: str = "keep") -> SubjectSpec:
    """A subject; ``character``/``action`` are locations (procedural:... or file paths)."""
    return SubjectSpec(instance_id=iid,
                       character=AssetRef(id="char", kind="character", location=character),
                       action=AssetRef(id="act", kind="action", location=action),
                       source_time_s=[float(t) for t in times], location=list(map(float, location)),
                       heading_deg=heading, height_m=height_m, root_motion=root_motion)


def human_job(subjects, *, n_frames: int = 3, width: int = 64, height: int = 48,
              fps: float = 30.0, clip_id: str = "human") -> Job:
    """A tiny valid human job: camera at the origin looking along +Y (see tests/scenes.py)."""
    cam = scenes.front_camera(n_frames + 2, width, height, focal_mm=30.0)
    job = Job(clip_id=clip_id, kind="human", seed=0, width=width, height=height, fps=fps,
              frame_start=1, frame_end=n_frames, camera=cam,
              render=RenderSpec(mode="flow", samples_rgb=4, threads=1),
              environment=EnvironmentSpec(type="empty", background_color=[0.1, 0.1, 0.1, 1.0],
                                          ambient_intensity=0.5),
              lights=[LightSpec(kind="point", position=[0.0, 0.0, 3.0], intensity_w=300.0)],
              subjects=list(subjects), plan=PlanInfo(preset="tests", params={}))
    problems = job.validate()
    assert not problems, problems
    return job


# --------------------------------------------------------------------------- content
def test_library_sizes_and_captions():
    assert len(mannequin.VARIANTS) >= 6
    assert len(motions.ACTIONS) >= 12
    phrases = [v.appearance for v in mannequin.VARIANTS.values()]
    assert len(set(phrases)) == len(phrases) and all(p.startswith("a") for p in phrases)
    heights = [v.height_m for v in mannequin.VARIANTS.values()]
    assert max(heights) - min(heights) > 0.25
    skins = np.array([v.skin for v in mannequin.VARIANTS.values()])
    assert skins.sum(axis=1).max() / skins.sum(axis=1).min() > 5        # dark to pale
    for a in motions.ACTIONS.values():
        assert a.move_names and a.sentence and a.duration_s > 0.9


def test_rig_conventions_and_names():
    """Mixamo names; facing −Y (toes ahead of ankles), left = +X, feet at z = 0, 1.75 m."""
    s = mannequin.reference_skeleton()
    assert not s.missing()
    assert all(n.startswith("mixamorig:") for n in s.names)
    assert s.rest_head[s.i("LeftToeBase"), 1] < s.rest_head[s.i("LeftFoot"), 1] - 0.05
    assert s.rest_head[s.i("LeftArm"), 0] > 0.1 and s.rest_head[s.i("RightArm"), 0] < -0.1
    assert s.height == pytest.approx(mannequin.REFERENCE_HEIGHT_M, abs=1e-9)
    assert min(z for _, p in rtg.sole_points(s) for z in [p[2]]) == 0.0
    # the bone Y axis is the bone direction; Z points forward (−Y) for vertical bones
    spine = s.i("Spine")
    assert np.allclose(s.rest_rot[spine][:, 1], [0, 0, 1]) and np.allclose(s.rest_rot[spine][:, 2], [0, -1, 0])


def test_mesh_is_one_smooth_skinned_body():
    reset()
    arm, mesh = humanoid.build("stocky-green-shirt", "c")
    meshes = [o for o in bpy.data.objects if o.type == "MESH"]
    assert meshes == [mesh] and mesh.parent == arm
    assert mesh.modifiers[0].type == "ARMATURE" and mesh.modifiers[0].object == arm
    me = mesh.data
    assert len(me.vertices) > 500 and len(me.materials) == 5
    # watertight-ish: every edge is shared by exactly two faces (one closed skin, not primitives)
    counts = {}
    for p in me.polygons:
        for e in p.edge_keys:
            counts[e] = counts.get(e, 0) + 1
    assert set(counts.values()) == {2}
    groups = {g.name for g in mesh.vertex_groups}
    assert {"mixamorig:Hips", "mixamorig:LeftForeArm", "mixamorig:RightFoot"} <= groups
    co = np.array([v.co for v in me.vertices])
    assert abs(co[:, 2].min()) < 0.005                       # soles on the floor
    assert co[:, 2].max() == pytest.approx(mannequin.VARIANTS["stocky-green-shirt"].height_m, abs=0.06)


# --------------------------------------------------------------------------- motion conventions
def _frame_at(pose: sk.WorldPose, t: float) -> int:
    return int(round(t * motions.FPS))


def test_motion_directions():
    """Signs that a flipped axis would break: sprint goes −Y, backflip turns backwards
    (head passes behind, +Y, then below the hips), spin-jump turns counter-clockwise (+Z)."""
    s = mannequin.reference_skeleton()
    sprint = motions.sample("sprint", s)
    assert sprint.head[-1, 0, 1] < -5.0 and abs(sprint.head[-1, 0, 0]) < 1e-6
    flip = motions.sample("backflip", s)
    head = flip.head[:, s.i("Head")] - flip.head[:, s.i("Hips")]
    quarter = _frame_at(flip, 0.5 + 0.75 * 0.3)
    assert head[quarter, 1] > 0.2                       # head behind the hips a quarter through
    assert head[:, 2].min() < -0.3                      # upside down mid-air
    assert head[-1, 2] > 0.5 and flip.head[-1, 0, 2] > 0.9
    spin = motions.sample("spin-jump", s)
    fwd = spin.rot[:, s.i("Hips")][:, :, 2]             # bone Z = facing direction
    ang = np.unwrap(np.arctan2(fwd[:, 1], fwd[:, 0]))
    assert ang[-1] - ang[0] == pytest.approx(2 * math.pi, abs=0.05)
    assert np.allclose(fwd[0], [0, -1, 0], atol=1e-6)   # faces −Y at source frame 0


def test_stance_feet_do_not_slide_and_limbs_clear_torso():
    s = mannequin.reference_skeleton()
    for name in motions.ACTIONS:
        pose = motions.sample(name, s)
        z = rtg.lowest_sole(s, pose)
        assert z.min() > -0.01, name                   # soles never sink > 1 cm
        for side in ("Left", "Right"):
            toe = pose.head[:, s.i(side + "ToeBase")]
            heel = pose.head[:, s.i(side + "Foot")]
            planted = (toe[:, 2] < 0.03) & (heel[:, 2] < 0.1)
            both = planted[1:] & planted[:-1]
            step = np.linalg.norm(np.diff(toe[:, :2], axis=0), axis=1)
            # a planted toe moves < 2 cm per frame (pivots and touchdown blends included)
            assert (step[both] < 0.02).all(), (name, side, step[both].max())
        G = pose.rot @ np.swapaxes(s.rest_rot, -1, -2)[None]
        tails = pose.head + np.einsum("tbij,bj->tbi", G, s.rest_tail - s.rest_head)
        a, b = pose.head[:, s.i("Hips")], tails[:, s.i("Spine2")]
        for side in ("Left", "Right"):
            for bone in ("Hand", "ForeArm"):
                i = s.i(side + bone)
                for p in (pose.head[:, i], tails[:, i]):
                    ab = b - a
                    u = (np.sum((p - a) * ab, -1) / np.sum(ab * ab, -1)).clip(0, 1)
                    d = np.linalg.norm(p - (a + u[:, None] * ab), axis=-1)
                    assert d.min() > 0.2, (name, side, bone)      # torso radius ~0.16 m


def test_dynamic_scores_rank_moves():
    doc = json.loads(open(f"{ROOT}/assets_manifest/procedural/procedural_humans.json").read())
    score = {a["id"]: a["dynamic_score"] for a in doc["assets"] if a["kind"] == "action"}
    assert min(score.values()) >= 0 and max(score.values()) <= 1
    assert score["proc-backflip"] > score["proc-punch-combo"]
    assert score["proc-sprint"] > score["proc-arm-waves"]


def test_procedural_manifest_is_up_to_date():
    """assets_manifest/procedural/procedural_humans.json is exactly what the code generates."""
    reset()
    doc = asset_stats.procedural_manifest()
    on_disk = json.loads(open(f"{ROOT}/assets_manifest/procedural/procedural_humans.json").read())
    assert doc == on_disk, ("regenerate with: python -m synthgen.blender.asset_stats "
                            "assets_manifest/procedural/procedural_humans.json")


# --------------------------------------------------------------------------- build_subject
def _lbs_expected(variant: str, action: str, times) -> np.ndarray:
    """Numpy skinning of the variant mesh for the action at ``times`` (character frame)."""
    reset()
    arm, mesh = humanoid.build(variant, "ref")
    co = np.array([v.co for v in mesh.data.vertices])
    skel = mannequin.skeleton(variant)
    ref = mannequin.reference_skeleton()
    mo = Motion(ref, motions.sample(action, ref), motions.FPS,
                           motions.ACTIONS[action].loopable)
    pose, _ = rtg.retarget_motion(mo, skel)
    pose = sk.interpolate_rigid(skel, pose, motions.FPS, np.asarray(times), loop=mo.loopable)
    return stats.lbs(co, mannequin.segment_weights(co, skel), skel, pose)


def test_build_subject_bakes_exact_pose_and_placement():
    """Blender's evaluated vertices equal numpy skinning of the retargeted pose, placed by
    T(location)·Rz(heading)·s; fractional source times interpolate (never snap)."""
    times = [0.2, 0.2 + 0.5 / 30, 0.8, 1.0, 1.1]
    expected = _lbs_expected("tall-red-hoodie", "backflip", times)
    reset()
    spec = subject("procedural:humanoid/tall-red-hoodie", "procedural:action/backflip", times,
                   iid=7, location=(1.0, 6.0, 0.0), heading=90.0, height_m=1.5)
    job = human_job([spec])
    h = characters.build_subject(spec, job)
    assert all(m.pass_index == 7 for m in h.meshes)
    s = 1.5 / mannequin.skeleton("tall-red-hoodie").height
    rz = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]])
    for k, f in enumerate(job.baked_frames()):
        got = h.evaluated_vertices(f)
        want = (s * expected[k]) @ rz.T + [1.0, 6.0, 0.0]
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).max() < 5e-4, (f, np.abs(got - want).max())



def test_fractional_source_times_interpolate():
    """Source time 6.5/fps puts the hips halfway between source frames 6 and 7 (no snapping)."""
    s = mannequin.reference_skeleton()
    pose = motions.sample("backflip", s)
    mid = sk.interpolate(pose, motions.FPS, np.array([6.5 / motions.FPS, 20.25 / motions.FPS]))
    assert np.allclose(mid.head[0, 0], 0.5 * (pose.head[6, 0] + pose.head[7, 0]))
    assert np.allclose(mid.head[1, 0], 0.75 * pose.head[20, 0] + 0.25 * pose.head[21, 0])
    a = rtg.direction_error_deg(s, sk.WorldPose(pose.rot[20:21], pose.head[20:21]), s, sk.WorldPose(mid.rot[1:], mid.head[1:]))
    b = rtg.direction_error_deg(s, sk.WorldPose(pose.rot[21:22], pose.head[21:22]), s, sk.WorldPose(mid.rot[1:], mid.head[1:]))
    assert (a <= b + 1e-9).all() and a.max() > 0.1           # nearer frame 20, yet not equal


def test_in_place_removes_root_travel():
    reset()
    times = np.linspace(0.0, 1.5, 5)
    spec = subject("procedural:humanoid/slim-yellow-tracksuit", "procedural:action/sprint", times,
                   root_motion="in_place")
    job = human_job([spec])
    h = characters.build_subject(spec, job)
    centres = np.array([h.evaluated_vertices(f).mean(axis=0) for f in job.baked_frames()])
    assert np.ptp(centres[:, 1]) < 0.4                     # sprint travels 7.5 m when kept
    reset()
    spec = subject("procedural:humanoid/slim-yellow-tracksuit", "procedural:action/sprint", times)
    h = characters.build_subject(spec, job := human_job([spec]))
    centres = np.array([h.evaluated_vertices(f).mean(axis=0) for f in job.baked_frames()])
    assert centres[-1, 1] - centres[0, 1] == pytest.approx(-5.0 * 1.5 * mannequin.skeleton(
        "slim-yellow-tracksuit").hip_height / mannequin.reference_skeleton().hip_height, abs=0.3)


def test_every_character_with_every_action():
    """Each pair builds, keeps a constant vertex count and, at source stance frames, has its
    lowest vertex within 2 cm of the floor (a few frames each, to stay fast)."""
    for action in motions.ACTIONS:
        mo = characters.load_motion(AssetRef("a", "action", f"procedural:action/{action}"))
        stance = np.nonzero(rtg.source_stance(mo))[0]
        assert len(stance) >= 3, action
        pick = stance[[0, len(stance) // 2, -1]] / motions.FPS
        for variant in mannequin.VARIANTS:
            reset()
            spec = subject(f"procedural:humanoid/{variant}", f"procedural:action/{action}",
                           pick, height_m=None)
            job = human_job([spec], n_frames=1)
            h = characters.build_subject(spec, job)
            verts = [h.evaluated_vertices(f) for f in job.baked_frames()]
            assert len({v.shape for v in verts}) == 1
            lows = [float(v[:, 2].min()) for v in verts]
            assert max(abs(z) for z in lows) <= 0.02, (variant, action, lows)


def test_unknown_procedural_assets_are_one_line_errors():
    reset()
    spec = subject("procedural:humanoid/nobody", "procedural:action/backflip", [0, 0, 0])
    with pytest.raises(characters.CharacterError, match="unknown procedural humanoid 'nobody'"):
        characters.build_subject(spec, human_job([spec], n_frames=1))
    spec = subject("procedural:humanoid/tall-red-hoodie", "procedural:action/moonwalk", [0, 0, 0])
    with pytest.raises(characters.CharacterError, match="moonwalk"):
        characters.build_subject(spec, human_job([spec], n_frames=1))
