"""Camera conventions (docs/CONVENTIONS.md §2): OpenCV axes, Blender sensor fit and shift, pixel centres at +0.5."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.camera import (BLENDER_TO_CV, c2w_blender_to_cv, c2w_cv_to_blender, focal_mm_for_fx, intrinsics,
                             look_at_cv, pixel_rays, project, rotation_angle)


def test_unshifted_principal_point_is_the_image_centre():
    K = intrinsics(50.0, 36.0, 1280, 704)
    assert K[0, 2] == 640.0 and K[1, 2] == 352.0
    assert K[0, 0] == pytest.approx(50.0 * 1280 / 36.0) and K[0, 0] == K[1, 1]


def test_sensor_fit_auto_uses_the_larger_side_for_portrait():
    land = intrinsics(36.0, 36.0, 200, 100)
    port = intrinsics(36.0, 36.0, 100, 200)
    assert land[0, 0] == pytest.approx(200.0)      # sensor width on the width
    assert port[0, 0] == pytest.approx(200.0)      # sensor width on the height (AUTO)
    horiz = intrinsics(36.0, 36.0, 100, 200, sensor_fit="HORIZONTAL")
    assert horiz[0, 0] == pytest.approx(100.0)
    vert = intrinsics(24.0, 36.0, 100, 200, sensor_height_mm=24.0, sensor_fit="VERTICAL")
    assert vert[0, 0] == pytest.approx(200.0)


def test_shift_moves_the_view_not_the_principal_point_direction():
    K = intrinsics(50.0, 36.0, 100, 50, shift_x=0.1, shift_y=0.1)
    assert K[0, 2] == pytest.approx(50.0 - 10.0)   # view moves right -> cx moves left
    assert K[1, 2] == pytest.approx(25.0 + 10.0)   # view moves up -> cy moves down


def test_focal_mm_for_fx_inverts_intrinsics():
    for w, h in ((128, 80), (80, 128)):
        fx = intrinsics(27.5, 36.0, w, h)[0, 0]
        assert focal_mm_for_fx(fx, 36.0, w, h) == pytest.approx(27.5)


def test_look_at_axes_are_opencv():
    c2w = look_at_cv([0.0, -5.0, 0.0], [0.0, 0.0, 0.0])
    R = c2w[:3, :3]
    np.testing.assert_allclose(R[:, 2], [0, 1, 0], atol=1e-12)    # z forward, toward target
    np.testing.assert_allclose(R[:, 1], [0, 0, -1], atol=1e-12)   # y down (world -Z)
    np.testing.assert_allclose(R[:, 0], [1, 0, 0], atol=1e-12)    # x right
    assert np.linalg.det(R) == pytest.approx(1.0)


def test_projection_signs_and_pixel_centres():
    W, H = 64, 48
    K = intrinsics(36.0, 36.0, W, H)
    c2w = look_at_cv([0.0, -5.0, 0.0], [0.0, 0.0, 0.0])
    uv, z = project([[0, 0, 0], [1, 0, 0], [0, 0, 1]], K, c2w)
    np.testing.assert_allclose(uv[0], [W / 2, H / 2])              # straight ahead -> centre
    assert z[0] == pytest.approx(5.0)
    assert uv[1, 0] > W / 2 and uv[1, 1] == pytest.approx(H / 2)    # world right -> u grows
    assert uv[2, 1] < H / 2 and uv[2, 0] == pytest.approx(W / 2)    # world up -> v shrinks
    rays = pixel_rays(K, W, H)
    # pixel (0,0) covers [0,1)^2: its ray passes through (0.5, 0.5)
    back = rays[0, 0] @ K.T
    np.testing.assert_allclose(back[:2] / back[2], [0.5, 0.5])


def test_roll_turns_the_image_clockwise_seen_from_behind():
    a = look_at_cv([0, -5, 0], [0, 0, 0])
    b = look_at_cv([0, -5, 0], [0, 0, 0], roll_rad=np.radians(10))
    assert abs(a[2, 0]) < 1e-12 and b[2, 0] < 0   # camera right vector tips down (world -Z)
    assert np.degrees(rotation_angle(a[:3, :3], b[:3, :3])) == pytest.approx(10.0)


def test_blender_cv_conversion():
    c2w_b = np.eye(4)                        # Blender camera at origin looks down world -Z
    cv = c2w_blender_to_cv(c2w_b)
    np.testing.assert_allclose(cv[:3, 2], [0, 0, -1])   # OpenCV z = viewing direction
    np.testing.assert_allclose(cv[:3, 1], [0, -1, 0])   # OpenCV y = -Blender y (down)
    np.testing.assert_allclose(c2w_cv_to_blender(cv), c2w_b)
    np.testing.assert_allclose(BLENDER_TO_CV @ BLENDER_TO_CV, np.eye(4))
