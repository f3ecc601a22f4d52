"""The correspondence engine on hand-made geometry with analytic answers (no Blender).

Each convention has a test that a sign flip, an axis swap or a half-pixel shift fails:
pixel coverage at pixel centres, (u, v) signs of flow_k, K per frame (zoom), points at
infinity, occlusion and frame exits, tracks, scene flow.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import corr_fixtures as cf
import scenes
from synthgen.correspond import tracks as trackmod
from synthgen.correspond.engine import Engine
from synthgen.correspond.geometry import load_geometry
from synthgen.correspond.members import write_members
from synthgen.correspond.names import check, is_member
from synthgen.errors import CorrespondenceError
from synthgen.export.flow import rotation_homography
from synthgen.job import EnvironmentSpec, Job

W, H = 48, 32


def camera_job(n_frames=6, *, width=W, height=H, focal=None, rotations=None, seed=3) -> Job:
    n = n_frames + 2
    cam = scenes.front_camera(n, width, height, focal_mm=35.0, rotations=rotations)
    if focal is not None:
        from synthgen.camera import intrinsics
        cam.focal_mm = [float(f) for f in focal]
        cam.K = [intrinsics(f, 36.0, width, height).tolist() for f in focal]
    job = Job(clip_id="corr", kind="camera", seed=seed, width=width, height=height, fps=24.0,
              frame_start=1, frame_end=n_frames, camera=cam,
              environment=EnvironmentSpec(type="empty"), outputs=["flow", "geometry", "json"])
    assert not job.validate(), job.validate()
    return job


def engine_for(tmp_path, job, objects) -> Engine:
    cf.write_geometry(tmp_path, job, objects)
    return Engine(job, load_geometry(tmp_path, job))


def frames(job):
    return list(range(job.frame_start, job.frame_end + 1))


# ----------------------------------------------------------------------------- conventions
def test_pixel_centres_decide_coverage_and_depth(tmp_path):
    """A square over u in [10.25, 20.75], v in [5.25, 15.75]: exactly the pixels whose centres
    (col + 0.5, row + 0.5) it covers, i.e. cols 10..20 and rows 5..15 (corners at integers
    would drop col 10 and row 5)."""
    job = camera_job()
    K = job.K(1)
    e = engine_for(tmp_path, job, [cf.obj("sq", 2, cf.quad(10.25, 5.25, 20.75, 15.75, 5.0, K))])
    seen = e.seen(1)
    want = np.zeros((H, W), bool)
    want[5:16, 10:21] = True
    assert np.array_equal(~seen.background, want)
    assert np.array_equal(seen.ids, np.where(want, 2, 0))
    assert np.allclose(seen.depth[want], 5.0, atol=1e-6)


@pytest.mark.parametrize("du,dv", [(3.0, 0.0), (0.0, -2.0), (1.5, 2.5)])
def test_flow_k_signs_follow_the_motion(tmp_path, du, dv):
    """A square moving (du, dv) px per frame (u right, v down) has flow_k = K (du, dv)."""
    job = camera_job()
    K = job.K(1)
    f = K[0][0]
    step = [du * 5.0 / f, 0.0, -dv * 5.0 / f]            # world X = +u, world Z = -v
    e = engine_for(tmp_path, job, [cf.obj("sq", 2, cf.quad(8, 6, 30, 26, 5.0, K),
                                          matrix=cf.moving(job, step))])
    for gap in (1, 2, 4):
        seen = e.seen(1)
        flow, vis = e.flow(seen, 1 + gap)
        m = ~seen.background
        assert np.abs(flow[m] - np.array([du, dv]) * gap).max() < 1e-5
        assert vis[m].mean() > 0.5


def test_zoom_uses_each_frames_K(tmp_path):
    """Static wall, focal length growing 10 % a frame: flow_k = (f(t+K)/f(t) - 1)(x - c)."""
    focal = [30.0 * 1.1 ** i for i in range(8)]
    job = camera_job(focal=focal)
    big = 40 * W
    e = engine_for(tmp_path, job, [cf.obj("wall", 0, cf.quad(-big, -big, big, big, 6.0, job.K(1)))])
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    for t, gap in ((1, 1), (2, 3), (1, 5)):
        flow, _ = e.flow(e.seen(t), t + gap)
        r = job.K(t + gap)[0, 0] / job.K(t)[0, 0]
        want = np.stack([(r - 1) * (u - W / 2), (r - 1) * (v - H / 2)], -1)
        assert np.abs(flow - want).max() < 1e-5


def test_deforming_mesh_moves_with_its_vertices(tmp_path):
    """A wall stretched along world X by 5 % a frame: a point at u lands at
    cx + (u - cx) s(t+K) / s(t)."""
    job = camera_job()
    base = cf.quad(2, 2, W - 2, H - 2, 4.0, job.K(1))
    scale = np.array([1.0 + 0.05 * i for i in range(job.n_baked)])
    verts = np.stack([base * [s, 1, 1] for s in scale])
    e = engine_for(tmp_path, job, [cf.obj("skin", 1, verts)])
    seen = e.seen(2)
    flow, _ = e.flow(seen, 5)
    u = np.broadcast_to(np.arange(W) + 0.5, (H, W))
    ratio = scale[job.index_of(5)] / scale[job.index_of(2)]
    m = ~seen.background
    assert m.sum() > 100
    assert np.abs(flow[..., 0][m] - (ratio - 1) * (u[m] - W / 2)).max() < 1e-5
    assert np.abs(flow[..., 1][m]).max() < 1e-6


def test_points_at_infinity_move_by_rotation(tmp_path):
    """No surface, the camera pans 3 deg a frame: flow_k is the rotation-only flow between t
    and t+K, and occ_k is 1 exactly where that lands inside frame t+K."""
    rots = []
    for j in range(8):
        a = math.radians(3.0 * (j - 1))
        Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        rots.append(Rz @ scenes.FRONT_R)
    job = camera_job(rotations=rots)
    e = engine_for(tmp_path, job, [])
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    x = np.stack([u, v, np.ones_like(u)], -1)
    for gap in (1, 4):
        flow, vis = e.flow(e.seen(1), 1 + gap)
        Hm = rotation_homography(job.K(1), job.c2w(1), job.K(1 + gap), job.c2w(1 + gap))
        y = x @ Hm.T
        want = y[..., :2] / y[..., 2:] - x[..., :2]
        assert np.abs(flow - want).max() < 1e-4
        land = x[..., :2] + want
        inside = (land[..., 0] >= 0) & (land[..., 0] < W) & (land[..., 1] >= 0) & (land[..., 1] < H)
        assert np.array_equal(vis, inside) and 0 < inside.mean() < 1


def test_occlusion_behind_a_wall_and_out_of_frame(tmp_path):
    """A back plane moving right 4 px a frame behind a static occluder over u in [0, 16]:
    a point is visible at t+K iff it lands right of the occluder and inside the frame."""
    job = camera_job()
    K, f = job.K(1), job.K(1)[0, 0]
    occluder = cf.obj("wall", 3, cf.quad(-10, -10, 16, H + 10, 3.0, K))
    back = cf.obj("back", 4, cf.quad(-60, -10, W + 60, H + 10, 6.0, K),
                  matrix=cf.moving(job, [4 * 6.0 / f, 0, 0]))
    e = engine_for(tmp_path, job, [occluder, back])
    seen = e.seen(1)
    flow, vis = e.flow(seen, 3)
    u = np.broadcast_to(np.arange(W) + 0.5, (H, W))
    on_back = seen.ids == 4
    land = u + 8.0
    assert np.allclose(flow[on_back][:, 0], 8.0)
    want = (land > 16) & (land < W)
    assert np.array_equal(vis[on_back], want[on_back])
    assert want[on_back].any() and not want[on_back].all()
    assert vis[seen.ids == 3].all()                       # the occluder stays in view


def test_scene_flow_is_world_displacement(tmp_path):
    job = camera_job()
    K = job.K(1)
    step = np.array([0.05, 0.02, -0.03])
    e = engine_for(tmp_path, job, [cf.obj("still", 2, cf.quad(2, 2, 20, 30, 5.0, K)),
                                   cf.obj("mover", 3, cf.quad(26, 4, 46, 28, 4.0, K),
                                          matrix=cf.moving(job, step))])
    seen = e.seen(2)
    sf = e.scene_flow(seen, 3)
    assert np.allclose(sf[seen.ids == 3], step, atol=1e-7)
    assert np.abs(sf[seen.ids == 2]).max() == 0.0
    assert np.abs(sf[seen.background]).max() == 0.0


def _embree_first_hits(e: Engine, frame: int, centre_offset: float = 0.5):
    """Object, triangle and planar depth per pixel from one Embree ray per pixel at
    ``(col, row) + centre_offset`` (the independent reference of the rasteriser)."""
    job, near = e.job, e.job.camera.clip_start
    c2w, K = job.c2w(frame), job.K(frame)
    u, v = np.meshgrid(np.arange(e.W) + centre_offset, np.arange(e.H) + centre_offset)
    cam = np.stack([u, v, np.ones_like(u)], -1).reshape(-1, 3) @ np.linalg.inv(K).T
    d = cam @ c2w[:3, :3].T
    o = c2w[:3, 3] + near * d
    res = cf.embree_scene(e.geometry, e.geometry.index(frame)).run(
        o.astype(np.float32), d.astype(np.float32), output=1)
    hit = (res["geomID"] >= 0) & (res["tfar"] + near <= job.camera.clip_end)
    return (np.where(hit, res["geomID"], -1), np.where(hit, res["primID"], -1),
            np.where(hit, res["tfar"] + near, np.inf))


def _soup_engine(tmp_path) -> Engine:
    """Overlapping random triangles in front of, across and behind the near plane (0.5 m),
    some beyond the far plane (40 m), one object deforming and one moving."""
    job = camera_job(n_frames=3, width=96, height=64)
    job.camera.clip_start, job.camera.clip_end = 0.5, 40.0
    rng = np.random.default_rng(7)
    n = job.n_baked

    def soup(count, depth_lo, depth_hi, spread):
        centre = np.stack([rng.uniform(-spread, spread, count), rng.uniform(depth_lo, depth_hi, count),
                           rng.uniform(-spread, spread, count)], 1)
        verts = (centre[:, None, :] + rng.normal(0, 1.2, (count, 3, 3))).reshape(-1, 3)
        return verts, np.arange(3 * count, dtype=np.int32).reshape(-1, 3)

    objects = []
    for k, (lo, hi, spread) in enumerate([(0.0, 3.0, 1.5), (2.0, 12.0, 6.0), (30.0, 60.0, 20.0)]):
        verts, tris = soup(40, lo, hi, spread)                  # lo 0: across the near plane
        objects.append(cf.obj(f"soup{k}", k + 2, verts, tris=tris))
    verts, tris = soup(30, 3.0, 8.0, 3.0)
    wobble = np.stack([verts + 0.1 * i for i in range(n)])
    objects.append(cf.obj("skin", 6, wobble, tris=tris))
    verts, tris = soup(30, 4.0, 9.0, 3.0)
    objects.append(cf.obj("prop", 7, verts, tris=tris, matrix=cf.moving(job, [0.2, 0.1, 0.05])))
    return engine_for(tmp_path, job, objects)


def test_rasterised_first_hits_equal_one_ray_per_pixel(tmp_path):
    """Primary visibility is rasterised (z-buffer on exact planar depth, near-plane clipping);
    it must pick the triangle a ray through each pixel centre meets first, as Embree does:
    a soup of overlapping triangles in front of, across and behind the near plane, one of
    them deforming and one moving, some beyond the far plane. Embree's float32 traversal may
    disagree on pixel centres within float32 rounding of an edge; nowhere else. Negative
    control: the same comparison with Embree's rays through pixel corners fails."""
    e = _soup_engine(tmp_path)
    job = e.job

    for frame in (1, 3):
        seen = e.seen(frame)
        geom, prim, depth = _embree_first_hits(e, frame)
        objs = seen.objs.reshape(-1)
        tri = np.full(len(objs), -1)
        tri[seen.pix] = seen.points.tri
        agree = (objs == geom) & (tri == prim)
        assert 0.2 < (objs >= 0).mean() < 1.0                  # both hits and misses
        assert (~agree).mean() < 0.002, (~agree).sum()
        both = agree & (objs >= 0)
        rel = np.abs(seen.depth.reshape(-1)[both] - depth[both]) / depth[both]
        assert rel.max() < 1e-5
        assert seen.depth.reshape(-1)[objs >= 0].min() > job.camera.clip_start  # clipped
        assert np.isinf(seen.depth.reshape(-1)[objs < 0]).all()
    corner, _, _ = _embree_first_hits(e, 1, centre_offset=0.0)
    assert (corner != e.seen(1).objs.reshape(-1)).mean() > 0.01


