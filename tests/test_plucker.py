"""Plücker embeddings: brute force per pixel, closed forms, resolution scaling."""
from __future__ import annotations

import numpy as np

from synthgen.camera import intrinsics, look_at_cv
from synthgen.export.plucker import (default_resolution, plucker_clip, relative_poses,
                                     scale_intrinsics)


def _poses():
    a = look_at_cv([0, 0, 1.5], [0, 10, 1.5])
    b = look_at_cv([1.0, -0.5, 2.0], [3, 8, 1.0], roll_rad=0.3)
    return np.stack([a, b])


def test_against_brute_force_per_pixel():
    W, H, w, h = 96, 64, 12, 8
    Ks = np.stack([intrinsics(35.0, 36.0, W, H, shift_x=0.1, shift_y=-0.05),
                   intrinsics(50.0, 36.0, W, H)])
    c2ws = _poses()
    got = plucker_clip(Ks, c2ws, W, H, w, h)
    assert got.shape == (2, 6, h, w) and got.dtype == np.float16
    w2c0 = np.linalg.inv(c2ws[0])
    for t in range(2):
        rel = w2c0 @ c2ws[t]
        o = rel[:3, 3]
        for i in range(h):
            for j in range(w):
                # the low-res pixel centre in full-resolution pixel coordinates
                u, v = (j + 0.5) * W / w, (i + 0.5) * H / h
                d = rel[:3, :3] @ np.linalg.solve(Ks[t], [u, v, 1.0])
                d /= np.linalg.norm(d)
                np.testing.assert_allclose(got[t, 3:, i, j], d, atol=2e-3)
                np.testing.assert_allclose(got[t, :3, i, j], np.cross(o, d), atol=5e-3)


def test_closed_forms():
    W, H, w, h = 90, 70, 9, 7             # odd plücker size: a pixel centre on the axis
    K = intrinsics(35.0, 36.0, W, H)
    c0 = look_at_cv([0, 0, 1], [0, 10, 1])
    c1 = c0.copy()
    c1[:3, 3] += c0[:3, 0] * 2.0          # 2 m along camera 0's x axis (right)
    emb = plucker_clip([K, K], [c0, c1], W, H, w, h).astype(np.float32)
    # frame 0 is the identity: origin 0, moments 0, centre ray = +z
    assert np.abs(emb[0, :3]).max() == 0.0
    np.testing.assert_allclose(emb[0, 3:, 3, 4], [0, 0, 1], atol=1e-3)
    np.testing.assert_allclose(emb[1, 3:], emb[0, 3:], atol=1e-3)   # same rotation
    # o = (2, 0, 0), d = (0, 0, 1): o x d = (0, -2, 0); channel order [o x d, d]
    np.testing.assert_allclose(emb[1, :, 3, 4], [0, -2, 0, 0, 0, 1], atol=2e-3)
    # rays right of centre point right (+x), rays below point down (+y)
    assert emb[0, 3, 3, 8] > 0 and emb[0, 4, 6, 4] > 0
    np.testing.assert_allclose(np.linalg.norm(emb[:, 3:], axis=1), 1.0, atol=1e-3)


def test_relative_poses_and_scaled_intrinsics():
    rel = relative_poses(_poses())
    np.testing.assert_allclose(rel[0], np.eye(4), atol=1e-12)
    K = intrinsics(35.0, 36.0, 832, 480)
    Ks = scale_intrinsics(K, 832, 480, 104, 60)
    np.testing.assert_allclose(Ks, intrinsics(35.0, 36.0, 104, 60), atol=1e-9)
    assert default_resolution(832, 480) == (104, 60)
