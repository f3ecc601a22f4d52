"""The captured clips of the people pack as :class:`~synthgen.characters.model.Motion`\\ s (numpy only)."""
from __future__ import annotations

import numpy as np

from ..model import Motion
from ..skeleton import Skeleton, WorldPose, quat_to_mat, rebuild
from .pack import Pack, PackError, load


def clip_skeleton(pack: Pack, key: str) -> Skeleton:
    m = pack.meta["skeletons"][key]
    a = pack.motions
    return Skeleton(list(m["names"]), list(m["parents"]), a[f"skel.{key}.rest_rot"].astype(np.float64),
                    a[f"skel.{key}.rest_head"].astype(np.float64), a[f"skel.{key}.rest_tail"].astype(np.float64))


def clip_motion(clip_id: str, pack: Pack | None = None) -> Motion:
    """A clip in the action frame: rotations from the pack, heads by forward kinematics."""
    pack = load() if pack is None else pack
    meta = pack.meta["clips"].get(clip_id)
    if meta is None:
        raise PackError(f"no clip {clip_id!r} in the people pack (known: {', '.join(pack.meta['clips'])})",
                        source=str(pack.folder / "pack.json"), field="clips")
    skel = clip_skeleton(pack, meta["skeleton"])
    rot = quat_to_mat(pack.motions[f"clip.{clip_id}.rot"].astype(np.float64))
    root = pack.motions[f"clip.{clip_id}.root"].astype(np.float64)
    return Motion(skel, WorldPose(rot, rebuild(skel, rot, root).head), float(meta["fps"]), False)