def test_exact_visibility_equals_a_ray_to_each_point(tmp_path):
    """The exact visibility test (no ray tracer: does another triangle cover the point's
    position nearer than it?) against Embree rays towards each point from where the camera's
    ray to it crosses the near plane (surfaces nearer than clip_start are not rendered, so
    they hide nothing): visible when the first hit is the point's own triangle or no nearer
    than 1e-4 of its depth. Random points on every triangle of the triangle soup at frame 3,
    many hidden. Embree's float32 traversal may differ within its rounding of an edge.
    Negative controls: Embree rays from the camera centre itself (the soup crosses the near
    plane), and Embree's answer for the points where they are at frame 1, both disagree."""
    from synthgen.correspond.engine import Points
    from synthgen.correspond.kernels import VISIBILITY_EPS

    e = _soup_engine(tmp_path)
    job, geo = e.job, e.geometry
    rng = np.random.default_rng(11)
    n = 20000
    obj = rng.integers(0, len(geo.objects), n).astype(np.int32)
    tri = np.array([rng.integers(0, len(geo.objects[k].tris)) for k in obj], np.int64)
    bary = rng.dirichlet([1.0, 1.0, 1.0], n)
    local = np.full((n, 3), np.nan)
    for k, o in enumerate(geo.objects):
        sel = (obj == k) & (o.kind != "deforming")
        corners = o.verts[0].astype(np.float64)[o.tris[tri[sel]]]          # (m, 3, 3)
        local[sel] = np.einsum("mj,mjc->mc", bary[sel], corners)
    pts = Points(obj, tri, bary, np.zeros((n, 3)), local)
    moved = e.at(pts, 3)
    uv, z, vis = e.visible(pts, moved, 3)                 # no target: every one tested exactly
    inside = e.in_frame(uv, z)
    assert vis[inside].sum() > 100 and (~vis[inside]).sum() > 1000        # seen and hidden

    def embree_visible(at_frame, from_near=True):
        where = e.at(pts, at_frame)
        depth = e.project(where, 3)[1]
        s0 = job.camera.clip_start / depth if from_near else np.zeros(n)  # near-plane crossing
        origin = job.c2w(3)[:3, 3] + s0[:, None] * (where - job.c2w(3)[:3, 3])
        d = where - origin
        res = cf.embree_scene(geo, geo.index(3)).run(origin.astype(np.float32), d.astype(np.float32),
                                                     output=1)
        hit_depth = (s0 + res["tfar"] * (1.0 - s0)) * depth
        own = (res["geomID"] == pts.obj) & (res["primID"] == pts.tri)
        return (res["geomID"] < 0) | own | (hit_depth >= depth * (1.0 - VISIBILITY_EPS))

    ref = embree_visible(3)
    assert (vis[inside] != ref[inside]).mean() < 0.002, (vis[inside] != ref[inside]).sum()
    assert (vis[inside] != embree_visible(3, from_near=False)[inside]).mean() > 0.01
    assert (vis[inside] != embree_visible(1)[inside]).mean() > 0.008


