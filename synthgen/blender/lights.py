"""Lights from the job: position, aim, blackbody colour, power in Watts. Needs bpy."""
from __future__ import annotations

import logging

import bpy
import mathutils

from ..job import LightSpec
from ..color import blackbody_rgb

log = logging.getLogger(__name__)

_TYPES = {"point": "POINT", "area": "AREA", "sun": "SUN", "spot": "SPOT"}


def build_light(spec: LightSpec, index: int, collection) -> bpy.types.Object:
    """One light object. ``intensity_w``: Watts (sun: irradiance in W/m²); ``size``: metres
    (point/spot radius, area side, ignored for sun). Aimed at ``target`` when given."""
    data = bpy.data.lights.new(name=f"light_{index}", type=_TYPES[spec.kind])
    data.color = tuple(float(c) for c in blackbody_rgb(spec.color_temperature_k))
    data.energy = float(spec.intensity_w)
    if spec.kind in ("point", "spot"):
        data.shadow_soft_size = float(spec.size)
    elif spec.kind == "area":
        data.size = float(spec.size)
    obj = bpy.data.objects.new(f"light_{index}", data)
    obj.location = spec.position
    if spec.target is not None:
        direction = mathutils.Vector(spec.target) - mathutils.Vector(spec.position)
        if direction.length > 1e-9:
            obj.rotation_mode = "QUATERNION"
            obj.rotation_quaternion = direction.to_track_quat("-Z", "Y")
    collection.objects.link(obj)
    return obj


def build_lights(specs: list[LightSpec], collection) -> list:
    return [build_light(s, i, collection) for i, s in enumerate(specs)]
