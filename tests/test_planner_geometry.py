"""Planner building blocks: batch look-at vs the spine's convention, rotations, NURBS arc-length
paths, speed profiles, subject placement, per-frame constraints, preset distributions."""
from __future__ import annotations

import math

import numpy as np
import pytest

from synthgen.camera import intrinsics, look_at_cv
from synthgen.errors import PresetError
from synthgen.planner import constraints as C
from synthgen.planner.paths.arc_length import ArcPath, speed_profile, travelled
from synthgen.planner.geometry import box_corners, look_at, poses, rot_local, rot_z, speeds
from synthgen.planner.sampling import parse_dist
from synthgen.planner.subject import ActionData, Placement, envelope_at, most_dynamic_start, source_times


def test_batch_look_at_matches_the_spine_including_roll():
    rng = np.random.default_rng(0)
    eyes, targets = rng.normal(size=(20, 3)) * 4, rng.normal(size=(20, 3))
    roll = rng.uniform(-1, 1, 20)
    R = look_at(eyes, targets, roll)
    for i in range(20):
        np.testing.assert_allclose(R[i], look_at_cv(eyes[i], targets[i], roll_rad=roll[i])[:3, :3], atol=1e-12)


def test_look_at_straight_down_is_still_a_rotation():
    R = look_at(np.array([[0.0, 0.0, 5.0]]), np.array([[0.0, 0.0, 0.0]]))[0]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(R[:, 2], [0, 0, -1])


def test_rot_z_is_counter_clockwise_seen_from_above():
    np.testing.assert_allclose(rot_z(math.pi / 2) @ [1.0, 0, 0], [0, 1, 0], atol=1e-12)


def test_rot_local_tilts_about_the_camera_x_axis():
    R = look_at(np.array([[0.0, -5.0, 1.0]]), np.array([[0.0, 0.0, 1.0]]))
    up = rot_local(R, 0, np.array([0.2]))[0]   # +angle about +x (right): z tips toward -y, i.e. up
    np.testing.assert_allclose(up[:, 0], R[0][:, 0], atol=1e-12)   # x unchanged
    assert up[2, 2] > 0                                            # optical axis now points upward


def test_speeds_measure_translation_and_rotation():
    n, fps = 5, 24.0
    R = np.stack([rot_z(math.radians(10 * i)) for i in range(n)])
    t = np.array([[0.5 * i, 0, 0] for i in range(n)])
    lin, ang = speeds(R, t, fps)
    np.testing.assert_allclose(lin, 12.0)
    np.testing.assert_allclose(ang, 240.0)
    m = poses(R, t)
    assert m.shape == (5, 4, 4) and np.all(m[:, 3] == [0, 0, 0, 1])


def test_box_corners():
    c = box_corners(np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]]))[0]
    assert c.shape == (8, 3)
    np.testing.assert_allclose(c.min(axis=0), [0, 1, 2])
    np.testing.assert_allclose(c.max(axis=0), [3, 4, 5])
    assert len({tuple(p) for p in c}) == 8


def test_arc_length_reparameterisation_gives_the_commanded_speed():
    pts = np.array([[0, 0, 1], [2, 3, 1], [5, 3, 2], [7, 0, 1.5], [9, -2, 1]], float)
    path = ArcPath(pts)
    s = np.linspace(0, 0.9 * path.length, 200)
    P = path.at(s)
    steps = np.linalg.norm(np.diff(P, axis=0), axis=1)
    np.testing.assert_allclose(steps, s[1] - s[0], rtol=2e-3)      # equal arc -> equal chord here
    np.testing.assert_allclose(path.at(np.array([0.0]))[0], pts[0], atol=1e-9)  # interpolates key 0
    mids = path.at(np.linspace(0, path.length, 2000))
    for p in pts:                                                    # passes through every key pose
        assert np.linalg.norm(mids - p, axis=1).min() < 0.02


