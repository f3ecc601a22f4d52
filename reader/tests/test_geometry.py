"""Resizing and cropping: flow scaled per axis, K moved with the pixels, Plücker exact."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen_reader import geometry
from synthgen_reader.geometry import Resize, adjust_K, plan_resize, resize_flow, resize_nearest


def affine_flow(W: int, H: int, T: int = 1):
    """Flow u = 2 + 0.1 x + 0.05 y, v = -1 + 0.02 x - 0.07 y at pixel centres (x, y)."""
    y, x = np.mgrid[0:H, 0:W] + 0.5
    return np.stack([2 + 0.1 * x + 0.05 * y, -1 + 0.02 * x - 0.07 * y], -1)[None].repeat(T, 0)


@pytest.mark.parametrize("r", [Resize(64, 48, 40, 20, 40 / 64, 20 / 48),            # stretch down
                               Resize(64, 48, 96, 60, 1.5, 1.25),                    # up, anisotropic
                               plan_resize(64, 48, (32, 32), "cover", "center"),   # scale + crop x
                               Resize(64, 48, 30, 20, 0.75, 0.75, 7.0, 5.0)])      # crop offset
def test_known_flow_field_resized_gives_the_expected_flow(r):
    flow = affine_flow(64, 48).astype(np.float32)
    out = resize_flow(flow, r)
    # output pixel centre (j + 0.5) is render coordinate X = (j + x0 + 0.5) / sx
    yo, xo = np.mgrid[0:r.out_h, 0:r.out_w] + 0.5
    X, Y = (xo + r.x0) / r.sx, (yo + r.y0) / r.sy
    want = np.stack([r.sx * (2 + 0.1 * X + 0.05 * Y), r.sy * (-1 + 0.02 * X - 0.07 * Y)], -1)
    inside = (X >= 0.5) & (X <= 63.5) & (Y >= 0.5) & (Y <= 47.5)    # bilinear is exact there
    assert inside.mean() > 0.8
    np.testing.assert_allclose(out[0][inside], want[inside], atol=1e-4)
    # a u/v swap or a single ratio for both axes would be caught:
    assert not np.allclose(out[0][inside][:, ::-1], want[inside], atol=1e-2)


def test_cover_crop_keeps_aspect_and_centres():
    r = plan_resize(1280, 704, (832, 480), "cover", "center")
    assert r.sx == r.sy == pytest.approx(480 / 704)
    assert (r.out_w, r.out_h) == (832, 480) and r.y0 == 0 and r.x0 == (int(1280 * 480 / 704) - 832) // 2
    rng = np.random.default_rng(0)
    offsets = {plan_resize(100, 50, (50, 50), "cover", "random", rng).x0 for _ in range(50)}
    assert offsets <= set(map(float, range(51))) and len(offsets) > 10
    s = plan_resize(100, 50, (40, 10), "stretch")
    assert (s.sx, s.sy, s.x0, s.y0) == (0.4, 0.2, 0.0, 0.0)
    with pytest.raises(ValueError):
        plan_resize(10, 10, (20, 20), "crop")


@pytest.mark.parametrize("r", [Resize(64, 48, 32, 24, 0.5, 0.5),
                               Resize(64, 48, 41, 30, 1.3, 0.9, 9.0, 4.0),
                               Resize(64, 48, 64, 48, 2.0, 2.0, 40.0, 30.0)])
def test_K_moves_with_the_pixels(r):
    """A 3D point projected with the adjusted K lands on the pixel that the nearest-neighbour
    resize of a one-pixel marker image puts it at (catches half-pixel and crop sign errors)."""
    K = np.array([[50.0, 0, 32.0], [0, 50.0, 24.0], [0, 0, 1]])
    for P in ([0.3, -0.2, 2.0], [-0.5, 0.35, 3.0], [0.11, 0.07, 1.0]):
        p = K @ P
        u, v = p[:2] / p[2]
        img = np.zeros((48, 64), np.uint8)
        img[int(v), int(u)] = 1
        q = adjust_K(K, r) @ P
        u2, v2 = q[:2] / q[2]
        assert u2 == pytest.approx(r.sx * u - r.x0) and v2 == pytest.approx(r.sy * v - r.y0)
        small = resize_nearest(img, r, (0, 1))
        if 0 <= u2 < r.out_w and 0 <= v2 < r.out_h:
            ys, xs = np.nonzero(small)
            near = np.hypot(xs + 0.5 - u2, ys + 0.5 - v2)
            assert near.size and near.min() <= max(r.sx, r.sy, 1.0) * 0.75


def test_bilinear_matches_torch_interpolate():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).random((2, 30, 44, 2)).astype(np.float32)
    for out_hw in ((15, 22), (45, 70), (17, 29)):
        r = Resize(44, 30, out_hw[1], out_hw[0], out_hw[1] / 44, out_hw[0] / 30)
        mine = geometry.resize_linear(a, r, (1, 2))
        ref = torch.nn.functional.interpolate(torch.from_numpy(a).permute(0, 3, 1, 2), size=out_hw,
                                              mode="bilinear", align_corners=False)
        np.testing.assert_allclose(mine, ref.permute(0, 2, 3, 1).numpy(), atol=1e-5)


def test_plucker_first_camera_is_identity_and_rays_go_through_pixel_centres():
    W, H = 16, 10
    K = np.array([[20.0, 0, 8.0], [0, 20.0, 5.0], [0, 0, 1]])
    c2w = np.repeat(np.eye(4)[None], 3, 0)
    c2w[:, :3, 3] = [[5, 1, 0], [6, 1, 0], [7, 1, 0]]          # truck +x by 1 m per frame
    p = geometry.plucker(np.repeat(K[None], 3, 0), c2w, W, H, W, H).astype(np.float32)
    assert p.shape == (3, 6, H, W)
    np.testing.assert_allclose(p[0, :3], 0, atol=1e-3)         # o = 0 for frame 0
    d = p[0, 3:]
    np.testing.assert_allclose(d[:, 0, 0] / d[2, 0, 0], [(0.5 - 8) / 20, (0.5 - 5) / 20, 1], atol=2e-3)
    np.testing.assert_allclose(p[2, :3], np.cross([2.0, 0, 0], p[2, 3:].transpose(1, 2, 0)).transpose(2, 0, 1),
                               atol=2e-3)
