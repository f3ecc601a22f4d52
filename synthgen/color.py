"""Colour: the sRGB transfer function both ways, blackbody colour temperature -> linear
Rec.709 RGB. numpy only (no bpy)."""
from __future__ import annotations

import numpy as np

_H, _C, _KB = 6.62607015e-34, 2.99792458e8, 1.380649e-23
_XYZ_TO_RGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                        [-0.9692660, 1.8760108, 0.0415560],
                        [0.0556434, -0.2040259, 1.0572252]])


def _lobe(lam: np.ndarray, mu: float, s1: float, s2: float) -> np.ndarray:
    s = np.where(lam < mu, s1, s2)
    return np.exp(-0.5 * ((lam - mu) / s) ** 2)


def cie_cmf(lam_nm: np.ndarray) -> np.ndarray:
    """CIE 1931 2° colour-matching functions, (N, 3), analytic multi-lobe fit
    (Wyman, Sloan & Shirley 2013, JCGT 2(2))."""
    x = 1.056 * _lobe(lam_nm, 599.8, 37.9, 31.0) + 0.362 * _lobe(lam_nm, 442.0, 16.0, 26.7) \
        - 0.065 * _lobe(lam_nm, 501.1, 20.4, 26.2)
    y = 0.821 * _lobe(lam_nm, 568.8, 46.9, 40.5) + 0.286 * _lobe(lam_nm, 530.9, 16.3, 31.1)
    z = 1.217 * _lobe(lam_nm, 437.0, 11.8, 36.0) + 0.681 * _lobe(lam_nm, 459.0, 26.0, 13.8)
    return np.stack([x, y, z], axis=-1)


def blackbody_rgb(kelvin: float) -> np.ndarray:
    """Linear Rec.709/sRGB colour of a blackbody at ``kelvin``, shape (3,), float64.

    Planck's law integrated against the CIE 1931 observer, XYZ -> linear Rec.709 (D65),
    negatives clipped, scaled so the largest channel is 1 (brightness is the light's
    power, not its colour). 6500 K is close to white; lower is redder, higher bluer.
    """
    lam = np.arange(380.0, 781.0, 1.0)
    m = lam * 1e-9
    with np.errstate(over="ignore"):
        planck = 2 * _H * _C ** 2 / m ** 5 / np.expm1(_H * _C / (m * _KB * float(kelvin)))
    xyz = planck @ cie_cmf(lam)
    rgb = np.clip(_XYZ_TO_RGB @ (xyz / xyz[1]), 0.0, None)
    return rgb / rgb.max()


def decode_srgb(c) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear (the sRGB transfer function, inverted)."""
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def encode_srgb(linear) -> np.ndarray:
    """Linear values -> sRGB-encoded values in [0, 1] (clipped to [0, 1] first)."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
