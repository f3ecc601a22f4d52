"""File and channel names of the render folder: the contract between render and export.

Standard library only (the worker imports it inside Blender; the exporter without bpy)::

    <renders>/<clip_id>/
        job.json           exact copy of the job that was rendered
        frame_0001.exr     one multilayer EXR per rendered frame (Blender frame numbers,
                           frame_start..frame_end; boundary frames are animated, not rendered).
                           Blender 5 writes it as a *multi-part* EXR, one part per pass
                           (part "flow.Vector" holds channels "flow.Vector.X" ...): read every
                           part and key channels by their full name, e.g.
                           ``OpenEXR.File(path, separate_channels=True).parts``. Pixel data is
                           float32, row 0 at the top of the image.
        vertices.npz       optional ("vertices" in job.outputs): ``inst_<id>`` float32
                           [n_baked, V, 3] world-space evaluated vertices of each subject for
                           frames frame_start-1 .. frame_end+1, and ``frames`` (int32)
        geometry.npz       optional ("geometry" in job.outputs): every surface the camera can
                           see, as Blender evaluates it at frames frame_start-1 .. frame_end+1
                           (see :mod:`synthgen.correspond.geometry`): ``frames`` int32
                           [n_baked]; per object k ``o<k>_tris`` int32 [F, 3] (Blender's loop
                           triangles, the ones Cycles renders), ``o<k>_verts`` float32
                           [1 or n_baked, V, 3] object-space vertices (n_baked rows when the
                           mesh deforms), ``o<k>_matrix`` float64 [1 or n_baked, 4, 4]
                           object-to-world (n_baked rows when it moves); ``instance_ids`` int32
                           [M] (object pass index) and ``names`` str [M]
        render.json        Blender/synthgen versions, device, samples, per-frame times, job hash
        DONE               written last; holds the job hash. No DONE = not finished.
"""
from __future__ import annotations

JOB_FILE = "job.json"
RENDER_INFO_FILE = "render.json"
DONE_FILE = "DONE"
VERTICES_FILE = "vertices.npz"
GEOMETRY_FILE = "geometry.npz"

FLOW_LAYER = "flow"   # view layer of the 1-sample pass: Vector, Depth, Object Index (+ Combined)
RGB_LAYER = "rgb"     # full mode only: Combined at the quality preset's samples

VECTOR_CHANNELS = tuple(f"{FLOW_LAYER}.Vector.{c}" for c in "XYZW")
DEPTH_CHANNEL = f"{FLOW_LAYER}.Depth.Z"
INDEX_CHANNEL = f"{FLOW_LAYER}.Object Index.X"   # Blender 5's real name (with a space)
FLOW_COMBINED_CHANNELS = tuple(f"{FLOW_LAYER}.Combined.{c}" for c in "RGBA")
RGB_CHANNELS = tuple(f"{RGB_LAYER}.Combined.{c}" for c in "RGBA")

#: Cycles writes this depth for the world/HDRI background.
BACKGROUND_DEPTH = 1e10


def frame_name(frame: int) -> str:
    """``frame_0001.exr`` for Blender frame 1."""
    return f"frame_{frame:04d}.exr"


def frame_paths(clip_dir, frame_start: int, frame_end: int) -> list:
    """Paths of the frame EXRs of rendered frames ``frame_start..frame_end`` in ``clip_dir``."""
    from pathlib import Path
    return [Path(clip_dir) / frame_name(f) for f in range(frame_start, frame_end + 1)]


def required_channels(mode: str) -> tuple[str, ...]:
    """Channels every frame EXR of a clip rendered in ``mode`` must hold."""
    base = (*VECTOR_CHANNELS, DEPTH_CHANNEL, INDEX_CHANNEL, *FLOW_COMBINED_CHANNELS)
    return base + RGB_CHANNELS if mode == "full" else base
