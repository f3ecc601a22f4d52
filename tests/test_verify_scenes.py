"""``synthgen verify`` on real Cycles renders of tiny scenes (the worker, real bpy, real EXRs).

Every scene must pass; three deliberate faults must each make verify fail: a flipped v,
a half-pixel shift of K, and a Vector pass rendered with many samples and a wide filter.
The measured figures are printed (``pytest -s``) for the report.
"""
from __future__ import annotations

import json

import math
from pathlib import Path

import numpy as np
import pytest

from synthgen import layout
from synthgen.camera import intrinsics, look_at_cv
from synthgen.export.exr import read_channels, write_frame
from synthgen.errors import VerifyError
from synthgen.renderdir import RenderDir
from synthgen.job import (AssetRef, CameraSpec, EnvironmentSpec, GroundProjectionSpec, Job, LightSpec,
                          PropSpec, RenderSpec, RoomSpec, SubjectSpec)
from synthgen.verify import format_table, verify_clip

bpy = pytest.importorskip("bpy")
worker = pytest.importorskip("synthgen.blender.worker")

pytestmark = pytest.mark.slow

W, H = 64, 48
HDRI_FILE = Path(bpy.utils.system_resource("DATAFILES")) / "studiolights" / "world" / "forest.exr"


# ----------------------------------------------------------------------------- builders
def camera(poses, focal_mm=30.0, *, width=W, height=H, shift_x=0.0) -> CameraSpec:
    """A camera spec from per-frame c2w poses (OpenCV) and focal lengths (scalar or list)."""
    focal = [float(focal_mm)] * len(poses) if np.isscalar(focal_mm) else [float(f) for f in focal_mm]
    Ks = [intrinsics(f, 36.0, width, height, shift_x=shift_x).tolist() for f in focal]
    return CameraSpec(c2w=[np.asarray(p, float).tolist() for p in poses], focal_mm=focal, K=Ks,
                      shift_x=shift_x)


def prop(iid, kind, location, *, scale=(1, 1, 1), quats=None, color=(0.7, 0.5, 0.3)) -> PropSpec:
    """A procedural prop; ``location`` one [x, y, z] (static) or one per baked frame."""
    locs = [list(map(float, location))] if np.ndim(location) == 1 else [list(map(float, p)) for p in location]
    return PropSpec(instance_id=iid, asset=AssetRef(kind, "prop", f"procedural:{kind}"), name=f"{kind}{iid}",
                    scale=list(map(float, scale)), color=list(color), location=locs,
                    rotation_quat=quats or [[1.0, 0.0, 0.0, 0.0]])


def make_job(clip_id, cam, *, n_frames=3, props=(), env=None, subjects=(), mode="flow",
             outputs=("flow",), lights=None) -> Job:
    env = env or EnvironmentSpec(type="empty", background_color=[0.1, 0.1, 0.1, 1.0], ambient_intensity=0.5)
    lights = [LightSpec(kind="point", position=[1.0, -2.0, 3.0], intensity_w=400.0)] if lights is None else lights
    job = Job(clip_id=clip_id, kind="camera", seed=0, width=W, height=H, fps=24.0, frame_start=1,
              frame_end=n_frames, camera=cam, render=RenderSpec(mode=mode, samples_rgb=4, threads=1),
              environment=env, lights=list(lights), props=list(props), subjects=list(subjects),
              outputs=list(outputs))
    assert not job.validate(), job.validate()
    return job


def backdrop_props(depth=6.0, half=2.2):
    """A wall (cube, instance 2) at ``depth`` along +y and a static cube (instance 3) before it."""
    return [prop(2, "cube", [0.0, depth, 1.0], scale=(2 * half, 0.1, 2 * half * 0.7)),
            prop(3, "cube", [-0.6, depth - 2.0, 0.9], scale=(0.6, 0.6, 0.6), color=(0.2, 0.5, 0.8))]


def _n(base_eye, target, n_baked, step_eye=(0, 0, 0), roll_deg=0.0, pan_deg=0.0):
    poses = []
    for i in range(n_baked):
        k = i - 1
        eye = np.asarray(base_eye, float) + k * np.asarray(step_eye, float)
        a = math.radians(pan_deg * k)
        d = np.asarray(target, float) - np.asarray(base_eye, float)
        d = np.array([d[0] * math.cos(a) - d[1] * math.sin(a), d[0] * math.sin(a) + d[1] * math.cos(a), d[2]])
        poses.append(look_at_cv(eye, eye + d, roll_rad=math.radians(roll_deg * k)))
    return poses


