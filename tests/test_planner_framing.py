"""Human-shot framing: the lens is drawn, the distance is solved for the drawn coverage.

Hand-made shots of a box standing (or travelling) in front of the camera, solved by
synthgen.planner.clips.human_shot, then checked by projecting the box's corners with
synthgen.camera.project (not the solver's own geometry): the drawn focal length is kept,
the coverage is the drawn one, the distance follows the pinhole model (twice the focal
length: twice as far), a zoom's wide end is the drawn lens, a travelling subject makes the
camera stand back (same lens) until the box stays in frame, and walls make the lens wider.
"""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.camera import project
from synthgen.manifest import load_manifests
from synthgen.planner import load_preset
from synthgen.planner.clips import human_shot as hs
from synthgen.planner.context import ClipContext
from synthgen.planner.movements.base import MoveDraw
from synthgen.planner.subject import Placement

from test_planner import ASSETS

W, H = 320, 176
HALF_DEPTH = 0.15                                   # the box: 0.5 m wide, 0.3 m deep, 1.8 m tall


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    p = tmp_path_factory.mktemp("presets") / "framing.toml"
    p.write_text(f'[preset]\nbase = ["dynavid-human"]\n[video]\nwidth = {W}\nheight = {H}\nframes = 24\n')
    return ClipContext(load_preset(p), load_manifests(ASSETS), 0, 0, "human")


def _box(ctx, travel_m: float = 0.0) -> np.ndarray:
    """(N,8,3) corners of a 0.5 x 0.3 x 1.8 m box at the origin, moving ``travel_m`` along +x."""
    x = travel_m * np.clip(ctx.progress, 0, 1)
    lo = np.stack([x - 0.25, np.full_like(x, -HALF_DEPTH), np.zeros_like(x)], -1)
    hi = np.stack([x + 0.25, np.full_like(x, HALF_DEPTH), np.full_like(x, 1.8)], -1)
    return np.stack([np.where([(c >> k) & 1 for k in range(3)], hi, lo) for c in range(8)], axis=1)


def _draw(focal_mm: float, coverage: float, movement: str = "static", value: float = 0.0,
          focus: str = "fixed") -> hs.ShotDraw:
    return hs.ShotDraw(placement="forward", azimuth_deg=0.0, random_azimuth_deg=0.0, elevation_deg=0.0,
                       focal_mm=focal_mm, focus_type=focus, focus_position="center", movement=movement,
                       move=MoveDraw(value=value, sign=1.0), coverage=coverage, roll_deg=0.0)


def _solve(ctx, g, corners, room=None) -> hs.ShotSolution:
    sol = hs.solve_camera(ctx, g, corners, hs.aim_points(corners, g.focus_position), Placement(np.zeros(3), 0.0, 1.0),
                          corners.mean(axis=1), room)
    assert not isinstance(sol, str), sol
    return sol


def _projected(ctx, sol, corners):
    """Per rendered frame: coverage (larger extent relative to the frame) and whether every
    corner is inside the frame, projected with synthgen.camera.project."""
    cover, inside = [], []
    for i in range(1, ctx.n_baked - 1):
        c2w = np.eye(4)
        c2w[:3, :3], c2w[:3, 3] = sol.R[i], sol.P[i]
        uv, z = project(corners[i], ctx.K(sol.focal_mm[i:i + 1])[0], c2w)
        cover.append(max(np.ptp(uv[:, 0]) / W, np.ptp(uv[:, 1]) / H))
        inside.append(bool(np.all(z > 0) and np.all((uv >= 0) & (uv <= [W, H]))))
    return np.array(cover), np.array(inside)


