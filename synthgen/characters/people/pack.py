"""The people pack on disk: ``synthgen/data/people/`` (numpy + the standard library, no bpy).

| file | holds |
|---|---|
| ``pack.json`` | version, provenance (each source's name, version, file, sha256), licences, the roster fingerprint, bone names and parents, the clips' metadata, sha256 of the two npz files |
| ``bodies.npz`` | the hm08 mesh (vertices, quads, UVs, vertex/face groups), each person's shape as float16 offsets plus a float32 placement, each person's rig joints, skin weights |
| ``motions.npz`` | every captured clip in the project's motion format: Mixamo-named source skeletons and, per clip, root heads and world bone rotations (quaternions) |
| ``LICENCE-*.txt``, ``PROVENANCE.md`` | CC0 text (MakeHuman/MPFB2), the zlib notice (Bullet/DeepMimic data), the CMU statement |

:func:`load` verifies both npz files against ``pack.json`` and raises :class:`PackError`
(one line naming the file and the command that rebuilds the pack) when a file is missing,
truncated or altered. The npz files are written by :func:`write_npz` with fixed zip
timestamps, so a derivation run reproduces them byte for byte.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import SynthgenError

PACK_DIR = Path(__file__).resolve().parents[2] / "data" / "people"
PACK_VERSION = 1
REBUILD = "python -m synthgen.characters.people.derive"
_ZIP_TIME = (2020, 9, 1, 0, 0, 0)


class PackError(SynthgenError):
    """The people pack is missing, corrupt or out of date."""

    def __init__(self, reason: str, source: str | None = None, field: str | None = None):
        super().__init__(f"{reason}; rebuild it with: {REBUILD}", source=source, field=field)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A deterministic compressed npz (sorted members, fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            z.writestr(info, member.getvalue(), compresslevel=9)
    Path(path).write_bytes(buf.getvalue())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Pack:
    """The loaded pack: ``meta`` (pack.json), ``bodies`` and ``motions`` ({name: array})."""

    meta: dict
    bodies: dict
    motions: dict
    folder: Path

    def person_ids(self) -> list[str]:
        return list(self.meta["people"])

    def clip_ids(self) -> list[str]:
        return list(self.meta["clips"])


def _read_npz(path: Path, expected_sha: str) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackError("people pack file is missing", source=str(path)) from None
    if sha256_bytes(data) != expected_sha:
        raise PackError("people pack file does not match pack.json (corrupt or edited)", source=str(path))
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise PackError(f"people pack file is unreadable ({exc.__class__.__name__})", source=str(path)) from None


def read_meta(folder: Path = PACK_DIR) -> dict:
    path = Path(folder) / "pack.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError("people pack is missing", source=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackError(f"people pack index is unreadable ({exc.__class__.__name__})", source=str(path)) from None
    if meta.get("version") != PACK_VERSION:
        raise PackError(f"people pack version is {meta.get('version')!r}, this synthgen reads {PACK_VERSION}",
                        source=str(path), field="version")
    return meta


@lru_cache(maxsize=2)
def load(folder: Path = PACK_DIR) -> Pack:
    """The verified pack in ``folder`` (cached per folder)."""
    folder = Path(folder)
    meta = read_meta(folder)
    files = meta.get("files", {})
    arrays = {}
    for name in ("bodies.npz", "motions.npz"):
        if name not in files:
            raise PackError(f"pack.json lists no {name}", source=str(folder / "pack.json"), field="files")
        arrays[name] = _read_npz(folder / name, files[name])
    return Pack(meta, arrays["bodies.npz"], arrays["motions.npz"], folder)


def check_roster(pack: Pack, fingerprint: str) -> None:
    """Refuse a pack baked from another roster (its shapes would not match the table)."""
    if pack.meta.get("roster_fingerprint") != fingerprint:
        raise PackError("the people pack was derived from another roster (synthgen/characters/people/roster.py "
                        "changed)", source=str(pack.folder / "pack.json"), field="roster_fingerprint")
