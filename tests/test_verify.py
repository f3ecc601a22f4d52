"""synthgen.verify on analytic data: geometry conventions, masks, and whole clips whose EXRs
are ray-traced here (planes and squares, no Blender), with deliberate faults that must fail.

Blender-rendered scenes are in tests/test_verify_scenes.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthgen import layout
from synthgen.camera import intrinsics, look_at_cv
from synthgen.cli import main as cli_main
from synthgen.errors import VerifyError
from synthgen.export.exr import write_frame
from synthgen.job import AssetRef, CameraSpec, Job, PropSpec, SubjectSpec
from synthgen.renderdir import RenderDir
from synthgen.verify import PictureWriter, format_table, verify_clip, write_report
from synthgen.verify import geometry as geo
from synthgen.verify.masks import jump_pixels, near_discontinuity, sample_bilinear

W, H = 64, 48


# ----------------------------------------------------------------------------- geometry
def _K(f=50.0, w=W, h=H, cx=None, cy=None):
    K = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])
    if cx is not None:
        K[0, 2] = cx
    if cy is not None:
        K[1, 2] = cy
    return K


def _translate(c2w, d_cam):
    """``c2w`` moved by ``d_cam`` metres along its own (OpenCV) axes."""
    out = np.array(c2w, float)
    out[:3, 3] += out[:3, :3] @ np.asarray(d_cam, float)
    return out


def test_static_flow_sign_u_and_v():
    c0 = look_at_cv([0, -5, 1], [0, 0, 1])
    depth = np.full((H, W), 4.0)
    # camera moves right (+x_cv) by 0.2 m: the world moves left by f * 0.2 / 4 = 2.5 px
    flow, z1 = geo.static_flow(depth, _K(), c0, _K(), _translate(c0, [0.2, 0, 0]))
    np.testing.assert_allclose(flow[..., 0], -2.5, atol=1e-9)
    np.testing.assert_allclose(flow[..., 1], 0.0, atol=1e-9)
    np.testing.assert_allclose(z1, 4.0, atol=1e-9)
    # camera moves down (+y_cv): the world moves up (v decreases)
    flow, _ = geo.static_flow(depth, _K(), c0, _K(), _translate(c0, [0, 0.2, 0]))
    np.testing.assert_allclose(flow[..., 1], -2.5, atol=1e-9)
    np.testing.assert_allclose(flow[..., 0], 0.0, atol=1e-9)


def test_static_flow_dolly_is_zero_at_principal_point_and_half_pixel_exact():
    c0 = look_at_cv([0, -5, 1], [0, 0, 1])
    depth = np.full((H, W), 4.0)
    flow, _ = geo.static_flow(depth, _K(), c0, _K(), _translate(c0, [0, 0, 2.0]))
    # points scale by 4/2 = 2 about (cx, cy) = (32, 24); pixel (0, 0) has its centre at 0.5
    np.testing.assert_allclose(flow[0, 0], [(0.5 - 32) * 1.0, (0.5 - 24) * 1.0], atol=1e-9)
    np.testing.assert_allclose(flow[24, 32], [0.5, 0.5], atol=1e-9)   # centre (32.5, 24.5)


def test_rotation_only_flow_pan_and_zoom():
    c0 = look_at_cv([0, 0, 1], [0, 10, 1])
    a = np.radians(2.0)
    c1 = c0.copy()    # pan right: rotate about the camera's own y (down) axis
    c1[:3, :3] = c0[:3, :3] @ np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    flow = geo.rotation_only_flow(_K(), c0, _K(), c1, W, H)
    # the ray through u = cx + f*tan(a) ends at the principal point: the scene moves left
    x = W / 2 + 50 * np.tan(a)
    f_at, _ = sample_bilinear(flow, np.array([x]), np.array([H / 2]))
    np.testing.assert_allclose(f_at[0], [W / 2 - x, 0.0], atol=2e-3)
    assert (flow[..., 0] < 0).all()
    zoom = geo.rotation_only_flow(_K(50), c0, _K(60), c0, W, H)      # focal 50 -> 60
    np.testing.assert_allclose(zoom[0, 0], [(0.5 - 32) * 0.2, (0.5 - 24) * 0.2], atol=1e-9)
    # translation plays no part
    np.testing.assert_allclose(geo.rotation_only_flow(_K(), c0, _K(), _translate(c0, [3, 1, 2]), W, H), 0, atol=1e-12)


def test_rigid_motion_of_a_quaternion_spin():
    q0 = [1.0, 0, 0, 0]
    q1 = [np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)]        # 90 deg about +Z
    m = geo.rigid_motion(geo.rigid_pose([1, 2, 0], q0), geo.rigid_pose([1, 2, 0], q1))
    p = m @ np.array([2.0, 2.0, 0.0, 1.0])                    # 1 m along +x from the centre
    np.testing.assert_allclose(p[:3], [1.0, 3.0, 0.0], atol=1e-12)


# ----------------------------------------------------------------------------- masks
def test_jump_pixels_and_near_discontinuity():
    depth = np.full((8, 10), 5.0)
    depth[:, 5:] = 5.2                      # 4 % step: smooth enough
    ids = np.zeros((8, 10), np.int32)
    assert not jump_pixels(depth, ids).any()
    depth[:, 5:] = 6.0                      # 20 % step: a discontinuity between cols 4 and 5
    j = jump_pixels(depth, ids)
    assert j[:, 4:6].all() and not j[:, :4].any() and not j[:, 6:].any()
    near = near_discontinuity(depth, ids)
    assert near[:, 3:7].all() and not near[:, :3].any() and not near[:, 7:].any()
    depth[:] = 5.0
    depth[2, 2] = 1e10                      # background pixel: both sides marked
    ids[6, 8] = 3                           # instance change
    j = jump_pixels(depth, ids)
    assert j[1:4, 1:4].all() and j[5:8, 7:10].all() and j.sum() == 9 + 9


def test_sample_bilinear_pixel_centres():
    img = np.arange(12, dtype=float).reshape(3, 4)
    v, inside = sample_bilinear(img, np.array([0.5, 1.0, 3.5, 0.4]), np.array([0.5, 0.5, 2.5, 0.5]))
    np.testing.assert_allclose(v[:3], [0.0, 0.5, 11.0])
    assert inside.tolist() == [True, True, True, False]


# ----------------------------------------------------------------------------- analytic clips
WALL_Y, WALL_HALF = 0.0, (2.5, 1.6)          # wall plane y = 0, |x| <= 2.5, |z - 1| <= 1.6
SUBJECT_Y, SUBJECT_HALF = -1.0, 0.45         # a square (instance 1) moving with vertices
PROP_Y, PROP_HALF = -1.5, 0.35               # a square (instance 2) spinning about +y


def _pan_rot(deg):
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def make_analytic_job(n_frames=3, *, move=(0.08, 0.0, 0.03), pan_deg=1.5, zoom=1.0,
                      subject=True, prop=True, mode="flow") -> Job:
    """A camera trucking and panning in front of a wall, a moving square and a spinning one."""
    base = look_at_cv([0, -5, 1], [0, 0, 1])
    c2w, Ks, focal = [], [], []
    for i in range(n_frames + 2):
        m = _translate(base, np.asarray(move) * (i - 1))
        m[:3, :3] = m[:3, :3] @ _pan_rot(pan_deg * (i - 1))
        c2w.append(m.tolist())
        f = 35.0 * zoom ** (i - 1)
        focal.append(f)
        Ks.append(intrinsics(f, 36.0, W, H).tolist())
    cam = CameraSpec(c2w=c2w, focal_mm=focal, K=Ks)
    n = n_frames + 2
    subjects, props = [], []
    if subject:
        subjects.append(SubjectSpec(1, AssetRef("sq", "character", "procedural:square"),
                                    AssetRef("slide", "action", "procedural:slide"),
                                    source_time_s=[i / 24 for i in range(n)]))
    if prop:
        quats = [[np.cos(a / 2), 0.0, np.sin(a / 2), 0.0] for a in np.radians(20.0) * np.arange(n)]
        props.append(PropSpec(2, AssetRef("sq2", "prop", "procedural:square"), name="spinner",
                              location=[[0.9, PROP_Y, 1.5]] * n, rotation_quat=quats))
    job = Job(clip_id="analytic", kind="camera", seed=0, width=W, height=H, fps=24.0,
              frame_start=1, frame_end=n_frames, camera=cam, subjects=subjects, props=props,
              outputs=["flow", "vertices"] if subject else ["flow"])
    job.render.mode = mode
    assert not job.validate(), job.validate()
    return job


def _subject_center(i):
    return np.array([-0.6 + 0.12 * i, SUBJECT_Y, 0.9 + 0.05 * i])


def _surfaces(job, i):
    """(id, centre, R, half-size) per square surface at per-frame index ``i`` (all normal to y)."""
    out = [(0, np.array([0.0, WALL_Y, 1.0]), np.eye(3), WALL_HALF)]
    if job.subjects:
        out.append((1, _subject_center(i), np.eye(3), (SUBJECT_HALF, SUBJECT_HALF)))
    for p in job.props:
        pose = geo.rigid_pose(p.location[i], p.rotation_quat[i])
        out.append((p.instance_id, pose[:3, 3], pose[:3, :3], (PROP_HALF, PROP_HALF)))
    return out


def _world_to_surface(job, i, j, pts, sid):
    """Move points of surface ``sid`` from its pose at index i to index j."""
    for s_id, c0, R0, _ in _surfaces(job, i):
        if s_id == sid:
            _, c1, R1, _ = next(s for s in _surfaces(job, j) if s[0] == sid)
            return (pts - c0) @ R0 @ R1.T + c1
    raise KeyError(sid)


def trace(job, frame, K_render=None):
    """Ray-trace frame ``frame``: depth, ids, forward and backward flow (all exact)."""
    i = job.index_of(frame)
    K = job.K(frame) if K_render is None else K_render(job.K(frame))
    c2w = job.c2w(frame)
    pix = np.stack(np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5) + [np.ones((H, W))], -1)
    d = pix @ np.linalg.inv(K).T @ c2w[:3, :3].T
    o = c2w[:3, 3]
    best = np.full((H, W), np.inf)
    ids = np.zeros((H, W), np.int32)
    pts = np.zeros((H, W, 3))
    for sid, c, R, (hx, hz) in _surfaces(job, i):
        s = (c[1] - o[1]) / d[..., 1]                 # planes of constant y (spin is about y)
        p = o + s[..., None] * d
        local = (p - c) @ R
        hit = (s > 0) & (np.abs(local[..., 0]) <= hx) & (np.abs(local[..., 2]) <= hz) & (s < best)
        best[hit], ids[hit], pts[hit] = s[hit], sid, p[hit]
    bg = ~np.isfinite(best)
    depth = np.where(bg, layout.BACKGROUND_DEPTH, best)        # d has camera z = 1: s is planar depth
    flows = []
    for step in (1, -1):
        moved = pts.copy()
        for sid in np.unique(ids[~bg]):
            m = (ids == sid) & ~bg
            if sid != 0:
                moved[m] = _world_to_surface(job, i, i + step, pts[m], sid)
        Kn = job.K(frame + step) if K_render is None else K_render(job.K(frame + step))
        uv, _ = geo.project_points(moved, Kn, job.c2w(frame + step))
        f = uv - pix[..., :2]
        f[bg] = 0.0                                   # Cycles: zero motion on the world
        flows.append(f)
    return depth, ids, flows[0], flows[1]


def write_analytic_clip(job, out: Path, *, flip_v=False, K_render=None, blur=False) -> Path:
    """Write job.json, frame EXRs (Cycles' Vector encoding) and vertices.npz for ``job``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / layout.JOB_FILE).write_text(job.to_json())
    for frame in range(job.frame_start, job.frame_end + 1):
        depth, ids, fwd, bwd = trace(job, frame, K_render)
        if flip_v:
            fwd[..., 1] *= -1
            bwd[..., 1] *= -1
        vec = np.stack([bwd[..., 0], -bwd[..., 1], -fwd[..., 0], fwd[..., 1]], -1)
        if blur:      # what many samples + a wide filter do: average a 3x3 footprint
            from scipy import ndimage
            vec = ndimage.uniform_filter(vec, size=(3, 3, 1), mode="nearest")
            depth = ndimage.uniform_filter(depth, size=3, mode="nearest")
        ch = {layout.DEPTH_CHANNEL: depth, layout.INDEX_CHANNEL: ids.astype(np.float32)}
        ch.update({n: vec[..., k] for k, n in enumerate(layout.VECTOR_CHANNELS)})
        write_frame(out / layout.frame_name(frame), ch)
    if job.subjects:
        grid = np.stack(np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9)), -1).reshape(-1, 2)
        verts = np.array([_subject_center(i) + SUBJECT_HALF * np.c_[grid[:, 0], 0 * grid[:, 0], grid[:, 1]]
                          for i in range(job.n_baked)], np.float32)
        np.savez_compressed(out / layout.VERTICES_FILE, inst_1=verts,
                            frames=np.array(list(job.baked_frames()), np.int32))
    return finish(job, out)


