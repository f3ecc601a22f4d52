"""Lossless compressed arrays (``*.npy.zst`` members): an SGZ container of zstd chunks.

Layout of an encoded array (little-endian)::

    b"SGZ1"  uint32 n  n bytes of JSON header
    then per chunk: uint64 m  m bytes of one zstd frame (with a content checksum)

The header holds ``dtype`` (numpy ``descr``), ``shape``, ``filters`` (applied in order when
encoding, undone in reverse when decoding), ``codec`` ("zstd"), ``level`` and ``rows`` (rows
of axis 0 per chunk). Filters work on the bit patterns of the elements (unsigned words of the
dtype's size), so the round trip is bit-exact for every value, NaN and inf included:

- ``{"id": "delta", "axis": a}``: each word minus its neighbour before it along axis ``a``
  (modulo 2**bits); undone by a cumulative sum.
- ``{"id": "shuffle"}``: the bytes of each word split into planes (all low bytes, then ...).

Chunks split axis 0 so that a window of frames decodes only the chunks it touches, and
chunks decode in parallel threads (zstd and numpy release the GIL).
"""
from __future__ import annotations

import json
import struct
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .errors import CorruptMemberError

MAGIC = b"SGZ1"
SUFFIX = ".zst"
#: Raw bytes per chunk aimed at (a whole number of rows of axis 0).
CHUNK_BYTES = 8 << 20
DECODE_THREADS = 2
#: zstd level: on flow, level 1 compresses 1.7x faster than 3 for 5 % less ratio (5.2x vs
#: 5.5x on a 1280x704 clip), which keeps the export within its time budget; decoding is as fast.
DEFAULT_LEVEL = 1

_U = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _zstd():
    import zstandard
    return zstandard


# --------------------------------------------------------------------------- filters
def _delta(words: np.ndarray, axis: int) -> np.ndarray:
    out = np.empty_like(words)
    n = words.shape[axis]
    first = [slice(None)] * words.ndim
    hi, lo = list(first), list(first)
    first[axis], hi[axis], lo[axis] = slice(0, 1), slice(1, n), slice(0, n - 1)
    out[tuple(first)] = words[tuple(first)]
    if n > 1:
        np.subtract(words[tuple(hi)], words[tuple(lo)], out=out[tuple(hi)])
    return out


def _undelta(words: np.ndarray, axis: int, out: np.ndarray) -> None:
    """Inverse of :func:`_delta` into ``out``: a cumulative sum along ``axis``. Along the
    last axis (or one followed by a few elements only) numpy's cumsum is fastest; along any
    other, a loop of whole-row additions (frame by frame, so rows stay in cache) runs about
    3x faster than cumsum there."""
    axis = axis % words.ndim
    inner = int(np.prod(words.shape[axis + 1:], dtype=np.int64))
    if axis == words.ndim - 1 or inner < 64:
        np.cumsum(words, axis=axis, dtype=words.dtype, out=out)
        return
    if axis > 0:
        for k in range(words.shape[0]):
            _undelta(words[k], axis - 1, out[k])
        return
    out[0] = words[0]
    for i in range(1, words.shape[0]):
        np.add(out[i - 1], words[i], out=out[i])


