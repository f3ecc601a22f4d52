"""WebDataset tar shards, written atomically, and the dataset index.

A shard is ``shard-NNNNNN.tar``: consecutive members ``<key>.<suffix>`` per sample
(WebDataset groups files by the part of the name before the first dot, so keys are
dot-free). A shard is written as a hidden temporary file and renamed when closed;
``index.jsonl`` (one line per sample: key, shard, QA...) is rewritten atomically after each
shard is in place, so the index never names a sample that is not in a finished shard.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import tarfile
from pathlib import Path

from ..errors import ExportError, SynthgenError
from ..fsutil import atomic_write_text, pid_alive

log = logging.getLogger(__name__)

INDEX_FILE = "index.jsonl"
FILTERED_FILE = "filtered.jsonl"   # clips left out by the quality gate, with the reason
STATS_FILE = "stats.json"
SHARD_RE = re.compile(r"^shard-(\d{6})\.tar$")
#: Member data is copied into the shard in chunks of this size (tarfile's default 16 KiB
#: costs twice the CPU for 100 MB members).
_COPY_BUFSIZE = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_]+)+$")


def shard_name(n: int) -> str:
    return f"shard-{n:06d}.tar"


def check_member_name(name: str) -> str:
    """A member name must be ``key.suffix`` with a dot-free key: relative, no ``..``, no ``/``."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ExportError(f"unsafe tar member name {name!r}", field="key")
    return name


def read_index(out: Path, name: str = INDEX_FILE) -> list[dict]:
    """The entries of ``out/index.jsonl`` (or another ``.jsonl`` file there); [] when absent.
    Raises :class:`ExportError` naming the file and line when it is not JSON lines."""
    path = Path(out) / name
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExportError("is not a text file of JSON lines (not UTF-8); restore it or export "
                          "into a new folder", source=str(path)) from None
    except OSError as exc:
        raise ExportError(f"cannot read ({exc.strerror})", source=str(path)) from None
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict):
                raise ExportError(f"line {n} is not a JSON object; restore the file or export "
                                  "into a new folder", source=str(path))
            entries.append(entry)
    return entries


def update_filtered(out: Path, filtered: list[tuple[str, str, str]],
                    exported: dict[str, str]) -> list[dict]:
    """Merge this run's filtered clips (key, reason, job hash) into ``filtered.jsonl``; keys
    exported since are dropped. Returns every record."""
    records = {e["key"]: e for e in read_index(out, FILTERED_FILE) if "key" in e}
    for key, reason, job_hash in filtered:
        records[key] = {"key": key, "reason": reason, "job_hash": job_hash}
    for key in exported:
        records.pop(key, None)
    ordered = [records[k] for k in sorted(records)]
    if ordered or (Path(out) / FILTERED_FILE).exists():
        atomic_write_text(Path(out) / FILTERED_FILE, "".join(json.dumps(e, sort_keys=True) + "\n"
                                                            for e in ordered))
    return ordered


def write_index(out: Path, entries: list[dict]) -> None:
    atomic_write_text(out / INDEX_FILE, "".join(json.dumps(e, sort_keys=True) + "\n"
                                                for e in entries))


def next_shard_number(out: Path) -> int:
    nums = [int(m.group(1)) for p in out.iterdir() if (m := SHARD_RE.match(p.name))]
    return max(nums) + 1 if nums else 0


