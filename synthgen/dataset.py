"""Trainer-side reading of synthgen datasets with the ``webdataset`` package.

::

    from synthgen.dataset import open_dataset
    for sample in open_dataset("dataset/"):          # or a list of shard paths / URLs
        flow = sample["flow"]        # float16 [T-1, H, W, 2], px, (u, v) = (right, down)
        plucker = sample["plucker"]  # float16 [T, 6, h, w]
        meta = sample["json"]        # dict: K, c2w, fps, s_f, caption, qa, ...

Each sample is a dict keyed by member name (``flow``, ``flow_bwd``, ``valid``, ``plucker``,
``depth``, ``seg``, ``inst_flow``: numpy arrays; ``flow_hsv``, ``rgb``: uint8 ``[T, H, W, 3]``
when ``decode_video`` is true, else mp4 bytes; ``txt``: str; ``json``: dict) plus ``__key__``.
"""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def shard_urls(source) -> list[str]:
    """Shard paths of a dataset folder (sorted), or ``source`` itself as a list of URLs."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        urls = sorted(str(p) for p in Path(source).glob("shard-*.tar"))
        if not urls:
            raise FileNotFoundError(f"{source}: no shard-*.tar files")
        return urls
    if isinstance(source, (str, Path)):
        return [str(source)]
    return [str(s) for s in source]


def decode_member(name: str, data: bytes, *, decode_video: bool = True):
    """Decode one member's bytes by its suffix (``flow.npy``, ``json``, ``rgb.mp4`` ...)."""
    if name.endswith(".npy"):
        return np.load(io.BytesIO(data), allow_pickle=False)
    if name == "json":
        return json.loads(data)
    if name == "txt":
        return data.decode("utf-8")
    if name.endswith(".mp4"):
        if not decode_video:
            return data
        from .export.video import read_video
        return read_video(data)
    return data


def decode_sample(raw: dict, *, decode_video: bool = True) -> dict:
    """A raw webdataset sample (suffix -> bytes) -> member name -> decoded value."""
    out = {}
    for suffix, value in raw.items():
        if suffix.startswith("__"):
            out[suffix] = value
            continue
        name = suffix.rsplit(".", 1)[0] if suffix.endswith((".npy", ".mp4")) else suffix
        out[name] = decode_member(suffix, value, decode_video=decode_video)
    return out


def open_dataset(source, *, decode_video: bool = True, shuffle_shards: bool = False,
                 members: list[str] | None = None):
    """A ``webdataset.WebDataset`` pipeline over ``source`` (dataset folder, shard path/URL,
    or list of them) yielding decoded sample dicts (see the module docstring).

    ``members``: keep only these member names (others are not decoded).
    """
    import webdataset as wds

    keep = set(members) if members is not None else None

    def _decode(raw: dict) -> dict:
        if keep is not None:
            raw = {k: v for k, v in raw.items()
                   if k.startswith("__") or k.rsplit(".", 1)[0] in keep or k in keep}
        return decode_sample(raw, decode_video=decode_video)

    ds = wds.WebDataset(shard_urls(source), shardshuffle=100 if shuffle_shards else False,
                        empty_check=False)
    return ds.map(_decode)


def load_sample(source, key: str | None = None, *, decode_video: bool = True) -> dict:
    """The sample ``key`` (default: the first) of a dataset folder or shard."""
    for sample in open_dataset(source, decode_video=decode_video):
        if key is None or sample["__key__"] == key:
            return sample
    raise KeyError(f"{source}: no sample {key!r}")
