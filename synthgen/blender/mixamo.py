"""Mixamo FBX (and BVH) import: characters and animations as synthgen skeletons (bpy).

Handles the ``mixamorig:`` prefix and its variants (``mixamorig1:``, ``mixamorig_``, none),
centimetre armatures (object scale 0.01) and metre ones, any frame rate (the importer sets
the scene's; we read it and restore the scene), and Blender 5's layered (slotted) actions
(the pose is evaluated through the depsgraph, never through ``action.fcurves``).

Frames: an imported armature's world space (after the importer's Y-up → Z-up rotation and
unit scale) is Z up, metres, with Mixamo characters facing −Y. A *character* is normalised
to its character frame (hips above the origin, facing −Y, lowest mesh point on z = 0); an
*animation* to the action frame (hips above the origin and facing −Y at source frame 0;
heights as authored, Mixamo's floor is z = 0).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import numpy as np

from ..characters.model import Character, Motion
from ..characters.retarget import check_required
from ..characters.skeleton import (BVH_BONE_MAP, PREFIX, RetargetError, Skeleton, WorldPose,
                                   canonical_name, facing_yaw, normalise_motion, orthonormalize, rot_z)
from ..errors import SynthgenError

log = logging.getLogger(__name__)


class ImportError_(SynthgenError):
    """An FBX/BVH file cannot be imported as a character or an animation."""


# --------------------------------------------------------------------------- import
def import_file(path: Path) -> dict:
    """Import ``path`` (.fbx or .bvh) into the current scene without changing its settings.

    Returns ``{"armature": obj or None, "meshes": [objs], "objects": [all new objs],
    "fps": float, "frame_range": (first, last) or None}``. Corrupt files raise
    :class:`ImportError_` (one line).
    """
    import bpy

    path = Path(path)
    if not path.is_file():
        raise ImportError_("file not found", source=str(path), field="location")
    scene = bpy.context.scene
    saved = (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end,
             scene.frame_current)
    before = set(bpy.data.objects)
    actions_before = set(bpy.data.actions)
    try:
        with _quiet():
            if path.suffix.lower() == ".bvh":
                res = bpy.ops.import_anim.bvh(filepath=str(path), update_scene_fps=True,
                                              update_scene_duration=True)
            else:
                res = bpy.ops.import_scene.fbx(filepath=str(path), use_anim=True)
        if "FINISHED" not in res:
            raise RuntimeError("the importer gave up on it")
    except (RuntimeError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        for o in set(bpy.data.objects) - before:
            bpy.data.objects.remove(o)
        raise ImportError_(f"not a readable {path.suffix.lstrip('.').upper()} file "
                           f"({_importer_reason(exc)[:160]}; truncated or not this format?)",
                           source=str(path), field="file") from None
    finally:
        fps = scene.render.fps / scene.render.fps_base
        (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end) = saved[:4]
        scene.frame_set(saved[4])
    new = [o for o in bpy.data.objects if o not in before]
    arms = [o for o in new if o.type == "ARMATURE"]
    arm = max(arms, key=lambda o: len(o.data.bones)) if arms else None
    meshes = [o for o in new if o.type == "MESH" and _deformed_by(o, arm)]
    action = arm.animation_data.action if arm is not None and arm.animation_data else None
    if action is None and arm is not None:
        fresh = [a for a in bpy.data.actions if a not in actions_before]
        action = fresh[0] if fresh else None
    rng = None
    if action is not None:
        a, b = action.frame_range
        rng = (int(round(a)), int(round(b)))
    return {"armature": arm, "meshes": meshes, "objects": new, "fps": float(fps),
            "frame_range": rng, "action": action}


def _importer_reason(exc: BaseException) -> str:
    """The importer's own last words: bpy wraps an add-on's traceback in the message and
    ends it with a "Location: <bpy source>" line, which says nothing about the file."""
    lines = [ln.strip() for ln in str(exc).splitlines()
             if ln.strip() and not ln.strip().startswith("Location:")]
    if not lines:
        return type(exc).__name__
    last = lines[-1]
    return last[len("Error: "):] if last.startswith("Error: ") else last


@contextlib.contextmanager
def _quiet():
    """Silence the importers' own prints and tracebacks (file descriptors 1 and 2); the
    failure reaches the caller as an exception, turned into one line by :func:`import_file`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null:
        try:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _deformed_by(obj, arm) -> bool:
    if arm is None:
        return False
    if obj.parent == arm:
        return True
    return any(m.type == "ARMATURE" and m.object == arm for m in obj.modifiers)