def _shuffle(words: np.ndarray) -> np.ndarray:
    """Words -> byte planes (plane b holds byte b of every word)."""
    size = words.dtype.itemsize
    flat = np.ascontiguousarray(words).reshape(-1).view(np.uint8)
    out = np.empty((size, flat.size // size), np.uint8)
    for b in range(size):
        out[b] = flat[b::size]
    return out


def _unshuffle(planes: np.ndarray, out: np.ndarray) -> None:
    """Byte planes -> words, into ``out`` (strided byte copies: 8x faster than a transposing
    copy)."""
    size = out.dtype.itemsize
    planes = planes.reshape(-1).view(np.uint8).reshape(size, -1)
    view = out.reshape(-1).view(np.uint8)
    for b in range(size):
        view[b::size] = planes[b]


#: Axis of the delta filter per member: the image rows where channels interleave (flow),
#: the columns where they are the contiguous axis (depth, Plücker): both undo fastest.
#: Float members not listed use :func:`default_filters`' guess.
DELTA_AXIS = {"flow": 1, "flow_bwd": 1, "inst_flow": 0, "depth": 2, "plucker": 3}


def default_filters(dtype, shape, member: str | None = None) -> list[dict]:
    """The filter chain for an array: for floats (smooth fields: flow, depth, Plücker) a delta
    of each word from its neighbour along :data:`DELTA_AXIS`, then a byte shuffle; for
    integer masks and ids nothing (zstd alone shrinks them hundreds of times). On flow, rows
    give 5 % less ratio than columns but undo 3x faster (see bench/codecs.py)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f" or len(shape) < 2:
        return []
    axis = DELTA_AXIS.get(member)
    if axis is None or axis >= len(shape):
        axis = len(shape) - (3 if shape[-1] <= 4 and len(shape) >= 3 else 1)
    return [{"id": "delta", "axis": axis}, {"id": "shuffle"}]


# --------------------------------------------------------------------------- encode
def rows_per_chunk(shape, dtype, chunk_bytes: int = CHUNK_BYTES) -> int:
    row = int(np.prod(shape[1:], dtype=np.int64)) * np.dtype(dtype).itemsize if len(shape) else 1
    return max(1, min(int(shape[0]) if len(shape) else 1, chunk_bytes // max(row, 1)))


def make_header(dtype, shape, filters=None, level: int = DEFAULT_LEVEL, rows: int | None = None,
                member: str | None = None) -> dict:
    dtype, shape = np.dtype(dtype), [int(s) for s in shape]
    if dtype.hasobject or dtype.itemsize not in _U or dtype.fields is not None:
        raise ValueError(f"cannot encode dtype {dtype}")
    if not shape:
        raise ValueError("cannot encode a 0-d array")
    filters = default_filters(dtype, shape, member) if filters is None else list(filters)
    return {"dtype": np.lib.format.dtype_to_descr(dtype), "shape": shape, "filters": filters,
            "codec": "zstd", "level": int(level),
            "rows": int(rows or rows_per_chunk(shape, dtype))}


def encode_chunk(chunk: np.ndarray, header: dict) -> bytes:
    """One chunk (rows of axis 0) -> zstd frame bytes (without the length prefix)."""
    words = np.ascontiguousarray(chunk).view(_U[chunk.dtype.itemsize])
    for f in header["filters"]:
        if f["id"] == "delta":
            words = _delta(words, f["axis"])
        elif f["id"] == "shuffle":
            words = _shuffle(words)
    cctx = _zstd().ZstdCompressor(level=header["level"], write_checksum=True,
                                  write_content_size=True)
    return cctx.compress(np.ascontiguousarray(words).data)


def header_bytes(header: dict) -> bytes:
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return MAGIC + struct.pack("<I", len(text)) + text


def encode_array(arr: np.ndarray, filters=None, level: int = DEFAULT_LEVEL, *, member: str | None = None,
                 rows: int | None = None, threads: int = DECODE_THREADS) -> bytes:
    """``arr`` -> SGZ bytes (see the module docstring). ``filters`` None: the chain of
    :func:`default_filters` for ``member``; ``rows``: rows of axis 0 per chunk (None: about
    :data:`CHUNK_BYTES` per chunk)."""
    arr = np.asarray(arr)
    header = make_header(arr.dtype, arr.shape, filters, level, rows, member=member)
    rows = header["rows"]
    chunks = [arr[i:i + rows] for i in range(0, arr.shape[0], rows)]
    with ThreadPoolExecutor(max(1, threads)) as pool:
        frames = list(pool.map(lambda c: encode_chunk(c, header), chunks))
    parts = [header_bytes(header)]
    for fr in frames:
        parts += [struct.pack("<Q", len(fr)), fr]
    return b"".join(parts)


# --------------------------------------------------------------------------- decode
def is_encoded(data) -> bool:
    return bytes(data[:4]) == MAGIC


def read_header(data, where: str = "member") -> tuple[dict, list[tuple[int, int]]]:
    """(header, [(offset, size) of each chunk's zstd frame]) of SGZ bytes ``data``."""
    view = memoryview(data)
    try:
        if bytes(view[:4]) != MAGIC:
            raise ValueError("not an SGZ array (bad magic)")
        (n,) = struct.unpack_from("<I", view, 4)
        header = json.loads(bytes(view[8:8 + n]).decode("utf-8"))
        shape, rows = header["shape"], int(header["rows"])
        _check_header(header, shape, rows)
        n_chunks = -(-int(shape[0]) // rows)
        pos, spans = 8 + n, []
        for _ in range(n_chunks):
            (m,) = struct.unpack_from("<Q", view, pos)
            if pos + 8 + m > len(view):
                raise ValueError("truncated")
            spans.append((pos + 8, m))
            pos += 8 + m
        if pos != len(view):
            raise ValueError(f"{len(view) - pos} trailing bytes")
    except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
        raise CorruptMemberError(f"{where}: corrupt compressed array ({exc})") from None
    return header, spans


def _check_header(header: dict, shape, rows: int) -> None:
    if np.dtype(header["dtype"]).itemsize not in _U:
        raise ValueError(f"unsupported dtype {header['dtype']!r}")
    if header.get("codec") != "zstd":
        raise ValueError(f"unknown codec {header.get('codec')!r}")
    if rows < 1 or not shape or any(int(s) < 0 for s in shape):
        raise ValueError(f"bad shape {shape!r} or rows {rows!r}")
    for f in header["filters"]:
        if f["id"] == "delta" and not -len(shape) <= int(f["axis"]) < len(shape):
            raise ValueError(f"delta axis {f['axis']!r} outside shape {shape!r}")
        if f["id"] not in ("delta", "shuffle"):
            raise ValueError(f"unknown filter {f['id']!r}")


def decode_array(data, *, rows: slice | None = None, where: str = "member",
                 threads: int = DECODE_THREADS) -> np.ndarray:
    """SGZ bytes -> the original array (bit-exact). ``rows``: decode only this slice of axis
    0 (step 1), touching only the chunks it overlaps. ``where`` names the member in errors."""
    header, spans = read_header(data, where)
    shape, per = [int(s) for s in header["shape"]], int(header["rows"])
    dtype = np.dtype(header["dtype"])
    start, stop, _ = (rows or slice(None)).indices(shape[0])
    stop = max(start, stop)
    out = np.empty([stop - start] + shape[1:], dtype)
    first, last = start // per, -(-stop // per)
    view = memoryview(data)

    def one(c: int) -> None:
        r0 = c * per
        n = min(per, shape[0] - r0)
        a, b = max(start, r0), min(stop, r0 + n)
        whole = a == r0 and b == r0 + n          # the chunk lies inside the window:
        dst = out[a - start:b - start] if whole else np.empty([n] + shape[1:], dtype)
        _decode_chunk(view, spans[c], header, dst, where)      # decoded in place
        if not whole:
            out[a - start:b - start] = dst[a - r0:b - r0]

    todo = list(range(first, last)) if stop > start else []
    if len(todo) > 1 and threads > 1:
        with ThreadPoolExecutor(min(threads, len(todo))) as pool:
            list(pool.map(one, todo))
    else:
        for c in todo:
            one(c)
    return out


def _decode_chunk(view, span, header: dict, dst: np.ndarray, where: str) -> None:
    """Decode one chunk into ``dst`` (its shape and dtype; contiguous): the zstd frame, then
    the filters undone in reverse order, the last one writing into ``dst`` itself."""
    off, size = span
    n = dst.nbytes
    try:
        raw = _zstd().ZstdDecompressor().decompress(view[off:off + size], max_output_size=n)
    except _zstd().ZstdError as exc:
        raise CorruptMemberError(f"{where}: corrupt compressed array ({exc})") from None
    if len(raw) != n:
        raise CorruptMemberError(f"{where}: corrupt compressed array "
                                 f"(chunk holds {len(raw)} bytes, expected {n})")
    words = np.frombuffer(raw, _U[dst.dtype.itemsize]).reshape(dst.shape)
    target = dst.view(_U[dst.dtype.itemsize])
    filters = list(reversed(header["filters"]))
    if not filters:
        target[...] = words
    for k, f in enumerate(filters):
        if f["id"] == "shuffle":
            _unshuffle(words, target)
            words = target
        elif f["id"] == "delta":
            _undelta(words, int(f["axis"]), target)     # in place when words is target
            words = target
