"""Flow <-> 8-bit RGB encodings (synthgen.export.formats.encodings): hsv (DynaVid), sqrt
(FloVD), middlebury (Baker et al.). Round trips within 8-bit quantisation, the directions of
+u and +v, saturation beyond the scale, and that a wrong decoder is caught."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.errors import ExportError
from synthgen.export.formats import encodings as E
from synthgen.export.preview import flow_to_color

S = 8.0


def _grid(scale: float, n: int = 48) -> np.ndarray:
    """Flows of every direction and magnitude up to ``scale`` (n x n, float32)."""
    ang = np.linspace(-np.pi, np.pi, n, endpoint=False)
    mag = np.linspace(0.0, scale, n)
    a, m = np.meshgrid(ang, mag)
    return np.stack([m * np.cos(a), m * np.sin(a)], axis=-1).astype(np.float32)


#: worst error of a round trip at scale S (px): 8-bit steps of the encoded quantity
BOUND = {"hsv": 0.04, "sqrt": 0.07, "middlebury": 0.08}


@pytest.mark.parametrize("name", E.ENCODINGS)
def test_round_trip_within_quantisation(name):
    flow = _grid(S)
    rgb = E.encode(name, flow, S)
    assert rgb.dtype == np.uint8 and rgb.shape == flow.shape[:-1] + (3,)
    err = np.linalg.norm(E.decode(name, rgb, S) - flow, axis=-1)
    if name == "sqrt":      # per axis: the grid's diagonal corners exceed s on one axis
        err = err[(np.abs(flow) <= S).all(-1)]
    assert err.max() < BOUND[name], (name, err.max())
    assert err.max() > 1e-4          # a lossy 8-bit code, not an accidental identity


@pytest.mark.parametrize("name", E.ENCODINGS)
@pytest.mark.parametrize("flow", [(3.0, 0.0), (0.0, 3.0), (-3.0, 0.0), (0.0, -3.0), (2.0, -5.0)])
def test_axes_and_signs_survive(name, flow):
    f = np.array(flow, np.float32)[None, None]
    back = E.decode(name, E.encode(name, f, S), S)[0, 0]
    np.testing.assert_allclose(back, flow, atol=0.08)


def test_directions_have_the_documented_colours():
    right, down = np.array([[[S, 0.0]]], np.float32), np.array([[[0.0, S]]], np.float32)
    # hsv: hue 0 = +u (red), hue 1/4 = +v (between yellow and green)
    assert E.encode("hsv", right, S)[0, 0].tolist() == [255, 0, 0]
    assert E.encode("hsv", down, S)[0, 0].tolist() == [128, 255, 0]
    # sqrt: R carries u, G carries v, zero is level 128, B their mean
    assert E.encode("sqrt", right, S)[0, 0].tolist() == [255, 128, 191]
    assert E.encode("sqrt", -down, S)[0, 0].tolist() == [128, 0, 64]
    assert E.encode("sqrt", np.zeros((1, 1, 2), np.float32), S)[0, 0].tolist() == [128, 128, 128]
    # middlebury: still is white, +u is red at full scale
    assert E.encode("middlebury", np.zeros((1, 1, 2), np.float32), S)[0, 0].tolist() == [255, 255, 255]
    assert E.encode("middlebury", right, S)[0, 0].tolist() == [255, 0, 0]


def test_middlebury_is_the_preview_colouring():
    flow = np.random.default_rng(1).normal(0, 6, (40, 50, 2)).astype(np.float32)
    np.testing.assert_array_equal(E.encode("middlebury", flow, S), flow_to_color(flow, S))


@pytest.mark.parametrize("name", ["hsv", "middlebury"])
def test_beyond_the_scale_saturates_keeping_direction(name):
    f = np.array([[[30.0, -40.0]]], np.float32)             # |F| = 50 > S
    back = E.decode(name, E.encode(name, f, S), S)[0, 0]
    assert np.linalg.norm(back) == pytest.approx(S, rel=0.02)
    np.testing.assert_allclose(back / np.linalg.norm(back), [0.6, -0.8], atol=0.02)


def test_sqrt_clips_per_axis_and_spends_levels_on_small_motion():
    f = np.array([[[30.0, 0.5]]], np.float32)
    back = E.decode("sqrt", E.encode("sqrt", f, (S, 2.0)), (S, 2.0))[0, 0]
    assert back[0] == pytest.approx(S, rel=1e-6) and back[1] == pytest.approx(0.5, abs=0.02)
    small = np.array([[[0.05, 0.0]]], np.float32)       # 0.6 % of the scale
    assert E.encode("sqrt", small, S)[0, 0, 0] - 128 >= 10   # hsv would give it 2 levels
    assert E.encode("hsv", small, S)[0, 0].max() <= 2


def test_wrong_decoder_or_scale_is_caught():
    flow = _grid(S)
    rgb = E.encode("sqrt", flow, S)
    err = np.linalg.norm(E.decode("hsv", rgb, S) - flow, axis=-1)
    assert np.median(err) > 1.0
    err = np.linalg.norm(E.decode("sqrt", rgb, 2 * S) - flow, axis=-1)
    assert np.median(err) > 1.0


def test_bad_names_and_scales_are_one_line_errors():
    with pytest.raises(ExportError, match="not a flow video encoding"):
        E.encode("rainbow", np.zeros((1, 1, 2)), S)
    with pytest.raises(ExportError, match="takes one scale"):
        E.check_encoding("hsv", (8.0, 4.0))
    for bad in (0.0, -1.0, float("nan"), (1.0, 2.0, 3.0)):
        with pytest.raises(ExportError, match="positive numbers"):
            E.check_encoding("sqrt", bad)
    assert E.check_encoding("sqrt", (8.0, 4.0)) == (8.0, 4.0)
