"""Planner: determinism, baked poses and intrinsics, hard constraints, captions, CLI behaviour.

Constraint checks here re-derive the subject's world envelope from the manifest and the job
(source_time_s, heading, height, location) and project it with synthgen.camera.project, so
they do not reuse the planner's own geometry code.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthgen.camera import intrinsics, project, rotation_angle
from synthgen.errors import PlanError, PresetError
from synthgen.job import load_job
from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan, plan_clip

ROOT = Path(__file__).resolve().parent.parent
ASSETS = [ROOT / "assets_manifest" / "default.json", ROOT / "tests" / "fixtures" / "humans.json"]
TABLE10 = ("focus_type", "focus_position", "movement_type", "movement_value", "initial_position", "focal_mm",
           "scene_type", "scene_color", "background_color", "ambient_intensity", "quality", "light_count",
           "light0_azimuth_deg", "light0_distance_m", "light0_height_m", "light0_color_temperature_k",
           "light0_intensity_w", "engine")


@pytest.fixture(scope="module")
def aset():
    return load_manifests(ASSETS)


@pytest.fixture(scope="module")
def human_jobs(aset):
    pre = load_preset("dynavid-human")
    return [plan_clip(pre, aset, 11, k) for k in range(40)]


@pytest.fixture(scope="module")
def camera_jobs(aset):
    pre = load_preset("dynavid-camera")
    return [plan_clip(pre, aset, 11, k) for k in range(60)]


def subject_world_corners(job, aset, subj) -> np.ndarray:
    """(n_baked, 8, 3) world corners of the subject's envelope, from the manifest entry."""
    act = aset.get(subj.action.id)
    env, fps = np.asarray(act["envelope"]), act["fps"]
    f = np.asarray(subj.source_time_s) * fps
    i0 = np.clip(np.floor(f).astype(int), 0, len(env) - 1)
    i1 = np.minimum(i0 + 1, len(env) - 1)
    lo = np.minimum(env[i0, :3], env[i1, :3])
    hi = np.maximum(env[i0, 3:], env[i1, 3:])
    s = subj.height_m / act["reference_height_m"]
    a = math.radians(subj.heading_deg)
    Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    corners = np.array([[[(lo, hi)[(c >> k) & 1][n, k] for k in range(3)] for c in range(8)] for n in range(len(lo))])
    return (s * corners) @ Rz.T + np.asarray(subj.location)


# --------------------------------------------------------------------------- determinism
def test_same_inputs_give_byte_identical_files(tmp_path):
    a = plan("tiny", 6, 5, tmp_path / "a", ASSETS)
    b = plan("tiny", 6, 5, tmp_path / "b", ASSETS)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    assert (tmp_path / "a" / "index.jsonl").read_bytes() == (tmp_path / "b" / "index.jsonl").read_bytes()


def test_clip_k_does_not_depend_on_count_or_start(tmp_path):
    many = plan("tiny", 6, 5, tmp_path / "many", ASSETS)
    one = plan("tiny", 2, 5, tmp_path / "one", ASSETS, start=3)
    assert one[0].name == many[3].name and one[0].read_bytes() == many[3].read_bytes()
    assert one[1].read_bytes() == many[4].read_bytes()
    other_seed = plan("tiny", 1, 6, tmp_path / "other", ASSETS, start=3)
    assert other_seed[0].read_bytes() != many[3].read_bytes()


def test_jobs_round_trip_through_load_job(tmp_path):
    paths = plan("tiny", 4, 2, tmp_path, ASSETS)
    for p in paths:
        job = load_job(p)
        assert job.to_json() == p.read_text()
    index = [json.loads(line) for line in (tmp_path / "index.jsonl").read_text().splitlines()]
    assert [r["job"] for r in index] == [p.name for p in paths]
    assert all(r["hash"] == load_job(tmp_path / r["job"]).hash() for r in index)


def test_tiny_kind_override_and_format(tmp_path):
    h = load_job(plan("tiny", 1, 0, tmp_path / "h", ASSETS, kind="human")[0])
    c = load_job(plan("tiny", 1, 0, tmp_path / "c", ASSETS, kind="camera")[0])
    assert h.kind == "human" and h.clip_id.startswith("human-") and len(h.subjects) == 1
    assert c.kind == "camera" and c.clip_id.startswith("camera-") and c.camera.path_family
    for j in (h, c):
        assert (j.width, j.height, j.n_frames, j.render.mode) == (128, 80, 8, "flow")
        assert len(j.camera.c2w) == 10 and j.render.samples_flow == 1
    kinds = {load_job(p).kind for p in plan("tiny", 12, 0, tmp_path / "m", ASSETS)}
    assert kinds == {"human", "camera"}