def test_float16_members_round_like_numpy():
    """kernels.to_f16 (the members' float16 writer) equals numpy's float32 -> float16 cast
    after NaN -> 0 and clipping to the float16 range, on every float16 value, every midpoint
    between neighbours (ties to even) and the floats next to them, subnormals, signed zeros,
    infinities and NaN."""
    from synthgen.correspond.kernels import F16_MAX, to_f16

    halves = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    halves = np.unique(halves[np.isfinite(halves)].astype(np.float64))
    mids = ((halves[1:] + halves[:-1]) / 2).astype(np.float32)
    near_mids = np.concatenate([np.nextafter(mids, np.float32(np.inf)), np.nextafter(mids, np.float32(-np.inf))])
    rng = np.random.default_rng(0)
    wide = (rng.normal(0, 1, 200_000) * 10.0 ** rng.integers(-9, 7, 200_000)).astype(np.float32)
    odd = np.array([np.nan, np.inf, -np.inf, 65504, 65519.99, 65520, -65536, 1e30, 0.0, -0.0, 5.0,
                    1e-45, 2.9e-8, 3e-8, 6e-8], np.float32)
    x = np.concatenate([halves.astype(np.float32), mids, near_mids, wide, odd]).reshape(-1, 2)
    want = np.clip(np.nan_to_num(x, nan=0.0).astype(np.float32), np.float32(-F16_MAX),
                   np.float32(F16_MAX)).astype(np.float16)
    got = to_f16(x)
    assert got.shape == x.shape and got.dtype == np.float16
    assert np.array_equal(got.view(np.uint16), want.view(np.uint16))
    truncated = (x.view(np.uint32) >> 13).astype(np.uint16)     # a writer that truncates
    assert not np.array_equal(truncated & 0x3FF, want.view(np.uint16) & 0x3FF)