def test_the_drawn_lens_is_kept_and_the_distance_gives_the_drawn_coverage(ctx):
    corners = _box(ctx)
    sol = _solve(ctx, _draw(35.0, 0.5), corners)
    np.testing.assert_allclose(sol.focal_mm, 35.0, atol=1e-6)
    cover, inside = _projected(ctx, sol, corners)
    assert np.median(cover) == pytest.approx(0.5, rel=hs.SOLVE_TOLERANCE)
    assert sol.coverage == pytest.approx(np.median(cover), rel=1e-9) and inside.all()
    # pinhole: the near face (1.8 m tall, HALF_DEPTH in front of the focus) covers half the height
    fx = ctx.K(np.array([35.0]))[0, 0, 0]
    assert sol.distance_m == pytest.approx(fx * 1.8 / (0.5 * H) + HALF_DEPTH, rel=2 * hs.SOLVE_TOLERANCE)
    assert np.linalg.norm(sol.P[1] - [0.0, 0.0, 0.9]) == pytest.approx(sol.distance_m, rel=1e-9)
    assert sol.P[1][1] < 0 and not sol.distance_limited     # on the side the box faces (-y)


def test_twice_the_focal_length_stands_twice_as_far(ctx):
    corners = _box(ctx)
    near, far = _solve(ctx, _draw(25.0, 0.6), corners), _solve(ctx, _draw(50.0, 0.6), corners)
    ratio = (far.distance_m - HALF_DEPTH) / (near.distance_m - HALF_DEPTH)
    assert ratio == pytest.approx(2.0, rel=2 * hs.SOLVE_TOLERANCE)
    assert (_projected(ctx, near, corners)[0].mean() == pytest.approx(_projected(ctx, far, corners)[0].mean(),
                                                                       rel=2 * hs.SOLVE_TOLERANCE))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_zoom_starts_or_ends_at_the_drawn_lens(ctx, sign):
    g = _draw(30.0, 0.4, movement="zoom", value=1.5)
    g = hs.ShotDraw(**{**g.__dict__, "move": MoveDraw(1.5, sign)})
    sol = _solve(ctx, g, _box(ctx))
    rendered = sol.focal_mm[1:-1]
    assert rendered.min() == pytest.approx(30.0, abs=1e-6) and rendered.max() == pytest.approx(45.0, rel=1e-6)
    assert (rendered[-1] > rendered[0]) == (sign > 0)


def test_a_travelling_subject_makes_the_camera_stand_back_with_the_same_lens(ctx):
    """Fixed focus, the box crosses 6 m of the view: the drawn 0.9 coverage cannot keep it in
    frame, so the camera stands back (the lens stays 35 mm) until the box stays in frame in
    FIT_FRAMES of the frames; there the framing is as tight as it can be."""
    corners = _box(ctx, travel_m=6.0)
    sol = _solve(ctx, _draw(35.0, 0.9), corners)
    np.testing.assert_allclose(sol.focal_mm, 35.0, atol=1e-6)
    cover, inside = _projected(ctx, sol, corners)
    assert inside.mean() >= hs.FIT_FRAMES and sol.coverage < 0.7
    reach = []          # per frame: the corners' largest offset from the centre / half the frame
    for i in range(1, ctx.n_baked - 1):
        c2w = np.eye(4)
        c2w[:3, :3], c2w[:3, 3] = sol.R[i], sol.P[i]
        uv, _ = project(corners[i], ctx.K(sol.focal_mm[i:i + 1])[0], c2w)
        reach.append(np.max(np.abs(uv - [W / 2, H / 2]) / [W / 2, H / 2]))
    assert np.max(reach) > hs.FIT_MARGIN * (1 - 2 * hs.SOLVE_TOLERANCE)      # tight: the box reaches the edge
    # negative control: the drawn coverage at this lens would lose the box for part of the clip
    static = _solve(ctx, _draw(35.0, 0.9), _box(ctx))
    moved = hs.ShotSolution(static.R, static.P, static.focal_mm, 0.9, static.distance_m)
    assert _projected(ctx, moved, corners)[1].mean() < 0.9