def test_speed_profiles_peak_at_one_and_integrate():
    tau = np.linspace(0, 1, 121)
    for shape in ("constant", "ease_in_out", "accelerate", "decelerate", "burst"):
        g = speed_profile(shape, tau, 0.5)
        assert g.max() == pytest.approx(1.0, abs=1e-3) and g.min() > 0
    s = travelled(np.ones(11), 0.1)
    np.testing.assert_allclose(s[-1], 1.0)


def _box_action(frames=30, fps=30.0, travel=0.0, loopable=False):
    y = -travel * np.arange(frames) / (frames - 1)
    env = np.stack([np.full(frames, -0.3), y - 0.2, np.zeros(frames), np.full(frames, 0.3), y + 0.2,
                    np.full(frames, 1.75)], 1)
    energy = np.ones(frames)
    energy[20:25] = 5.0
    return ActionData(fps=fps, root=np.stack([np.zeros(frames), y, np.full(frames, 0.9)], 1), envelope=env,
                      energy=energy, reference_height_m=1.75, loopable=loopable)


def test_most_dynamic_window_and_source_times():
    a = _box_action()
    start = most_dynamic_start(a, 5 / 30)                 # 6 source frames: the burst at 20..24
    assert 19 / 30 <= start <= 20 / 30 + 1e-9
    t = source_times(a, start, 2.0, 5, 24.0)
    np.testing.assert_allclose(np.diff(t), 2.0 / 24.0)
    clamped = source_times(a, 0.9, 1.0, 10, 24.0)
    assert clamped.max() == pytest.approx(a.duration_s)
    looped = source_times(_box_action(loopable=True), 0.9, 1.0, 10, 24.0)
    assert looped.max() < a.duration_s and looped.min() >= 0


def test_envelope_between_frames_is_the_union():
    a = _box_action(travel=2.9)
    box = envelope_at(a, np.array([0.5 / 30]))[0]
    np.testing.assert_allclose(box[[1, 4]], [a.envelope[1, 1], a.envelope[0, 4]])


def test_placement_heading_scale_and_inverse():
    pl = Placement(location=np.array([1.0, 2.0, 0.0]), heading_deg=90.0, scale=2.0)
    np.testing.assert_allclose(pl.facing(), [1, 0, 0], atol=1e-12)           # -Y turned 90° CCW
    p = np.array([[0.0, -1.0, 1.0]])
    np.testing.assert_allclose(pl.to_world(p), [[3.0, 2.0, 2.0]], atol=1e-12)
    np.testing.assert_allclose(pl.to_local(pl.to_world(p)), p, atol=1e-12)


def test_in_frame_catches_a_subject_off_screen_or_behind():
    W, H = 64, 48
    K = intrinsics(36.0, 36.0, W, H)[None]
    R = look_at(np.array([[0.0, -5.0, 1.0]]), np.array([[0.0, 0.0, 1.0]]))
    t = np.array([[0.0, -5.0, 1.0]])
    box = box_corners(np.array([[-0.3, -0.3, 0.5, 0.3, 0.3, 1.5]]))
    assert C.frames_in_frame(R, t, K, box, W, H)[0]
    assert not C.frames_in_frame(R, t, K, box + [4.0, 0, 0], W, H)[0]     # off to the right
    assert not C.frames_in_frame(R, t, K, box - [0, 10.0, 0], W, H)[0]    # behind the camera


def test_camera_inside_subject_and_room_checks():
    pl = Placement(location=np.zeros(3), heading_deg=30.0, scale=1.0)
    boxes = np.array([[-0.3, -0.3, 0.0, 0.3, 0.3, 1.8]] * 2)
    assert not C.camera_clear_of_subject(np.array([[0, 0, 1.0], [5, 5, 1.0]]), boxes, pl)
    assert C.camera_clear_of_subject(np.array([[2, 0, 1.0], [5, 5, 1.0]]), boxes, pl)
    room = [6.0, 4.0, 3.0]
    assert C.inside_room(np.array([[2.6, 1.6, 2.6]]), room, [0, 0, 0])
    assert not C.inside_room(np.array([[2.8, 0, 1.0]]), room, [0, 0, 0])   # within 0.3 m of a wall
    assert not C.inside_room(np.array([[0, 2.5, 1.0]]), room, [0, 0, 0])   # behind a wall
    assert not C.inside_room(np.array([[0, 0, 2.9]]), room, [0, 0, 0])     # in the ceiling margin
    assert C.inside_room(np.array([[4.0, 0, 1.0]]), room, [2.0, 0, 0])     # room centred elsewhere