# ----------------------------------------------------------------------------- tracks
def test_tracks_query_points_instances_and_late_appearances(tmp_path):
    job = camera_job(n_frames=8)
    K, f = job.K(1), job.K(1)[0, 0]
    big = cf.obj("big", 2, cf.quad(0, 0, 30, 12, 5.0, K))                         # above the path
    small = cf.obj("small", 3, cf.quad(36, 4, 40, 8, 4.0, K))                      # 16 px
    entering = cf.obj("enter", 4, cf.quad(-40, 14, -30, 24, 3.0, K),                # outside
                      matrix=cf.moving(job, [8 * 3.0 / f, 0, 0]))                   # 8 px/frame
    e = engine_for(tmp_path, job, [big, small, entering])
    sampler = trackmod.QuerySampler(e, 300, np.random.default_rng(0))
    fr = frames(job)
    previous = None
    for t in fr:
        seen = e.seen(t)
        sampler.observe(seen, previous)
        previous = seen
    qframe, centres, pts = sampler.draw()
    tr, vis = trackmod.track(e, fr, pts)
    inst = e.instance_of(pts.obj)
    assert len(pts) == 300 and tr.shape == (300, len(fr), 2) and vis.shape == (300, len(fr))
    assert (inst[qframe == 1] == 3).sum() == 16                          # every small pixel
    assert (qframe == 1).sum() >= 150                                    # frame 0: >= half
    late = qframe > 1
    assert late.any() and set(inst[late]) == {4}                         # what enters later
    q = qframe - job.frame_start
    at_query = tr[np.arange(len(pts)), q]
    assert np.abs(at_query - centres).max() < 1e-4                       # query = pixel centre
    assert vis[np.arange(len(pts)), q].all()
    moving = inst == 4
    assert np.allclose(np.diff(tr[moving, :, 0], axis=1), 8.0, atol=1e-3)
    x = tr[moving, :, 0]
    assert np.array_equal(vis[moving].astype(bool), (x >= 0) & (x < W))
    assert np.abs(tr[inst == 2] - tr[inst == 2][:, :1]).max() < 1e-4     # static: fixed


