"""Lossless codecs for the array members, compared on real exported members.

    python bench/codecs.py DIR                  # DIR: a shard's members, extracted (tar xf)
    python bench/codecs.py DIR --members flow,depth --threads 2

For each ``*.npy`` member in DIR and each candidate (zstd alone, synthgen's SGZ filter chains,
blosc2, numcodecs' Blosc where installed), prints the compression ratio, encode and decode
wall time (MB/s of raw array bytes) and checks the round trip is bit-exact. blosc2 and
numcodecs are optional (``pip install blosc2 numcodecs``): missing ones are skipped.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from synthgen_reader import codec


def sgz(filters, level=3, member=None):
    def enc(a, threads):
        return codec.encode_array(a, filters, level, member=member, threads=threads)

    def dec(b, threads):
        return codec.decode_array(b, threads=threads)
    return enc, dec


def plain_zstd(level):
    import zstandard

    def enc(a, threads):
        return zstandard.ZstdCompressor(level=level, threads=threads).compress(a.tobytes())

    def dec(b, threads, like):
        return np.frombuffer(zstandard.ZstdDecompressor().decompress(b), like.dtype).reshape(like.shape)
    return enc, dec


def blosc2_codec(filters, level):
    import blosc2

    def enc(a, threads):
        blosc2.set_nthreads(threads)
        return blosc2.compress2(np.ascontiguousarray(a), typesize=a.dtype.itemsize, clevel=level,
                                codec=blosc2.Codec.ZSTD, filters=filters,
                                filters_meta=[0] * len(filters))

    def dec(b, threads, like):
        blosc2.set_nthreads(threads)
        return np.frombuffer(blosc2.decompress2(b), like.dtype).reshape(like.shape)
    return enc, dec


def numcodecs_blosc(level):
    from numcodecs import Blosc

    def enc(a, threads):
        Blosc.use_threads = threads > 1
        return Blosc(cname="zstd", clevel=level, shuffle=Blosc.SHUFFLE).encode(np.ascontiguousarray(a))

    def dec(b, threads, like):
        return np.frombuffer(Blosc(cname="zstd").decode(b), like.dtype).reshape(like.shape)
    return enc, dec


def candidates(arr: np.ndarray, member: str) -> dict:
    out = {"zstd-1": plain_zstd(1), "zstd-3": plain_zstd(3),
           "sgz default (synthgen)": sgz(None, member=member), "sgz none-3": sgz([])}
    if arr.dtype.kind == "f":
        out["sgz shuffle-3"] = sgz([{"id": "shuffle"}])
        main = codec.default_filters(arr.dtype, arr.shape, member)[0]["axis"] % arr.ndim
        image = (arr.ndim - 3, arr.ndim - 2) if arr.shape[-1] <= 4 else (arr.ndim - 2, arr.ndim - 1)
        rows, cols = image
        for ax, name in ((rows, "rows"), (cols, "columns")):
            for lvl in (1, 3, 5):
                out[f"sgz delta({name})+shuffle-{lvl}"] = sgz(
                    [{"id": "delta", "axis": ax}, {"id": "shuffle"}], lvl)
        out[f"sgz delta(axis {main}), no shuffle-3"] = sgz([{"id": "delta", "axis": main}])
        if rows > 0:
            out["sgz delta(T)+shuffle-3"] = sgz([{"id": "delta", "axis": 0}, {"id": "shuffle"}])
    try:
        import blosc2
        F = blosc2.Filter
        for lvl in (1, 3):
            out[f"blosc2 shuffle+zstd-{lvl}"] = blosc2_codec([F.SHUFFLE], lvl)
            out[f"blosc2 bitshuffle+zstd-{lvl}"] = blosc2_codec([F.BITSHUFFLE], lvl)
        out["blosc2 delta+shuffle+zstd-3"] = blosc2_codec([F.DELTA, F.SHUFFLE], 3)
    except ImportError:
        pass
    try:
        import numcodecs  # noqa: F401
        out["numcodecs Blosc zstd-3"] = numcodecs_blosc(3)
    except ImportError:
        pass
    return out


def run_one(arr: np.ndarray, enc, dec, threads: int):
    t0 = time.perf_counter()
    blob = enc(arr, threads)
    t1 = time.perf_counter()
    try:
        back = dec(blob, threads)
    except TypeError:
        back = dec(blob, threads, arr)
    t2 = time.perf_counter()
    exact = back.shape == arr.shape and np.array_equal(back.view(np.uint8), arr.view(np.uint8))
    return len(blob), t1 - t0, t2 - t1, exact


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--members", default=None, help="comma list (default: every *.npy)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default=None, help="comma list of candidate name prefixes")
    args = ap.parse_args()
    want = None if args.members is None else set(args.members.split(","))
    print(f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, {args.threads} threads")
    for path in sorted(args.dir.glob("*.npy")):
        member = path.name.split(".")[-2]
        if want is not None and member not in want:
            continue
        arr = np.load(path)
        mb = arr.nbytes / 1e6
        print(f"\n{member}: {arr.dtype} {list(arr.shape)} {mb:.0f} MB")
        for name, (enc, dec) in candidates(arr, member).items():
            if args.only and not any(name.startswith(p) for p in args.only.split(",")):
                continue
            size, te, td, exact = run_one(arr, enc, dec, args.threads)
            print(f"  {name:34s} ratio {arr.nbytes / size:8.1f}x  {size / 1e6:9.2f} MB  "
                  f"enc {mb / te:7.0f} MB/s  dec {mb / td:7.0f} MB/s  {'exact' if exact else 'NOT EXACT'}")


if __name__ == "__main__":
    main()