def test_distributions_parse_sample_and_reject():
    rng = np.random.default_rng(1)
    d = parse_dist({"choice": ["a", "b"], "weights": [3, 1]}, "p.toml", "x")
    assert d.probabilities() == {"a": 0.75, "b": 0.25}
    v = [d.sample(rng) for _ in range(4000)]
    assert abs(v.count("a") / 4000 - 0.75) < 0.03
    n = parse_dist({"normal": [0, 1], "clip": [-1, 1]}, "p.toml", "x")
    assert all(-1 <= n.sample(rng) <= 1 for _ in range(200))
    r = parse_dist({"randint": [4, 8]}, "p.toml", "x")
    assert {r.sample(rng) for _ in range(300)} == {4, 5, 6, 7, 8}
    lu = parse_dist({"loguniform": [1, 100]}, "p.toml", "x")
    assert lu.cdf(10.0) == pytest.approx(0.5)
    assert parse_dist(3.5, "p.toml", "x").sample(rng) == 3.5
    for bad, words in [({"uniform": [2, 1]}, "above"), ({"loguniform": [0, 1]}, "positive"),
                       ({"choice": [1.0], "weights": [0]}, "zero"), ({"uniform": [0, 1], "choice": [1]}, "exactly one"),
                       ({"randint": [0.5, 2]}, "integers"), ("x", "number"),
                       ({"lognormal": [0, 0.3]}, "median must be positive"),
                       ({"lognormal": [30, -1]}, "must not be negative"),
                       ({"lognormal": [30, 0.3], "clip": [80, 20]}, "lo <= hi")]:
        with pytest.raises(PresetError, match=words) as exc:
            parse_dist(bad, "p.toml", "camera.coverage", numeric=True)
        assert str(exc.value).startswith("p.toml: camera.coverage: ")


def test_lognormal_is_log_normal_about_its_median_and_clipped():
    """{ lognormal = [median, sigma], clip = [lo, hi] }: log(x) ~ N(log median, sigma), values
    outside clip land on its ends; the cdf matches the samples (KS) and is exact at the median."""
    from scipy.stats import kstest
    rng = np.random.default_rng(3)
    d = parse_dist({"lognormal": [33.0, 0.3], "clip": [18.0, 85.0]}, "p.toml", "camera.focal_mm", numeric=True)
    x = np.array([d.sample(rng) for _ in range(20000)])
    assert (d.low, d.high) == (18.0, 85.0) and x.min() == 18.0 and x.max() <= 85.0
    assert np.median(x) == pytest.approx(33.0, rel=0.01)
    assert d.cdf(33.0) == pytest.approx(0.5) and d.cdf(17.9) == 0.0 and d.cdf(85.0) == 1.0
    assert np.mean(x == 18.0) == pytest.approx(float(d.cdf(18.0)), abs=0.004)      # the clipped mass
    inner = x[(x > 18.0) & (x < 85.0)]          # KS assumes no atoms: test the unclipped part
    lo, hi = float(d.cdf(18.0)), float(d.cdf(85.0 - 1e-9))
    assert kstest(inner, lambda v: (d.cdf(v) - lo) / (hi - lo)).pvalue > 1e-3
    assert kstest(inner * 1.03, lambda v: (d.cdf(v) - lo) / (hi - lo)).pvalue < 1e-6   # negative control
    free = parse_dist({"lognormal": [2.0, 0.5]}, "p.toml", "x")
    assert free.low == 0.0 and free.high == math.inf and free.cdf(2.0) == pytest.approx(0.5)
    logs = np.log([free.sample(rng) for _ in range(20000)])
    assert np.mean(logs) == pytest.approx(math.log(2.0), abs=0.01) and np.std(logs) == pytest.approx(0.5, rel=0.02)