class ShardWriter:
    """Append samples to shards of about ``max_bytes``; call :meth:`close` at the end.

    ``on_shard(shard_name, entries)`` runs after each shard has been renamed into place.
    """

    def __init__(self, out: Path, first: int, max_bytes: int, on_shard) -> None:
        self.out = Path(out)
        self.number = first
        self.max_bytes = int(max_bytes)
        self.on_shard = on_shard
        self._tar: tarfile.TarFile | None = None
        self._tmp: Path | None = None
        self._entries: list[dict] = []
        self.shards: list[str] = []

    def add(self, key: str, members: list[tuple[str, Path | bytes]], entry: dict) -> str:
        """Write one sample (members in order) and return the shard it went to."""
        if self._tar is None:
            self._open()
        for suffix, data in members:
            name = check_member_name(f"{key}.{suffix}")
            info = tarfile.TarInfo(name)
            info.mode, info.mtime, info.uname, info.gname = 0o644, 0, "", ""
            if isinstance(data, (bytes, bytearray)):
                info.size = len(data)
                self._tar.addfile(info, io.BytesIO(data))
            else:
                info.size = Path(data).stat().st_size
                with open(data, "rb") as fh:
                    self._tar.addfile(info, fh)
        shard = shard_name(self.number)
        self._entries.append({**entry, "key": key, "shard": shard})
        if self._tar.fileobj.tell() >= self.max_bytes:
            self._finish()
        return shard

    def _open(self) -> None:
        self._tmp = self.out / f".{shard_name(self.number)}.{os.getpid()}.tmp"
        self._tar = tarfile.open(self._tmp, "w", format=tarfile.USTAR_FORMAT,
                                 copybufsize=_COPY_BUFSIZE)

    def _finish(self) -> None:
        self._tar.close()
        with open(self._tmp, "rb") as fh:
            os.fsync(fh.fileno())
        final = self.out / shard_name(self.number)
        os.replace(self._tmp, final)
        self.shards.append(final.name)
        log.info("wrote %s (%d samples)", final.name, len(self._entries))
        entries, self._entries = self._entries, []
        self._tar, self._tmp = None, None
        self.number += 1
        self.on_shard(final.name, entries)

    def close(self) -> None:
        if self._tar is not None:
            self._finish()

    def abort(self) -> None:
        """Drop the shard being written (nothing of it becomes visible)."""
        if self._tar is not None:
            try:
                self._tar.close()
            except OSError:     # the failure that made us abort (e.g. a full disk), again
                pass
            Path(self._tmp).unlink(missing_ok=True)
            self._tar, self._tmp, self._entries = None, None, []


def recover_orphans(out: Path, index: list[dict]) -> list[dict]:
    """Index entries of finished shards that the index does not name (a run stopped between
    renaming a shard and rewriting the index); rebuilt from the samples' json members."""
    named = {e.get("shard") for e in index}
    recovered: list[dict] = []
    for path in sorted(out.glob("shard-*.tar")):
        if not SHARD_RE.match(path.name) or path.name in named:
            continue
        try:
            with tarfile.open(path) as tar:
                keys: dict[str, dict] = {}
                for m in tar:
                    key, _, suffix = m.name.partition(".")
                    entry = keys.setdefault(key, {"key": key, "shard": path.name})
                    if suffix == "json":
                        meta = json.loads(tar.extractfile(m).read())
                        entry.update({k: meta.get(k) for k in _INDEX_KEYS if k in meta})
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise ExportError(f"unreadable shard not named in the index ({exc})", source=str(path)) from None
        log.warning("%s: not in the index (interrupted run); re-indexed %d samples", path.name, len(keys))
        recovered += keys.values()
    return recovered


_INDEX_KEYS = ("kind", "movement_type", "path_family", "env_type", "action", "mode", "n_frames",
               "width", "height", "s_f", "qa", "job_hash")


class DatasetLock:
    """``.export.lock`` (holding the pid) keeps two exports out of one dataset folder; a lock
    left by a dead process is taken over, and that run's temporary files are removed."""

    NAME = ".export.lock"

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / self.NAME

    def __enter__(self) -> "DatasetLock":
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pid = self._owner()
                if pid is not None and pid_alive(pid):
                    raise ExportError(f"another export (pid {pid}) is writing this dataset",
                                      source=str(self.path.parent)) from None
                self.path.unlink(missing_ok=True)
                _remove_temps(self.path.parent)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return self
        raise ExportError("cannot take the dataset lock", source=str(self.path))

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)



def _remove_temps(out: Path) -> None:
    import shutil
    for p in out.glob(".shard-*.tmp"):
        p.unlink(missing_ok=True)
    for p in out.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)


def read_sample(src: Path, key: str | None, *, decode_video: bool = True,
                error: type[SynthgenError] = ExportError) -> dict:
    """:func:`synthgen.dataset.load_sample` with every failure as one ``error`` line: no such
    key, an unreadable or corrupt shard, a member that does not decode."""
    from ..dataset import load_sample
    try:
        return load_sample(src, key, decode_video=decode_video)
    except KeyError:
        raise error(f"no sample {key!r}" if key else "no samples", source=str(src)) from None
    except SynthgenError as exc:
        raise error(exc.reason, source=exc.source or str(src), field=exc.field) from None
    except Exception as exc:  # noqa: BLE001 - tarfile, webdataset, numpy, json: a bad shard
        raise error(f"not a readable shard ({exc.__class__.__name__}: {_first_line(exc)})",
                    source=str(src)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0] if exc.args and isinstance(exc.args[0], str) else exc)
    return (text.splitlines() or [""])[0][:200]