def test_dynavid_presets_use_the_wan_format(human_jobs, camera_jobs):
    for j in (human_jobs[0], camera_jobs[0]):
        assert (j.width, j.height, j.fps, j.n_frames, j.n_baked) == (1280, 704, 24.0, 121, 123)


# --------------------------------------------------------------------------- recorded parameters
def test_every_table10_parameter_is_recorded(human_jobs, camera_jobs):
    for job in human_jobs + camera_jobs:
        p = job.plan.params
        missing = [k for k in TABLE10 if k not in p]
        assert not missing, (job.clip_id, missing)
        assert len(p["initial_position"]) == 3 and len(p["scene_color"]) == 3 and len(p["background_color"]) == 4
        assert p["movement_type"] == job.camera.movement_type
    for job in human_jobs:
        for k in ("coverage", "coverage_sampled", "placement", "character", "action", "move_names",
                  "playback_speed", "window_start_s", "subject_height_m", "heading_deg"):
            assert k in job.plan.params, k


def test_quality_presets_bake_into_render_spec(human_jobs):
    seen = set()
    for j in human_jobs:
        r = j.render
        seen.add(r.quality)
        if r.quality == "high":
            assert (r.samples_rgb, r.denoise) == (128, True)
        else:
            assert (r.samples_rgb, r.denoise) == (16, False)
        assert r.samples_flow == 1
    assert seen == {"high", "low"}


# --------------------------------------------------------------------------- poses
def _check_poses(job):
    for i, (m, f, K) in enumerate(zip(job.camera.c2w, job.camera.focal_mm, job.camera.K)):
        m = np.asarray(m)
        R = m[:3, :3]
        np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-8)
        assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-8)
        np.testing.assert_array_equal(m[3], [0, 0, 0, 1])
        want = intrinsics(f, job.camera.sensor_width_mm, job.width, job.height,
                          sensor_height_mm=job.camera.sensor_height_mm)
        np.testing.assert_allclose(K, want, rtol=1e-8, atol=1e-6)


def test_poses_are_rigid_and_intrinsics_baked(human_jobs, camera_jobs):
    for job in human_jobs + camera_jobs:
        assert len(job.camera.c2w) == len(job.camera.K) == len(job.camera.focal_mm) == job.n_baked
        _check_poses(job)


def test_camera_paths_never_jump_beyond_the_sampled_peak_speed(camera_jobs):
    for job in camera_jobs:
        t = np.array([np.asarray(m)[:3, 3] for m in job.camera.c2w])
        step = np.linalg.norm(np.diff(t, axis=0), axis=1) * job.fps
        limit = job.camera.stats["sampled_peak_linear_m_s"]
        assert step.max() <= limit * 1.02 + 1e-6, (job.clip_id, job.camera.path_family, step.max(), limit)
        assert job.camera.stats["peak_linear_m_s"] == pytest.approx(step.max(), rel=1e-4, abs=1e-5)


def test_camera_stats_match_the_baked_poses(camera_jobs):
    for job in camera_jobs[:20]:
        R = [np.asarray(m)[:3, :3] for m in job.camera.c2w]
        ang = [math.degrees(rotation_angle(a, b)) * job.fps for a, b in zip(R[:-1], R[1:])]
        assert job.camera.stats["peak_angular_deg_s"] == pytest.approx(max(ang), rel=1e-4, abs=0.05)  # arccos noise on 1e-10-rounded matrices
        assert job.camera.stats["mean_angular_deg_s"] == pytest.approx(np.mean(ang), rel=1e-4, abs=0.05)  # arccos noise on 1e-10-rounded matrices


def test_fast_means_fast(camera_jobs):
    peaks = np.array([j.camera.stats["peak_angular_deg_s"] for j in camera_jobs])
    assert peaks.max() >= 180.0
    assert (peaks > 90.0).mean() > 0.3
    families = {j.camera.path_family for j in camera_jobs}
    assert {"orbit", "whip_pan", "fly_through", "spin"} <= families


