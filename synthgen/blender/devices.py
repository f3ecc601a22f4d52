"""Cycles compute device selection. Needs bpy."""
from __future__ import annotations

import logging

import bpy

from ..errors import RenderError

log = logging.getLogger(__name__)

#: job device name -> Cycles compute_device_type
GPU_TYPES = {"optix": "OPTIX", "cuda": "CUDA", "hip": "HIP", "metal": "METAL", "oneapi": "ONEAPI"}
AUTO_ORDER = ("optix", "cuda", "hip", "metal", "oneapi")


def _gpus(kind: str) -> list:
    prefs = bpy.context.preferences.addons["cycles"].preferences
    try:
        prefs.compute_device_type = GPU_TYPES[kind]
    except TypeError:   # this Blender build has no such backend
        return []
    prefs.refresh_devices()
    return [d for d in prefs.devices if d.type == GPU_TYPES[kind]]


def setup_device(scene, device: str, source: str | None = None) -> str:
    """Point Cycles at ``device`` (cpu, cuda, optix, hip, metal, oneapi or auto).

    Returns a description such as ``"cpu"`` or ``"optix: NVIDIA H100"``. A named GPU type
    that is absent raises :class:`RenderError`; ``auto`` falls back to the CPU.
    """
    if device == "cpu":
        scene.cycles.device = "CPU"
        return "cpu"
    kinds = AUTO_ORDER if device == "auto" else (device,)
    for kind in kinds:
        if kind not in GPU_TYPES:
            raise RenderError(f"unknown device {kind!r}", source=source, field="render.device")
        gpus = _gpus(kind)
        if gpus:
            prefs = bpy.context.preferences.addons["cycles"].preferences
            for d in prefs.devices:
                d.use = d in gpus
            scene.cycles.device = "GPU"
            return f"{kind}: " + ", ".join(d.name for d in gpus)
    if device == "auto":
        scene.cycles.device = "CPU"
        return "cpu"
    raise RenderError(f"no {device.upper()} device found on this machine (use --device cpu or auto)",
                      source=source, field="render.device")
