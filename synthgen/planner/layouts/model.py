"""What a world generator hands the clip planner: the layout (job spec), its free-space map,
the lights it brings, the content a camera may aim at, and its caption phrase.

:class:`LayoutBuilder` collects a layout's pieces: *structure* (instance id 0: walls, floors,
roads, ground) and *objects* (their own instance ids from ``first_id`` on, in order), each a
:class:`~synthgen.job.WorldObjectSpec` whose mesh is built by :mod:`synthgen.shapes`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...job import LayoutSpec, LightSpec, SurfaceSpec, WorldObjectSpec
from ...shapes import object_mesh
from ..space.freespace import FreeSpace


def r6(v) -> list[float]:
    return [round(float(x), 6) for x in v]


@dataclass
class Focus:
    """Something worth looking at: a point on an object and its caption noun phrase."""

    point: np.ndarray           # (3,)
    description: str
    instance_id: int
    radius_m: float             # rough size (its footprint's half diagonal)


@dataclass
class WorldModel:
    layout: LayoutSpec
    space: FreeSpace
    setting: str                                    # the caption's environment phrase
    lights: list[LightSpec] = field(default_factory=list)
    focus: list[Focus] = field(default_factory=list)
    floor_z: float = 0.0                            # the floor subjects stand on
    log: dict = field(default_factory=dict)         # params-log entries of the world
    hdri_id: str | None = None                      # the HDRI the world shows, if it picked one
    min_content: float = 0.5                        # share of a path's views that must see an object


class LayoutBuilder:
    def __init__(self, kind: str, first_id: int = 2):
        self.kind = kind
        self.objects: list[WorldObjectSpec] = []
        self.next_id = first_id

    def _add(self, iid: int, name: str, kind: str, location, yaw_deg: float, size, params: dict | None,
             surfaces: list[SurfaceSpec], description: str) -> WorldObjectSpec:
        obj = WorldObjectSpec(instance_id=iid, name=name, kind=kind, location=r6(location),
                              yaw_deg=round(float(yaw_deg), 4), size=r6(size), params=dict(params or {}),
                              surfaces=list(surfaces), description=description)
        self.objects.append(obj)
        return obj

    def structure(self, kind: str, location, size, surfaces: list[SurfaceSpec], *, yaw_deg: float = 0.0,
                  params: dict | None = None, name: str | None = None) -> WorldObjectSpec:
        """A piece of the environment (instance id 0)."""
        return self._add(0, name or f"{kind}-s{len(self.objects)}", kind, location, yaw_deg, size, params,
                         surfaces, "")

    def thing(self, kind: str, location, size, surfaces: list[SurfaceSpec], description: str, *,
              yaw_deg: float = 0.0, params: dict | None = None) -> WorldObjectSpec:
        """An object with its own instance id."""
        iid = self.next_id
        self.next_id += 1
        return self._add(iid, f"{kind}-{iid}", kind, location, yaw_deg, size, params, surfaces, description)

    def triangles(self) -> tuple[np.ndarray, np.ndarray]:
        """(F, 3, 3) world triangles of every piece and their instance ids (F,)."""
        tris, labels = [], []
        for obj in self.objects:
            if obj.kind == "imported":
                continue
            m = object_mesh(obj)
            tris.append(m.triangles)
            labels.append(np.full(len(m.faces), obj.instance_id))
        if not tris:
            return np.zeros((0, 3, 3)), np.zeros(0, int)
        return np.concatenate(tris), np.concatenate(labels)

    def spec(self, description: str, bounds) -> LayoutSpec:
        return LayoutSpec(kind=self.kind, description=description, bounds=r6(bounds), objects=list(self.objects))


#: shapes a camera is never aimed at (flat on a floor, wall or ceiling)
NOT_FOCUS = ("ceiling_light", "rug", "picture", "railing", "door", "slab")


def focus_of(objects: list[WorldObjectSpec], min_size: float = 0.3) -> list[Focus]:
    """Focus candidates: objects with a description and a footprint of at least ``min_size``,
    aimed at half their height (low pieces 0.7 m above their base: over a coffee table, not
    down into it)."""
    out = []
    for o in objects:
        if o.instance_id <= 0 or not o.description or max(o.size[0], o.size[1]) < min_size or o.kind in NOT_FOCUS:
            continue
        z = o.location[2] + max(0.5 * o.size[2], 0.7)
        p = np.array([o.location[0], o.location[1], z])
        out.append(Focus(p, o.description, o.instance_id, float(np.hypot(o.size[0], o.size[1]) / 2)))
    return out