def test_allocate_floor_and_proportion():
    assert trackmod.allocate(np.array([1000, 16, 3]), 100, 16).tolist() == [81, 16, 3]
    assert trackmod.allocate(np.array([10, 10]), 50, 16).tolist() == [10, 10]
    assert trackmod.allocate(np.array([500, 500]), 4, 16).tolist() == [2, 2]


# ----------------------------------------------------------------------------- members
def test_members_shapes_dtypes_and_json(tmp_path):
    job = camera_job(n_frames=5)
    K = job.K(1)
    cf.write_geometry(tmp_path, job, [cf.obj("sq", 2, cf.quad(4, 4, 40, 28, 5.0, K),
                                             matrix=cf.moving(job, [0.02, 0, 0]))])
    out = tmp_path / "scratch"
    out.mkdir()
    files, info = write_members(tmp_path, job, ["flow_k1", "flow_k4", "occ_k4", "tracks",
                                                "track_vis", "scene_flow"], out, n_tracks=64)
    arr = {m: np.load(p) for m, p in files.items()}
    assert arr["flow_k1"].shape == (4, H, W, 2) and arr["flow_k1"].dtype == np.float16
    assert arr["flow_k4"].shape == (1, H, W, 2) and arr["occ_k4"].dtype == np.uint8
    assert arr["tracks"].shape == (64, 5, 2) and arr["tracks"].dtype == np.float32
    assert arr["track_vis"].shape == (64, 5) and arr["track_vis"].dtype == np.uint8
    assert arr["scene_flow"].shape == (4, H, W, 3) and arr["scene_flow"].dtype == np.float16
    assert info["gaps"] == [1, 4] and len(info["tracks"]["query_frame"]) == 64
    assert np.isfinite(arr["flow_k4"].astype(np.float32)).all()
    again, _ = write_members(tmp_path, job, ["tracks"], out, n_tracks=64)      # seeded
    assert np.array_equal(np.load(again["tracks"]), arr["tracks"])


