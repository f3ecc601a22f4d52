"""Reading an exported dataset for the report, whatever its format.

:func:`open_source` returns a :class:`Source`: the index entries, the clips the quality
gate left out, every clip's sample json, and one clip's members decoded for pictures
(``flow`` (T-1 or T, H, W, 2), ``flow_hsv`` the flow video's frames, ``rgb``, ``depth``,
``seg``, ``json``), from WebDataset shards (only the json members are read for all clips;
pictures come from the clip's own shard), the ``folders`` layout or the ``videox-fun`` layout.
"""
from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dataset import load_sample
from ..errors import ExportError, SynthgenError
from ..export import shards as shardmod
from ..export.formats import encodings
from ..export.formats.base import read_marker
from ..export.video import read_video

#: Members the report's pictures use.
PICTURE_MEMBERS = ("flow", "flow_hsv", "rgb", "depth", "seg", "json")


@dataclass
class Source:
    path: Path
    format: str
    entries: list[dict]
    filtered: list[dict] = field(default_factory=list)

    def metas(self) -> dict[str, dict]:
        """Sample json of every indexed clip, by key."""
        if self.format == "webdataset":
            return _shard_jsons(self.path, self.entries)
        return {e["key"]: _read_json(self._meta_path(e)) for e in self.entries}

    def sample(self, entry: dict) -> dict:
        """One clip's members for pictures (module doc); one-line errors."""
        try:
            if self.format == "webdataset":
                return _shard_sample(self.path, entry)
            return self._file_sample(entry)
        except SynthgenError:
            raise
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise ExportError(f"cannot read clip {entry['key']} ({exc.__class__.__name__}: {exc})",
                              source=str(self.path)) from None

    def _meta_path(self, e: dict) -> Path:
        files = e.get("files") or {}
        if self.format == "folders":
            return self.path / files.get("folder", e["key"]) / "meta.json"
        return self.path / files.get("meta", f"meta/{e['key']}.json")

    def _file_sample(self, e: dict) -> dict:
        meta = _read_json(self._meta_path(e))
        folder = self._meta_path(e).parent
        fv = meta.get("flow_video") or {}
        video = (folder / f"flow_{fv.get('encoding', 'hsv')}.mp4" if self.format == "folders"
                 else self.path / e["files"]["video"])
        out = {"__key__": e["key"], "json": meta}
        if video.is_file():
            out["flow_hsv"] = read_video(video)
        if self.format == "folders" and (folder / "flow.npy").is_file():
            out["flow"] = np.load(folder / "flow.npy")
            for name in ("depth", "seg"):
                if (folder / f"{name}.npy").is_file():
                    out[name] = np.load(folder / f"{name}.npy")
        elif "flow_hsv" in out and fv:
            out["flow"] = encodings.decode(fv["encoding"], out["flow_hsv"], fv["scale"])
        rgb = folder / "rgb.mp4" if self.format == "folders" else self.path / e["files"].get("rgb", "")
        if rgb.is_file():
            out["rgb"] = read_video(rgb)
        return out


def open_source(path: str | Path) -> Source:
    path = Path(path)
    if not (path / shardmod.INDEX_FILE).is_file():
        raise ExportError("no index.jsonl: not an exported dataset (run `synthgen export`)",
                          source=str(path))
    marker = read_marker(path) or {}
    entries = [e for e in shardmod.read_index(path) if "key" in e]
    filtered = shardmod.read_index(path, shardmod.FILTERED_FILE)
    return Source(path, marker.get("format", "webdataset"), entries, filtered)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read the sample json ({exc.__class__.__name__})",
                          source=str(path)) from None


def _shard_jsons(root: Path, entries: list[dict]) -> dict[str, dict]:
    wanted = {e["key"] for e in entries}
    out: dict[str, dict] = {}
    for shard in sorted({e.get("shard") for e in entries if e.get("shard")}):
        try:
            with tarfile.open(root / shard) as tar:
                for m in tar:
                    key, _, suffix = m.name.partition(".")
                    if suffix == "json" and key in wanted:
                        out[key] = json.loads(tar.extractfile(m).read())
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise ExportError(f"not a readable shard ({exc.__class__.__name__}: {exc})",
                              source=str(root / shard)) from None
    return out


def _shard_sample(root: Path, entry: dict) -> dict:
    shard = root / entry["shard"] if entry.get("shard") else root
    return load_sample(shard, entry["key"], members=PICTURE_MEMBERS)
