"""Per-clip quality statistics, accumulated frame by frame in constant memory.

Percentiles come from histograms whose bins are the top 19 bits of float32 values (sign
dropped): the bit order of non-negative floats is their numeric order, so every bin spans
a relative width of 2^-10 and percentiles are exact to 0.1 % without keeping a clip's worth
of floats.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..characters import bodies
from .flow import bilinear_sample

#: Photometric check (full mode): images are smoothed (Gaussian, px) to damp sampling noise,
#: and only pixels where moving the image must change it count.
PHOTO_SIGMA = 1.0
PHOTO_MIN_FLOW = 0.5          # px
PHOTO_MIN_GRADIENT = 0.05     # relative to the frame's mean intensity, per pixel
#: Too few textured moving pixels, or an identity warp this good: the ratio says nothing.
MIN_PHOTO_PIXELS = 50
MIN_IDENTITY_MAE = 1e-3
#: A clip whose warp error exceeds this fraction of the identity warp's: RGB and flow disagree.
PHOTO_RATIO_LIMIT = 0.5

_SHIFT = 13
_N_BINS = (0x7F800000 >> _SHIFT) + 1     # non-negative finite float32 bins, plus +inf


def _bin_value(idx: int) -> float:
    """Centre of bin ``idx`` (bin 0 gives 0, the inf bin gives inf)."""
    if idx == 0:
        return 0.0
    bits = np.uint32((idx << _SHIFT) | (1 << (_SHIFT - 1)) if idx < _N_BINS - 1 else 0x7F800000)
    return float(bits.view(np.float32))


class HalfHistogram:
    """Histogram of |values| with bins of relative width 2^-10 (float32 bit patterns >> 13)."""

    def __init__(self) -> None:
        self.counts = np.zeros(_N_BINS, np.int64)

    def add(self, values: np.ndarray) -> None:
        """Count ``values`` (any shape; the sign is dropped; NaN are ignored)."""
        bits = np.ascontiguousarray(values, np.float32).reshape(-1).view(np.uint32) & 0x7FFFFFFF
        bits >>= _SHIFT                                  # NaN patterns land above +inf
        hist = np.bincount(bits)                         # up to the largest bin present
        n = min(len(hist), _N_BINS)
        self.counts[:n] += hist[:n]

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def percentile(self, q: float) -> float | None:
        """Smallest value with at least ``q`` % of the counts at or below it (None if empty)."""
        n = self.total
        if n == 0:
            return None
        rank = max(1, int(np.ceil(q / 100.0 * n)))
        idx = int(np.searchsorted(np.cumsum(self.counts), rank))
        return _bin_value(idx)

    def max(self) -> float | None:
        nz = np.flatnonzero(self.counts)
        return _bin_value(int(nz[-1])) if len(nz) else None


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


class ClipQA:
    """Accumulates a clip's QA figures; :meth:`result` gives the dict stored in json/index."""

    def __init__(self, subject_id: int | None) -> None:
        self.mag = HalfHistogram()
        self.fb = HalfHistogram()
        self.subject_id = subject_id
        self.n_frames = 0
        self.subject_frames = 0
        self.subject_pixels = 0
        self.bg_pixels = 0
        self.pixels = 0
        self.valid_pixels = 0
        self.pair_pixels = 0
        self.unknown_ids = 0
        self.photo = np.zeros(3)

    def add_frame(self, seg: np.ndarray, background: np.ndarray) -> None:
        """One rendered frame: instance ids (H, W) and background mask (H, W)."""
        self.n_frames += 1
        self.pixels += background.size
        self.bg_pixels += int(np.count_nonzero(background))
        if self.subject_id is not None:
            n = int(np.count_nonzero(seg == self.subject_id))
            self.subject_pixels += n
            self.subject_frames += n > 0

    def add_ids(self, seg: np.ndarray, known: np.ndarray) -> None:
        """Count pixels whose instance id is not one of ``known`` (the job's ids)."""
        lut = np.zeros(max(int(seg.max()), int(known.max())) + 1, bool)
        lut[known] = True
        self.unknown_ids += int(np.count_nonzero(~lut[seg]))

    def add_photo(self, sums: np.ndarray) -> None:
        """One pair's :func:`photometric_sums` (full mode)."""
        self.photo += sums

    def add_pair(self, flow_mag: np.ndarray, fb_err: np.ndarray, valid: np.ndarray) -> None:
        """One flow pair: |F| (H, W), fb error (H, W) px, valid mask (H, W)."""
        self.mag.add(flow_mag)
        self.fb.add(fb_err[valid])
        self.valid_pixels += int(np.count_nonzero(valid))
        self.pair_pixels += valid.size

    def result(self, peak_angular_speed: float | None) -> dict:
        has_subject = self.subject_id is not None
        return {
            "flow_mag_p50": _r(self.mag.percentile(50)),
            "flow_mag_p90": _r(self.mag.percentile(90)),
            "flow_mag_p99": _r(self.mag.percentile(99)),
            "flow_mag_max": _r(self.mag.max()),
            "fb_err_p90": _r(self.fb.percentile(90)),
            "valid_fraction": _r(self.valid_pixels / self.pair_pixels if self.pair_pixels else None),
            "background_fraction": _r(self.bg_pixels / self.pixels if self.pixels else None),
            "subject_in_frame_ratio": _r(self.subject_frames / self.n_frames
                                         if has_subject and self.n_frames else None),
            "subject_coverage": _r(self.subject_pixels / self.pixels
                                   if has_subject and self.pixels else None),
            "peak_angular_speed_deg_s": _r(peak_angular_speed, 3),
            "unknown_id_pixels": self.unknown_ids,
            "photometric_ratio": _r(photometric_ratio(self.photo)),
        }