def test_member_names():
    assert all(is_member(m) for m in ("flow_k1", "occ_k12", "tracks", "track_vis", "scene_flow"))
    assert not any(is_member(m) for m in ("flow_k0", "flow_k", "flow_k-2", "occ", "flow_k2x"))


def test_gap_too_long_and_missing_geometry_name_member_and_fix(tmp_path):
    job = camera_job(n_frames=4)
    with pytest.raises(CorrespondenceError, match=r"flow_k4: a gap of 4 frames .* choose K < 4"):
        check(tmp_path, job, ["flow", "flow_k4"])
    with pytest.raises(CorrespondenceError, match=r"tracks: .*without scene geometry.*"
                                                  r"add \"geometry\" to the job's outputs"):
        check(tmp_path, job, ["flow", "tracks"])


def test_geometry_of_another_frame_range_is_refused(tmp_path):
    job = camera_job(n_frames=4)
    other = camera_job(n_frames=5)
    cf.write_geometry(tmp_path, other, [])
    with pytest.raises(CorrespondenceError, match="frames: covers frames"):
        load_geometry(tmp_path, job)


def test_a_preset_may_list_correspondence_members(tmp_path):
    """[render] outputs take flow_k<K> / tracks; the planned job asks for geometry then."""
    from synthgen.errors import PresetError
    from synthgen.job import load_job
    from synthgen.planner import plan

    preset = tmp_path / "corr.toml"
    preset.write_text('[preset]\nbase = ["tiny"]\n\n[render]\n'
                      'outputs = ["flow", "flow_k4", "occ_k4", "tracks", "track_vis", "json"]\n')
    plan(str(preset), 1, 0, tmp_path / "jobs", kind="camera")
    job = load_job(next((tmp_path / "jobs").glob("camera-*.json")))
    assert "flow_k4" in job.outputs and job.wants_geometry()
    preset.write_text('[preset]\nbase = ["tiny"]\n\n[render]\noutputs = ["flow", "flow_k0"]\n')
    with pytest.raises(PresetError, match="flow_k0"):
        plan(str(preset), 1, 0, tmp_path / "jobs2", kind="camera")
