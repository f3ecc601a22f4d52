"""Flow conventions (docs/CONVENTIONS.md §4): Vector-pass signs, background fill, bilinear lookup, fb check."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.camera import intrinsics, look_at_cv, project
from synthgen.export import flow as fl


def _pose(R_extra: np.ndarray, eye=(0.0, 0.0, 1.5)) -> np.ndarray:
    m = look_at_cv(eye, [eye[0], eye[1] + 10.0, eye[2]])
    m[:3, :3] = m[:3, :3] @ R_extra
    return m


def _rot(axis: str, deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return {"x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
            "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])}[axis]


def test_vector_pass_signs():
    vec = np.zeros((2, 3, 4), np.float32)
    vec[...] = [1.0, 2.0, 3.0, 4.0]          # X, Y, Z, W
    fwd, bwd = fl.vector_to_flows(vec)
    np.testing.assert_array_equal(fwd[0, 0], [-3.0, 4.0])   # forward = (-Z, +W)
    np.testing.assert_array_equal(bwd[0, 0], [1.0, -2.0])   # backward = (+X, -Y)
    assert fwd.dtype == np.float32 and fwd.shape == (2, 3, 2)


@pytest.mark.parametrize("axis,deg", [("y", 2.0), ("x", -3.0), ("z", 5.0), ("y", 40.0)])
def test_rotation_flow_matches_projection_of_far_points(axis, deg):
    W, H = 40, 30
    K0 = intrinsics(35.0, 36.0, W, H)
    K1 = intrinsics(40.0, 36.0, W, H, shift_x=0.05)
    c2w0 = _pose(np.eye(3))
    c2w1 = _pose(_rot(axis, deg), eye=(0.3, -0.2, 1.6))     # translation must not matter
    flow, ahead = fl.rotation_flow(K0, c2w0, K1, c2w1, W, H)
    assert ahead.all()
    # brute force: a point 1e7 m along each pixel-centre ray of camera 0, projected into camera 1
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    rays = np.stack([u, v, np.ones_like(u)], -1) @ np.linalg.inv(K0).T
    d = rays @ c2w0[:3, :3].T
    pts = c2w0[:3, 3] + 1e7 * d / np.linalg.norm(d, axis=-1, keepdims=True)
    uv1, _ = project(pts.reshape(-1, 3), K1, c2w1)
    want = uv1.reshape(H, W, 2) - np.stack([u, v], -1)
    np.testing.assert_allclose(flow, want, atol=2e-3)


def test_rotation_flow_directions():
    W, H = 40, 30
    K = intrinsics(35.0, 36.0, W, H)
    pan_right, _ = fl.rotation_flow(K, _pose(np.eye(3)), K, _pose(_rot("y", 2.0)), W, H)
    assert (pan_right[..., 0] < -1.0).all()                  # the world moves left
    assert np.abs(pan_right[..., 1]).max() < 0.2 * np.abs(pan_right[..., 0]).min()
    tilt_down, _ = fl.rotation_flow(K, _pose(np.eye(3)), K, _pose(_rot("x", -2.0)), W, H)
    assert (tilt_down[..., 1] < -1.0).all()                  # camera looks down: world moves up


def test_zoom_flow_is_radial_from_pixel_centres():
    """Closed form: doubling f about cx = W/2 moves the centre of pixel j by (j + 0.5 - W/2)."""
    W, H = 8, 6
    K0 = intrinsics(20.0, 36.0, W, H)
    K1 = intrinsics(40.0, 36.0, W, H)
    flow, _ = fl.rotation_flow(K0, _pose(np.eye(3)), K1, _pose(np.eye(3)), W, H)
    np.testing.assert_allclose(flow[0, :, 0], np.arange(W) + 0.5 - W / 2, atol=1e-5)
    np.testing.assert_allclose(flow[:, 0, 1], np.arange(H) + 0.5 - H / 2, atol=1e-5)


def test_directions_behind_the_next_camera_are_flagged():
    W, H = 20, 10
    K = intrinsics(10.0, 36.0, W, H)       # wide lens
    _, ahead = fl.rotation_flow(K, _pose(np.eye(3)), K, _pose(_rot("y", 120.0)), W, H)
    assert not ahead.all() and ahead.any()


def test_fill_background_only_touches_background():
    W, H = 16, 12
    K = intrinsics(35.0, 36.0, W, H)
    flow = np.full((H, W, 2), 7.0, np.float32)
    depth = np.full((H, W), 1e10, np.float32)
    depth[2:5, 3:9] = 4.0
    behind = fl.fill_background(flow, depth, K, _pose(np.eye(3)), K, _pose(_rot("y", 1.0)))
    assert not behind.any()
    assert (flow[2:5, 3:9] == 7.0).all()
    rot, _ = fl.rotation_flow(K, _pose(np.eye(3)), K, _pose(_rot("y", 1.0)), W, H)
    bg = depth > 1e9
    np.testing.assert_array_equal(flow[bg], rot[bg])


def test_bilinear_sample_uses_pixel_centres():
    H, W = 5, 7
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = np.stack([10 * xx + yy], -1)               # value at the centre (x+0.5, y+0.5)
    x = np.array([[0.5, 1.0, 3.25, 6.5]], np.float32)
    y = np.array([[0.5, 2.5, 1.75, 4.5]], np.float32)
    got = fl.bilinear_sample(img, x, y)[..., 0]
    np.testing.assert_allclose(got, 10 * (x - 0.5) + (y - 0.5), atol=1e-5)
    edge = fl.bilinear_sample(img, np.array([0.1, 6.9]), np.array([0.2, 4.9]))[..., 0]
    np.testing.assert_allclose(edge, [0.0, 64.0])    # clamped to the edge pixels


def test_fb_consistency_translation_and_frame_exit():
    H, W = 6, 8
    fwd = np.zeros((H, W, 2), np.float32)
    fwd[...] = [2.0, 1.0]
    bwd = -fwd
    valid, err, inside = fl.fb_consistency(fwd, bwd)
    want_inside = np.ones((H, W), bool)
    want_inside[:, W - 2:] = False       # j + 0.5 + 2 >= W
    want_inside[H - 1:, :] = False       # i + 0.5 + 1 >= H
    np.testing.assert_array_equal(inside, want_inside)
    np.testing.assert_array_equal(valid, want_inside)
    assert err.max() == 0.0
    valid_bad, err_bad, _ = fl.fb_consistency(fwd, fwd.copy())
    assert not valid_bad.any()
    np.testing.assert_allclose(err_bad, 2 * np.hypot(2, 1), rtol=1e-6)


def test_fb_consistency_looks_up_backward_flow_at_the_target():
    H, W = 4, 10
    fwd = np.zeros((H, W, 2), np.float32)
    fwd[..., 0] = 2.0
    bwd = np.zeros_like(fwd)
    bwd[:, 2:, 0] = -2.0                 # consistent only where x + F lands (columns >= 2)
    bwd[:, :2] = 5.0
    valid, _, inside = fl.fb_consistency(fwd, bwd)
    np.testing.assert_array_equal(valid, inside)
    assert valid[:, :2].all()            # would fail if B were read at x or x - F


def test_angular_speed():
    c2ws = np.stack([_pose(_rot("y", 1.5 * i)) for i in range(4)])
    np.testing.assert_allclose(fl.angular_speed_deg_s(c2ws, 24.0), [36.0] * 3, rtol=1e-9)


def _fb_reference(fwd, bwd, alpha=fl.FB_ALPHA, beta=fl.FB_BETA):
    """fb test written out with bilinear_sample over the whole frame (the unblocked form)."""
    h, w = fwd.shape[:2]
    x = fwd[..., 0] + (np.arange(w, dtype=np.float32) + np.float32(0.5))
    y = fwd[..., 1] + (np.arange(h, dtype=np.float32) + np.float32(0.5))[:, None]
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    b = fl.bilinear_sample(bwd, x, y)
    fc, bc = fwd.view(np.complex64)[..., 0], b.view(np.complex64)[..., 0]
    err = np.abs(fc + bc)
    fm, bm = np.abs(fc), np.abs(bc)
    return inside & (err * err <= alpha * (fm * fm + bm * bm) + beta), err, inside, fm


@pytest.mark.parametrize("shape", [(37, 23), (5, 1), (1, 6), (1, 1), (64, 48)])
def test_fb_check_blocks_match_whole_frame_bit_for_bit(monkeypatch, shape):
    """The blocked, gather-in-pairs fb check equals the plain whole-frame computation exactly
    (valid, error, inside, |F|), whatever the block size and on 1-pixel-wide images."""
    rng = np.random.default_rng(7)
    h, w = shape
    fwd = rng.normal(0, 4, (h, w, 2)).astype(np.float32)
    bwd = (-fwd + rng.normal(0, 0.8, (h, w, 2))).astype(np.float32)
    want = _fb_reference(fwd, bwd)
    for block in (1, 50, 10 ** 6):
        monkeypatch.setattr(fl, "FB_BLOCK_PIXELS", block)
        got = fl.fb_check(fwd, bwd)
        for g, r in zip(got, want):
            assert g.dtype == r.dtype and np.array_equal(g.view(np.uint8), r.view(np.uint8))
    if h * w > 100:                                # the test holds both outcomes
        assert 0 < want[0].sum() < want[0].size
