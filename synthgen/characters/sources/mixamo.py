"""Subject source ``mixamo``: a user's FBX/BVH files (read by the Blender half: the
importers are Blender's)."""
from __future__ import annotations

NAME = "mixamo"
SUFFIXES = (".fbx", ".bvh")


def owns(location: str) -> bool:
    """Any location that is not a ``scheme:`` reference (a file path)."""
    head = location.split("/", 1)[0]
    return ":" not in head or len(head) == 2          # "C:" drive letters are files


def load_motion(ref):
    """None: a file's motion needs Blender's importers (``synthgen.blender.sources.mixamo``)."""
    return None
