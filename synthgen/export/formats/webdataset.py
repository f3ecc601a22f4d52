"""The default format: WebDataset tar shards (:mod:`synthgen.export.shards`), unchanged."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ...errors import ExportError
from ..shards import ShardWriter, next_shard_number, recover_orphans
from .base import MARKER, ExportFormat, read_marker


@dataclass
class WebDatasetFormat(ExportFormat):
    """Samples as consecutive ``<key>.<suffix>`` members of ``shard-NNNNNN.tar``."""

    name: ClassVar[str] = "webdataset"

    def claim(self, out: Path, index: list[dict]) -> None:
        marker = read_marker(out)
        if marker is not None and marker.get("format") != self.name:
            raise ExportError(f"holds a {marker.get('format')} export; export WebDataset shards "
                              "into a new folder", source=str(Path(out) / MARKER))

    def recover(self, out: Path, index: list[dict]) -> list[dict]:
        return recover_orphans(out, index)

    def open_writer(self, out: Path, index: list[dict], on_flush, shard_bytes: int):
        return ShardWriter(out, next_shard_number(out), shard_bytes, on_flush)
