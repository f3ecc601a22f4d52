"""synthgen_reader: read synthgen WebDataset shards in a trainer (numpy + webdataset only).

::

    from synthgen_reader import open_dataset
    ds = open_dataset("dataset/", frames=17, size=(256, 144))   # collate-ready samples
    for s in ds:
        s["flow"]     # float16 [16, 144, 256, 2], px of the output image, (u, v) = (right, down)
        s["K"]        # float32 [17, 3, 3] of the output image; s["c2w"] float32 [17, 4, 4]
        s["json"]     # str: json.loads(s["json"]) is the exported json

Public surface: :func:`open_dataset` (training samples), :func:`iter_samples` and
:func:`load_sample` (whole clips, json as a dict), :func:`decode_sample` (a raw webdataset
sample), :func:`webdataset_decoder` (a ``wds.WebDataset(...).decode(...)`` handler),
:func:`decode_member`, :func:`shard_urls`, :mod:`~synthgen_reader.codec` (SGZ arrays),
:mod:`~synthgen_reader.geometry` (resize, K, Plücker).
"""
from .codec import decode_array, encode_array
from .dataset import iter_samples, load_sample, open_dataset, shard_urls
from .errors import CorruptMemberError, ReaderError
from .members import decode_member, decode_sample, member_name, webdataset_decoder
from .sampling import json_of

__version__ = "0.1.0"

__all__ = ["open_dataset", "iter_samples", "load_sample", "decode_sample", "decode_member",
           "webdataset_decoder", "shard_urls", "member_name", "encode_array", "decode_array",
           "json_of", "ReaderError", "CorruptMemberError", "__version__"]