def finish(job, clip: Path) -> Path:
    """Mark ``clip`` finished as the worker does (render.json with frame sizes, then DONE)."""
    RenderDir(clip).finish(job, {"blender_version": "analytic"})
    return clip


def test_analytic_clip_passes_every_check(tmp_path):
    job = make_analytic_job()
    report = verify_clip(write_analytic_clip(job, tmp_path / "clip"))
    table = format_table(report)
    assert report.passed, table
    for name in ("static", "background", "rigid", "edges", "vertices", "fb"):
        c = report.check(name)
        assert c.passed is True and c.stats["n"] > 20, (name, table)
    assert report.check("static").stats["p99"] < 1e-3
    assert report.check("background").stats["n"] > 200
    assert report.check("photometric").passed is None     # flow mode


def test_flipped_v_fails(tmp_path):
    report = verify_clip(write_analytic_clip(make_analytic_job(), tmp_path / "c", flip_v=True))
    assert not report.passed
    assert report.check("static").passed is False and report.check("vertices").passed is False


def test_half_pixel_shift_of_K_fails(tmp_path):
    # a pan of 4 deg/frame: rotation flow depends on where the principal point is
    job = make_analytic_job(subject=False, prop=False, pan_deg=4.0)
    clip = write_analytic_clip(job, tmp_path / "c", K_render=lambda K: K + [[0, 0, 0.5], [0, 0, 0], [0, 0, 0]])
    report = verify_clip(clip)
    assert report.check("static").passed is False, format_table(report)
    assert report.check("static").stats["median"] > 0.01


