"""Scene type ``imported``: a user scene registered by ``synthgen assets import-scene`` (an
asset of kind ``scene``), planned like a built-in world: its cached free-space map (read once
per process, sha256 checked) keeps the camera clear of its geometry, its listed objects get
instance ids 2, 3, ... and are what the camera aims at; lit by an outdoor HDRI (seen where
the scene is open), or by the background's ambient light without HDRIs. The Blender half:
:mod:`synthgen.blender.scene_import`."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import ManifestError
from ...fsutil import sha256_file
from ...job import EnvironmentSpec, WorldObjectSpec
from ...manifest import Asset, AssetSet
from ..layouts.model import LayoutBuilder, WorldModel, focus_of, r6
from ..scene_draw import SceneDraw
from ..space.freespace import FreeSpace
from .base import World, WorldContext, layout_environment, pick_outdoor_hdri


@lru_cache(maxsize=8)
def _load(path: str, sha256: str) -> FreeSpace:
    if sha256_file(Path(path)) != sha256:
        raise ManifestError("does not match free_space_sha256 (run synthgen assets import-scene again)", source=path)
    try:
        return FreeSpace.load(path)
    except (OSError, KeyError, ValueError) as exc:
        raise ManifestError(f"cannot read the free-space map ({exc.__class__.__name__})", source=path) from None


def free_space(asset: Asset) -> FreeSpace:
    return _load(str((asset.manifest.parent / asset["free_space"]).resolve()), asset["free_space_sha256"])


#: object names (their first word) that are the scene's shell, not things to aim at or caption
STRUCTURE = re.compile(r"^(floor|ground|terrain|wall|ceiling|roof|plane|room|skirting|baseboard)s?([\W_\d]|$)", re.I)


def scene_objects(asset: Asset) -> list[WorldObjectSpec]:
    """The scene's listed objects as layout entries (ids 2, 3, ... in the manifest's order);
    floors, walls, ceilings and the like (:data:`STRUCTURE`) keep their ids but get no
    description, so the camera does not aim at them and captions do not name them."""
    out = []
    for k, o in enumerate(asset.get("objects", [])):
        b = np.asarray(o.get("bounds", [0, 0, 0, 0, 0, 0]), float)
        words = "" if STRUCTURE.match(o["name"]) else o.get("description", "")
        out.append(WorldObjectSpec(instance_id=2 + k, name=o["name"], kind="imported",
                                   location=r6([(b[0] + b[3]) / 2, (b[1] + b[4]) / 2, b[2]]),
                                   size=r6(np.maximum(b[3:] - b[:3], 0.0)), description=words))
    return out


class ImportedWorld(World):
    name = "imported"
    needs = "scene"

    def model(self, wctx: WorldContext) -> WorldModel:
        scenes = wctx.assets.of_kind("scene")
        asset = scenes[int(wctx.rng.integers(len(scenes)))]
        space = free_space(asset)
        lb = LayoutBuilder("imported")
        lb.objects = scene_objects(asset)
        layout = lb.spec(asset["setting"], space.bounds)
        layout.scene = wctx.assets.ref(asset.id)
        layout.scene_transform = [[float(v) for v in row] for row in asset["transform"]]
        m = WorldModel(layout, space, asset["setting"], [], focus_of(lb.objects, 0.25), 0.0, min_content=0.3,
                       log={"scene": asset.id, "world_objects": len(lb.objects), "world_triangles": asset["triangles"],
                            "navigable_m3": round(space.volume_m3, 3)})
        m.hdri_id = pick_outdoor_hdri(wctx.assets, wctx.rng)
        return m

    def build(self, draw: SceneDraw, assets: AssetSet, room_size: list[float], *, model=None,
              camera=None) -> EnvironmentSpec:
        env = layout_environment(self.name, draw, assets, model)
        if model.hdri_id is None:
            env.ambient_intensity = round(max(draw.ambient_intensity, 0.3), 6)
        return env


WORLD = ImportedWorld()
