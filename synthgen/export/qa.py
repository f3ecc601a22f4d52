"""Per-clip quality statistics, accumulated frame by frame in constant memory.

Percentiles come from histograms whose bins are the top 19 bits of float32 values (sign
dropped): the bit order of non-negative floats is their numeric order, so every bin spans
a relative width of 2^-10 and percentiles are exact to 0.1 % without keeping a clip's worth
of floats.
"""
from __future__ import annotations

import numpy as np

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

    def add_frame(self, seg: np.ndarray, background: np.ndarray) -> None:
        """One rendered frame: instance ids (H, W) and background mask (H, W)."""
        self.n_frames += 1
        self.pixels += background.size
        self.bg_pixels += int(np.count_nonzero(background))
        if self.subject_id is not None:
            n = int(np.count_nonzero(seg == self.subject_id))
            self.subject_pixels += n
            self.subject_frames += n > 0

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
        }
