"""``synthgen assets import-scene``: user scenes (.obj, .gltf here; small scenes written by the
test) become scene assets with normalised units and axes, bounds, triangle counts, sha256, a
licence, a free-space map and a preview; bad scenes give one line; and a planned clip in an
imported scene renders the scene where the job says (depth against an independent ray cast
of the file's own triangles)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from synthgen.fsutil import sha256_file
from synthgen.manifest import load_manifests

from test_planner import ASSETS
from worldgeo import ROOM, box_triangles, room_triangles, write_gltf, write_obj

SYNTHGEN = [sys.executable, "-c", "from synthgen.cli import main; main()"]
#: the yard after normalisation: footprint centred (it is already), lowest point (the floor's
#: underside, -0.1) moved to z = 0
BOUNDS = [-4.1, -3.1, 0.0, 4.1, 3.1, 2.7]


def _import(src, out, *extra):
    return subprocess.run(SYNTHGEN + ["assets", "import-scene", str(src), "--out", str(out), "--licence", "CC0-1.0",
                                      *extra], capture_output=True, text=True)


def _entry(out) -> dict:
    return json.loads(out.read_text())["assets"][0]


def _object_bounds(entry: dict) -> dict:
    return {o["name"]: o["bounds"] for o in entry["objects"]}


def test_obj_and_gltf_scenes_import_with_units_axes_and_bounds(tmp_path):
    """A Y-up OBJ in metres, a Z-up OBJ in centimetres and a glTF (Y up) of the same yard give
    the same bounds, triangle count and object boxes: the table stands at +x +y on the floor
    (catches a flipped or swapped axis), 0.75 m tall (catches a unit error)."""
    objs = room_triangles()
    files = {"m": (write_obj(tmp_path / "yard_m.obj", objs), []),
             "cm": (write_obj(tmp_path / "yard_cm.obj", objs, up="Z", scale=0.01), ["--up", "Z", "--unit-scale", "0.01"]),
             "gltf": (write_gltf(tmp_path / "yard.gltf", objs), [])}
    for key, (src, extra) in files.items():
        out = tmp_path / f"{key}.json"
        res = _import(src, out, "--no-preview", *extra)
        assert res.returncode == 0, res.stderr
        e = _entry(out)
        assert e["kind"] == "scene" and e["licence"] == "CC0-1.0" and e["sha256"] == sha256_file(src)
        assert e["triangles"] == 12 * len(ROOM), key
        np.testing.assert_allclose(e["bounds"], BOUNDS, atol=2e-3, err_msg=key)
        table = _object_bounds(e)["table"]
        np.testing.assert_allclose(table, [0.5, 0.5, 0.1, 1.7, 1.3, 0.85], atol=2e-3, err_msg=key)
        assert (tmp_path / e["free_space"]).is_file() and sha256_file(tmp_path / e["free_space"]) == e["free_space_sha256"]
        assert e["clearance_m"] == 0.3 and "preview" not in e
    assert load_manifests([tmp_path / "gltf.json"]).of_kind("scene")[0].id == "scene-yard"


def test_preview_picture_is_written(tmp_path):
    src = write_obj(tmp_path / "yard.obj", room_triangles())
    res = _import(src, tmp_path / "s.json", "--setting", "in a walled yard")
    assert res.returncode == 0, res.stderr
    e = _entry(tmp_path / "s.json")
    from PIL import Image
    img = np.asarray(Image.open(tmp_path / e["preview"]).convert("RGB"), float)
    assert img.shape[2] == 3 and img.std() > 5.0            # a picture of something, not a flat fill
    assert e["setting"] == "in a walled yard"


def test_scenes_over_the_budget_or_without_free_space_are_one_line(tmp_path):
    src = write_obj(tmp_path / "yard.obj", room_triangles())
    res = _import(src, tmp_path / "s.json", "--no-preview", "--max-triangles", "50")
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0 and not (tmp_path / "s.json").exists()
    assert any("yard.obj" in ln and "84 triangles is over the budget of 50" in ln for ln in lines), res.stderr
    assert "Traceback" not in res.stderr
    solid = write_obj(tmp_path / "slab.obj", {"slab": box_triangles([-1, -1, 0], [1, 1, 0.05])})
    res = _import(solid, tmp_path / "t.json", "--no-preview")
    assert res.returncode != 0 and not (tmp_path / "t.json").exists() and "Traceback" not in res.stderr
    assert "slab.obj" in res.stderr and "no free space" in res.stderr, res.stderr


def _ray_depth(tris: np.ndarray, origin: np.ndarray, dirs: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Planar depth (along ``forward``) of the nearest hit of each ray (Möller-Trumbore, brute force)."""
    a, e1, e2 = tris[:, 0], tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    pv = np.cross(dirs[:, None], e2[None])
    det = (e1[None] * pv).sum(-1)
    inv = 1.0 / np.where(np.abs(det) < 1e-12, np.nan, det)
    s = origin - a
    u = (s[None] * pv).sum(-1) * inv
    q = np.cross(s, e1)
    v = (dirs[:, None] * q[None]).sum(-1) * inv
    t = (e2[None] * q[None]).sum(-1) * inv
    t = np.where((u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-6), t, np.inf)
    return t.min(axis=1) * (dirs @ forward)


