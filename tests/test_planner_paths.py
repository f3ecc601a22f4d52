"""Camera-path families: the crane (the family added as one module plus a preset line) as
geometry on a hand-made set-up, then in planned clips, plus its own parameters' distributions.

Crane facts: the camera stays on a sphere of the boom's length about the crane's base, starts
at the start point, rises (or sinks) by the sampled height while turning by the sampled
swing about the base, completes the sweep over the clip without exceeding its peak speed,
stays aimed at the focus, and stays under the ceiling indoors.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import kstest

from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan_clip
from synthgen.planner.paths import PATH_FAMILIES
from synthgen.planner.paths.arc_length import unit_travel
from synthgen.planner.paths.base import PathDraw, PathSetup
from synthgen.planner.paths.crane import CraneParams, boom

from test_planner import ASSETS

FPS, N = 24.0, 50


def _setup(sign=1.0, room=None, p0=(5.0, 1.0, 1.4), params=CraneParams(3.0, 2.0, 30.0), profile="ease_in_out"):
    times = (np.arange(N) - 1.0) / FPS
    draw = PathDraw(family="crane", keys=6, speed_profile=profile, peak_angular_speed_deg_s=90.0,
                    whip_peak_angular_speed_deg_s=300.0, whip_sweep_deg=120.0, peak_linear_speed_m_s=4.0,
                    radius_m=3.0, height_m=p0[2], focal_mm=24.0, roll_deg=0.0, focus_type="fixed",
                    focus_position="center", sign=sign, burst_centre=0.5, start_azimuth_rad=0.2, spiral_ratio=1.0,
                    spiral_rise_m=0.0, with_character=False)
    focus = np.repeat(np.array([[0.0, 0.0, 1.0]]), N, axis=0)
    return PathSetup(draw, params, focus, np.asarray(p0, float), unit_travel(times, FPS, profile, 0.5), times, FPS,
                     room, np.random.default_rng(0))


@pytest.mark.parametrize("sign, word", [(1.0, "up"), (-1.0, "down")])
def test_crane_rides_a_boom_about_its_base(sign, word):
    setup, crane = _setup(sign), PATH_FAMILIES.get("crane")
    res = crane.build(setup)
    base, length, phi0, phi1, psi0 = boom(setup, setup.own)
    assert length == pytest.approx(3.0)
    np.testing.assert_allclose(np.linalg.norm(res.P - base, axis=1), 3.0, atol=1e-9)     # on the boom's sphere
    np.testing.assert_allclose(res.P[0, :2], setup.p0[:2], atol=1e-9)                    # starts at the start point
    dz = res.P[-1, 2] - res.P[0, 2]
    assert dz == pytest.approx(sign * 2.0, abs=1e-6)                                      # the sampled rise
    assert np.all(np.sign(np.diff(res.P[:, 2])) == sign)                                  # monotonic
    swing = np.unwrap(np.arctan2(res.P[:, 1] - base[1], res.P[:, 0] - base[0]))
    assert math.degrees(swing[-1] - swing[0]) == pytest.approx(30.0, abs=1e-6)            # the sampled swing
    assert res.direction == word and res.movement_value == pytest.approx(abs(res.P[-2, 2] - res.P[1, 2]))
    steps = np.linalg.norm(np.diff(res.P, axis=0), axis=1) * FPS
    assert steps.max() <= res.peak_linear_m_s * 1.001 and steps.max() > 0.95 * res.peak_linear_m_s
    z = res.R[:, :, 2]
    to_focus = (setup.focus - res.P) / np.linalg.norm(setup.focus - res.P, axis=1, keepdims=True)
    np.testing.assert_allclose(z, to_focus, atol=1e-9)
    # the base stands behind the start point, seen from the focus
    assert np.hypot(*base[:2]) > np.hypot(*setup.p0[:2])


def test_crane_rise_is_capped_by_the_ceiling():
    res = PATH_FAMILIES.get("crane").build(_setup(1.0, room=[8.0, 8.0, 2.6], p0=(2.0, 0.5, 1.2),
                                                  params=CraneParams(3.0, 3.0, 0.0)))
    assert res.P[:, 2].max() <= 2.6 - 0.5 + 1e-9 and res.P[:, 2].min() >= 0.5 - 1e-9
    assert res.P[-1, 2] - res.P[0, 2] == pytest.approx(1.6, abs=1e-6)                   # 2.1 m top - 0.5 m floor
    free = PATH_FAMILIES.get("crane").build(_setup(1.0, p0=(2.0, 0.5, 1.2), params=CraneParams(3.0, 3.0, 0.0)))
    assert free.P[-1, 2] - free.P[0, 2] == pytest.approx(3.0, abs=1e-6)                 # negative control


def test_crane_caption_names_direction_and_rise():
    crane = PATH_FAMILIES.get("crane")
    text = crane.phrase("up", 1.84, "a red cube", {"peak_linear_m_s": 2.345})
    assert text == "The camera cranes up beside a red cube, rising 1.8 metres at up to 2.3 metres per second."
    assert "descending" in crane.phrase("down", 1.0, "x", {})


@pytest.fixture(scope="module")
def crane_clips(tmp_path_factory):
    p = tmp_path_factory.mktemp("presets") / "crane.toml"
    p.write_text('[preset]\nbase = ["dynavid-camera"]\n[video]\nwidth = 320\nheight = 176\nframes = 24\n'
                 '[camera_path]\nfamily = { choice = ["crane", "orbit"], weights = [3, 1] }\n'
                 '[environment]\ntype = { choice = ["hdri", "room"], weights = [0.6, 0.4] }\nhdri_clutter = 0\n')
    pre = load_preset(p)
    return pre, [plan_clip(pre, load_manifests(ASSETS), 9, k) for k in range(120)]


def test_planned_cranes_match_their_caption_and_record(crane_clips):
    _, jobs = crane_clips
    cranes = [j for j in jobs if j.camera.path_family == "crane"]
    assert len(cranes) >= 70
    words = set()
    for j in cranes:
        P = np.array([np.asarray(m)[:3, 3] for m in j.camera.c2w])
        rise = P[-2, 2] - P[1, 2]
        word = j.plan.params["movement_direction"]
        assert word == ("up" if rise > 0 else "down") and j.camera.movement_value == pytest.approx(abs(rise), abs=1e-6)
        assert f"The camera cranes {word} beside " in j.caption.text
        steps = np.linalg.norm(np.diff(P, axis=0), axis=1) * j.fps
        assert steps.max() <= j.camera.stats["sampled_peak_linear_m_s"] * 1.02 + 1e-6
        if j.environment.room is not None:
            assert P[:, 2].max() < j.environment.room.size[2] - 0.29
        words.add(word)
    assert words == {"up", "down"}


def test_crane_parameters_follow_the_family_defaults(crane_clips):
    """Only crane clips draw (and record) the crane's own parameters, from the family's defaults."""
    pre, jobs = crane_clips
    params = [j.plan.params for j in jobs if j.plan.params["family"] == "crane"]
    for key in ("crane_boom_m", "crane_rise_m", "crane_swing_deg"):
        dist = pre["camera_path"][key]
        assert dist.kind == "uniform"
        assert kstest([p[key] for p in params], dist.cdf).pvalue > 1e-3, key
    orbits = [j.plan.params for j in jobs if j.plan.params["family"] == "orbit"]
    assert len(orbits) >= 15 and not any(k.startswith("crane_") for p in orbits for k in p)
