"""Trainer-side reading of synthgen datasets: the reader distribution ``synthgen_reader``
(``reader/`` in the repository, ``pip install ./reader`` for a trainer environment without
synthgen), re-exported here.

::

    from synthgen.dataset import open_dataset
    for s in open_dataset("dataset/", frames=17, size=(256, 144)):   # collate-ready samples
        flow = s["flow"]        # float16 [16, 144, 256, 2], px, (u, v) = (right, down)
        meta = s["json"]        # str (json.loads it); K, c2w of the window: s["K"], s["c2w"]

    sample = load_sample("dataset/", "human-000001")   # a whole clip, json as a dict

Array members may be plain ``.npy`` or lossless ``.npy.zst`` (SGZ, see
:mod:`synthgen_reader.codec`); both decode to the same arrays. Reader errors reached through
:func:`load_sample` become :class:`synthgen.errors.ExportError` (one line in the CLI).
"""
from __future__ import annotations

import synthgen_reader as _reader
from synthgen_reader import (CorruptMemberError, ReaderError, decode_member, decode_sample,
                             iter_samples, json_of, open_dataset, shard_urls, webdataset_decoder)

from .errors import ExportError

VIDEO_MEMBERS = ("flow_hsv", "rgb")

__all__ = ["open_dataset", "iter_samples", "load_sample", "decode_sample", "decode_member",
           "webdataset_decoder", "shard_urls", "json_of", "ReaderError", "CorruptMemberError",
           "VIDEO_MEMBERS"]


def load_sample(source, key: str | None = None, *, decode_video: bool = True,
                members=None) -> dict:
    """:func:`synthgen_reader.load_sample`, with reader errors as :class:`ExportError`."""
    try:
        return _reader.load_sample(source, key, decode_video=decode_video, members=members)
    except ReaderError as exc:
        raise ExportError(str(exc)) from None