@pytest.mark.slow
def test_an_imported_scene_renders_where_the_job_puts_it(tmp_path):
    """Plan a camera clip in an imported glTF yard that lies off the file's origin, render it
    (flow mode, 2 frames): the rendered depth matches a ray cast of the file's triangles moved
    by the job's scene_transform (and not of the file's triangles as they are: the negative
    control), and the pixels carry the instance ids the manifest gave the objects."""
    from synthgen.export.exr import read_channels
    from synthgen.planner import load_preset, plan_clip

    objs = {k: v + [2.0, 1.0, 0.5] for k, v in room_triangles().items()}
    res = _import(write_gltf(tmp_path / "yard.gltf", objs), tmp_path / "s.json", "--no-preview")
    assert res.returncode == 0, res.stderr
    p = tmp_path / "p.toml"
    p.write_text('[preset]\nkind = "camera"\nbase = ["dynavid-camera"]\n[video]\nwidth = 64\nheight = 40\n'
                 'frames = 2\n[render]\nmode = "flow"\n[environment]\ntype = "imported"\n'
                 '[camera_path]\nfamily = "orbit"\ncharacter_probability = 0.0\n')
    job = plan_clip(load_preset(p), load_manifests(ASSETS + [tmp_path / "s.json"]), 3, 0)
    (tmp_path / "job.json").write_text(job.to_json())
    r = subprocess.run(SYNTHGEN + ["render", str(tmp_path / "job.json"), "--out", str(tmp_path / "r"), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ch = read_channels(tmp_path / "r" / job.clip_id / "frame_0001.exr", ["flow.Depth.Z", "flow.Object Index.X"])
    T = np.asarray(job.environment.layout.scene_transform)
    raw = np.concatenate(list(objs.values()))
    tris = (raw.reshape(-1, 3) @ T[:3, :3].T + T[:3, 3]).reshape(-1, 3, 3)
    c2w, K = job.c2w(job.frame_start), job.K(job.frame_start)
    vv, uu = np.mgrid[0:40:4, 0:64:4] + 0.5
    rays = np.linalg.inv(K) @ np.stack([uu.ravel(), vv.ravel(), np.ones(uu.size)])
    dirs = (c2w[:3, :3] @ rays).T
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    want = _ray_depth(tris, c2w[:3, 3], dirs, c2w[:3, 2])
    got = ch["flow.Depth.Z"][(vv - 0.5).astype(int), (uu - 0.5).astype(int)].ravel()
    hit = np.isfinite(want) & (got < 1e5)
    assert hit.mean() > 0.5
    assert np.median(np.abs(got[hit] - want[hit]) / want[hit]) < 0.01
    off = _ray_depth(raw, c2w[:3, 3], dirs, c2w[:3, 2])
    both = np.isfinite(off) & (got < 1e5)
    assert both.mean() > 0.3 and np.median(np.abs(got[both] - off[both]) / off[both]) > 0.05
    ids = {o.instance_id for o in job.world_objects()}
    seen = set(np.unique(ch["flow.Object Index.X"]).astype(int))
    assert seen <= ids | {0} and len(seen - {0}) >= 1, (seen, ids)