def remove(objects) -> None:
    import bpy
    for o in objects:
        if o.name in bpy.data.objects:
            bpy.data.objects.remove(o)


# --------------------------------------------------------------------------- skeletons
def _bone_names(arm, bvh: bool) -> dict:
    """{Blender bone name: canonical mixamo name} for the bones we keep (no leaf ``_end``)."""
    out = {}
    for b in arm.data.bones:
        if bvh:
            m = BVH_BONE_MAP.get(b.name, b.name if b.name in BVH_BONE_MAP.values() else None)
            c = PREFIX + m if m else None
        else:
            c = canonical_name(b.name)
        if c is not None and c not in out.values():
            out[b.name] = c
    return out


def rest_skeleton(arm, names: dict, world: np.ndarray | None = None) -> Skeleton:
    """Rest :class:`Skeleton` of ``arm`` in world space (``world`` defaults to the
    armature's matrix_world), metres; bones outside ``names`` are skipped (children are
    re-parented to their nearest kept ancestor)."""
    W = np.array(arm.matrix_world) if world is None else world
    kept = [b for b in arm.data.bones if b.name in names]
    index = {b.name: i for i, b in enumerate(kept)}
    parents, rots, heads, tails = [], [], [], []
    for b in kept:
        p = b.parent
        while p is not None and p.name not in index:
            p = p.parent
        parents.append(index[p.name] if p is not None else -1)
        m = W @ np.array(b.matrix_local)
        rots.append(orthonormalize(m[:3, :3]))
        heads.append(m[:3, 3])
        tails.append((W @ np.append(np.array(b.tail_local), 1.0))[:3])
    top = None
    if PREFIX + "HeadTop_End" not in names.values():     # the importer's leaf bone marks it
        leaf = [b for b in arm.data.bones if b.parent is not None and b.parent.name in names
                and names[b.parent.name] == PREFIX + "Head" and b.name not in names]
        if leaf:
            top = float((W @ np.append(np.array(leaf[0].head_local), 1.0))[2])
    skel = Skeleton([names[b.name] for b in kept], parents, np.array(rots), np.array(heads),
                    np.array(tails), top)
    _check_order(skel)
    return skel


def _check_order(skel: Skeleton) -> None:
    for i, p in enumerate(skel.parents):
        if p >= i:
            raise RetargetError("bone order has a child before its parent", field="bones")


def sample_pose(arm, names: dict, frames, world: np.ndarray | None = None) -> WorldPose:
    """World rotations/heads of the kept bones at Blender ``frames`` (depsgraph-evaluated)."""
    import bpy

    scene = bpy.context.scene
    W = np.array(arm.matrix_world) if world is None else world
    kept = [b.name for b in arm.data.bones if b.name in names]
    T, B = len(frames), len(kept)
    rot, head = np.zeros((T, B, 3, 3)), np.zeros((T, B, 3))
    saved = scene.frame_current
    pbs = [arm.pose.bones[n] for n in kept]
    for t, f in enumerate(frames):
        scene.frame_set(int(f))
        for b, pb in enumerate(pbs):
            m = W @ np.array(pb.matrix)
            rot[t, b], head[t, b] = m[:3, :3], m[:3, 3]
    scene.frame_set(saved)
    return WorldPose(orthonormalize(rot), head)