def test_orbit_goes_around_its_focus(camera_jobs):
    orbits = [j for j in camera_jobs if j.camera.path_family == "orbit"]
    assert orbits
    for j in orbits:
        t = np.array([np.asarray(m)[:3, 3] for m in j.camera.c2w])
        z = np.array([np.asarray(m)[:3, 2] for m in j.camera.c2w])
        # the optical axes of an orbit converge: every camera looks back toward the path's interior
        centre = t.mean(axis=0)
        assert np.all(np.einsum("ij,ij->i", centre - t, z) > 0) or j.camera.movement_value > 300


# --------------------------------------------------------------------------- hard constraints
def test_subject_in_frame_and_camera_outside_subject(human_jobs, aset):
    for job in human_jobs:
        subj = job.subjects[0]
        corners = subject_world_corners(job, aset, subj)
        inside = []
        for i, frame in enumerate(job.baked_frames()):
            uv, z = project(corners[i], job.K(frame), job.c2w(frame))
            inside.append(bool(np.all(z > 0) and np.all((uv >= 0) & (uv <= [job.width, job.height]))))
            # the camera centre is outside the (unscaled) envelope box
            cam = job.c2w(frame)[:3, 3]
            lo, hi = corners[i].min(axis=0), corners[i].max(axis=0)
            assert not np.all((cam >= lo) & (cam <= hi)), (job.clip_id, frame)
        assert np.mean(inside[1:-1]) >= 0.95, (job.clip_id, np.mean(inside))


def test_indoor_cameras_stay_inside_the_room(human_jobs, camera_jobs):
    rooms = [j for j in human_jobs + camera_jobs if j.environment.type == "room"]
    assert rooms
    for j in rooms:
        half = np.asarray(j.environment.room.size) / 2
        height = j.environment.room.size[2]
        for m in j.camera.c2w:
            x, y, z = np.asarray(m)[:3, 3]
            assert abs(x) < half[0] - 0.29 and abs(y) < half[1] - 0.29 and 0.15 <= z < height - 0.29, j.clip_id


def test_props_rest_on_the_floor_and_camera_avoids_them(camera_jobs):
    for j in camera_jobs:
        t = np.array([np.asarray(m)[:3, 3] for m in j.camera.c2w])
        for p in j.props:
            c = np.asarray(p.location[0])
            assert p.instance_id >= 2
            assert np.linalg.norm(t - c, axis=1).min() > p.scale[0] * math.sqrt(3) / 2


def test_human_clips_default_to_forward_and_following(human_jobs):
    assert {j.plan.params["placement"] for j in human_jobs} == {"forward"}
    moves = [j.camera.movement_type for j in human_jobs]
    assert moves.count("following") >= 5
    for j in human_jobs:
        subj = j.subjects[0]
        facing = np.array([math.sin(math.radians(subj.heading_deg)), -math.cos(math.radians(subj.heading_deg))])
        cam = np.asarray(j.camera.c2w[1])[:2, 3] - np.asarray(subj.location)[:2]
        # forward placement: the camera starts on the side the subject faces (within ±50°+slack)
        if j.plan.params["attempts"] == 1:
            cosang = facing @ cam / np.linalg.norm(cam)
            assert cosang > math.cos(math.radians(80)), (j.clip_id, cosang)


def test_following_camera_translates_with_the_subject(aset):
    pre = load_preset("dynavid-human")
    for k in range(400):
        job = plan_clip(pre, aset, 3, k)
        if job.camera.movement_type == "following" and job.subjects[0].action.id == "act-run":
            break
    else:
        pytest.skip("no following shot of the runner in 400 clips")
    t = np.array([np.asarray(m)[:3, 3] for m in job.camera.c2w])
    corners = subject_world_corners(job, aset, job.subjects[0])
    centre = corners.mean(axis=1)
    travel_subject = np.linalg.norm(centre[-2, :2] - centre[1, :2])
    travel_camera = np.linalg.norm(t[-2, :2] - t[1, :2])
    assert travel_subject > 2.0
    assert travel_camera > 0.5 * travel_subject


