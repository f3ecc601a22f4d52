"""Resizing and cropping members consistently with the cameras (numpy only).

A :class:`Resize` maps the render image (``W x H`` pixels, pixel ``(0, 0)`` covering
``[0, 1)²``, centres at +0.5) to an output image of ``out_w x out_h``: continuous coordinates
are scaled by ``(sx, sy)`` and then shifted by the crop offset ``(x0, y0)`` (in scaled
pixels), so output pixel ``j`` samples render coordinate ``X = (j + x0 + 0.5) / sx``. Then

- intrinsics: ``fx' = sx fx``, ``cx' = sx cx - x0`` (and ``fy, cy`` with ``sy, y0``);
- flow (a displacement in pixels): ``u' = sx u``, ``v' = sy v``, sampled bilinearly at the
  new pixel centres (torch ``interpolate(mode="bilinear", align_corners=False)`` without
  antialiasing does the same);
- masks, ids, depth and scene flow: the nearest render pixel (no invented values at edges);
- point tracks (x, y): ``x' = sx x - x0``, ``y' = sy y - y0``;
- Plücker: recomputed from the new K and the poses at ``plucker_size`` (exact, never
  interpolated).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Resize:
    width: int          # render size
    height: int
    out_w: int
    out_h: int
    sx: float
    sy: float
    x0: float = 0.0     # crop offset in scaled pixels
    y0: float = 0.0

    @property
    def identity(self) -> bool:
        return (self.out_w, self.out_h) == (self.width, self.height) and self.sx == 1.0 \
            and self.sy == 1.0 and self.x0 == 0 and self.y0 == 0


def plan_resize(width: int, height: int, size, fit: str = "cover", crop: str = "center",
                rng: np.random.Generator | None = None) -> Resize:
    """How to bring a ``width x height`` clip to ``size = (out_w, out_h)``.

    ``fit``: ``cover`` (scale by one factor so the output is covered, then crop the excess),
    ``stretch`` (scale each axis to fit exactly, no crop), ``crop`` (no scaling: crop only;
    the clip must be at least ``size``). ``crop``: ``center`` or ``random`` (needs ``rng``;
    whole scaled pixels).
    """
    out_w, out_h = (int(s) for s in size)
    if out_w < 1 or out_h < 1:
        raise ValueError(f"size {size!r}: width and height must be >= 1")
    if fit == "stretch":
        return Resize(width, height, out_w, out_h, out_w / width, out_h / height)
    if fit == "cover":
        s = max(out_w / width, out_h / height)
    elif fit == "crop":
        if out_w > width or out_h > height:
            raise ValueError(f"fit='crop': clip {width}x{height} is smaller than {out_w}x{out_h}")
        s = 1.0
    else:
        raise ValueError(f"fit {fit!r}: choose cover, stretch or crop")
    spare_x, spare_y = max(0, int(np.floor(width * s - out_w + 1e-9))), \
        max(0, int(np.floor(height * s - out_h + 1e-9)))
    if crop == "center":
        x0, y0 = spare_x // 2, spare_y // 2
    elif crop == "random":
        if rng is None:
            raise ValueError("crop='random' needs a numpy Generator")
        x0, y0 = int(rng.integers(0, spare_x + 1)), int(rng.integers(0, spare_y + 1))
    else:
        raise ValueError(f"crop {crop!r}: choose center or random")
    return Resize(width, height, out_w, out_h, s, s, float(x0), float(y0))


def adjust_K(K: np.ndarray, r: Resize) -> np.ndarray:
    """Intrinsics ``(..., 3, 3)`` of the resized, cropped image."""
    A = np.array([[r.sx, 0.0, -r.x0], [0.0, r.sy, -r.y0], [0.0, 0.0, 1.0]])
    return A @ np.asarray(K, np.float64)


def _source_coords(n_out: int, scale: float, offset: float, n_in: int):
    """Render index coordinates (centres at integers) of the output pixel centres."""
    return (np.arange(n_out) + offset + 0.5) / scale - 0.5


def _linear_taps(n_out: int, scale: float, offset: float, n_in: int):
    x = np.clip(_source_coords(n_out, scale, offset, n_in), 0.0, n_in - 1)
    i0 = np.floor(x).astype(np.intp)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w = (x - i0).astype(np.float32)
    return i0, i1, w


def _nearest_taps(n_out: int, scale: float, offset: float, n_in: int):
    x = (np.arange(n_out) + offset + 0.5) / scale
    return np.clip(np.floor(x).astype(np.intp), 0, n_in - 1)


def resize_nearest(a: np.ndarray, r: Resize, axes: tuple[int, int]) -> np.ndarray:
    """Nearest-pixel resample of ``a`` whose image rows/columns are ``axes``."""
    ys = _nearest_taps(r.out_h, r.sy, r.y0, r.height)
    xs = _nearest_taps(r.out_w, r.sx, r.x0, r.width)
    return np.take(np.take(a, ys, axis=axes[0]), xs, axis=axes[1])


_PACK = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _to_f32(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32)


def _packed(a: np.ndarray, col_axis: int):
    """``a`` with a trailing channel axis (after the columns) folded into one wide word, so
    gathering columns moves whole pixels; and the function that unfolds it again."""
    item = a.shape[-1] * a.dtype.itemsize if a.ndim else 0
    if col_axis != a.ndim - 2 or item not in _PACK or not a.flags.c_contiguous:
        return a, lambda x: x
    dtype, channels = a.dtype, a.shape[-1]
    return a.view(_PACK[item])[..., 0], \
        lambda x: np.ascontiguousarray(x)[..., None].view(dtype).reshape(x.shape + (channels,))


def resize_linear(a: np.ndarray, r: Resize, axes: tuple[int, int]) -> np.ndarray:
    """Bilinear resample (float32) of ``a`` whose image rows/columns are ``axes``: the four
    taps are gathered in the input dtype (whole pixels at a time), then blended in float32."""
    ay, ax = axes
    y0, y1, wy = _linear_taps(r.out_h, r.sy, r.y0, r.height)
    x0, x1, wx = _linear_taps(r.out_w, r.sx, r.x0, r.width)
    packed, unpack = _packed(np.asarray(a), ax)
    cols = [np.take(packed, x, axis=ax) for x in (x0, x1)]
    (a00, a01), (a10, a11) = [[_to_f32(unpack(np.take(c, y, axis=ay))) for y in (y0, y1)]
                              for c in cols]
    shape_y, shape_x = [1] * a00.ndim, [1] * a00.ndim
    shape_y[ay], shape_x[ax] = r.out_h, r.out_w
    wy, wx = wy.reshape(shape_y), wx.reshape(shape_x)
    for lo, hi in ((a00, a01), (a10, a11)):      # along y, in place: lo + (hi - lo) wy
        hi -= lo
        hi *= wy
        lo += hi
    a10 -= a00                                    # then along x
    a10 *= wx
    a00 += a10
    return a00


def resize_flow(flow: np.ndarray, r: Resize, *, nearest: bool = False) -> np.ndarray:
    """Flow ``(..., H, W, 2)`` in render pixels -> output pixels (same dtype)."""
    axes = (flow.ndim - 3, flow.ndim - 2)
    out = resize_nearest(flow, r, axes).astype(np.float32) if nearest else resize_linear(flow, r, axes)
    out *= np.array([r.sx, r.sy], np.float32)
    return out.astype(flow.dtype)


def resize_points(xy: np.ndarray, r: Resize) -> np.ndarray:
    """Pixel positions ``(..., 2)`` (x, y) in render pixels -> output pixels (same dtype):
    ``x' = sx x - x0``, ``y' = sy y - y0`` (the map of continuous coordinates K follows)."""
    out = np.asarray(xy, np.float64) * [r.sx, r.sy] - [r.x0, r.y0]
    return out.astype(np.asarray(xy).dtype)


def resize_image(img: np.ndarray, r: Resize) -> np.ndarray:
    """uint8 frames ``(..., H, W, 3)`` resampled bilinearly (rounded back to uint8)."""
    out = resize_linear(img, r, (img.ndim - 3, img.ndim - 2))
    return np.clip(np.rint(out), 0, 255).astype(img.dtype)


# --------------------------------------------------------------------------- Plücker
def plucker(Ks: np.ndarray, c2ws: np.ndarray, width: int, height: int,
            out_w: int, out_h: int) -> np.ndarray:
    """Plücker embeddings ``[o × d, d]``, float16 ``(T, 6, out_h, out_w)``: ``d`` the unit ray
    through each pixel centre and ``o`` the camera centre, in the axes of the first camera
    (poses relative to frame 0). ``Ks`` are for ``width x height`` pixels."""
    c2ws = np.asarray(c2ws, np.float64)
    rel = np.linalg.inv(c2ws[0])[None] @ c2ws
    S = np.diag([out_w / width, out_h / height, 1.0])
    u, v = np.meshgrid(np.arange(out_w) + 0.5, np.arange(out_h) + 0.5)
    pix = np.stack([u, v, np.ones_like(u)], axis=-1)
    out = np.empty((len(rel), 6, out_h, out_w), np.float16)
    for t, (K, pose) in enumerate(zip(np.asarray(Ks, np.float64), rel)):
        rays = pix @ np.linalg.inv(S @ K).T @ pose[:3, :3].T
        d = rays / np.linalg.norm(rays, axis=-1, keepdims=True)
        m = np.cross(np.broadcast_to(pose[:3, 3], d.shape), d)
        out[t] = np.concatenate([m, d], axis=-1).transpose(2, 0, 1)
    return out