def scene_truck(axis: str) -> Job:
    step = (0.12, 0, 0) if axis == "u" else (0, 0, -0.12)      # world +x = image +u; -z = +v
    return make_job(f"truck-{axis}", camera(_n([0, 0, 1], [0, 6, 1], 5, step_eye=step)),
                    props=backdrop_props())


def scene_dolly() -> Job:
    return make_job("dolly", camera(_n([0, -1, 1], [0, 6, 1], 5, step_eye=(0, 0.35, 0))),
                    props=backdrop_props())


def scene_roll_pan_hdri() -> Job:
    env = EnvironmentSpec(type="env", hdri=AssetRef("forest", "hdri", str(HDRI_FILE)),
                          shadow_catcher=True)
    cam = camera(_n([0, 0, 1.2], [0, 6, 0.9], 5, pan_deg=7.0, roll_deg=9.0))
    return make_job("roll-pan-hdri", cam, env=env, lights=[],
                    props=[prop(3, "cube", [0.3, 5.0, 0.4], scale=(0.8, 0.8, 0.8))])


def scene_zoom() -> Job:
    focal = [30.0 * 1.12 ** (i - 1) for i in range(5)]
    return make_job("zoom", camera(_n([0, -1, 1], [0, 6, 1], 5), focal), props=backdrop_props())


def scene_orbit_room() -> Job:
    room = RoomSpec(asset=AssetRef("room", "room", "procedural:room"), size=[6.0, 5.0, 3.0])
    env = EnvironmentSpec(type="basic", room=room, ambient_intensity=0.3, indoor=True)
    poses = []
    for i in range(5):
        a = math.radians(-90 + 14.0 * (i - 1))                 # 14 deg/frame around the centre
        eye = [2.0 * math.cos(a), 2.0 * math.sin(a), 1.6]
        poses.append(look_at_cv(eye, [0, 0, 0.6]))
    lights = [LightSpec(kind="point", position=[1.0, 1.0, 2.7], intensity_w=300.0),
              LightSpec(kind="point", position=[-1.5, -1.0, 2.7], intensity_w=200.0)]
    return make_job("orbit-room", camera(poses, 22.0), env=env, lights=lights,
                    props=[prop(2, "cube", [0, 0, 0.4], scale=(0.8, 0.8, 0.8))])


def scene_spinning_prop() -> Job:
    n = 5
    quats, locs = [], []
    axis = np.array([0.3, 0.2, 1.0]) / np.linalg.norm([0.3, 0.2, 1.0])
    for i in range(n):
        a = math.radians(25.0 * i)                             # 25 deg/frame about a tilted axis
        quats.append([math.cos(a / 2), *(math.sin(a / 2) * axis)])
        locs.append([0.25 - 0.08 * i, 4.0, 1.0 + 0.03 * i])
    spinner = prop(4, "cube", locs, scale=(1.0, 0.7, 0.5), quats=quats, color=(0.9, 0.8, 0.1))
    return make_job("spin", camera(_n([0, 0, 1], [0, 6, 1], 5)), props=[*backdrop_props(), spinner])


SCENES = {"truck-u": lambda: scene_truck("u"), "truck-v": lambda: scene_truck("v"),
          "dolly": scene_dolly, "roll-pan-hdri": scene_roll_pan_hdri, "zoom": scene_zoom,
          "orbit-room": scene_orbit_room, "spin": scene_spinning_prop}


# ----------------------------------------------------------------------------- helpers
def render(job: Job, out: Path) -> Path:
    return worker.render_job(job, out)


def show(report) -> str:
    table = format_table(report)
    print("\n" + table)
    return table


# ----------------------------------------------------------------------------- scenes pass
@pytest.mark.parametrize("name", list(SCENES))
def test_scene_passes_verify(name, tmp_path):
    report = verify_clip(render(SCENES[name](), tmp_path))
    table = show(report)
    assert report.passed, table
    assert report.check("static").stats["n"] > 100, table
    if name == "spin":
        assert report.check("rigid").stats["n"] > 30, table
    if name == "roll-pan-hdri":
        assert report.check("background").stats["n"] > 100, table


# ----------------------------------------------------------------------------- faults fail
def _rewrite_frames(clip: Path, job: Job, change) -> None:
    """Apply ``change(channels dict)`` to every frame EXR of ``clip`` (in place), as a faulty
    worker would have written them (the clip is finished again over the changed frames)."""
    for f in range(job.frame_start, job.frame_end + 1):
        path = clip / layout.frame_name(f)
        ch = read_channels(path, layout.required_channels(job.render.mode))
        change(ch)
        write_frame(path, ch)
    RenderDir(clip).finish(job, json.loads((clip / layout.RENDER_INFO_FILE).read_text()))


