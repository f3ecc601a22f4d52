"""Atomic file writes: write to a temporary name in the same folder, then rename.

A reader never sees a half-written file under the final name. Standard library only.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (same-folder temp file + ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())   # mkstemp makes 0600; others on a farm must read it
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, doc) -> Path:
    """``doc`` as indented JSON with a final newline (the asset manifests' layout)."""
    return atomic_write_text(path, json.dumps(doc, indent=1) + "\n")


def unwritable_folder(folder: str | os.PathLike) -> str | None:
    """Why files cannot be written into ``folder`` (created if missing), in words; None
    when they can (e.g. "Read-only file system", "Not a directory")."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return exc.strerror or str(exc)
    if not os.access(folder, os.W_OK):
        return os.strerror(30) if _read_only_fs(folder) else "permission denied"
    return None


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """True when ``path`` resolves to ``root`` or somewhere below it."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` on this host still runs (a zombie counts as dead).

    Zombies matter: a SIGKILLed worker whose parent is gone may never be reaped in a
    container, and its temporary files must still be recognised as abandoned.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True          # no /proc (macOS) or it vanished meanwhile: trust kill()
    fields = stat.rsplit(")", 1)[-1].split()
    return not (fields and fields[0] in ("Z", "X"))
