"""Flow fields as 8-bit RGB images for video models' VAEs: three encodings and their inverses.

Every encoding maps a flow field ``F`` (H, W, 2) in pixels, ``(u, v)`` = (right, down), to
uint8 RGB (H, W, 3) with a per-clip (or dataset-wide) scale ``s`` in pixels:

``hsv`` (DynaVid)
    hue = direction ``atan2(v, u)``, saturation 1, value = ``min(|F| / s, 1)``
    (:mod:`synthgen.export.hsv`; the shards' ``flow_hsv.mp4``).
``sqrt`` (FloVD's signed square-root normalisation)
    per axis ``n = sign(f) * sqrt(min(|f| / s_axis, 1))`` in [-1, 1]; R = ``n_u``,
    G = ``n_v``, B = ``(n_u + n_v) / 2`` (FloVD feeds the mean of both as the VAE's third
    channel); 8-bit level = ``round((n + 1) * 127.5)``. Small motions get most of the levels.
``middlebury`` (Baker et al. 2011 colour wheel)
    hue from the 55-entry Middlebury wheel (direction), saturation = ``|F| / s`` (white =
    still); beyond ``s`` the wheel colour is darkened to 0.75 (as in the usual flow_vis code).

:func:`decode` inverts each one where ``|F| <= s`` (``sqrt``: ``|u| <= s_u`` and
``|v| <= s_v``), up to 8-bit quantisation; beyond, it returns the saturated value (the
direction is kept). ``scale`` is always a pair ``(s_u, s_v)``; ``hsv`` and ``middlebury``
need ``s_u == s_v``.
"""
from __future__ import annotations

import numpy as np

from ...errors import ExportError
from ..hsv import decode_hsv, encode_hsv, rgb_to_hue_value

ENCODINGS = ("hsv", "sqrt", "middlebury")

#: Middlebury colour wheel: segment lengths (red-yellow, yellow-green, green-cyan,
#: cyan-blue, blue-magenta, magenta-red) and the colours where each segment starts.
WHEEL_SEGMENTS = np.array([15, 6, 4, 11, 13, 6], np.float64)
WHEEL_PRIMARIES = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]],
                           np.float64)
WHEEL_SIZE = int(WHEEL_SEGMENTS.sum())                        # 55
_WHEEL_STARTS = np.concatenate([[0.0], np.cumsum(WHEEL_SEGMENTS)[:-1]])
#: Colour multiplier of flow beyond the scale (saturated) in the Middlebury encoding.
SATURATED = 0.75


def check_encoding(name: str, scale) -> tuple[float, float]:
    """Validate ``name`` and ``scale`` (a number or a pair); returns the pair ``(s_u, s_v)``."""
    if name not in ENCODINGS:
        raise ExportError(f"{name!r} is not a flow video encoding (choose from "
                          f"{', '.join(ENCODINGS)})", field="flow_video")
    pair = tuple(float(s) for s in (scale if np.ndim(scale) else (scale, scale)))
    if len(pair) != 2 or not all(np.isfinite(s) and s > 0 for s in pair):
        raise ExportError(f"scale must be one or two positive numbers of pixels, got {scale!r}",
                          field="flow_scale")
    if name != "sqrt" and pair[0] != pair[1]:
        raise ExportError(f"{name} takes one scale (direction is a hue), got {pair[0]:g},{pair[1]:g}",
                          field="flow_scale")
    return pair


def encode(name: str, flow: np.ndarray, scale) -> np.ndarray:
    """Encode ``flow`` (H, W, 2) px as uint8 RGB (H, W, 3) with ``encoding`` ``name``."""
    su, sv = check_encoding(name, scale)
    if name == "hsv":
        return encode_hsv(flow, su)
    if name == "sqrt":
        return encode_sqrt(flow, su, sv)
    return encode_middlebury(flow, su)


def decode(name: str, rgb: np.ndarray, scale) -> np.ndarray:
    """Inverse of :func:`encode`: uint8 RGB (..., 3) -> float32 flow (..., 2) px."""
    su, sv = check_encoding(name, scale)
    if name == "hsv":
        return decode_hsv(rgb, su)
    if name == "sqrt":
        return decode_sqrt(rgb, su, sv)
    return decode_middlebury(rgb, su)