def test_flipped_v_fails(tmp_path):
    job = scene_roll_pan_hdri()
    clip = render(job, tmp_path)
    assert verify_clip(clip).passed
    w_name, y_name = layout.VECTOR_CHANNELS[3], layout.VECTOR_CHANNELS[1]

    def flip(ch):          # a converter that got the v sign of forward and backward wrong
        ch[w_name], ch[y_name] = -ch[w_name], -ch[y_name]
    _rewrite_frames(clip, job, flip)
    report = verify_clip(clip)
    table = show(report)
    assert not report.passed
    assert report.check("static").passed is False and report.check("fb").passed is True, table


def test_half_pixel_shift_of_K_fails(tmp_path):
    """Render with the principal point 0.5 px left of where the job says it is."""
    truth = scene_roll_pan_hdri()
    shifted = make_job(truth.clip_id, camera([truth.c2w(f) for f in truth.baked_frames()],
                                             shift_x=0.5 / W), env=truth.environment, lights=[],
                       props=truth.props)
    assert shifted.K(1)[0, 2] == pytest.approx(W / 2 - 0.5)
    clip = render(shifted, tmp_path)
    (clip / layout.JOB_FILE).write_text(truth.to_json())    # the job claims the unshifted K
    RenderDir(clip).finish(truth, {})
    report = verify_clip(clip)
    table = show(report)
    assert report.check("static").passed is False, table
    # Cycles writes no motion on the world: its flow comes from the job's K alone, so the
    # background check cannot see a K the render did not use (the photometric check can).


def test_many_samples_wide_filter_vector_fails_at_edges(tmp_path):
    """A Vector pass averaged over 64 samples with a 1.5 px filter mixes two motions at edges."""
    from synthgen.blender import scene as scene_mod
    job = scene_spinning_prop()
    job.render.filter_width = 1.5
    clip = tmp_path / job.clip_id
    clip.mkdir()
    (clip / layout.JOB_FILE).write_text(job.to_json())
    scene = scene_mod.reset()
    scene_mod.build(job)
    scene_mod.setup_render(job)
    scene.view_layers[layout.FLOW_LAYER].samples = 64
    for f in range(job.frame_start, job.frame_end + 1):
        worker.render_frame(job, scene, clip, f)
    RenderDir(clip).finish(job, {})
    report = verify_clip(clip)
    table = show(report)
    assert not report.passed, table
    assert report.check("edges").passed is False, table


def test_full_mode_photometric_check(tmp_path):
    """RGB(t+1) warped by the flow matches RGB(t) far better than the identity warp; with
    the v sign flipped it does not."""
    job = scene_orbit_room()
    job.render.mode, job.render.samples_rgb = "full", 64
    clip = render(job, tmp_path)
    report = verify_clip(clip)
    table = show(report)
    photo = report.check("photometric")
    assert report.passed and photo.passed is True and photo.stats["ratio"] < 0.4, table
    w_name, y_name = layout.VECTOR_CHANNELS[3], layout.VECTOR_CHANNELS[1]

    def flip(ch):
        ch[w_name], ch[y_name] = -ch[w_name], -ch[y_name]
    _rewrite_frames(clip, job, flip)
    report = verify_clip(clip)
    show(report)
    assert report.check("photometric").passed is False


def _ground_truck(ground_projection: bool) -> Job:
    """A camera trucking 0.25 m/frame sideways 1.5 m above an HDRI ground, looking down at it."""
    env = EnvironmentSpec(type="hdri", hdri=AssetRef("forest", "hdri", str(HDRI_FILE)), shadow_catcher=True)
    if ground_projection:
        env.shadow_catcher = False
        env.ground_projection = GroundProjectionSpec(center=[0.0, 0.0, 1.5], radius_m=100.0)
    job = make_job("ground-" + ("projected" if ground_projection else "catcher"),
                   camera(_n([0, 0, 1.5], [0, 3, 0], 5, step_eye=(0.25, 0, 0)), 24.0), env=env, lights=[],
                   props=[prop(2, "cube", [0.4, 2.8, 0.3], scale=(0.6, 0.6, 0.6))])
    job.render.mode, job.render.samples_rgb = "full", 32
    return job


