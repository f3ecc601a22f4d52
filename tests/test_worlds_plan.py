"""Worlds with depth, as planned: furnished interiors, streets, HDRI scenes with near geometry
and imported user scenes.

Every check here rebuilds the world from the job file alone (``synthgen.shapes`` from the
layout; an imported scene's triangles read from the file the test wrote) and measures with
the brute-force distance of ``worldgeo`` (not the planner's free-space code): camera paths,
sampled densely between frames, keep the clearance; performers stand on a floor with nothing
round their root; captions name the world. 1,000 paths per world kind: ``bench/worlds.py``.
"""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan_clip

from test_planner import ASSETS
from worldgeo import camera_centres, job_triangles, near, point_triangle_distance, room_triangles, write_obj

CLEARANCE = 0.3
SYNTHGEN = [sys.executable, "-c", "from synthgen.cli import main; main()"]
N = 8


def _preset(tmp_path_factory, env: str, camera: str = ""):
    p = tmp_path_factory.mktemp("presets") / "worlds.toml"
    p.write_text('[preset]\nkind = "camera"\nbase = ["dynavid-camera"]\n[video]\nwidth = 160\nheight = 96\n'
                 f'frames = 16\n[environment]\n{env}\n{camera}')
    return load_preset(p)


@pytest.fixture(scope="module")
def room_scene(tmp_path_factory):
    """A walled yard written as a Y-up OBJ, imported by the CLI; its triangles (z up)."""
    d = tmp_path_factory.mktemp("scene")
    objs = room_triangles()
    write_obj(d / "yard.obj", objs)
    res = subprocess.run(SYNTHGEN + ["assets", "import-scene", str(d / "yard.obj"), "--out", str(d / "scenes.json"),
                                     "--licence", "CC0-1.0", "--setting", "in a walled yard", "--no-preview"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return d / "scenes.json", np.concatenate(list(objs.values()))


WORLD_KINDS = {
    "interior": 'type = "interior"',
    "street": 'type = "street"',
    "hdri": 'type = "hdri"\nhdri_clutter = { randint = [20, 30] }',
    "imported": 'type = "imported"',
}


@pytest.fixture(scope="module")
def world_jobs(tmp_path_factory, room_scene):
    out = {}
    for kind, env in WORLD_KINDS.items():
        manifests = ASSETS + ([room_scene[0]] if kind == "imported" else [])
        pre, aset = _preset(tmp_path_factory, env), load_manifests(manifests)
        out[kind] = [plan_clip(pre, aset, 12, k) for k in range(N)]
    return out


@pytest.mark.parametrize("kind", list(WORLD_KINDS))
def test_paths_keep_the_clearance_from_every_triangle(world_jobs, room_scene, kind):
    """The minimum distance from the camera path (every frame and 7 points between each pair)
    to the world's triangles is at least 0.3 m; the planner's logged minimum agrees (it is
    capped at 0.6 m); and the same measurement fails on a path moved into an object."""
    scene = room_scene[1] if kind == "imported" else None
    mins = []
    for job in world_jobs[kind]:
        assert job.environment.type == kind and job.environment.layout is not None
        tris, P = job_triangles(job, scene), camera_centres(job)
        d = point_triangle_distance(P, near(tris, P, 1.0)).min() if len(near(tris, P, 1.0)) else 1.0
        assert d >= CLEARANCE - 1e-6, (job.clip_id, d)
        assert min(d, 0.6) == pytest.approx(job.plan.params["min_clearance_m"], abs=2e-4)
        mins.append(d)
    if kind != "hdri":                # enclosed worlds: the paths do come near geometry (not vacuous)
        assert min(mins) < 0.6, mins
    obj = max((o for o in world_jobs[kind][0].world_objects() if o.instance_id > 0), key=lambda o: o.size[2])
    inside = np.array(obj.location) + [0.0, 0.0, obj.size[2] / 2]
    tris = job_triangles(world_jobs[kind][0], scene)
    assert point_triangle_distance(inside[None], near(tris, inside[None], 1.0)).min() < CLEARANCE


@pytest.mark.parametrize("kind", ["interior", "street", "hdri"])
def test_worlds_have_many_objects_and_the_camera_sees_them(world_jobs, kind):
    """Each world holds dozens of distinct objects (instance ids unique, >= 2), and the
    planner logged several of them in view (HDRI scenes: at least one on average, the HDRI
    itself being content there)."""
    for job in world_jobs[kind]:
        ids = [o.instance_id for o in job.world_objects() if o.instance_id > 0]
        assert len(ids) == len(set(ids)) and min(ids) >= 2 and len(ids) >= 10, job.clip_id
    seen = [j.plan.params["objects_in_view"] for j in world_jobs[kind]]
    if kind == "hdri":
        assert np.mean(seen) >= 1, seen
    else:
        assert np.mean(seen) >= 2 and min(seen) >= 1, seen


CAPTION_WORDS = {"interior": r"room|kitchen|office|hall|apartment|corridor|storage|bedroom|studio|flat",
                 "street": r"street|alley|plaza|square|road",
                 "imported": r"in a walled yard"}


@pytest.mark.parametrize("kind", list(CAPTION_WORDS))
def test_captions_describe_the_world(world_jobs, kind):
    for job in world_jobs[kind]:
        text = job.caption.text
        assert re.search(CAPTION_WORDS[kind], text), text
        assert "wall_" not in text and "a floor" not in text, text        # the shell is never named


def test_hdri_clutter_is_named_and_the_ground_projected(world_jobs):
    for job in world_jobs["hdri"]:
        env = job.environment
        assert env.ground_projection is not None and not env.shadow_catcher
        assert 20 <= len([o for o in job.world_objects() if o.instance_id > 0]) <= 30
        assert "among" in job.caption.text or "past" in job.caption.text or "around" in job.caption.text


def _column_clearance(job, root: np.ndarray) -> float:
    """Distance from a vertical column at the performer's root (0.3-1.2 m above its feet) to
    every triangle (the floor it stands on is 0.3 m away)."""
    tris = job_triangles(job)
    col = np.stack([np.full(10, root[0]), np.full(10, root[1]), root[2] + np.linspace(0.3, 1.2, 10)], 1)
    tris = near(tris, col, 0.5)
    return float(point_triangle_distance(col, tris).min()) if len(tris) else 1.0


@pytest.fixture(scope="module")
def performer_jobs(tmp_path_factory):
    aset = load_manifests(ASSETS + [ASSETS[0].parent / "people.json"])
    pre = _preset(tmp_path_factory, 'type = { choice = ["interior", "street"], weights = [0.5, 0.5] }',
                  "[camera_path]\ncharacter_probability = 1.0\n")
    return [plan_clip(pre, aset, 5, k) for k in range(6)]


def test_performers_stand_on_free_floor(performer_jobs):
    """A performer's feet rest on the surface under it (a triangle at that height lies right
    below its root) and nothing but that floor comes within 0.15 m of its root's column."""
    for job in performer_jobs:
        assert len(job.subjects) == 1, job.clip_id
        root = np.asarray(job.subjects[0].location, float)
        tris = job_triangles(job)
        below = point_triangle_distance(root[None] + [0, 0, 0.005], near(tris, root[None], 0.1)).min()
        assert below < 0.02, (job.clip_id, below)
        assert _column_clearance(job, root) > 0.15, job.clip_id
