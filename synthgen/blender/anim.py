"""Keyframes at integer frames (Blender 5 layered actions). Needs bpy."""
from __future__ import annotations

import logging

import bpy
import numpy as np

log = logging.getLogger(__name__)


def keyframe_series(id_block, data_path: str, frames, values, *, interpolation: str = "LINEAR") -> None:
    """Key ``id_block.<data_path>[j] = values[i, j]`` at Blender frame ``frames[i]``.

    ``values``: array-like (N, k) (or (N,) for a scalar property). Keys are exact at the
    integer frames; LINEAR in between (Cycles' Vector pass only samples integer frames).
    """
    vals = np.asarray(values, dtype=np.float64)
    if vals.ndim == 1:
        vals = vals[:, None]
    frames = np.asarray(list(frames), dtype=np.float64)
    if len(frames) != len(vals):
        raise ValueError(f"{data_path}: {len(frames)} frames but {len(vals)} values")
    ad = id_block.animation_data or id_block.animation_data_create()
    if ad.action is None:
        ad.action = bpy.data.actions.new(name=f"{id_block.name}.anim")
    scalar = not hasattr(getattr(id_block, data_path), "__len__")
    for j in range(vals.shape[1]):
        fc = ad.action.fcurve_ensure_for_datablock(id_block, data_path, index=0 if scalar else j)
        fc.keyframe_points.clear()
        fc.keyframe_points.add(len(frames))
        co = np.empty(2 * len(frames))
        co[0::2], co[1::2] = frames, vals[:, j]
        fc.keyframe_points.foreach_set("co", co.tolist())
        for kp in fc.keyframe_points:
            kp.interpolation = interpolation
        fc.update()


def continuous_quaternions(quats) -> np.ndarray:
    """Flip signs so consecutive (w, x, y, z) quaternions lie in the same hemisphere. (N, 4)."""
    q = np.array(quats, dtype=np.float64).reshape(-1, 4)
    for i in range(1, len(q)):
        if np.dot(q[i - 1], q[i]) < 0:
            q[i] = -q[i]
    return q