# --------------------------------------------------------------------------- captions
def test_caption_names_exact_moves_and_keeps_tags_apart(human_jobs, camera_jobs):
    for j in human_jobs:
        cap = j.caption
        moves = j.subjects[0].action.params["move_names"]
        assert all(m in cap.text for m in moves), (cap.text, moves)
        assert j.subjects[0].character.params["appearance"][1:] in cap.text   # first letter capitalised
        assert cap.tags == ["<dynavid>", "<synthetic>"] and "<dynavid>" not in cap.text
        assert cap.full().startswith("<dynavid> <synthetic> ")
        assert set(cap.elements) >= {"subject", "motion", "environment", "camera"}
        if j.environment.type != "empty":
            assert j.environment.setting and j.environment.setting in cap.text
    verbs = {"orbit": "orbits", "spiral": "spirals", "spin": "spins", "whip_pan": "whip-pans",
             "fly_through": "flies", "dolly": "dollies", "truck": "trucks", "pedestal": "pedestals", "crane": "cranes"}
    for j in camera_jobs:
        assert f"The camera {verbs[j.camera.path_family]} " in j.caption.text, j.caption.text


def test_caption_direction_words_match_the_geometry(aset):
    """'pans left' means the view turns counter-clockwise seen from above; 'trucks right' means
    the camera moves along its own +x; 'tilts up' means the optical axis rises."""
    pre = load_preset("dynavid-human")
    checked = set()
    for k in range(300):
        j = plan_clip(pre, aset, 21, k)
        mv, word = j.camera.movement_type, j.plan.params["movement_direction"]
        a, b = j.c2w(j.frame_start), j.c2w(j.frame_end)
        if mv == "pan":
            yaw = math.atan2(b[1, 2], b[0, 2]) - math.atan2(a[1, 2], a[0, 2])
            assert (math.remainder(yaw, 2 * math.pi) > 0) == (word == "left")
        elif mv == "truck":
            assert ((b[:3, 3] - a[:3, 3]) @ a[:3, 0] > 0) == (word == "right")
        elif mv == "tilt":
            assert (b[2, 2] > a[2, 2]) == (word == "up")
        elif mv == "pedestal":
            assert (b[2, 3] > a[2, 3]) == (word == "up")
        elif mv == "zoom":
            assert (j.camera.focal_mm[-2] > j.camera.focal_mm[1]) == (word == "in")
        else:
            continue
        assert f" {word}" in j.caption.text
        checked.add(mv)
    assert checked >= {"pan", "truck", "tilt", "zoom"}


# --------------------------------------------------------------------------- bad input
def _cli(*args):
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