def test_blended_edges_fail(tmp_path):
    report = verify_clip(write_analytic_clip(make_analytic_job(), tmp_path / "c", blur=True))
    assert report.check("edges").passed is False, format_table(report)
    assert not report.passed


def test_zoom_clip_passes(tmp_path):
    report = verify_clip(write_analytic_clip(make_analytic_job(zoom=1.08), tmp_path / "c"))
    assert report.passed, format_table(report)


def test_report_files_and_cli_exit_codes(tmp_path, capsys):
    good = write_analytic_clip(make_analytic_job(n_frames=2), tmp_path / "good")
    rep = write_report(verify_clip(good, on_frame=PictureWriter(tmp_path / "rep")), tmp_path / "rep")
    data = json.loads(rep.read_text())
    assert data["passed"] is True and {c["name"] for c in data["checks"]} >= {"static", "fb", "vertices"}
    assert sorted(p.name for p in (tmp_path / "rep").glob("error_*.png")) == ["error_0001.png", "error_0002.png"]
    with pytest.raises(SystemExit) as exc:
        cli_main(["verify", str(write_analytic_clip(make_analytic_job(n_frames=2), tmp_path / "bad", flip_v=True))])
    assert exc.value.code == 1
    assert "FAIL" in capsys.readouterr().out
    cli_main(["verify", str(good), "--report", str(tmp_path / "rep2")])     # passes: no exit
    assert (tmp_path / "rep2" / "verify.json").is_file()
    assert len(list((tmp_path / "rep2").glob("error_*.png"))) == 2


