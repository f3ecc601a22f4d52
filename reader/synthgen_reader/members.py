"""Member names and decoding: ``<name>.npy``, ``<name>.npy.zst`` (SGZ), ``<name>.mp4``,
``txt``, ``json``. Both array forms decode to the same numpy array, so a dataset may mix
compressed and uncompressed samples."""
from __future__ import annotations

import io
import json

import numpy as np

from . import codec
from .errors import CorruptMemberError, ReaderError

ARRAY_SUFFIXES = (".npy.zst", ".npy")
VIDEO_SUFFIX = ".mp4"


def member_name(suffix: str) -> str:
    """Tar suffix -> member name: ``flow.npy.zst`` / ``flow.npy`` -> ``flow``,
    ``flow_hsv.mp4`` -> ``flow_hsv``, ``json`` -> ``json``."""
    for end in ARRAY_SUFFIXES + (VIDEO_SUFFIX,):
        if suffix.endswith(end):
            return suffix[: -len(end)]
    return suffix


def is_array(suffix: str) -> bool:
    return suffix.endswith(ARRAY_SUFFIXES)


def _npy_header(data) -> tuple[tuple, np.dtype, bool, int]:
    buf = io.BytesIO(memoryview(data)[:65536 + 16])
    version = np.lib.format.read_magic(buf)
    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
            else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = read(buf)
    return shape, dtype, fortran, buf.tell()


def array_shape(suffix: str, data, where: str = "member") -> tuple[int, ...]:
    """Shape of an array member without decoding it."""
    try:
        if suffix.endswith(".zst"):
            return tuple(codec.read_header(data, where)[0]["shape"])
        return tuple(_npy_header(data)[0])
    except (ValueError, OSError) as exc:
        raise CorruptMemberError(f"{where}: unreadable array header ({exc})") from None


def decode_array_member(suffix: str, data, rows: slice | None = None,
                        where: str = "member") -> np.ndarray:
    """An array member's bytes -> numpy array (``rows``: only that slice of axis 0). The
    result owns its memory and is writable."""
    if suffix.endswith(".zst"):
        return codec.decode_array(data, rows=rows, where=where)
    try:
        shape, dtype, fortran, offset = _npy_header(data)
        if fortran or dtype.hasobject:
            return np.load(io.BytesIO(data), allow_pickle=False)[rows or slice(None)].copy()
        count = int(np.prod(shape, dtype=np.int64))
        arr = np.frombuffer(data, dtype, count=count, offset=offset).reshape(shape)
    except ValueError as exc:
        raise CorruptMemberError(f"{where}: corrupt .npy ({exc})") from None
    return np.array(arr if rows is None or not shape else arr[rows])


def decode_member(suffix: str, data, *, decode_video: bool = True, where: str = "member"):
    """One member's bytes -> its value: numpy array (``.npy`` / ``.npy.zst``), dict (``json``),
    str (``txt``), uint8 RGB frames or bytes (``.mp4``), else the bytes unchanged."""
    if is_array(suffix):
        return decode_array_member(suffix, data, where=where)
    if suffix == "json":
        try:
            return json.loads(data)
        except ValueError as exc:
            raise CorruptMemberError(f"{where}: not JSON ({exc})") from None
    if suffix == "txt":
        return bytes(data).decode("utf-8")
    if suffix.endswith(VIDEO_SUFFIX):
        if not decode_video:
            return bytes(data)
        from .video import read_video
        try:
            return read_video(data)
        except ReaderError:
            raise
        except Exception as exc:   # noqa: BLE001 - ffmpeg/av failures of every kind
            raise CorruptMemberError(f"{where}: undecodable video ({exc})") from None
    return data


def sample_where(raw: dict, suffix: str) -> str:
    """``<shard>: <key>: <member>`` for error messages."""
    parts = [str(raw[k]) for k in ("__url__", "__key__") if raw.get(k)]
    return ": ".join(parts + [suffix])


def decode_sample(raw: dict, *, decode_video: bool = True) -> dict:
    """A raw webdataset sample (suffix -> bytes) -> member name -> decoded value; ``json``
    stays a dict (nulls included): for inspection. See :func:`synthgen_reader.open_dataset`
    for samples that ``torch.utils.data.default_collate`` batches."""
    out = {}
    for suffix, value in raw.items():
        if suffix.startswith("__"):
            out[suffix] = value
            continue
        out[member_name(suffix)] = decode_member(suffix, value, decode_video=decode_video,
                                                 where=sample_where(raw, suffix))
    return out


def webdataset_decoder(key: str, data: bytes):
    """A ``webdataset`` decoder handler: ``wds.WebDataset(urls).decode(webdataset_decoder)``
    decodes ``.npy.zst`` and ``.npy`` members (other members fall through to the next
    handler). webdataset keeps the member's full suffix as the key (``flow.npy.zst``)."""
    suffix = key.split(".", 1)[-1] if "." in key else key
    if is_array(key) or is_array(suffix):
        return decode_array_member(key, data, where=key)
    return None
