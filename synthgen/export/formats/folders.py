"""``--format folders``: one plain folder per clip, for users without WebDataset.

::

    DATASET/<key>/flow.npy, valid.npy, plucker.npy, ...   the array members (plain .npy;
                                                          .npy.zst with --compression zstd)
    DATASET/<key>/flow_<enc>.mp4                          flow control video, T frames
    DATASET/<key>/flow_<enc>/00000.png ...                the same frames, lossless
    DATASET/<key>/rgb.mp4                                 full mode
    DATASET/<key>/pose.txt                                RealEstate10K camera poses
    DATASET/<key>/caption.txt, meta.json                  caption; the sample json
    DATASET/index.jsonl, stats.json, filtered.jsonl

Each clip folder is assembled under a hidden name and renamed into place whole; the clip
counts as exported once ``index.jsonl`` names it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from .base import FileLayoutWriter, put, sample_meta
from .flow_video import FlowVideoFormat

#: tar suffix -> file name in the clip folder where they differ
FILE_NAMES = {"txt": "caption.txt", "json": "meta.json"}


@dataclass
class FoldersFormat(FlowVideoFormat):
    name: ClassVar[str] = "folders"
    png_frames: ClassVar[bool] = True

    #: The flow control video (:mod:`.flow_video`: any encoding, T frames) replaces the
    #: shards' ``flow_hsv`` member (T - 1 frames).
    replaced_members = ("flow_hsv",)

    def open_writer(self, out: Path, index: list[dict], on_flush, shard_bytes: int):
        return FoldersWriter(out, index, on_flush)


class FoldersWriter(FileLayoutWriter):
    def place(self, key: str, members: list, entry: dict) -> tuple[dict, list[Path]]:
        stage = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=self.out))
        os.chmod(stage, 0o777 & ~_umask())
        names = sorted(FILE_NAMES.get(s, s) for s, _ in members)
        for suffix, data in members:
            if suffix == "json":
                data = sample_meta(members, entry, {"folder": key, "files": names})
            put(stage / FILE_NAMES.get(suffix, suffix), data)
        final = self.out / key
        if final.exists():          # files of an earlier, unindexed run of this clip
            shutil.rmtree(final)
        os.replace(stage, final)
        return {"files": {"folder": key, "files": names}}, [final]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