def test_missing_inputs_are_one_line_errors(tmp_path):
    clip = write_analytic_clip(make_analytic_job(n_frames=2), tmp_path / "c")
    (clip / layout.VERTICES_FILE).unlink()
    with pytest.raises(VerifyError, match=r"vertices.npz is missing although the job lists it"):
        verify_clip(clip)                      # the done rule covers the files a job asks for
    job = make_analytic_job(n_frames=2)
    write_analytic_clip(job, clip)
    (clip / layout.frame_name(1)).write_bytes(b"not an exr")
    with pytest.raises(VerifyError, match="frame_0001.exr changed since the clip was finished"):
        verify_clip(clip)
    finish(job, clip)              # a worker that finished a clip with a broken frame
    with pytest.raises(VerifyError, match="frame_0001.exr: unreadable EXR"):
        verify_clip(clip)
    (clip / layout.frame_name(2)).unlink()
    with pytest.raises(VerifyError, match=r"frame_0002.exr is missing"):
        verify_clip(clip)
    with pytest.raises(VerifyError, match="no DONE marker"):
        verify_clip(tmp_path)


def test_unknown_instance_ids_fail(tmp_path):
    job = make_analytic_job(n_frames=2, subject=False)
    clip = write_analytic_clip(job, tmp_path / "c")
    assert verify_clip(clip).check("ids").passed is True
    from synthgen.export.exr import read_channels
    path = clip / layout.frame_name(1)
    ch = read_channels(path, layout.required_channels("flow")[:6])
    ch[layout.INDEX_CHANNEL][ch[layout.INDEX_CHANNEL] == 2] = 7      # the worker mislabels the prop
    write_frame(path, ch)
    finish(job, clip)
    report = verify_clip(clip)
    assert report.check("ids").passed is False and report.check("ids").stats["unknown"] > 10
    row = next(line for line in format_table(report).splitlines() if line.startswith("ids"))
    assert "unknown" in row and "FAIL" in row


def test_error_pictures_show_where_flow_is_wrong(tmp_path):
    from PIL import Image
    job = make_analytic_job(n_frames=2)
    good, bad = tmp_path / "rg", tmp_path / "rb"
    verify_clip(write_analytic_clip(job, tmp_path / "g"), on_frame=PictureWriter(good))
    verify_clip(write_analytic_clip(job, tmp_path / "b", flip_v=True), on_frame=PictureWriter(bad))
    g = np.asarray(Image.open(good / "error_0001.png"))
    b = np.asarray(Image.open(bad / "error_0001.png"))
    assert g.shape == b.shape and g.shape[1] >= 3 * 192 and g.shape[2] == 3
    panel = slice(0, g.shape[1] // 3 - 2)
    # magma: 0 px error is near black; errors >= 0.1 px are light yellow
    assert g[:, panel].mean() < b[:, panel].mean() - 40


def test_unwritable_report_folder_is_a_one_line_error(tmp_path, capsys):
    clip = write_analytic_clip(make_analytic_job(n_frames=2, subject=False), tmp_path / "c")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as exc:
        cli_main(["verify", str(clip), "--report", str(blocker / "rep")])
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot create the report folder" in err and str(blocker) in err
