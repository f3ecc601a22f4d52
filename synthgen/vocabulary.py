"""The words job files and presets may use for camera movements, path families and scene types.

Each word is one module of a registry, and these tuples are what the registries are filled
from (a missing module, or a module whose entry has another name, fails at import):

* :data:`CLIP_KINDS`: kinds of clip (what is filmed and how), one module each in
  ``synthgen/planner/clips/``;
* :data:`HUMAN_MOVEMENTS`: camera movements of human shots, one module each in
  ``synthgen/planner/movements/`` (how a videographer moves while filming a performer);
* :data:`PATH_FAMILIES`: trajectory families of camera clips, one module each in
  ``synthgen/planner/paths/`` (fast NURBS paths). ``truck``, ``dolly``, ``pedestal`` and
  ``spin`` are words of both vocabularies with different meanings: a human-shot truck
  slides the camera a metre or two while it keeps framing the performer, a path-family truck
  is a fast pass sideways past the scene; each has its own module;
* :data:`EXPORT_MEMBERS`: members of a dataset sample, one registry entry each in
  ``synthgen/export/members.py``;
* :data:`SCENE_TYPES`: environments, one module each in ``synthgen/planner/worlds/`` (the
  planner half) and one builder each in ``synthgen/blender/environment.py`` (the Blender
  half), keyed by these names. :data:`SCENE_TYPE_ALIASES` maps the older spellings
  (``env``, ``basic``) that job files and presets written before the rename still use.

Standard library only: :mod:`synthgen.job` imports this module inside Blender's Python.
Adding a word here without adding its module fails at import (the reverse fails
``tests/test_registry.py``).
"""
from __future__ import annotations

import re

#: kinds of clip, one module each in ``synthgen/planner/clips/``.
CLIP_KINDS = ("human", "camera", "group")

HUMAN_MOVEMENTS = ("truck", "dolly", "pedestal", "tilt", "pan", "spin", "following", "zoom", "static", "arc")
PATH_FAMILIES = ("orbit", "spin", "whip_pan", "fly_through", "spiral", "dolly", "truck", "pedestal", "crane")

#: ``camera.movement_type`` of a job: a human shot's movement, or a camera clip's path family.
MOVEMENT_TYPES = HUMAN_MOVEMENTS + tuple(f for f in PATH_FAMILIES if f not in HUMAN_MOVEMENTS)

#: hdri: an HDR environment map is the world and the light, with a shadow-catching (or, with
#:   ground projection, HDRI-textured) ground and optionally near geometry (scattered clutter);
#: room: an indoor room (procedural box or .blend template) lit by lights;
#: empty: a plain background colour, lit by lights or by an HDRI it does not show;
#: interior: furnished procedural interiors (L-shapes, corridors, rooms joined by doorways, stairs);
#: street: streets and plazas between buildings, with street furniture, trees and parked cars,
#:   under an HDRI sky;
#: imported: a user scene (``synthgen assets import-scene``) with its cached free-space map.
SCENE_TYPES = ("hdri", "room", "empty", "interior", "street", "imported")
SCENE_TYPE_ALIASES = {"env": "hdri", "basic": "room"}


#: ``environment.layout.kind``: what generated a world's geometry (scene types ``interior``,
#: ``street``, ``imported``; ``clutter`` is the near geometry of an ``hdri`` scene).
LAYOUT_KINDS = ("interior", "street", "clutter", "imported")

#: ``WorldObjectSpec.kind``: parametric meshes, one registry entry each in
#: ``synthgen/shapes/`` (architecture, furniture, outdoor, items); ``imported`` names an
#: object of a user scene.
WORLD_SHAPES = (
    "slab", "wall", "door", "stairs", "railing", "ceiling_light", "road", "sidewalk", "building",
    "table", "chair", "stool", "sofa", "bed", "shelf", "rack", "cabinet", "desk", "floor_lamp", "table_lamp",
    "plant", "rug", "box", "crate", "pallet", "column", "tv", "monitor", "picture", "books", "vase", "bowl",
    "tree", "bush", "car", "bench", "street_lamp", "bin", "bollard", "planter", "hydrant", "bus_shelter",
    "fountain", "rock", "barrel", "traffic_cone", "log", "low_wall", "picnic_table", "parasol",
    "mug", "duck", "toy_brick", "tray", "imported")

#: ``SurfaceSpec.kind``: material families of world objects, one node recipe each in
#: ``synthgen/blender/surfaces.py``.
SURFACE_KINDS = ("paint", "plaster", "wood", "parquet", "fabric", "leather", "carpet", "metal", "chrome",
                 "plastic", "ceramic", "glass", "tiles", "brick", "concrete", "asphalt", "paving", "stone",
                 "marble", "foliage", "bark", "grass", "soil", "paper", "cardboard", "rubber", "water", "light")

#: members of a dataset sample, one registry entry each in ``synthgen/export/members.py``.
EXPORT_MEMBERS = ("flow", "flow_bwd", "valid", "flow_hsv", "plucker", "depth", "seg", "inst_flow",
                  "rgb", "txt", "json")


#: correspondence members (``synthgen/correspond``): these three, and ``flow_k<K>`` /
#: ``occ_k<K>`` for any frame gap K >= 1 (a pattern, so not registry entries).
CORRESPONDENCE_MEMBERS = ("tracks", "track_vis", "scene_flow")
GAP_MEMBER = re.compile(r"^(flow|occ)_k([1-9][0-9]{0,5})$")


def is_correspondence_member(name: str) -> bool:
    """``flow_k<K>``, ``occ_k<K>`` (K >= 1), ``tracks``, ``track_vis`` or ``scene_flow``."""
    return bool(GAP_MEMBER.match(name)) or name in CORRESPONDENCE_MEMBERS


def canonical_scene_type(name: str) -> str:
    """The current name of a scene type spelled ``name`` (unknown names are returned as given)."""
    return SCENE_TYPE_ALIASES.get(name, name)