def test_hdri_ground_projection_agrees_with_the_flow(tmp_path):
    """With the HDRI projected onto the ground from a fixed centre, RGB(t+1) warped by the
    flow matches RGB(t) on the ground; a shadow catcher shows the HDRI at infinity there (it
    does not move with a trucking camera while the ground's flow does), so the same check
    fails on it: the negative control."""
    projected = verify_clip(render(_ground_truck(True), tmp_path / "p"))
    table = show(projected)
    photo = projected.check("photometric")
    assert projected.passed and photo.passed is True and photo.stats["ratio"] < 0.45, table
    catcher = verify_clip(render(_ground_truck(False), tmp_path / "c"))
    table = show(catcher)
    assert catcher.check("photometric").passed is False, table
    assert catcher.check("photometric").stats["ratio"] > 2 * photo.stats["ratio"], table


def _ground_view(tmp_path: Path, name: str, center) -> np.ndarray:
    """Full-mode RGB (H, W, 3) of a camera 20 m up looking 11 degrees down at an HDRI
    (rotated 90 degrees) whose ground is projected from ``center`` (None: no ground at all)."""
    env = EnvironmentSpec(type="hdri", hdri=AssetRef("forest", "hdri", str(HDRI_FILE)), shadow_catcher=False,
                          hdri_rotation_deg=90.0)
    if center is not None:
        env.ground_projection = GroundProjectionSpec(center=list(center), radius_m=100.0)
    eye = [0.0, 0.0, 20.0]
    job = make_job(name, camera([look_at_cv(eye, [0.0, 100.0, 0.0])] * 3, 24.0), n_frames=1, env=env, lights=[])
    job.render.mode, job.render.samples_rgb = "full", 64
    clip = render(job, tmp_path / name)
    ch = read_channels(clip / layout.frame_name(job.frame_start), layout.RGB_CHANNELS[:3])
    return np.stack([ch[c] for c in layout.RGB_CHANNELS[:3]], -1)


def test_projected_ground_continues_the_hdri(tmp_path):
    """Seen from the projection centre, every ground pixel shows what the HDRI shows in that
    direction (the ground's albedo is the HDRI over the sky's irradiance / pi, lit by that
    sky): the lower image half matches a render without a ground. It catches a lookup rotated
    the other way or not by the world's rotation; moving the centre 40 m sideways fails it."""
    sky = _ground_view(tmp_path, "sky", None)
    ground = _ground_view(tmp_path, "ground", [0.0, 0.0, 20.0])
    moved = _ground_view(tmp_path, "moved", [40.0, 0.0, 20.0])
    lower = slice(H // 2 + 2, H)                                  # below the ground's edge

    def err(img):
        return float(np.median(np.abs(np.log(img[lower].mean(-1) + 1e-4) - np.log(sky[lower].mean(-1) + 1e-4))))
    print(f"\nprojected ground vs sky: median |log ratio| {err(ground):.3f}; centre moved: {err(moved):.3f}")
    assert err(ground) < 0.15, err(ground)
    assert err(moved) > 2 * err(ground) and err(moved) > 0.15, (err(moved), err(ground))


def test_exported_sample_is_checked(tmp_path):
    """``--sample``: the float16 flow the exporter wrote is checked, not a fresh conversion."""
    from synthgen.export import export_dataset
    base = scene_roll_pan_hdri()
    job = make_job(base.clip_id, camera(_n([0, 0, 1.2], [0, 6, 0.9], 6, pan_deg=7.0, roll_deg=9.0)),
                   n_frames=4, env=base.environment, lights=[], props=base.props)
    clip = render(job, tmp_path / "renders")
    summary = export_dataset([clip], tmp_path / "ds", members=["flow", "flow_bwd", "json"],
                             progress=False)
    assert not summary.bad, summary
    report = verify_clip(clip, sample=tmp_path / "ds")
    table = show(report)
    assert report.passed and len(report.frames) == 3, table       # T-1 exported flows
    assert report.check("static").stats["p99"] < 0.02, table       # float16 rounding only
    with pytest.raises(VerifyError, match="ds: no sample .other-clip."):
        other = make_job("other-clip", job.camera, n_frames=4, env=job.environment, lights=[],
                         props=job.props)
        verify_clip(render(other, tmp_path / "renders"), sample=tmp_path / "ds")


# ----------------------------------------------------------------------------- planned clips
@pytest.mark.parametrize("kind", ["camera", "human"])
def test_planned_tiny_clips_pass(kind, tmp_path):
    """Clips from the real planner (tiny preset: 128x80, 8 frames) pass every check."""
    from synthgen.job import load_job
    from synthgen.planner import plan
    if kind == "human":
        _need_characters()
    for job_path in plan("tiny", 2, 7, tmp_path / "jobs", kind=kind):
        job = load_job(job_path)
        if job.subjects:
            job.outputs.append("vertices")
        report = verify_clip(render(job, tmp_path / "renders"))
        table = show(report)
        checked = report.check("static").stats["n"] + report.check("background").stats["n"]
        assert report.passed and checked > 1000, table
        if job.subjects:
            assert report.check("vertices").passed is not False, table


# ----------------------------------------------------------------------------- characters
HUMANS_MANIFEST = Path(__file__).resolve().parent.parent / "assets_manifest" / "procedural" / "procedural_humans.json"


def _need_characters():
    try:
        import synthgen.blender.characters  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"characters not available in the worker yet ({exc})")


