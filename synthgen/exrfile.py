"""Just enough of the OpenEXR file format to check and merge Blender's frame files.

Standard library only: the worker runs in a stock Blender's Python, which has no OpenEXR
module. Two jobs:

* :func:`check` - does a frame file read back completely, at the right size, with the
  right float32 channels? (resume skips good frames and re-renders truncated ones);
* :func:`merge` - join the parts of several EXR files (the 1-sample flow render and the
  full-quality RGB render) into one multi-part file, copying the compressed pixel chunks
  verbatim (no decoding, no loss).

Only scanline images are handled (Blender writes scanline EXRs). Format reference: the
OpenEXR "File Layout" document (magic, version flags, attribute headers, offset tables,
chunks ``[part:int32] y:int32 size:int32 data``).
"""
from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = 20000630
_MULTIPART = 0x1000
_LONG_NAMES = 0x400
_TILED = 0x200
_DEEP = 0x800
#: compression id -> scanlines per chunk
_LINES_PER_BLOCK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}
_BYTES_PER_TYPE = {0: 4, 1: 2, 2: 4}   # uint, half, float
FLOAT = 2


class ExrFormatError(ValueError):
    """The file is not a complete, readable scanline EXR."""


class _NotExr(ExrFormatError):
    """Not an EXR this module reads, whatever follows (reading more will not help)."""


