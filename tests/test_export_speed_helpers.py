"""Exporter speed helpers behave like the plain numpy they replace (same bits, same state)."""
from __future__ import annotations

import numpy as np

from synthgen.export.blas import blas_threads, single_threaded_blas
from synthgen.export.clip import _f16_to_f32
from synthgen.export.qa import HalfHistogram


def test_single_threaded_blas_sets_and_restores_the_thread_count():
    before = blas_threads()
    if before is None:                     # numpy without its bundled OpenBLAS: a no-op
        with single_threaded_blas():
            assert blas_threads() is None
        return
    with single_threaded_blas():
        assert blas_threads() == 1
        with single_threaded_blas():       # nested: still 1, and not restored too early
            assert blas_threads() == 1
        assert blas_threads() == 1
        a = np.arange(9.0).reshape(3, 3) + np.eye(3) * 10
        np.testing.assert_allclose(np.linalg.inv(a) @ a, np.eye(3), atol=1e-12)
    assert blas_threads() == before


def test_f16_table_conversion_is_astype_bit_for_bit():
    bits = np.arange(1 << 16, dtype=np.uint16)           # every float16, NaNs and infs too
    h = bits.view(np.float16).reshape(256, 128, 2)
    got = _f16_to_f32(h)
    assert got.dtype == np.float32 and got.shape == h.shape
    np.testing.assert_array_equal(got.view(np.uint32), h.astype(np.float32).view(np.uint32))
    strided = h[:, ::3]
    np.testing.assert_array_equal(_f16_to_f32(strided).view(np.uint32),
                                  strided.astype(np.float32).view(np.uint32))


def test_half_histogram_percentiles_and_ignored_nan():
    rng = np.random.default_rng(0)
    v = rng.exponential(5.0, 100_000).astype(np.float32)
    h = HalfHistogram()
    h.add(v[:50_000])
    h.add(np.concatenate([v[50_000:], [np.nan, np.nan]]).astype(np.float32))
    assert h.total == 100_000                            # NaN not counted
    for q in (50, 90, 99):
        assert abs(h.percentile(q) / np.percentile(v, q) - 1) < 2e-3
    assert abs(h.max() / v.max() - 1) < 2e-3
    h.add(np.array([np.inf], np.float32))
    assert h.max() == np.inf


def test_keep_freed_memory_is_idempotent_and_allocation_still_works():
    import platform

    from synthgen.export.blas import keep_freed_memory
    first = keep_freed_memory()
    assert keep_freed_memory() == first
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert first is True
    a = np.ones((700, 1300, 2), np.float32)          # frame-sized buffers, freed and reused
    for _ in range(3):
        b = a * 2
        assert float(b.sum()) == 2 * a.size
        del b