def _with_vertices(job: Job) -> Job:
    if "vertices" not in job.outputs:
        job.outputs.append("vertices")
    return job


def human_job(character: AssetRef, action: AssetRef, t0: float, clip_id: str) -> Job:
    """A subject at the origin doing ``action`` from ``t0`` s, filmed from 4 m by a camera
    trucking sideways at 128x96 over a shadow-catcher ground in an HDRI; vertices written."""
    w, h, n = 128, 96, 4
    poses = _n([0.0, -4.0, 1.1], [0.0, 0.0, 0.9], n + 2, step_eye=(0.05, 0.0, 0.0))
    Ks = [intrinsics(30.0, 36.0, w, h).tolist()] * (n + 2)
    cam = CameraSpec(c2w=[p.tolist() for p in poses], focal_mm=[30.0] * (n + 2), K=Ks)
    subject = SubjectSpec(1, character, action, source_time_s=[t0 + i / 24.0 for i in range(n + 2)],
                          root_motion="in_place", height_m=1.7)
    env = EnvironmentSpec(type="env", hdri=AssetRef("forest", "hdri", str(HDRI_FILE)), shadow_catcher=True)
    job = Job(clip_id=clip_id, kind="human", seed=0, width=w, height=h, fps=24.0, frame_start=1,
              frame_end=n, camera=cam, render=RenderSpec(threads=1), environment=env,
              subjects=[subject], outputs=["flow", "vertices"])
    assert not job.validate(), job.validate()
    return job


@pytest.fixture(scope="module")
def dance_clip(tmp_path_factory) -> Path:
    _need_characters()
    job = human_job(AssetRef("proc-human", "character", "procedural:humanoid/dancer-black-outfit"),
                    AssetRef("proc-windmill", "action", "procedural:action/windmill"), 0.3, "dance")
    return render(job, tmp_path_factory.mktemp("dance"))


def test_procedural_character_dancing_passes(dance_clip):
    """A procedural character doing a breakdance windmill: subject vertices projected into t
    and t+1 agree with the flow, and everything else is exact."""
    report = verify_clip(dance_clip)
    table = show(report)
    assert report.passed, table
    assert report.check("vertices").stats["n"] > 100, table


def test_vertices_one_frame_late_fail(dance_clip, tmp_path):
    """Subject vertices taken one frame late (an off-by-one in the worker) must fail."""
    import shutil
    clip = Path(shutil.copytree(dance_clip, tmp_path / "late"))
    with np.load(clip / layout.VERTICES_FILE) as npz:
        data = {k: npz[k] for k in npz.files}
    v = data["inst_1"]
    data["inst_1"] = np.concatenate([v[1:], v[-1:]])
    np.savez(clip / layout.VERTICES_FILE, **data)
    report = verify_clip(clip)
    table = show(report)
    assert report.check("vertices").passed is False, table


def test_mixamo_retargeted_action_passes(tmp_path, mixamo_dir):
    """The real Mixamo character doing the real Samba download (cm, 24 fps) retargeted."""
    _need_characters()
    pytest.importorskip("synthgen.blender.mixamo", reason="Mixamo loading not in the worker yet")
    char = AssetRef("mixamo-char", "character", str(mixamo_dir / "character_jumping.fbx"))
    act = AssetRef("mixamo-samba", "action", str(mixamo_dir / "anim_samba_dancing_noskin.fbx"))
    job = human_job(char, act, 3.0, "mixamo")
    report = verify_clip(render(job, tmp_path / "renders"))
    table = show(report)
    assert report.passed, table
    assert report.check("vertices").stats["n"] > 100, table
