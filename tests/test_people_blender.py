"""People in Blender: the built body equals the pack's arrays skinned in numpy, materials,
Mixamo animations and procedural actions on people, and ``verify`` on every default motion
on two bodies (real bpy)."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.blender import characters, people
from synthgen.blender.worker import render_job
from synthgen.camera import intrinsics, look_at_cv
from synthgen.characters import retarget as rt
from synthgen.characters.people import body, clips
from synthgen.characters.skeleton import interpolate_rigid
from synthgen.characters.stats import lbs
from synthgen.job import AssetRef, CameraSpec, EnvironmentSpec, Job, LightSpec, RenderSpec, SubjectSpec
from synthgen.verify import format_table, verify_clip
from test_characters import human_job, reset, subject

PEOPLE_MANIFEST_BODIES = ("athletic-woman-leggings", "heavy-man-hoodie")


def test_built_person_matches_numpy_skinning():
    """Blender's evaluated vertices equal the pack's dressed mesh skinned in numpy with the
    retargeted DeepMimic cartwheel, placed by T·Rz·s; the vertex count never changes."""
    reset()
    pid = "woman-skirt"
    times = [0.3, 0.3 + 0.5 / 60, 1.0, 1.6, 2.2]
    spec = subject(f"people:person/{pid}", "people:motion/deepmimic-cartwheel", times,
                   location=(0.5, 4.0, 0.0), heading=30.0, height_m=1.7)
    job = human_job([spec])
    h = characters.build_subject(spec, job)
    b = body.assemble(pid)
    mo = clips.clip_motion("deepmimic-cartwheel")
    pose, _ = rt.retarget_motion(mo, b.skeleton)
    want = lbs(b.verts, b.weights, b.skeleton, interpolate_rigid(b.skeleton, pose, mo.fps, np.array(times)))
    s = 1.7 / b.height
    a = np.radians(30.0)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    for k, f in enumerate(job.baked_frames()):
        got = h.evaluated_vertices(f)
        assert got.shape == b.verts.shape
        exp = (s * want[k]) @ rz.T + [0.5, 4.0, 0.0]
        assert np.abs(got - exp).max() < 5e-4, (f, np.abs(got - exp).max())


def test_person_materials_and_rig():
    reset()
    ch = people.build("older-man-longsleeve", "p")
    mesh = ch.meshes[0]
    kinds = [m.name.split("-")[-2] for m in mesh.data.materials]
    assert kinds[:6] == ["skin", "eye", "hair", "cloth", "cloth", "shoe"]
    skin = mesh.data.materials[0].node_tree.nodes["Principled BSDF"]
    assert skin.inputs["Subsurface Weight"].default_value > 0.1
    assert skin.inputs["Base Color"].is_linked                   # colour variation, not flat
    assert len(ch.armature.data.bones) == 52
    assert {g.name for g in mesh.vertex_groups} >= {"mixamorig:Hips", "mixamorig:LeftForeArm"}
    assert len(mesh.data.vertices) > 10000 and len(mesh.data.uv_layers) == 1


def test_mixamo_animation_drives_a_person(mixamo_dir):
    """The real Samba download (cm, 24 fps) on a MakeHuman body: baked directions agree
    with the source and the feet stay on the floor on stance frames."""
    reset()
    times = np.arange(40) / 30.0 + 1.0
    spec = subject("people:person/dancer-man-tracksuit", str(mixamo_dir / "anim_samba_dancing_noskin.fbx"), times)
    job = human_job([spec], n_frames=38)
    h = characters.build_subject(spec, job)
    frames = list(job.baked_frames())
    err = h.direction_error_deg(frames[::5])
    assert err.mean() < 1.0, err.mean()
    stance = rt.source_stance(h.source)
    on = [f for f, t in zip(frames, times) if abs(t * 24 - round(t * 24)) < 1e-6 and stance[int(round(t * 24))]]
    lows = [h.evaluated_vertices(f)[:, 2].min() for f in on]
    assert on and max(abs(z) for z in lows) < 0.02, lows


def test_procedural_action_on_a_person():
    reset()
    spec = subject("people:person/teen-boy-tee", "procedural:action/windmill", [0.5, 0.8, 1.2])
    h = characters.build_subject(spec, human_job([spec], n_frames=1))
    err = h.direction_error_deg(list(human_job([spec], n_frames=1).baked_frames()))
    assert err.mean() < 0.5


def test_every_subject_source_has_a_blender_half_and_owns_its_locations():
    from synthgen.blender import sources as bsources
    from synthgen.characters import sources
    assert set(bsources.REGISTRY) == set(sources.REGISTRY) == {"people", "procedural", "mixamo"}
    for loc, name in (("people:person/x", "people"), ("people:motion/x", "people"),
                      ("procedural:humanoid/x", "procedural"), ("/data/samba.fbx", "mixamo"),
                      ("C:/data/a.bvh", "mixamo")):
        assert sources.source_for(loc).NAME == name and bsources.for_location(loc).NAME == name
    with pytest.raises(characters.CharacterError, match="no subject source"):
        sources.source_for("blender-datafiles:x")
    with pytest.raises(characters.CharacterError, match="unknown subject source"):
        sources.get("nope")


def test_unknown_person_is_a_one_line_error():
    reset()
    spec = subject("people:person/nobody", "people:motion/deepmimic-walk", [0, 0, 0])
    with pytest.raises(characters.CharacterError, match="unknown person 'nobody'"):
        characters.build_subject(spec, human_job([spec], n_frames=1))


# --------------------------------------------------------------------------- verify
def _verify_job(pid: str, clip: str, t0: float) -> Job:
    """A person doing ``clip`` from ``t0`` s, 4 m in front of a camera trucking sideways,
    96×64 px, 2 frames, vertices written."""
    w, h, n = 96, 64, 2
    eyes = [[0.05 * i, -4.0, 1.0] for i in range(n + 2)]
    c2w = [look_at_cv(e, [e[0], 0.0, 0.9]).tolist() for e in eyes]
    K = intrinsics(35.0, 36.0, w, h).tolist()
    subj = SubjectSpec(1, AssetRef(f"person-{pid}", "character", f"people:person/{pid}"),
                       AssetRef(f"motion-{clip}", "action", f"people:motion/{clip}"),
                       source_time_s=[t0 + i / 24.0 for i in range(n + 2)], root_motion="in_place", height_m=1.7)
    job = Job(clip_id=f"v-{pid}-{clip}", kind="human", seed=0, width=w, height=h, fps=24.0, frame_start=1,
              frame_end=n, camera=CameraSpec(c2w=c2w, focal_mm=[35.0] * (n + 2), K=[K] * (n + 2)),
              render=RenderSpec(threads=1), environment=EnvironmentSpec(type="empty", background_color=[0.2, 0.2, 0.2, 1]),
              lights=[LightSpec(kind="point", position=[0.0, -2.0, 3.0], intensity_w=300.0)],
              subjects=[subj], outputs=["flow", "vertices"])
    assert not job.validate(), job.validate()
    return job


@pytest.mark.slow
@pytest.mark.parametrize("clip", [
    "cmu-01-01", "cmu-01-03", "deepmimic-backflip", "deepmimic-cartwheel", "deepmimic-crawl", "deepmimic-dance-a",
    "deepmimic-dance-b", "deepmimic-getup-facedown", "deepmimic-getup-faceup", "deepmimic-jump", "deepmimic-kick",
    "deepmimic-punch", "deepmimic-roll", "deepmimic-run", "deepmimic-spin", "deepmimic-spinkick", "deepmimic-walk"])
def test_verify_passes_on_every_default_motion(clip, tmp_path):
    """Each captured clip on two bodies at its most dynamic second: the subject vertices
    projected into t and t+1 agree with the rendered flow (median ≤ 0.25 px)."""
    from synthgen.planner.subject import ActionData, most_dynamic_start
    from synthgen.manifest import load_manifests
    aset = load_manifests(None)
    t0 = most_dynamic_start(ActionData.from_asset(aset.get(f"motion-{clip}")), 0.2)
    for pid in PEOPLE_MANIFEST_BODIES:
        report = verify_clip(render_job(_verify_job(pid, clip, t0), tmp_path / pid))
        table = format_table(report)
        v = report.check("vertices")
        assert v.passed is not False and v.stats["n"] > 30, table
        assert v.stats["median"] <= 0.25, table
        assert report.passed, table
