"""Optical flow from the Cycles Vector pass, background fill and forward-backward validity.

Conventions (docs/CONVENTIONS.md §4): flow is in pixels at render resolution, ``(u, v)`` = (right,
down); the forward flow ``F_t`` maps frame t to t+1 (the point at pixel ``x`` in frame t is
at ``x + F_t(x)`` in frame t+1), the backward flow ``B_t`` maps t to t-1. Pixel centres
are at integer + 0.5. The Vector pass channels X, Y, Z, W give **forward = (-Z, +W)** and
**backward = (+X, -Y)**.

Cycles writes zero motion for the world background (depth ~1e10); those pixels get the
flow of points at infinity, which only the camera rotation and intrinsics move:
``x' ~ K_to · R_w2c(to) · R_c2w(from) · K_from⁻¹ · x̃``.
"""
from __future__ import annotations

import logging

import numpy as np

from ..camera import inverse_K

log = logging.getLogger(__name__)

#: Depth at or beyond this (metres) is the world background (Cycles writes 1e10).
BACKGROUND_MIN_DEPTH = 1e9

#: Forward-backward consistency test (Sundaram et al. 2010): a pixel is occluded when
#: |F + B|^2 > FB_ALPHA * (|F|^2 + |B|^2) + FB_BETA  (pixels^2).
FB_ALPHA = 0.01
FB_BETA = 0.5


