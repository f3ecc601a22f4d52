"""DynaVid HSV-RGB flow encoding: colours of known directions, 8-bit and mp4 round trips."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.export.hsv import decode_hsv, encode_hsv
from synthgen.export.video import VideoWriter, read_video


def test_direction_and_value_colours():
    s_f = 4.0
    flows = np.array([[[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0], [0.0, -4.0], [2.0, 0.0], [9.0, 0.0]]],
                     np.float32)
    rgb = encode_hsv(flows, s_f)[0]
    np.testing.assert_array_equal(rgb[0], [255, 0, 0])      # +u (right): hue 0, red
    np.testing.assert_array_equal(rgb[1], [128, 255, 0])    # +v (down): hue 1/4
    np.testing.assert_array_equal(rgb[2], [0, 255, 255])    # -u: hue 1/2, cyan
    np.testing.assert_array_equal(rgb[3], [128, 0, 255])    # -v (up): hue 3/4
    np.testing.assert_array_equal(rgb[4], [128, 0, 0])      # |F| = s_f / 2: value 1/2
    np.testing.assert_array_equal(rgb[5], [255, 0, 0])      # saturates at s_f


def _smooth_flow(H=48, W=64, t=0.0) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    u = 6.0 * np.cos(x / 11.0 + t) + (x - W / 2) * 0.1
    v = 5.0 * np.sin(y / 9.0 - t) + (y - H / 2) * 0.1
    return np.stack([u, v], -1)


def test_exact_8bit_round_trip_bound():
    rng = np.random.default_rng(3)
    flow = rng.normal(scale=5.0, size=(64, 80, 2)).astype(np.float32)
    s_f = float(np.percentile(np.hypot(flow[..., 0], flow[..., 1]), 99))
    back = decode_hsv(encode_hsv(flow, s_f), s_f)
    mag = np.hypot(flow[..., 0], flow[..., 1])
    err = np.linalg.norm(back - flow, axis=-1)[mag <= s_f]
    # value quantised to 1/510 of s_f, hue to 1/(6*255*2) turns: |err| <= ~0.0045 s_f
    assert err.max() <= 0.005 * s_f
    big = mag > s_f * 1.01
    np.testing.assert_allclose(np.linalg.norm(back, axis=-1)[big], s_f, rtol=0.005)


@pytest.mark.parametrize("crf,p99_bound,mean_bound", [(None, 0.04, 0.012), (0, 0.012, 0.005)])
def test_mp4_round_trip_bound(tmp_path, crf, p99_bound, mean_bound):
    """yuv444p H.264 at the default CRF (and at CRF 0): error relative to s_f, |F| <= s_f."""
    frames = [_smooth_flow(t=0.3 * i) for i in range(6)]
    s_f = float(np.percentile([np.hypot(f[..., 0], f[..., 1]) for f in frames], 99))
    path = tmp_path / "hsv.mp4"
    kw = {} if crf is None else {"crf": crf}
    with VideoWriter(path, 64, 48, 24.0, **kw) as vw:
        for f in frames:
            vw.write(encode_hsv(f, s_f))
    video = read_video(path)
    assert video.shape == (6, 48, 64, 3)
    errs = []
    for f, img in zip(frames, video):
        mag = np.hypot(f[..., 0], f[..., 1])
        errs.append(np.linalg.norm(decode_hsv(img, s_f) - f, axis=-1)[mag <= s_f])
    err = np.concatenate(errs) / s_f
    assert np.percentile(err, 99) < p99_bound and err.mean() < mean_bound, (np.percentile(err, 99), err.mean())


def test_decode_accepts_float_images():
    flow = _smooth_flow()
    s_f = 10.0
    from synthgen.export.hsv import hsv_to_rgb
    mag = np.minimum(np.hypot(flow[..., 0], flow[..., 1]) / s_f, 1.0)
    hue = np.mod(np.arctan2(flow[..., 1], flow[..., 0]) / (2 * np.pi), 1.0)
    back = decode_hsv(hsv_to_rgb(hue, 1.0, mag), s_f)
    ok = np.hypot(flow[..., 0], flow[..., 1]) <= s_f
    np.testing.assert_allclose(back[ok], flow[ok], atol=1e-4)


@pytest.mark.parametrize("size", [(33, 17), (64, 48)])
def test_video_keeps_odd_sizes(tmp_path, size):
    W, H = size
    img = np.zeros((H, W, 3), np.uint8)
    img[:, : W // 2] = [255, 0, 0]
    with VideoWriter(tmp_path / "v.mp4", W, H, 10.0) as vw:
        vw.write(img)
        vw.write(img)
    v = read_video(tmp_path / "v.mp4")
    assert v.shape == (2, H, W, 3)
    assert np.abs(v[0].astype(int) - img).mean() < 3


def test_encode_matches_the_hsv_formula_everywhere():
    """Table-driven encoder vs the HSV formula in float64 (colorsys semantics): within one
    8-bit level for every direction, incl. exactly +-pi, and for odd, non-contiguous input."""
    import colorsys
    rng = np.random.default_rng(3)
    flow = rng.normal(0, 3, (31, 17, 2)).astype(np.float32)
    flow[0, :4] = [[-2.0, 0.0], [-2.0, -0.0], [0.0, 0.0], [1e-30, -1e-30]]   # +-pi, zero
    s_f = 4.0
    got = encode_hsv(flow[:, ::1], s_f).astype(int)
    f = flow.astype(np.float64)
    want = np.empty(got.shape, float)
    for (i, j), (u, v) in zip(np.ndindex(flow.shape[:2]), f.reshape(-1, 2)):
        h = np.mod(np.arctan2(v, u) / (2 * np.pi), 1.0)
        want[i, j] = np.array(colorsys.hsv_to_rgb(h, 1.0, min(np.hypot(u, v) / s_f, 1.0))) * 255
    assert np.abs(got - want).max() <= 1.0, np.abs(got - want).max()
    np.testing.assert_array_equal(got[0, 0], got[0, 1])          # -pi and +pi: same colour
    np.testing.assert_array_equal(encode_hsv(flow[:, ::2], s_f), encode_hsv(flow[:, ::2].copy(), s_f))


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_encode_survives_nan_flow():
    flow = np.full((2, 3, 2), np.nan, np.float32)
    assert encode_hsv(flow, 1.0).shape == (2, 3, 3)