# --------------------------------------------------------------------------- photometric
def smooth(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` float64 RGB blurred by a Gaussian of :data:`PHOTO_SIGMA` px per channel."""
    return ndimage.gaussian_filter(np.asarray(rgb, np.float64), sigma=(PHOTO_SIGMA, PHOTO_SIGMA, 0),
                                   mode="nearest")


def textured(img: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: pixels of a (smoothed) ``(H, W, 3)`` image whose gradient (channel
    mean, larger of the u and v central differences) is at least :data:`PHOTO_MIN_GRADIENT`
    times the image's mean intensity."""
    gu = np.abs(np.gradient(img, axis=1)).mean(axis=-1)
    gv = np.abs(np.gradient(img, axis=0)).mean(axis=-1)
    return np.maximum(gu, gv) >= PHOTO_MIN_GRADIENT * max(float(img.mean()), 1e-6)


def photometric_sums(rgb_t: np.ndarray, rgb_next: np.ndarray, flow: np.ndarray,
                     valid: np.ndarray) -> np.ndarray:
    """``[sum |RGB_t+1(x+F) - RGB_t(x)|, sum |RGB_t+1(x) - RGB_t(x)|, n]`` over ``valid``
    pixels that are textured in frame t and move at least :data:`PHOTO_MIN_FLOW` px (elsewhere
    the identity warp is right for the wrong reason); both images smoothed first. The means
    are sums / (3 n). ``flow`` is ``F_t`` (H, W, 2) in pixels."""
    cur, nxt = smooth(rgb_t), smooth(rgb_next)
    moving = np.hypot(flow[..., 0], flow[..., 1]) >= PHOTO_MIN_FLOW
    m = valid & moving & textured(cur)
    if not m.any():
        return np.zeros(3)
    rows, cols = np.nonzero(m)
    x = cols + 0.5 + flow[rows, cols, 0]
    y = rows + 0.5 + flow[rows, cols, 1]
    warped = bilinear_sample(nxt, x, y).astype(np.float64)
    ref = cur[m]
    return np.array([np.abs(warped - ref).sum(), np.abs(nxt[m] - ref).sum(), float(m.sum())])


# --------------------------------------------------------------------------- people
def people_clearance(job) -> float | None:
    """The smallest gap (m) between any two people of ``job`` over the clip, measured on
    capsules of the motion the worker bakes (:mod:`synthgen.characters.bodies`); None when
    fewer than two, or a character has no Blender-free rig (a Mixamo file). Negative: two
    bodies overlap."""
    if len(job.subjects) < 2 or not all(bodies.has_rig(s.character.location) for s in job.subjects):
        return None
    return _r(bodies.clearance(job.subjects))


def photometric_ratio(sums: np.ndarray) -> float | None:
    """Warp MAE over identity-warp MAE from :func:`photometric_sums` totals (None: too few
    textured moving pixels, or nothing changes between frames)."""
    warp, ident, n = sums
    if n < MIN_PHOTO_PIXELS or ident / (3 * n) < MIN_IDENTITY_MAE:
        return None
    return float(warp / ident)


# --------------------------------------------------------------------------- gate
def quality_problems(qa: dict, max_fb_p90: float | None) -> list[str]:
    """Why a clip with these QA figures must not be exported (empty: it may)."""
    out = []
    fb = qa.get("fb_err_p90")
    if max_fb_p90 is not None and fb is not None and fb > max_fb_p90:
        out.append(f"fb-consistency p90 {fb:.3f} px > {max_fb_p90:g}")
    if qa.get("unknown_id_pixels"):
        out.append(f"{qa['unknown_id_pixels']} pixels carry object ids the job does not list")
    ratio = qa.get("photometric_ratio")
    if ratio is not None and ratio > PHOTO_RATIO_LIMIT:
        out.append(f"photometric ratio {ratio:.3f} > {PHOTO_RATIO_LIMIT:g} (RGB and flow disagree)")
    return out