@dataclass
class Part:
    """One part (or the only part) of an EXR file."""

    raw_attrs: list[tuple[str, str, bytes]]        # (name, type, value) in file order
    channels: dict[str, int] = field(default_factory=dict)   # name -> pixel type
    data_window: tuple[int, int, int, int] = (0, 0, -1, -1)  # xmin, ymin, xmax, ymax
    compression: int = 0
    offsets: list[int] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.data_window[2] - self.data_window[0] + 1

    @property
    def height(self) -> int:
        return self.data_window[3] - self.data_window[1] + 1

    @property
    def lines_per_block(self) -> int:
        return _LINES_PER_BLOCK.get(self.compression, 1)

    @property
    def chunk_count(self) -> int:
        return -(-self.height // self.lines_per_block)

    def attr(self, name: str) -> bytes | None:
        for n, _, v in self.raw_attrs:
            if n == name:
                return v
        return None


@dataclass
class ExrFile:
    path: Path
    version: int
    parts: list[Part]

    @property
    def multipart(self) -> bool:
        return bool(self.version & _MULTIPART)

    def channel_types(self) -> dict[str, int]:
        """Every channel of every part: full name -> pixel type (0 uint, 1 half, 2 float)."""
        out: dict[str, int] = {}
        for p in self.parts:
            out.update(p.channels)
        return out


# --------------------------------------------------------------------------- reading
def _cstring(buf: bytes, pos: int) -> tuple[str, int]:
    end = buf.index(b"\0", pos)
    return buf[pos:end].decode("latin-1"), end + 1


def _parse_header(buf: bytes, pos: int) -> tuple[Part, int]:
    attrs = []
    while True:
        if pos >= len(buf):
            raise ExrFormatError("header runs past the end of the file")
        if buf[pos] == 0:
            pos += 1
            break
        name, pos = _cstring(buf, pos)
        typ, pos = _cstring(buf, pos)
        (size,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        if size < 0 or pos + size > len(buf):
            raise ExrFormatError(f"attribute {name!r} runs past the end of the file")
        attrs.append((name, typ, buf[pos:pos + size]))
        pos += size
    part = Part(raw_attrs=attrs)
    for name, typ, value in attrs:
        if name == "channels":
            part.channels = _parse_chlist(value)
        elif name == "dataWindow":
            part.data_window = struct.unpack("<4i", value)
        elif name == "compression":
            part.compression = value[0]
    return part, pos


def _parse_chlist(value: bytes) -> dict[str, int]:
    out, pos = {}, 0
    while pos < len(value) and value[pos] != 0:
        name, pos = _cstring(value, pos)
        (ptype,) = struct.unpack_from("<i", value, pos)
        out[name] = ptype
        pos += 16
    return out


HEAD_READ = 1 << 16      # bytes read first for the headers; doubled until they fit


def read_structure(path: str | os.PathLike) -> ExrFile:
    """Parse headers and offset tables (not pixels). Raises :class:`ExrFormatError`.

    Reads only the start of the file (headers and offset tables), not the pixel data."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            want = HEAD_READ
            while True:
                buf = os.pread(fh.fileno(), min(want, size), 0)
                try:
                    return _parse_structure(path, buf, complete=len(buf) >= size)
                except _NeedMore:
                    want *= 4
    except OSError as exc:
        raise ExrFormatError(f"cannot read ({exc.strerror or exc.__class__.__name__})") from None


class _NeedMore(Exception):
    """The buffer ends inside the headers or offset tables."""


def _parse_structure(path: Path, buf: bytes, complete: bool) -> ExrFile:
    """Headers and offset tables from ``buf`` (the file's start; ``complete``: all of it)."""
    try:
        return _parse_buffer(path, buf)
    except (ExrFormatError, IndexError, ValueError, struct.error) as exc:
        if not complete and not isinstance(exc, _NotExr):
            raise _NeedMore from None
        if isinstance(exc, ExrFormatError):
            raise
        raise ExrFormatError("headers run past the end of the file (truncated)") from None


def _parse_buffer(path: Path, buf: bytes) -> ExrFile:
    if len(buf) < 8:
        raise ExrFormatError("file too short")
    magic, version = struct.unpack_from("<ii", buf, 0)
    if magic != MAGIC:
        raise _NotExr("not an OpenEXR file")
    if version & (_TILED | _DEEP):
        raise _NotExr("tiled or deep EXRs are not supported")
    pos, parts = 8, []
    if version & _MULTIPART:
        while buf[pos] != 0:
            part, pos = _parse_header(buf, pos)
            parts.append(part)
        pos += 1
    else:
        part, pos = _parse_header(buf, pos)
        parts.append(part)
    for part in parts:
        n = part.chunk_count
        if n < 0 or n > 1 << 24:
            raise _NotExr(f"implausible data window {part.data_window}")
        if pos + 8 * n > len(buf):
            raise ExrFormatError("offset table runs past the end of the file (truncated)")
        part.offsets = list(struct.unpack_from(f"<{n}Q", buf, pos))
        pos += 8 * n
    return ExrFile(path=path, version=version, parts=parts)


class _Reader:
    """Random access to a file's bytes: the whole file in memory, or ``pread`` per call."""

    def __init__(self, fh, size: int, whole: bool):
        self.fd, self.size = fh.fileno(), size
        self.buf = os.pread(self.fd, size, 0) if whole else None

    def read(self, offset: int, n: int) -> bytes:
        if self.buf is not None:
            return self.buf[offset:offset + n]
        return os.pread(self.fd, n, offset)


def _chunk_ok(src: _Reader, part: Part, index: int, part_no: int | None, decode: bool) -> str | None:
    off = part.offsets[index]
    head = 12 if part_no is not None else 8
    if off <= 0 or off + head > src.size:
        return f"chunk {index} lies outside the file (truncated)"
    leader = src.read(off, head)
    if part_no is not None:
        (got_part,) = struct.unpack_from("<i", leader, 0)
        if got_part != part_no:
            return f"chunk {index} belongs to part {got_part}, expected {part_no}"
    y, size = struct.unpack_from("<ii", leader, head - 8)
    want_y = part.data_window[1] + index * part.lines_per_block
    if y != want_y:
        return f"chunk {index} starts at line {y}, expected {want_y}"
    start = off + head
    if size <= 0 or start + size > src.size:
        return f"chunk {index} data runs past the end of the file (truncated)"
    lines = min(part.lines_per_block, part.data_window[3] + 1 - y)
    raw = lines * part.width * sum(_BYTES_PER_TYPE.get(t, 4) for t in part.channels.values())
    if part.compression == 0 and size != raw:
        return f"chunk {index} has {size} bytes, expected {raw}"
    if decode and part.compression in (2, 3) and size < raw:
        try:
            if len(zlib.decompress(src.read(start, size))) != raw:
                return f"chunk {index} decompresses to the wrong size"
        except zlib.error:
            return f"chunk {index} is corrupt (zlib)"
    return None


def check(path: str | os.PathLike, width: int | None, height: int | None,
          channels: tuple[str, ...] | list[str], *, float_only: bool = True,
          decode: bool = True) -> str | None:
    """Why ``path`` is not a complete frame file, or ``None`` when it is.

    Complete means: a scanline EXR whose every part is ``width`` x ``height`` pixels, which
    holds every name in ``channels`` (as float32 when ``float_only``), and whose every
    pixel chunk lies inside the file and (for ZIP/ZIPS/uncompressed data) decodes to the
    expected number of bytes. ``decode=False`` skips decompressing and reads only the
    headers and the 12-byte leader of each chunk (structure only: cheap). ``width`` /
    ``height`` None: any size.
    """
    try:
        exr = read_structure(path)
    except ExrFormatError as exc:
        return str(exc)
    have = exr.channel_types()
    for name in channels:
        if name not in have:
            return f"missing channel {name!r}"
        if float_only and have[name] != FLOAT:
            return f"channel {name!r} is not float32"
    try:
        with open(path, "rb") as fh:
            src = _Reader(fh, os.fstat(fh.fileno()).st_size, whole=decode)
            return _check_parts(exr, src, width, height, decode)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc.__class__.__name__})"


def _check_parts(exr: ExrFile, src: _Reader, width: int, height: int, decode: bool) -> str | None:
    for no, part in enumerate(exr.parts):
        if width is not None and (part.width, part.height) != (width, height):
            return f"size is {part.width}x{part.height}, expected {width}x{height}"
        for i in range(part.chunk_count):
            reason = _chunk_ok(src, part, i, no if exr.multipart else None, decode)
            if reason:
                return reason
    return None


# --------------------------------------------------------------------------- merging
def _attr_bytes(name: str, typ: str, value: bytes) -> bytes:
    return (name.encode("latin-1") + b"\0" + typ.encode("latin-1") + b"\0"
            + struct.pack("<i", len(value)) + value)


def _part_name(part: Part) -> str:
    raw = part.attr("name")
    if raw is not None:
        return raw.decode("latin-1")
    names = sorted(part.channels)
    return names[0].rsplit(".", 1)[0] if names else "part"


def _multipart_attrs(part: Part) -> list[tuple[str, str, bytes]]:
    """The part's attributes plus the ones a multi-part header requires."""
    attrs = list(part.raw_attrs)
    have = {n for n, _, _ in attrs}
    if "name" not in have:
        attrs.append(("name", "string", _part_name(part).encode("latin-1")))
    if "type" not in have:
        attrs.append(("type", "string", b"scanlineimage"))
    if "chunkCount" not in have:
        attrs.append(("chunkCount", "int", struct.pack("<i", part.chunk_count)))
    return attrs


def merge(inputs: list[str | os.PathLike], out: str | os.PathLike) -> Path:
    """Write every part of every input (in order) into one multi-part EXR at ``out``.

    Pixel chunks are copied byte for byte; part names must be unique across inputs.
    The caller renames ``out`` into place (this function writes ``out`` directly).
    """
    files = [read_structure(p) for p in inputs]
    blobs = [Path(f.path).read_bytes() for f in files]
    parts = [(f, blob, no, part) for f, blob in zip(files, blobs) for no, part in enumerate(f.parts)]
    names = [_part_name(p) for *_, p in parts]
    if len(set(names)) != len(names):
        raise ExrFormatError(f"duplicate part names {names}")
    version = 2 | _MULTIPART
    for f in files:
        version |= f.version & _LONG_NAMES
    header = bytearray(struct.pack("<ii", MAGIC, version))
    for *_, part in parts:
        for attr in _multipart_attrs(part):
            header += _attr_bytes(*attr)
        header += b"\0"
    header += b"\0"
    table_size = 8 * sum(p.chunk_count for *_, p in parts)
    offsets, chunks, pos = [], [], len(header) + table_size
    for new_no, (f, blob, _, part) in enumerate(parts):
        head = 12 if f.multipart else 8
        for off in part.offsets:
            y, size = struct.unpack_from("<ii", blob, off + head - 8)
            chunk = struct.pack("<iii", new_no, y, size) + blob[off + head:off + head + size]
            offsets.append(pos)
            chunks.append(chunk)
            pos += len(chunk)
    out = Path(out)
    with open(out, "wb") as fh:
        fh.write(header)
        fh.write(struct.pack(f"<{len(offsets)}Q", *offsets))
        for chunk in chunks:
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return out
