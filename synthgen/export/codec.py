"""Compressed array members: a finished ``.npy`` member file -> ``.npy.zst`` (SGZ, lossless).

The container and the filter chains belong to :mod:`synthgen_reader.codec` (the reader
decodes what this writes); this module streams member files through it chunk by chunk in
two threads, so a 432 MB flow member never sits in memory whole.
"""
from __future__ import annotations

import logging
import os
import struct
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from synthgen_reader import codec as sgz

from ..errors import ExportError

log = logging.getLogger(__name__)

COMPRESSIONS = ("zstd", "none")
#: zstd level of every member (see synthgen_reader.codec.DEFAULT_LEVEL).
LEVEL = sgz.DEFAULT_LEVEL
THREADS = 2


def parse_compression(value) -> str:
    value = "none" if value in (None, False) else str(value).lower()
    if value not in COMPRESSIONS:
        raise ExportError(f"{value!r} is not a compression (choose {' or '.join(COMPRESSIONS)})",
                          field="compression")
    return value


def _npy_layout(path: Path) -> tuple[tuple, np.dtype, int]:
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read(fh)
        if fortran:
            raise ValueError(f"{path.name}: Fortran-ordered arrays are not supported")
        return tuple(shape), dtype, fh.tell()


def compress_npy(src: Path, dst: Path, member: str, *, level: int = LEVEL,
                 threads: int = THREADS) -> dict:
    """Encode the ``.npy`` file ``src`` into the SGZ file ``dst``; returns the header (the
    codec and its parameters, as recorded in the sample's json) with the two sizes."""
    shape, dtype, offset = _npy_layout(src)
    header = sgz.make_header(dtype, shape, level=level, member=member)
    rows = header["rows"]
    row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
    with open(src, "rb") as fin, open(dst, "wb") as fout, \
            ThreadPoolExecutor(max(1, threads), thread_name_prefix="sgz") as pool:
        fd = fin.fileno()

        def encode(r0: int) -> bytes:
            n = min(rows, shape[0] - r0)
            buf = os.pread(fd, n * row_bytes, offset + r0 * row_bytes)
            chunk = np.frombuffer(buf, dtype).reshape((n,) + tuple(shape[1:]))
            return sgz.encode_chunk(chunk, header)

        fout.write(sgz.header_bytes(header))
        pending: deque = deque()
        for r0 in range(0, shape[0], rows):
            pending.append(pool.submit(encode, r0))
            if len(pending) > 2 * threads:
                _write_frame(fout, pending.popleft().result())
        while pending:
            _write_frame(fout, pending.popleft().result())
    return {**header, "raw_bytes": src.stat().st_size, "bytes": dst.stat().st_size}


def _write_frame(fh, frame: bytes) -> None:
    fh.write(struct.pack("<Q", len(frame)))
    fh.write(frame)


def compress_result(res, compression: str) -> None:
    """Replace the ``.npy`` member files of a :class:`~synthgen.export.clip.ClipResult` by
    ``.npy.zst`` files (``compression == "zstd"``); records suffixes and codecs on ``res``.
    ``none`` leaves today's layout. Each raw file is removed once its encoding is written."""
    if parse_compression(compression) == "none":
        return
    for name, path in list(res.files.items()):
        path = Path(path)
        if path.suffix != ".npy":
            continue
        dst = path.with_name(path.name + sgz.SUFFIX)
        try:
            info = compress_npy(path, dst, name)
        except (OSError, ValueError) as exc:
            raise ExportError(f"cannot compress member ({exc})", source=str(path), field=name) from None
        path.unlink()
        res.files[name] = dst
        res.suffixes[name] = f"{name}.npy{sgz.SUFFIX}"
        res.codecs[name] = info
        log.debug("%s: %s %.1f MB -> %.1f MB", res.key, name, info["raw_bytes"] / 1e6,
                  info["bytes"] / 1e6)
