"""DynaVid's HSV-RGB flow encoding and its inverse.

A flow field ``F`` (H, W, 2) in pixels becomes an 8-bit RGB image: hue = direction
``atan2(v, u)`` mapped to [0, 1) (0 = +u, right; 1/4 = +v, down), saturation = 1,
value = ``min(|F| / s_f, 1)`` where ``s_f`` is the clip's 99th percentile of ``|F|``.
:func:`decode_hsv` inverts it for ``|F| <= s_f`` up to 8-bit quantisation.
"""
from __future__ import annotations

import numpy as np

_TWO_PI = 2.0 * np.pi


def hsv_to_rgb(h: np.ndarray, s: np.ndarray | float, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB; ``h`` in [0, 1), ``s, v`` in [0, 1]. Returns float32 (..., 3)."""
    h6 = np.asarray(h, np.float32) * 6.0
    v = np.asarray(v, np.float32)
    out = np.empty(h6.shape + (3,), np.float32)
    for c, n in enumerate((5.0, 3.0, 1.0)):
        k = np.mod(n + h6, 6.0)
        out[..., c] = v - v * s * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return out


def rgb_to_hue_value(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hue in [0, 1) and value in [0, 1] of float RGB in [0, 1] (..., 3); float32."""
    rgb = np.asarray(rgb, np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx = rgb.max(axis=-1)
    c = mx - rgb.min(axis=-1)
    safe = np.where(c > 0, c, 1.0)
    h = np.where(mx == r, np.mod((g - b) / safe, 6.0),
                 np.where(mx == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    h = np.where(c > 0, h / 6.0, 0.0)
    return np.mod(h, 1.0).astype(np.float32), mx


#: Fully saturated, full-value colours of _HUE_STEPS hues, scaled to 0..255 (LUT of encode_hsv).
_HUE_STEPS = 6 * 2048
_HUE_LUT = hsv_to_rgb(np.arange(_HUE_STEPS + 1, dtype=np.float64) / _HUE_STEPS, 1.0,
                      np.ones(_HUE_STEPS + 1)) * np.float32(255.0)


#: The same table per channel (3, 2 * _HUE_STEPS + 1), indexed by ``rint(hue steps) +
#: _HUE_STEPS // 2`` for hues from atan2 in [-pi, pi] (no modulo needed).
_HUE_LUT_C = np.ascontiguousarray(
    _HUE_LUT[(np.arange(-(_HUE_STEPS // 2), _HUE_STEPS // 2 + 1) % _HUE_STEPS)].T)


def encode_hsv(flow: np.ndarray, s_f: float) -> np.ndarray:
    """Encode ``flow`` (H, W, 2) float px as uint8 RGB (H, W, 3) with scale ``s_f`` (px).

    Hues come from a table of 12288 steps (error < 0.07 of an 8-bit level before rounding).
    """
    f = np.ascontiguousarray(flow, np.float32)
    u, v = f[..., 0], f[..., 1]
    value = np.abs(f.view(np.complex64)[..., 0])            # |F| (SIMD, unlike np.hypot)
    value *= np.float32(1.0 / max(float(s_f), 1e-12))
    np.minimum(value, 1.0, out=value)
    hue = np.arctan2(v, u)
    hue *= np.float32(_HUE_STEPS / _TWO_PI)
    np.rint(hue, out=hue)
    hue += np.float32(_HUE_STEPS // 2)
    idx = hue.astype(np.intp).reshape(-1)
    value = value.reshape(-1)
    out = np.empty(f.shape[:-1] + (3,), np.uint8)
    flat = out.reshape(-1, 3)
    for c in range(3):
        ch = _HUE_LUT_C[c].take(idx, mode="clip")          # clip: NaN flow cannot raise
        ch *= value
        ch += np.float32(0.5)
        flat[:, c] = ch
    return out


def decode_hsv(rgb: np.ndarray, s_f: float) -> np.ndarray:
    """Inverse of :func:`encode_hsv`: uint8 (or float in [0, 1]) RGB (..., 3) -> float32 flow
    (..., 2) in pixels. Exact up to quantisation where ``|F| <= s_f``; saturated where larger."""
    rgb = np.asarray(rgb)
    x = rgb.astype(np.float32) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    hue, value = rgb_to_hue_value(x)
    mag = value * np.float32(s_f)
    ang = hue * np.float32(_TWO_PI)
    return np.stack([mag * np.cos(ang), mag * np.sin(ang)], axis=-1).astype(np.float32)
