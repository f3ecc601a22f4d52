"""User scenes as assets: what ``synthgen assets import-scene`` does for one scene file.

:func:`scene_entry` imports the file with Blender's importers (``synthgen.blender.scene_import``;
scripts in .blend files never run), measures it (triangles, bounds, object names), normalises
it (unit scale; the footprint centred on the origin, the lowest point at z = 0; the 4x4
``transform`` is recorded so the worker reproduces it), refuses scenes over the triangle
budget or without free space (one line each, :class:`SceneError`), builds the free-space map
(``<id>.freespace.npz`` beside the manifest, sha256 recorded), renders a preview picture
(``<id>.preview.png``) and returns the manifest entry (kind ``scene``, format in
``assets_manifest/README.md``). Objects get instance ids 2, 3, ... in the order listed
(largest first, up to :data:`MAX_OBJECTS`; the rest are part of the environment, id 0).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from .errors import SynthgenError
from .fsutil import sha256_file

log = logging.getLogger(__name__)

MAX_TRIANGLES = 1_000_000
MAX_OBJECTS = 250
MAX_VOXELS = 4_000_000
SCENE_SUFFIXES = (".blend", ".glb", ".gltf", ".fbx", ".obj", ".usd", ".usda", ".usdc", ".usdz")


class SceneError(SynthgenError):
    """A scene file cannot be used as a world (unreadable, too big, no free space)."""


def scene_files(src: Path) -> list[Path]:
    """The scene file ``src``, or the scene files below folder ``src`` (sorted)."""
    if src.is_file():
        return [src]
    return sorted(p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in SCENE_SUFFIXES)


def normalising_transform(tris: np.ndarray, unit_scale: float) -> np.ndarray:
    """4x4: scale by ``unit_scale``, then move the footprint's centre to the origin and the
    lowest point to z = 0."""
    t = tris.reshape(-1, 3) * unit_scale
    lo, hi = t.min(axis=0), t.max(axis=0)
    m = np.diag([unit_scale, unit_scale, unit_scale, 1.0])
    m[:3, 3] = [-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]]
    return m


def voxel_size(bounds: np.ndarray) -> float:
    """At least 8 cm, coarser for big scenes so the grid holds at most :data:`MAX_VOXELS`."""
    ext = np.maximum(bounds[3:] - bounds[:3] + 2.0, 0.5)
    return float(max(0.08, (np.prod(ext) / MAX_VOXELS) ** (1 / 3)))


def _word(name: str) -> str:
    base = re.sub(r"[._\-]?\d+$", "", name).replace("_", " ").replace("-", " ").strip().lower()
    return ("an " if base[:1] in "aeiou" else "a ") + (base or "object")


def object_table(names: list[str], owner: np.ndarray, tris: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Manifest ``objects`` (largest first, up to MAX_OBJECTS) and each triangle's instance id."""
    counts = np.bincount(owner, minlength=len(names))
    order = sorted(range(len(names)), key=lambda k: (-counts[k], names[k]))[:MAX_OBJECTS]
    ids = np.zeros(len(names), int)
    table = []
    for rank, k in enumerate(order):
        ids[k] = 2 + rank
        t = tris[owner == k].reshape(-1, 3)
        table.append({"name": names[k], "description": _word(names[k]), "triangles": int(counts[k]),
                      "bounds": [round(float(v), 4) for v in np.concatenate([t.min(axis=0), t.max(axis=0)])]})
    return table, ids[owner]


def scene_entry(path: Path, manifest_dir: Path, *, licence: str, setting: str | None, up: str, unit_scale: float,
                max_triangles: int = MAX_TRIANGLES, clearance_m: float = 0.3, preview: bool = True) -> dict:
    """The manifest entry of scene file ``path`` (writing its free-space map and preview)."""
    from .blender import scene as scene_mod
    from .blender import scene_import as bsi
    from .planner.space.freespace import FreeSpace

    src = str(path)
    scene_mod.reset()
    try:
        objs = bsi.load_scene(path, up)
    except SynthgenError as exc:
        raise SceneError(exc.reason, source=src) from None
    tris, names, owner = bsi.triangles(objs)
    if not len(tris):
        raise SceneError("holds no mesh", source=src)
    if len(tris) > max_triangles:
        raise SceneError(f"{len(tris):,} triangles is over the budget of {max_triangles:,} (--max-triangles)",
                         source=src)
    T = normalising_transform(tris, unit_scale)
    world = tris.reshape(-1, 3) @ T[:3, :3].T + T[:3, 3]
    world = world.reshape(-1, 3, 3)
    bounds = np.concatenate([world.reshape(-1, 3).min(axis=0), world.reshape(-1, 3).max(axis=0)])
    _unit_warning(bounds, src)
    table, labels = object_table(names, owner, world)
    space = FreeSpace.build(world, labels, bounds, voxel_size(bounds), clearance_m=clearance_m)
    if not space.nav.any():
        raise SceneError(f"has no free space where a camera keeps {clearance_m:g} m from every surface", source=src)
    sid = "scene-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-")
    fs = manifest_dir / f"{sid}.freespace.npz"
    space.save(fs)
    entry = {"id": sid, "kind": "scene", "location": _relative(path, manifest_dir), "sha256": sha256_file(path),
             "licence": licence, "setting": setting or f"in the scene {path.stem}", "up_axis": up,
             "unit_scale": unit_scale, "transform": [[round(float(v), 9) for v in row] for row in T],
             "bounds": [round(float(v), 4) for v in bounds], "triangles": int(len(tris)),
             "free_space": fs.name, "free_space_sha256": sha256_file(fs), "clearance_m": clearance_m,
             "objects": table}
    if preview:
        entry["preview"] = _preview(objs, T, space, manifest_dir / f"{sid}.preview.png").name
    return entry


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        raise SceneError(f"is not inside the manifest's folder {folder} (locations are relative)",
                         source=str(path), field="--out") from None


def _unit_warning(bounds: np.ndarray, src: str) -> None:
    size = float(np.linalg.norm(bounds[3:] - bounds[:3]))
    if size > 2000 or size < 0.5:
        log.warning("%s: the scene is %.3g m across; if its units are not metres pass --unit-scale", src, size)


def _preview(objs: list, T: np.ndarray, space, out: Path) -> Path:
    """A preview from a navigable point toward the scene's centre (a corner of the free space
    away from the centre, at eye height where it can)."""
    from .blender import scene_import as bsi
    bsi.apply_transform(objs, T)
    b = space.bounds
    centre = np.array([(b[0] + b[3]) / 2, (b[1] + b[4]) / 2, b[2] + 0.4 * (b[5] - b[2])])
    pts = space.sample(np.random.default_rng(0), 400)
    eye = pts[int(np.argmax(np.linalg.norm(pts[:, :2] - centre[:2], axis=1) - 2 * np.abs(pts[:, 2] - 1.6)))] \
        if len(pts) else centre + [0, -max(b[4] - b[1], 1.0), 1.0]
    return bsi.render_preview(out, centre, eye)