@pytest.mark.parametrize("args, words", [
    (["--preset", "nope", "--count", "2"], "unknown preset 'nope'"),
    (["--preset", "tiny", "--count", "0"], "count: must be an integer >= 1"),
    (["--preset", "tiny", "--count", "2", "--seed", "-1"], "seed: must be an integer >= 0"),
    (["--preset", "tiny", "--count", "2", "--assets", "/nonexistent/m.json"], "manifest file not found"),
])
def test_cli_bad_arguments_one_line_exit_2_nothing_written(tmp_path, args, words):
    out = tmp_path / "out"
    r = _cli("plan", *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert words in r.stderr and r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("text, words", [
    ('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[camera]\ncoverage = { uniform = [0.7, 0.2] }\n',
     "camera.coverage: uniform lower bound 0.7 is above"),
    ('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[camera]\nmovement_type = { choice = ["moonwalk"] }\n',
     "camera.movement_type: 'moonwalk' is not one of"),
    ('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[lights]\nwattage = 3\n', "lights.wattage: unknown key"),
    ('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[sky]\nblue = true\n', "sky: unknown section"),
    ('[preset]\nkind = "human"\n[video]\nwidth = 64\n', "required key is missing"),
    ('[preset]\nkind = "robot"\n', "preset.kind: 'robot' is not one of"),
    ('[preset\n', "not valid TOML"),
    ('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[camera.movement_value]\nzoom = { normal = [1, 1], spread = 2 }\n',
     "camera.movement_value.zoom: unknown key 'spread'"),
])
def test_bad_presets_name_file_and_key(tmp_path, text, words):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(PresetError) as exc:
        load_preset(p)
    assert str(exc.value).startswith(str(p)) and words in str(exc.value), str(exc.value)
    r = _cli("plan", "--preset", str(p), "--count", "1", "--out", str(tmp_path / "o"), "--assets", str(ASSETS[1]))
    assert r.returncode == 2 and words in r.stderr and not (tmp_path / "o").exists()


def test_human_clips_without_characters_fail_clearly(tmp_path):
    import re
    with pytest.raises(PlanError, match="at least one character and one action") as exc:
        plan("dynavid-human", 3, 0, tmp_path / "o", [ASSETS[0]])
    assert not (tmp_path / "o").exists()
    named = re.findall(r"assets_manifest/[\w/]+\.json", str(exc.value))
    assert len(named) >= 2 and all((ROOT / n).is_file() for n in named), named    # the manifests it names exist


def test_cli_prints_summary_table(tmp_path):
    r = _cli("plan", "--preset", "tiny", "--count", "6", "--seed", "4", "--out", str(tmp_path / "o"),
             "--assets", str(ASSETS[0]), "--assets", str(ASSETS[1]))
    assert r.returncode == 0, r.stderr
    assert "planned 6 clips" in r.stdout
    for key in ("movement_type", "focus_type", "scene_type", "quality", "coverage"):
        assert any(line.startswith(key + " ") for line in r.stdout.splitlines()), key
    assert len(list((tmp_path / "o").glob("*.json"))) == 6


def test_fast_job_text_is_exactly_to_json(human_jobs, camera_jobs):
    from synthgen.planner import job_text
    for j in human_jobs[:10] + camera_jobs[:10]:
        assert job_text(j) == j.to_json()


def test_camera_clips_plan_on_a_fresh_install_without_characters(tmp_path):
    paths = plan("dynavid-camera", 4, 1, tmp_path, [ASSETS[0]])
    jobs = [load_job(p) for p in paths]
    assert all(j.kind == "camera" and not j.subjects and (j.props or j.world_objects()) for j in jobs)


HUMANS = ROOT / "assets_manifest" / "people.json"


@pytest.mark.skipif(not HUMANS.exists(), reason="assets_manifest/people.json not delivered yet")
def test_default_asset_set_plans_human_clips(tmp_path):
    r = _cli("plan", "--preset", "dynavid-human", "--count", "3", "--seed", "1", "--out", str(tmp_path / "o"),
             "--quiet")
    assert r.returncode == 0, r.stderr
    aset = load_manifests(None)
    humans = {a.id for a in load_manifests([HUMANS])}
    for p in sorted((tmp_path / "o").glob("human-*.json")):
        job = load_job(p)
        subj = job.subjects[0]
        assert subj.character.id in humans and subj.action.id in humans
        corners = subject_world_corners(job, aset, subj)
        inside = []
        for i, frame in enumerate(job.baked_frames()):
            uv, z = project(corners[i], job.K(frame), job.c2w(frame))
            inside.append(bool(np.all(z > 0) and np.all((uv >= 0) & (uv <= [job.width, job.height]))))
        assert np.mean(inside[1:-1]) >= 0.95


@pytest.mark.skipif(not HUMANS.exists(), reason="assets_manifest/people.json not delivered yet")
def test_people_keep_their_own_heights():
    """Each person is scaled around their own height (manifest height_m) by the preset's small
    jitter: a teen stays shorter than a tall man (the planned heights follow the people's)."""
    pre, aset = load_preset("dynavid-human"), load_manifests(None)
    own, planned = [], []
    for k in range(40):
        subj = plan_clip(pre, aset, 5, k).subjects[0]
        own.append(subj.character.params["height_m"])
        planned.append(subj.height_m)
    own, planned = np.array(own), np.array(planned)
    jitter = pre["subject"]["height_scale"]
    assert np.all(planned >= own * jitter.low - 1e-9) and np.all(planned <= own * jitter.high + 1e-9)
    assert np.ptp(own) > 0.2 and np.corrcoef(own, planned)[0, 1] > 0.9


def test_heads_project_above_feet_and_facing_side_is_consistent(human_jobs, aset):
    """Catches a flipped camera y axis (heads below feet) in the baked OpenCV poses."""
    for job in human_jobs:
        corners = subject_world_corners(job, aset, job.subjects[0])
        for i in (1, job.n_baked // 2, job.n_baked - 2):
            frame = job.baked_frames()[i]
            lo, hi = corners[i].min(axis=0), corners[i].max(axis=0)
            mid = (lo + hi) / 2
            top, bottom = [mid[0], mid[1], hi[2]], [mid[0], mid[1], lo[2]]
            uv, _ = project([top, bottom], job.K(frame), job.c2w(frame))
            assert uv[0, 1] < uv[1, 1], (job.clip_id, frame)


def test_template_rooms_keep_their_size_and_infeasible_clips_are_redrawn(tmp_path):
    """A .blend room is never enlarged; a backflip that cannot fit in it is redrawn whole."""
    import hashlib
    import shutil
    shutil.copy(ROOT / "blend_templates" / "room_small.blend", tmp_path / "room_small.blend")
    sha = hashlib.sha256((tmp_path / "room_small.blend").read_bytes()).hexdigest()
    (tmp_path / "rooms.json").write_text(json.dumps({"assets": [{
        "id": "room-small", "kind": "room", "location": "room_small.blend", "sha256": sha, "licence": "CC0-1.0",
        "setting": "in a small furnished room", "size_range": [[4, 4], [3, 3], [2.5, 2.5]]}]}))
    (tmp_path / "basic.toml").write_text('[preset]\nbase = ["tiny"]\n[environment]\ntype = "basic"\n')
    paths = plan(tmp_path / "basic.toml", 16, 1, tmp_path / "out", [tmp_path / "rooms.json", ASSETS[1], ASSETS[0]])
    jobs = [load_job(p) for p in paths]
    small = [j for j in jobs if j.environment.room.asset.id == "room-small"]
    assert small and any(j.plan.params["resampled"] for j in jobs)
    for j in small:
        assert j.environment.room.size == [4.0, 3.0, 2.5]
        assert j.environment.room.asset.location == str((tmp_path / "room_small.blend").resolve())
        for m in j.camera.c2w:
            x, y, z = np.asarray(m)[:3, 3]
            assert abs(x) <= 2.0 - 0.29 and abs(y) <= 1.5 - 0.29 and 0.15 <= z <= 2.5 - 0.29


def test_indoor_lights_are_dimmed_by_the_preset_scale(human_jobs, camera_jobs):
    """Rooms bounce light back: light power there is the sampled power x indoor scale."""
    scale = load_preset("dynavid-human")["lights"]["indoor_intensity_scale"].sample(np.random.default_rng(0))
    seen = set()
    for job in human_jobs + camera_jobs:
        params = job.plan.params
        if job.environment.type == "interior":      # lit by its own ceiling lamps (tests/test_worlds_plan.py)
            continue
        for i, light in enumerate(job.lights):
            want = params[f"light{i}_intensity_w"] * (scale if job.environment.type == "room" else 1.0)
            assert light.intensity_w == pytest.approx(want, abs=1e-4)   # jobs round to 0.1 mW
            seen.add(job.environment.type)
    assert "room" in seen and scale < 1.0


def test_colour_names_are_what_the_linear_colour_looks_like_on_screen():
    from synthgen.planner.captions import colour_name
    assert colour_name((0.73, 0.80, 0.006)) == "yellow"     # linear; "green" if read as sRGB
    assert colour_name((1.0, 0.0, 0.0)) == "red"
    assert colour_name((0.0, 0.2, 0.0)) == "green"          # sRGB 0.48: not black
    assert colour_name((0.02, 0.02, 0.02)) == "black"       # sRGB 0.15
    assert colour_name((0.2, 0.2, 0.2)) == "grey" and colour_name((0.9, 0.9, 0.9)) == "white"
    assert colour_name((0.0, 0.05, 0.6)) == "blue"


def test_hdri_grounds_are_projected_from_the_camera_height(human_jobs, camera_jobs, aset, tmp_path):
    """Every hdri clip of the default presets has a projected ground (no shadow catcher)
    centred on its camera's mean xy at its median height (clamped to 1.2-2.5 m), and so has
    every street (its ground beyond the layout); other scene types have none, and a preset
    that turns it off gets the shadow catcher back."""
    hdri = [j for j in human_jobs + camera_jobs if j.environment.type == "hdri"]
    assert len(hdri) > 20
    for j in human_jobs + camera_jobs:
        gp = j.environment.ground_projection
        if j.environment.type not in ("hdri", "street"):
            assert gp is None and "ground_projection" not in j.to_json()
            continue
        P = np.array([np.asarray(m)[:3, 3] for m in j.camera.c2w])
        assert not j.environment.shadow_catcher and gp.radius_m == 100.0
        np.testing.assert_allclose(gp.center[:2], P[:, :2].mean(axis=0), atol=1e-5)
        assert gp.center[2] == pytest.approx(float(np.clip(np.median(P[:, 2]), 1.2, 2.5)), abs=1e-5)
    path = tmp_path / "catcher.toml"
    path.write_text('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n'
                    '[environment]\ntype = "hdri"\nground_projection = false\n')
    job = plan_clip(load_preset(path), aset, 11, 0)
    assert job.environment.ground_projection is None and job.environment.shadow_catcher
