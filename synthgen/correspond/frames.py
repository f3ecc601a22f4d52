"""``--mode geometry``: the flow layer of every frame from the engine, without Cycles.

For flow-only datasets the path tracer is not needed: the engine's first surface at every
pixel centre gives the same Vector, Depth and Object Index a 1-sample Cycles pass writes
(forward and backward flow to the neighbouring baked frames, planar depth, instance ids).
Each frame EXR is written exactly as the worker's (:mod:`synthgen.layout` channel names,
one part per pass, float32), with Cycles' conventions: Vector = (X, Y, Z, W) with forward
= (-Z, +W) and backward = (+X, -Y); zero Vector, depth 1e10 and id 0 on the world at
infinity. Combined is a flat preview: each instance's colour, darker with distance.
Everything downstream (export, verify) reads these frames unchanged.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .. import layout
from ..export.exr import write_frame
from .engine import Engine

log = logging.getLogger(__name__)

#: Preview colours (linear RGB) by instance id (cycled).
PALETTE = np.array([[0.35, 0.35, 0.38], [0.85, 0.45, 0.25], [0.25, 0.55, 0.85],
                    [0.45, 0.75, 0.3], [0.8, 0.7, 0.2], [0.6, 0.35, 0.7]], np.float32)


def frame_channels(engine: Engine, frame: int) -> dict[str, np.ndarray]:
    """The flow layer's channels (float32 (H, W) each) of Blender frame ``frame``."""
    seen = engine.seen(frame)
    fwd, _ = engine.flow(seen, frame + 1, occlusion=False)
    bwd, _ = engine.flow(seen, frame - 1, occlusion=False)
    sky = seen.background
    fwd[sky] = 0.0
    bwd[sky] = 0.0
    X, Y, Z, W = layout.VECTOR_CHANNELS
    ch = {X: bwd[..., 0], Y: -bwd[..., 1], Z: -fwd[..., 0], W: fwd[..., 1],
          layout.DEPTH_CHANNEL: np.where(sky, np.float32(layout.BACKGROUND_DEPTH), seen.depth),
          layout.INDEX_CHANNEL: seen.ids.astype(np.float32)}
    shade = np.where(sky, 0.15, 1.0 / (1.0 + 0.08 * np.where(sky, 0.0, seen.depth))).astype(np.float32)
    rgb = PALETTE[seen.ids % len(PALETTE)] * shade[..., None]
    for i, name in enumerate(layout.FLOW_COMBINED_CHANNELS[:3]):
        ch[name] = np.ascontiguousarray(rgb[..., i])
    ch[layout.FLOW_COMBINED_CHANNELS[3]] = np.ones(sky.shape, np.float32)
    return {k: np.ascontiguousarray(v, np.float32) for k, v in ch.items()}


def write_geometry_frame(engine: Engine, frame: int, path: Path) -> Path:
    """Write frame ``frame``'s EXR to ``path`` (the caller renames it into place)."""
    return write_frame(path, frame_channels(engine, frame))
