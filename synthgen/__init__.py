"""synthgen: Blender as a factory of synthetic motion data for video diffusion models.

Three stages joined by files (README.md; conventions in docs/CONVENTIONS.md): ``plan`` (pure Python) writes one baked job
per clip, ``render`` (the only stage importing bpy) writes multilayer EXRs, ``export``
packs WebDataset shards. This module stays import-light because it is also imported by
the worker inside a stock Blender's bundled Python (bpy, mathutils, numpy and nothing else).
The public surface is re-exported lazily here.
"""
from __future__ import annotations

import importlib
from pathlib import Path

__version__ = "0.1.0"

#: Repository root (the package is installed editable; presets and manifests live there).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_PUBLIC = {
    "Job": "synthgen.job",
    "load_job": "synthgen.job",
    "SynthgenError": "synthgen.errors",
    "intrinsics": "synthgen.camera",
}

__all__ = ["__version__", "PROJECT_ROOT", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'synthgen' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
