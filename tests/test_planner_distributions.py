"""Empirical distributions over 1,000 planned clips match the presets.

Tolerances: a category's share may differ from its preset probability by at most
4 binomial standard errors + 0.005; a continuous parameter must pass a Kolmogorov-Smirnov
test against the preset's distribution at p > 0.001 (the seeds are fixed, so this is
deterministic). Draws that a constraint retry can replace are tested on their first
(recorded ``*_sampled``) value.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import kstest

from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan_clip

ROOT = Path(__file__).resolve().parent.parent
ASSETS = [ROOT / "assets_manifest" / "default.json", ROOT / "tests" / "fixtures" / "humans.json"]
N = 1000


def _small(tmp_path_factory, base: str):
    """The preset with a short, small video (distributions unchanged) so 1,000 clips plan quickly."""
    p = tmp_path_factory.mktemp("presets") / f"{base}-small.toml"
    p.write_text(f'[preset]\nbase = ["{base}"]\n[video]\nwidth = 320\nheight = 176\nframes = 24\n')
    return load_preset(p), load_preset(base)


@pytest.fixture(scope="module")
def aset():
    return load_manifests(ASSETS)


@pytest.fixture(scope="module")
def human(tmp_path_factory, aset):
    small, full = _small(tmp_path_factory, "dynavid-human")
    return full, [plan_clip(small, aset, 2026, k).plan.params for k in range(N)]


@pytest.fixture(scope="module")
def camera(tmp_path_factory, aset):
    small, full = _small(tmp_path_factory, "dynavid-camera")
    return full, [plan_clip(small, aset, 2026, k).plan.params for k in range(N)]


def _check_choice(dist, values):
    n = len(values)
    for value, p in dist.probabilities().items():
        share = sum(v == value for v in values) / n
        tol = 4 * np.sqrt(p * (1 - p) / n) + 0.005
        assert abs(share - p) <= tol, (value, share, p, tol)
    assert set(values) <= set(dist.probabilities())


def _check_continuous(dist, values):
    res = kstest(np.asarray(values, float), dist.cdf)
    assert res.pvalue > 1e-3, (dist.describe(), res)


HUMAN_CHOICES = [("environment", "type", "scene_type"), ("environment", "empty_light", "empty_light"),
                 ("render", "quality", "quality"), ("camera", "focus_type", "focus_type"),
                 ("camera", "focus_position", "focus_position"), ("camera", "placement", "placement"),
                 ("camera", "movement_type", "movement_type_sampled"), ("lights", "kind", "light0_kind"),
                 ("lights", "kind", "light1_kind"), ("props", "count", "prop_count")]
HUMAN_CONTINUOUS = [("environment", "hdri_rotation_deg", "hdri_rotation_deg"),
                    ("environment", "hdri_strength", "hdri_strength"),
                    ("environment", "ambient_intensity", "ambient_intensity"),
                    ("lights", "color_temperature_k", "light0_color_temperature_k"),
                    ("lights", "intensity_w", "light1_intensity_w"), ("lights", "distance_m", "light0_distance_m"),
                    ("lights", "height_m", "light1_height_m"), ("subject", "height_scale", "subject_height_scale"),
                    ("subject", "playback_speed", "playback_speed"), ("subject", "heading_deg", "heading_deg"),
                    ("camera", "coverage", "coverage_sampled"),
                    ("camera", "forward_azimuth_deg", "camera_azimuth_sampled_deg"),
                    ("camera", "elevation_deg", "camera_elevation_sampled_deg"),
                    ("camera", "focal_mm", "focal_mm_sampled"), ("camera", "roll_deg", "roll_deg")]


@pytest.mark.parametrize("section, key, param", HUMAN_CHOICES, ids=[c[2] for c in HUMAN_CHOICES])
def test_human_categorical(human, section, key, param):
    preset, params = human
    _check_choice(preset[section][key], [p[param] for p in params])


@pytest.mark.parametrize("section, key, param", HUMAN_CONTINUOUS, ids=[c[2] for c in HUMAN_CONTINUOUS])
def test_human_continuous(human, section, key, param):
    preset, params = human
    _check_continuous(preset[section][key], [p[param] for p in params])


def test_human_colours_per_channel(human):
    preset, params = human
    for key, name in (("scene_color", "scene_color"), ("background_color", "background_color")):
        arr = np.array([p[name][:3] for p in params])
        for c in range(3):
            _check_continuous(preset["environment"][key], arr[:, c])
    assert all(p["background_color"][3] == 1.0 for p in params)


def test_human_movement_values_per_type(human):
    preset, params = human
    for move, dist in preset["camera"]["movement_value"].items():
        vals = [p["movement_value"] for p in params if p["movement_type_sampled"] == move
                and not p.get("forced_following")]
        if dist.kind == "const" or len(vals) < 30:
            continue
        _check_continuous(dist, vals)


def test_human_retries_and_forced_following_are_rare(human):
    _, params = human
    assert np.mean([p["attempts"] for p in params]) < 2.5
    assert np.mean([bool(p.get("forced_following")) for p in params]) < 0.05
    assert min(p["in_frame_ratio"] for p in params) >= 0.95


CAMERA_CHOICES = [("camera_path", "family", "family"), ("camera_path", "speed_profile", "speed_profile"),
                  ("camera_path", "key_poses", "keys"), ("environment", "type", "scene_type"),
                  ("camera", "focus_type", "focus_type"), ("camera", "focus_position", "focus_position"),
                  ("props", "count", "prop_count")]
CAMERA_CONTINUOUS = [("camera_path", "peak_angular_speed_deg_s", "peak_angular_speed_deg_s"),
                     ("camera_path", "whip_peak_angular_speed_deg_s", "whip_peak_angular_speed_deg_s"),
                     ("camera_path", "whip_sweep_deg", "whip_sweep_deg"),
                     ("camera_path", "peak_linear_speed_m_s", "peak_linear_speed_m_s"),
                     ("camera_path", "orbit_radius_m", "radius_m"), ("camera_path", "height_m", "height_m"),
                     ("camera_path", "focal_mm", "focal_mm"), ("camera_path", "roll_deg", "roll_deg")]


@pytest.mark.parametrize("section, key, param", CAMERA_CHOICES, ids=[c[2] for c in CAMERA_CHOICES])
def test_camera_categorical(camera, section, key, param):
    preset, params = camera
    _check_choice(preset[section][key], [p[param] for p in params])


@pytest.mark.parametrize("section, key, param", CAMERA_CONTINUOUS, ids=[c[2] for c in CAMERA_CONTINUOUS])
def test_camera_continuous(camera, section, key, param):
    preset, params = camera
    _check_continuous(preset[section][key], [p[param] for p in params])


def test_camera_character_share(camera):
    preset, params = camera
    p = preset["camera_path"]["character_probability"]
    share = np.mean([p_["with_character"] for p_ in params])
    assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / N) + 0.005


def test_camera_clips_reach_extreme_angular_speeds(camera):
    _, params = camera
    peaks = np.array([p["measured_peak_angular_deg_s"] for p in params])
    assert np.percentile(peaks, 90) >= 180.0 and peaks.max() >= 500.0