# --------------------------------------------------------------------------- characters
def load_character(path: Path, name: str):
    """Import a "With Skin" FBX as a :class:`synthgen.characters.model.Character`."""
    imp = import_file(path)
    arm = imp["armature"]
    if arm is None:
        remove(imp["objects"])
        raise ImportError_("no armature in the file", source=str(path), field="armature")
    if not imp["meshes"]:
        remove(imp["objects"])
        raise ImportError_("no skinned mesh (an animation-only download?)", source=str(path),
                           field="mesh")
    for o in imp["objects"]:
        if o is not arm and o not in imp["meshes"]:
            o.hide_render = True
    if arm.animation_data is not None:
        arm.animation_data.action = None
    for pb in arm.pose.bones:
        pb.matrix_basis.identity()
    arm.name = name + "-rig"
    for i, m in enumerate(imp["meshes"]):
        m.name = f"{name}-{i}"
    names = _bone_names(arm, bvh=False)
    skel_w = rest_skeleton(arm, names)
    try:
        check_required(skel_w, str(path))
    except RetargetError as exc:
        remove(imp["objects"])
        raise ImportError_(str(exc).split(": ", 2)[-1], source=str(path), field="bones") from None
    lo, hi = mesh_bounds(imp["meshes"])
    hips = skel_w.rest_head[skel_w.i("Hips")]
    N = np.eye(4)
    N[:3, :3] = rot_z(facing_yaw(skel_w))
    N[:3, 3] = -(N[:3, :3] @ np.array([hips[0], hips[1], lo[2]]))
    F = N @ np.array(arm.matrix_world)
    skel = rest_skeleton(arm, names, world=F)
    return Character(arm, imp["meshes"], skel, F, float(hi[2] - lo[2]))


def mesh_bounds(meshes) -> tuple[np.ndarray, np.ndarray]:
    """World AABB (min (3,), max (3,)) of the meshes as evaluated now."""
    import bpy

    deps = bpy.context.evaluated_depsgraph_get()
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for obj in meshes:
        ev = obj.evaluated_get(deps)
        me = ev.to_mesh()
        co = np.empty(len(me.vertices) * 3)
        me.vertices.foreach_get("co", co)
        ev.to_mesh_clear()
        m = np.array(ev.matrix_world)
        co = co.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]
        lo, hi = np.minimum(lo, co.min(0)), np.maximum(hi, co.max(0))
    return lo, hi


# --------------------------------------------------------------------------- animations
def load_motion(path: Path):
    """Import an animation (Mixamo FBX with or without skin, or BVH) as a
    :class:`synthgen.characters.model.Motion` in the action frame; the imported objects
    are removed again."""
    path = Path(path)
    imp = import_file(path)
    try:
        arm = imp["armature"]
        if arm is None:
            raise ImportError_("no armature in the file", source=str(path), field="armature")
        if imp["frame_range"] is None:
            raise ImportError_("no animation in the file", source=str(path), field="action")
        bvh = path.suffix.lower() == ".bvh"
        names = _bone_names(arm, bvh=bvh)
        skel = rest_skeleton(arm, names)
        missing = skel.missing()
        if missing:
            raise ImportError_(f"animation lacks bones the Mixamo map needs: {', '.join(missing)}",
                               source=str(path), field="bones")
        a, b = imp["frame_range"]
        pose = sample_pose(arm, names, range(a, b + 1))
        unit = _bvh_unit(skel) if bvh else 1.0
        skel, pose = normalise_motion(skel, pose, unit)
        return Motion(skel, pose, imp["fps"], False)
    finally:
        remove(imp["objects"])


def _bvh_unit(skel: Skeleton) -> float:
    """Metres per BVH unit, guessed from the rest height (cm, inches or metres)."""
    h = skel.height
    for unit in (1.0, 0.0254, 0.01):
        if 1.0 <= h * unit <= 2.5:
            return unit
    return 1.0