def test_walls_make_the_lens_wider_and_keep_the_coverage(ctx):
    corners = _box(ctx)
    room = [8.0, 8.0, 3.0]
    sol = _solve(ctx, _draw(50.0, 0.5), corners, room)
    assert sol.distance_limited and sol.focal_mm[1] < 50.0 and sol.focal_mm[1] >= hs.FOCAL_FLOOR_MM
    cover, inside = _projected(ctx, sol, corners)
    assert np.median(cover) == pytest.approx(0.5, rel=hs.SOLVE_TOLERANCE) and inside.all()
    assert np.all(np.abs(sol.P[:, :2]) < 4.0 - 0.3) and sol.distance_m < 4.0
    open_air = _solve(ctx, _draw(50.0, 0.5), corners)
    assert open_air.distance_m > 5.0 and not open_air.distance_limited


def test_a_lens_wider_than_the_floor_is_refused(ctx):
    """A tiny room forces a lens wider than FOCAL_FLOOR_MM: the attempt fails with a reason."""
    corners = _box(ctx)
    why = hs.solve_camera(ctx, _draw(20.0, 0.9), corners, hs.aim_points(corners, "center"),
                          Placement(np.zeros(3), 0.0, 1.0), corners.mean(axis=1), [1.6, 1.6, 3.0])
    assert isinstance(why, str) and ("focal length" in why or "behind" in why or "frame" in why), why


@pytest.mark.slow
def test_rendered_performer_lies_inside_the_planned_envelope_and_is_large(tmp_path):
    """Two planned dynavid-human clips (default people, 8 frames at 160x88), rendered in flow
    mode: in every frame the performer's segmentation lies inside the projection of the
    envelope the planner framed (so 'envelope in frame' means 'performer in frame'), and its
    larger extent (height/H or width/W, median over frames) is at least 0.6 of the envelope's
    recorded coverage (the envelope is not wildly larger than the body)."""
    from synthgen import layout
    from synthgen.export.exr import read_channels
    from synthgen.job import load_job
    from synthgen.planner import plan
    from synthgen.render import run_one
    from test_planner import subject_world_corners

    p = tmp_path / "small.toml"
    p.write_text('[preset]\nbase = ["dynavid-human"]\n[video]\nwidth = 160\nheight = 88\nframes = 8\n'
                 '[render]\nquality = "low"\ndevice = "cpu"\n')
    aset = load_manifests(None)
    beyond_shrunk = 0           # negative control: frames whose performer overflows the envelope shrunk by 15 %
    for path in plan(p, 2, 3, tmp_path / "jobs"):
        job = load_job(path)
        assert run_one(path, tmp_path / "out", mode="flow").status == "done"
        corners = subject_world_corners(job, aset, job.subjects[0])
        shares = []
        for i, frame in enumerate(job.baked_frames()[1:-1], start=1):
            ids = read_channels(tmp_path / "out" / job.clip_id / layout.frame_name(frame),
                                [layout.INDEX_CHANNEL])[layout.INDEX_CHANNEL]
            rows, cols = np.nonzero(np.rint(ids) == 1)
            assert len(rows), (job.clip_id, frame)
            uv, _ = project(corners[i], job.K(frame), job.c2w(frame))
            lo, hi = uv.min(axis=0), uv.max(axis=0)
            assert cols.min() + 0.5 >= lo[0] - 1 and cols.max() + 0.5 <= hi[0] + 1, (job.clip_id, frame)
            assert rows.min() + 0.5 >= lo[1] - 1 and rows.max() + 0.5 <= hi[1] + 1, (job.clip_id, frame)
            shares.append(max((rows.max() - rows.min() + 1) / job.height, (cols.max() - cols.min() + 1) / job.width))
            mid, half = (lo + hi) / 2, 0.85 * (hi - lo) / 2
            beyond_shrunk += bool(rows.min() + 0.5 < mid[1] - half[1] or rows.max() + 0.5 > mid[1] + half[1]
                                  or cols.min() + 0.5 < mid[0] - half[0] or cols.max() + 0.5 > mid[0] + half[0])
        assert np.median(shares) >= 0.6 * job.plan.params["coverage"], (job.clip_id, shares)
    assert beyond_shrunk > 0