def vector_to_flows(vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a Vector pass ``(H, W, 4)`` (X, Y, Z, W) into forward and backward flow.

    Returns ``(forward, backward)``, each float32 ``(H, W, 2)`` in pixels, (u, v) =
    (right, down): forward = (-Z, +W), backward = (+X, -Y).
    """
    v = np.asarray(vector, dtype=np.float32)
    fwd = np.empty(v.shape[:2] + (2,), np.float32)
    bwd = np.empty_like(fwd)
    np.negative(v[..., 2], out=fwd[..., 0])
    fwd[..., 1] = v[..., 3]
    bwd[..., 0] = v[..., 0]
    np.negative(v[..., 1], out=bwd[..., 1])
    return fwd, bwd


def channels_to_flows(x: np.ndarray, y: np.ndarray, z: np.ndarray, w: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`vector_to_flows` from the four Vector channels as separate ``(H, W)`` arrays
    (as read from the EXR), without stacking them first."""
    fwd = np.empty(np.shape(x) + (2,), np.float32)
    bwd = np.empty_like(fwd)
    np.negative(z, out=fwd[..., 0])
    fwd[..., 1] = w
    bwd[..., 0] = x
    np.negative(y, out=bwd[..., 1])
    return fwd, bwd


def background_mask(depth: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)``: pixels that see the world background (depth >= 1e9 or non-finite)."""
    d = np.asarray(depth)
    return ~(d < BACKGROUND_MIN_DEPTH)


def rotation_homography(K_from, c2w_from, K_to, c2w_to) -> np.ndarray:
    """3x3 ``K_to · R_w2c(to) · R_c2w(from) · K_from⁻¹``: maps pixels of points at infinity."""
    R = np.asarray(c2w_to, np.float64)[:3, :3].T @ np.asarray(c2w_from, np.float64)[:3, :3]
    return np.asarray(K_to, np.float64) @ R @ inverse_K(K_from)


def rotation_flow(K_from, c2w_from, K_to, c2w_to, width: int, height: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Flow of points at infinity from camera ``from`` to camera ``to`` at every pixel centre.

    ``K_*`` are 3x3 pixel intrinsics, ``c2w_*`` 4x4 camera-to-world in OpenCV axes. Only
    the rotations matter. Returns ``(flow float32 (H, W, 2), ahead bool (H, W))`` where
    ``ahead`` is False for directions behind the ``to`` camera (flow set to 0 there).
    """
    M = rotation_homography(K_from, c2w_from, K_to, c2w_to)
    M = M.astype(np.float32)
    u = (np.arange(width, dtype=np.float32) + np.float32(0.5))[None, :]
    v = (np.arange(height, dtype=np.float32) + np.float32(0.5))[:, None]
    # the pixel-centre ray (u, v, 1) scaled by K_from⁻¹'s z (= 1): x' = M · (u, v, 1)
    z = M[2, 0] * u + M[2, 1] * v + M[2, 2]
    ahead = z > 1e-12
    all_ahead = bool(ahead.all())          # the usual case: skip the masking passes
    if all_ahead:
        inv_z = np.divide(np.float32(1.0), z, out=z)
    else:
        inv_z = np.where(ahead, np.float32(1.0) / np.where(ahead, z, np.float32(1.0)), np.float32(0.0))
    flow = np.empty((height, width, 2), np.float32)
    t = np.empty((height, width), np.float32)
    for c, own in ((0, u), (1, v)):         # ((M_c0 u + M_c1 v) + M_c2) / z - own, in place
        np.add(M[c, 0] * u, M[c, 1] * v, out=t)
        t += M[c, 2]
        t *= inv_z
        np.subtract(t, own, out=flow[..., c])
    if not all_ahead:
        flow[~ahead] = 0.0
    return flow, ahead


def fill_background(flow: np.ndarray, depth: np.ndarray, K_from, c2w_from, K_to, c2w_to
                    ) -> np.ndarray:
    """Overwrite ``flow`` (H, W, 2) on background pixels with the rotation-only flow, in place.

    Returns a boolean ``(H, W)`` mask of background pixels whose direction ends behind the
    ``to`` camera (undefined flow; callers mark them invalid).
    """
    bg = background_mask(depth)
    h, w = bg.shape
    if not bg.any():
        return np.zeros_like(bg)
    rot, ahead = rotation_flow(K_from, c2w_from, K_to, c2w_to, w, h)
    if flow.dtype == np.float32 and flow.flags.c_contiguous:   # (u, v) pairs as complex64
        np.copyto(flow.view(np.complex64)[..., 0], rot.view(np.complex64)[..., 0], where=bg)
    else:
        np.copyto(flow, rot, where=bg[..., None])
    return bg & ~ahead


def bilinear_sample(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample ``img`` (H, W, C) at continuous pixel positions ``x, y`` (pixel centres at +0.5).

    Positions between the outermost pixel centres and the image border take the edge value.
    Returns float32 ``x.shape + (C,)``.
    """
    img = np.ascontiguousarray(img, np.float32)
    if img.shape[-1] == 2:
        return _bilinear_complex(img.view(np.complex64)[..., 0], x, y).view(np.float32
                                                                            ).reshape(np.shape(x) + (2,))
    return np.stack([_bilinear_real(img[..., c], x, y) for c in range(img.shape[-1])], axis=-1)


def _corners(shape, x, y):
    h, w = shape
    fx = np.clip(np.asarray(x, np.float32) - np.float32(0.5), 0.0, w - 1.0)
    fy = np.clip(np.asarray(y, np.float32) - np.float32(0.5), 0.0, h - 1.0)
    x0 = np.minimum(fx.astype(np.int32), max(w - 2, 0))
    y0 = np.minimum(fy.astype(np.int32), max(h - 2, 0))
    fx -= x0
    fy -= y0
    i00 = y0 * w
    i00 += x0
    return i00, (1 if w > 1 else 0), (w if h > 1 else 0), fx, fy


def _bilinear_real(img: np.ndarray, x, y) -> np.ndarray:
    i00, dx, dy, ax, ay = _corners(img.shape, x, y)
    flat = img.reshape(-1)
    top = flat.take(i00)
    top += (flat.take(i00 + dx) - top) * ax
    bot = flat.take(i00 + dy)
    bot += (flat.take(i00 + (dy + dx)) - bot) * ax
    top += (bot - top) * ay
    return top


def _bilinear_complex(img: np.ndarray, x, y) -> np.ndarray:
    """Bilinear lookup of a complex64 (H, W) image (two float channels in one element)."""
    return _bilinear_real(img, x, y)


def fb_consistency(fwd: np.ndarray, bwd_next: np.ndarray, *, alpha: float = FB_ALPHA,
                   beta: float = FB_BETA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward-backward check of ``F_t`` (H, W, 2) against ``B_{t+1}`` (H, W, 2).

    ``B_{t+1}`` is looked up bilinearly at ``x + F_t(x)``. Returns
    ``(valid bool, error float32 px = |F + B(x+F)|, inside bool)``: ``inside`` is False where
    ``x + F`` leaves the frame; ``valid`` = inside and consistent within
    ``alpha * (|F|^2 + |B|^2) + beta`` (squared pixels).
    """
    valid, err, inside, _ = fb_check(fwd, bwd_next, alpha=alpha, beta=beta)
    return valid, err, inside


#: Pixels per block of :func:`fb_check` (whole rows): a block's temporaries stay in the CPU
#: cache (whole 832x480 frames at once run 4x slower).
FB_BLOCK_PIXELS = 40_000


def fb_check(fwd: np.ndarray, bwd_next: np.ndarray, *, alpha: float = FB_ALPHA,
             beta: float = FB_BETA) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`fb_consistency` plus ``|F|`` float32 (H, W): ``(valid, err, inside, fwd_mag)``.

    Works in blocks of about :data:`FB_BLOCK_PIXELS` pixels with in-place numpy operations
    (same arithmetic, bit for bit, as :func:`bilinear_sample` followed by the test).
    """
    h, w = fwd.shape[:2]
    fwd = np.ascontiguousarray(fwd, np.float32)
    fc_all = fwd.view(np.complex64)[..., 0]
    lookup = _BilinearComplex(bwd_next, w, h)
    valid = np.empty((h, w), bool)
    inside = np.empty((h, w), bool)
    err = np.empty((h, w), np.float32)
    fmag = np.empty((h, w), np.float32)
    rows = max(1, FB_BLOCK_PIXELS // max(w, 1))
    for r0 in range(0, h, rows):
        r1 = min(r0 + rows, h)
        idx, ax, ay = _block_taps(fwd, r0, r1, w, h, inside[r0:r1])
        back = lookup.sample(idx, ax, ay)                    # B(x + F), complex (n,)
        _fb_test(fc_all[r0:r1].reshape(-1), back, err[r0:r1].reshape(-1),
                 fmag[r0:r1].reshape(-1), valid[r0:r1].reshape(-1), alpha, beta)
        valid[r0:r1] &= inside[r0:r1]
    return valid, err, inside, fmag


def _block_taps(fwd: np.ndarray, r0: int, r1: int, w: int, h: int, ins: np.ndarray):
    """Rows ``r0:r1``: where ``x + F`` lands (``ins``: inside the frame, written in place),
    as the flat index of its top-left bilinear tap and complex64 weights ``(ax, ay)``."""
    x = fwd[r0:r1, :, 0] + (np.arange(w, dtype=np.float32) + np.float32(0.5))   # targets
    y = fwd[r0:r1, :, 1] + (np.arange(r0, r1, dtype=np.float32) + np.float32(0.5))[:, None]
    np.greater_equal(x, 0, out=ins)
    ins &= x < w
    ins &= y >= 0
    ins &= y < h
    x -= np.float32(0.5)                                   # -> pixel-centre grid
    y -= np.float32(0.5)
    np.clip(x, 0.0, w - 1.0, out=x)
    np.clip(y, 0.0, h - 1.0, out=y)
    x0 = np.minimum(np.floor(x), np.float32(max(w - 2, 0)))
    y0 = np.minimum(np.floor(y), np.float32(max(h - 2, 0)))
    x -= x0                                                # bilinear weights
    y -= y0
    y0 *= np.float32(w)
    y0 += x0
    idx = y0.astype(np.intp).reshape(-1)                   # < 2**24: exact in float32
    # complex x real weight: same bits as the real arithmetic, in SIMD loops
    return idx, x.reshape(-1).astype(np.complex64), y.reshape(-1).astype(np.complex64)


class _BilinearComplex:
    """Bilinear lookups in a (H, W, 2) float32 image viewed as complex64 (H·W,)."""

    def __init__(self, img: np.ndarray, w: int, h: int):
        flat = np.ascontiguousarray(img, np.float32).view(np.complex64).reshape(-1)
        self.flat = flat
        self.dx, self.dy = (1 if w > 1 else 0), (w if h > 1 else 0)
        self.pairs = self.pairs_dn = None
        if w > 1:   # each pixel with its right neighbour as one complex128 (8-byte stride view)
            self.pairs = np.ndarray((flat.size - 1,), np.complex128, flat, 0, (8,))
            self.pairs_dn = np.ndarray((flat.size - 1 - self.dy,), np.complex128, flat,
                                       8 * self.dy, (8,))

    def sample(self, idx: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> np.ndarray:
        n = len(idx)
        if self.pairs is not None:                               # one 16-byte gather per row
            p0 = self.pairs[idx].view(np.complex64).reshape(n, 2)     # (b00, b01)
            p1 = self.pairs_dn[idx].view(np.complex64).reshape(n, 2)  # (b10, b11)
            b00, d, b10, d1 = p0[:, 0], p0[:, 1] - p0[:, 0], p1[:, 0], p1[:, 1] - p1[:, 0]
        else:
            flat, dx, dy = self.flat, self.dx, self.dy
            b00, b10 = flat.take(idx), flat[dy:].take(idx)
            d, d1 = flat[dx:].take(idx) - b00, flat[dy + dx:].take(idx) - b10
        d *= ax
        top = np.add(b00, d)
        d1 *= ax
        bot = np.add(b10, d1)
        bot -= top
        bot *= ay
        top += bot
        return top


def _fb_test(fc: np.ndarray, back: np.ndarray, e: np.ndarray, fm: np.ndarray, v: np.ndarray,
             alpha: float, beta: float) -> None:
    """Error ``|F + B|``, ``|F|`` and the consistency test into ``e``, ``fm``, ``v`` (flat)."""
    np.abs(np.add(fc, back), out=e)
    np.abs(fc, out=fm)
    bm = np.abs(back)
    bound = fm * fm
    bm *= bm
    bound += bm
    bound *= np.float32(alpha)
    bound += np.float32(beta)
    np.less_equal(e * e, bound, out=v)


def angular_speed_deg_s(c2ws: np.ndarray, fps: float) -> np.ndarray:
    """Camera angular speed (deg/s) between consecutive poses ``c2ws`` (N, 4, 4): shape (N-1,)."""
    R = np.asarray(c2ws, np.float64)[:, :3, :3]
    rel = np.einsum("nji,njk->nik", R[:-1], R[1:])
    cos = np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)
    return np.degrees(np.arccos(cos)) * float(fps)
