"""Camera movements of human shots: geometry of each movement module, and planned arc shots.

The arc (the movement added as one module plus a preset line) is checked as geometry on a
hand-made shot start, then end to end: in planned clips every optical axis passes through
the pivot, the camera keeps its horizontal distance from it, sweeps the recorded number of
degrees, and the caption's direction word matches the baked camera.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan_clip
from synthgen.planner.geometry import look_at
from synthgen.planner.movements import MOVEMENTS
from synthgen.planner.movements.base import MoveDraw, ShotStart

from test_planner import ASSETS, subject_world_corners
from synthgen.camera import project

N = 26


def _start(p0=(4.0, 0.0, 1.5), focus=(0.0, 0.0, 1.0)) -> ShotStart:
    p0, focus = np.asarray(p0, float), np.repeat(np.asarray(focus, float)[None], N, axis=0)
    R0 = look_at(p0[None], focus[1][None])[0]
    progress = (np.arange(N) - 1.0) / (N - 3)
    return ShotStart(p0, R0, focus, progress, np.zeros(N), np.zeros((N, 3)), 3.0)


def _horizontal_angle(P, pivot):
    return np.unwrap(np.arctan2(P[:, 1] - pivot[1], P[:, 0] - pivot[0]))


@pytest.mark.parametrize("sign, word", [(1.0, "right"), (-1.0, "left")])
def test_arc_circles_the_pivot_at_constant_distance_and_height(sign, word):
    start, arc = _start(), MOVEMENTS.get("arc")
    m = arc.move(start, MoveDraw(value=40.0, sign=sign))
    pivot = start.focus[1]
    r = np.hypot(m.P[:, 0] - pivot[0], m.P[:, 1] - pivot[1])
    np.testing.assert_allclose(r, 4.0, atol=1e-12)
    np.testing.assert_allclose(m.P[:, 2], 1.5, atol=1e-12)
    theta = _horizontal_angle(m.P, pivot)
    assert math.degrees(theta[-2] - theta[1]) == pytest.approx(sign * 40.0, abs=1e-9)  # + = counter-clockwise
    np.testing.assert_allclose(m.P[1], start.p0, atol=1e-12)                          # starts at the start
    z = m.R[:, :, 2]
    to_pivot = (pivot - m.P) / np.linalg.norm(pivot - m.P, axis=1, keepdims=True)
    np.testing.assert_allclose(z, to_pivot, atol=1e-12)                               # aimed at the focus
    assert arc.direction(m.R, m.P, np.ones(N), MoveDraw(40.0, sign)) == word
    assert ((m.P[2] - m.P[1]) @ m.R[1][:, 0] > 0) == (word == "right")                # along the camera's own x
    assert arc.phrase(word) == f"arcs {word} around the performer"


def test_a_truck_of_the_same_length_does_not_keep_its_distance():
    """Negative control for the distance check above."""
    start = _start()
    m = MOVEMENTS.get("truck").move(start, MoveDraw(value=math.radians(40.0) * 4.0, sign=1.0))
    r = np.hypot(m.P[:, 0], m.P[:, 1])
    assert r.max() - r.min() > 0.15


def test_every_movement_keeps_its_documented_axis():
    """Each module's motion, measured on the same start (value 1, sign +1)."""
    start, draw = _start(), MoveDraw(value=1.0, sign=1.0)
    moved = {name: MOVEMENTS.get(name).move(start, draw) for name in MOVEMENTS.names()}
    d = {name: m.P[-2] - m.P[1] for name, m in moved.items()}
    assert d["truck"] @ start.R0[:, 0] == pytest.approx(1.0) and abs(d["truck"][2]) < 1e-12
    assert d["dolly"] @ start.R0[:, 2] == pytest.approx(1.0)
    np.testing.assert_allclose(d["pedestal"], [0, 0, 1.0], atol=1e-12)
    for still in ("tilt", "pan", "spin", "zoom", "static", "following"):
        np.testing.assert_allclose(d[still], 0.0, atol=1e-12)
    assert moved["zoom"].zoom[-2] / moved["zoom"].zoom[1] == pytest.approx(1.0)      # ratio value 1: no zoom
    for name, m in moved.items():
        np.testing.assert_allclose(np.einsum("nji,njk->nik", m.R, m.R), np.broadcast_to(np.eye(3), (N, 3, 3)),
                                   atol=1e-12, err_msg=name)


@pytest.fixture(scope="module")
def arc_jobs(tmp_path_factory):
    p = tmp_path_factory.mktemp("presets") / "arc.toml"
    p.write_text('[preset]\nbase = ["dynavid-human"]\n[video]\nwidth = 320\nheight = 176\nframes = 24\n'
                 '[camera]\nmovement_type = "arc"\nfocus_type = "fixed"\n')
    pre, aset = load_preset(p), load_manifests(ASSETS)
    return aset, [plan_clip(pre, aset, 4, k) for k in range(40)]


def _axes_meet(job) -> np.ndarray:
    """Least-squares point nearest to every optical axis of the baked camera."""
    A, b = np.zeros((3, 3)), np.zeros(3)
    for m in job.camera.c2w:
        m = np.asarray(m)
        z, o = m[:3, 2], m[:3, 3]
        M = np.eye(3) - np.outer(z, z)
        A, b = A + M, b + M @ o
    return np.linalg.solve(A, b)


def test_planned_arcs_sweep_the_recorded_angle_about_a_fixed_focus(arc_jobs):
    _, jobs = arc_jobs
    arcs = [j for j in jobs if j.camera.movement_type == "arc"]
    assert len(arcs) >= 30
    for j in arcs:
        pivot = _axes_meet(j)
        P = np.array([np.asarray(m)[:3, 3] for m in j.camera.c2w])
        z = np.array([np.asarray(m)[:3, 2] for m in j.camera.c2w])
        miss = np.linalg.norm(np.cross(pivot - P, z), axis=1)                   # axis-to-pivot distance
        assert miss.max() < 1e-6, j.clip_id
        r = np.hypot(P[:, 0] - pivot[0], P[:, 1] - pivot[1])
        assert r.max() - r.min() < 1e-6 and np.ptp(P[:, 2]) < 1e-6, j.clip_id
        theta = _horizontal_angle(P, pivot)
        assert abs(math.degrees(theta[-2] - theta[1])) == pytest.approx(j.camera.movement_value, abs=1e-4)
        word = j.plan.params["movement_direction"]
        assert ((P[-2] - P[1]) @ np.asarray(j.camera.c2w[1])[:3, 0] > 0) == (word == "right")
        assert f"the camera arcs {word} around the performer" in j.caption.text


def test_planned_arcs_keep_the_performer_in_frame(arc_jobs):
    aset, jobs = arc_jobs
    for job in jobs:
        corners = subject_world_corners(job, aset, job.subjects[0])
        inside = []
        for i, frame in enumerate(job.baked_frames()):
            uv, zc = project(corners[i], job.K(frame), job.c2w(frame))
            inside.append(bool(np.all(zc > 0) and np.all((uv >= 0) & (uv <= [job.width, job.height]))))
        assert np.mean(inside[1:-1]) >= 0.95, job.clip_id