# ------------------------------------------------------------------------- signed sqrt
def _to_level(n: np.ndarray) -> np.ndarray:
    return np.rint((np.clip(n, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def encode_sqrt(flow: np.ndarray, s_u: float, s_v: float) -> np.ndarray:
    """FloVD's signed square root per axis, clipped to [-1, 1], as 8-bit RGB (see module doc)."""
    f = np.nan_to_num(np.asarray(flow, np.float32))
    nu = np.sign(f[..., 0]) * np.sqrt(np.minimum(np.abs(f[..., 0]) / np.float32(s_u), 1.0))
    nv = np.sign(f[..., 1]) * np.sqrt(np.minimum(np.abs(f[..., 1]) / np.float32(s_v), 1.0))
    return np.stack([_to_level(nu), _to_level(nv), _to_level((nu + nv) * 0.5)], axis=-1)


def decode_sqrt(rgb: np.ndarray, s_u: float, s_v: float) -> np.ndarray:
    """Inverse of :func:`encode_sqrt` (the third channel is redundant and ignored)."""
    n = np.asarray(rgb)[..., :2].astype(np.float32) / np.float32(127.5) - 1.0
    scales = np.array([s_u, s_v], np.float32)
    return (np.sign(n) * n * n * scales).astype(np.float32)


# ------------------------------------------------------------------------- Middlebury
def wheel_colour(position: np.ndarray) -> np.ndarray:
    """Colour (..., 3) float of the Middlebury wheel at fractional ``position`` in [0, 55):
    linear between the primaries, each segment as long as :data:`WHEEL_SEGMENTS` says."""
    p = np.mod(np.asarray(position, np.float64), WHEEL_SIZE)
    seg = np.clip(np.searchsorted(_WHEEL_STARTS, p, side="right") - 1, 0, 5)
    t = ((p - _WHEEL_STARTS[seg]) / WHEEL_SEGMENTS[seg])[..., None]
    return (1.0 - t) * WHEEL_PRIMARIES[seg] + t * WHEEL_PRIMARIES[(seg + 1) % 6]


def encode_middlebury(flow: np.ndarray, scale: float) -> np.ndarray:
    """Middlebury colouring with a fixed ``scale``: the same picture as
    :func:`synthgen.export.preview.flow_to_color` with ``max_mag=scale``."""
    f = np.nan_to_num(np.asarray(flow, np.float64))
    rad = (np.hypot(f[..., 0], f[..., 1]) / scale)[..., None]
    position = (np.arctan2(-f[..., 1], -f[..., 0]) / np.pi + 1.0) / 2.0 * WHEEL_SIZE
    w = wheel_colour(position)
    col = np.where(rad <= 1.0, 1.0 - rad * (1.0 - w), w * SATURATED)
    return np.rint(np.clip(col, 0.0, 1.0) * 255.0).astype(np.uint8)


def _wheel_position(w: np.ndarray) -> np.ndarray:
    """Position on the wheel (inverse of :func:`wheel_colour`) of wheel colours ``w``: their
    hue sector is the wheel segment, the hue within the sector the fraction along it."""
    hue, _ = rgb_to_hue_value(np.clip(w, 0.0, 1.0))
    h6 = hue.astype(np.float64) * 6.0
    seg = np.clip(np.floor(h6).astype(int), 0, 5)
    return _WHEEL_STARTS[seg] + (h6 - seg) * WHEEL_SEGMENTS[seg]


def decode_middlebury(rgb: np.ndarray, scale: float) -> np.ndarray:
    """Inverse of :func:`encode_middlebury`: white = still; saturated colours (maximum
    channel near 0.75) decode to magnitude ``scale`` in their direction."""
    c = np.asarray(rgb).astype(np.float64) / 255.0
    hi, lo = c.max(axis=-1), c.min(axis=-1)
    saturated = hi < (1.0 + SATURATED) / 2.0
    rad = np.where(saturated, 1.0, 1.0 - lo)
    safe = np.where(rad > 0, rad, 1.0)[..., None]
    w = np.where(saturated[..., None], c / SATURATED, (c - (1.0 - rad)[..., None]) / safe)
    theta = (_wheel_position(w) / WHEEL_SIZE * 2.0 - 1.0) * np.pi
    mag = rad * scale
    return np.stack([-mag * np.cos(theta), -mag * np.sin(theta)], axis=-1).astype(np.float32)
