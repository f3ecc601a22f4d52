"""Derive the small-item meshes of the world shapes from pinned third-party files.

    python -m synthgen.shapes.derive [--cache DIR] [--out synthgen/data/worlds]

Reads three meshes from PyPI ``pybullet==3.2.7`` (its ``pybullet_data``, zlib licence; the
wheel's sha256 is checked, see :mod:`synthgen.characters.people.sources`): a mug, a rubber
duck and a toy brick. Each is turned Z-up, centred on its footprint, set on z = 0, scaled
to a real size and written as float32 vertices and int32 triangles into ``items.npz``
(deterministic bytes), with the zlib notice (``LICENCE-zlib.txt``) and ``PROVENANCE.md``
beside it. Running it again reproduces the committed files byte for byte (a test checks).
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from ..characters.people.pack import sha256_bytes, write_npz
from ..characters.people.sources import SOURCES, Archive, fetch

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "worlds"
CACHE = Path.home() / ".cache" / "synthgen" / "people-sources"

#: item -> (member of the wheel, its up axis, real height in metres)
ITEMS = {
    "mug": ("pybullet_data/objects/mug.obj", "z", 0.10),
    "duck": ("pybullet_data/duck.obj", "y", 0.09),
    "toy_brick": ("pybullet_data/lego/lego.obj", "y", 0.024),
}


def parse_obj(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) and triangles (F, 3) of a Wavefront OBJ (polygons fanned, negative
    indices resolved; texture coordinates, normals and groups ignored)."""
    verts, faces = [], []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            verts.append([float(c) for c in parts[1:4]])
        elif parts[0] == "f":
            idx = []
            for tok in parts[1:]:
                i = int(tok.split("/")[0])
                idx.append(i - 1 if i > 0 else len(verts) + i)
            faces += [[idx[0], idx[k], idx[k + 1]] for k in range(1, len(idx) - 1)]
    return np.asarray(verts, np.float64), np.asarray(faces, np.int64)


def normalise(verts: np.ndarray, up: str, height: float) -> np.ndarray:
    """Z up, the footprint centred on the origin, resting on z = 0, ``height`` metres tall."""
    v = verts if up == "z" else np.stack([verts[:, 0], -verts[:, 2], verts[:, 1]], axis=1)
    lo, hi = v.min(axis=0), v.max(axis=0)
    v = v - [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]
    return v * (height / (hi[2] - lo[2]))


def derive(cache: Path = CACHE, out: Path = DATA_DIR) -> dict:
    src = SOURCES["pybullet"]
    pyb = Archive(fetch(src, cache))
    arrays = {}
    for name, (member, up, height) in ITEMS.items():
        v, f = parse_obj(pyb.read(member).decode("latin-1"))
        arrays[f"{name}.verts"] = normalise(v, up, height).astype(np.float32)
        arrays[f"{name}.faces"] = f.astype(np.int32)
    out.mkdir(parents=True, exist_ok=True)
    write_npz(out / "items.npz", arrays)
    (out / "LICENCE-zlib.txt").write_bytes(pyb.read("pybullet-3.2.7.dist-info/LICENSE.txt"))
    (out / "PROVENANCE.md").write_text(provenance(), encoding="utf-8")
    return {"items.npz": sha256_bytes((out / "items.npz").read_bytes())}


def provenance() -> str:
    src = SOURCES["pybullet"]
    lines = ["# World items provenance", "",
             "Derived by `python -m synthgen.shapes.derive` from one pinned file (its sha256 is",
             "checked before reading; nothing else is read):", "",
             f"- **{src.name} {src.version}** ({src.registry}): `{src.filename}`",
             f"  sha256 `{src.sha256}`; licence: {src.licence} (`LICENCE-zlib.txt`, the notice shipped in the wheel).",
             "", "| item | member | up axis | height (m) |", "|---|---|---|---|"]
    lines += [f"| {n} | `{m}` | {u} | {h} |" for n, (m, u, h) in ITEMS.items()]
    lines += ["", "Each mesh is turned Z-up, centred on its footprint, set on z = 0 and scaled to the height",
              "above; `items.npz` holds `<item>.verts` (float32, metres) and `<item>.faces` (int32).",
              "Samples whose worlds use these items carry the licence string in their json (`assets`).", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    for name, digest in derive(args.cache, args.out).items():
        log.info("%s sha256 %s", name, digest)


if __name__ == "__main__":
    main()
