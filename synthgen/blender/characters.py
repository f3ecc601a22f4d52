"""Build a job subject: character + action, retargeted, placed and baked (bpy).

:func:`build_subject` is what the worker calls for every ``job.subjects`` entry. Characters
and actions come from a subject source (:mod:`synthgen.blender.sources`): the people pack
(``people:person/<id>``, ``people:motion/<clip>``), procedural mannequins and actions
(``procedural:humanoid/<variant>``, ``procedural:action/<name>``) or a Mixamo FBX / BVH file. The action is evaluated in the
manifest's *action frame* (Z up, metres, facing −Y at source frame 0, hips above the origin,
feet on z = 0), retargeted onto the character (world-space orientation transfer,
:mod:`synthgen.characters.retarget`), grounded, resampled at the job's fractional source times
and keyed on every baked frame. A subject with ``segments`` or ``mirror`` plays its actions in
turn, crossfaded and mirrored, through :func:`synthgen.characters.performance.perform`: the
same numpy the planner's collision check runs. Placement: ``world = T(location) · Rz(heading) · s · p`` with
``s = spec.height_m / character height`` (1 when ``height_m`` is None).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from ..characters import performance
from ..characters.model import Character, CharacterError, Motion, placement
from ..characters.retarget import bone_pairs, pose_directions, retarget_motion
from ..characters.skeleton import (RetargetError, Skeleton, WorldPose, canonical_name,
                                   interpolate_rigid, mat_to_quat, orthonormalize)
from . import sources

log = logging.getLogger(__name__)


@dataclass
class SubjectHandle:
    """What the worker gets back: the armature, its mesh objects, and per-frame vertices."""

    armature: object
    meshes: list
    instance_id: int
    error_deg: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    source: Motion | None = None          # the action as loaded (action frame)
    skeleton: Skeleton | None = None      # the character's rest skeleton (character frame)
    source_times: dict = field(default_factory=dict)   # Blender frame -> source time (s)
    heading_deg: float = 0.0
    plain: bool = True                    # one action, not mirrored (see direction_error_deg)

    def evaluated_pose(self, frame: int) -> WorldPose:
        """World rotations (1, B, 3, 3) and heads (1, B, 3) of the character skeleton's bones
        as Blender evaluates the armature at ``frame`` (placement included)."""
        import bpy

        scene = bpy.context.scene
        if scene.frame_current != frame:
            scene.frame_set(frame)
        ev = self.armature.evaluated_get(bpy.context.evaluated_depsgraph_get())
        W = np.array(ev.matrix_world)
        by_name = {}
        for pb in ev.pose.bones:
            c = canonical_name(pb.name)
            if c is not None:
                by_name[c] = W @ np.array(pb.matrix)
        B = len(self.skeleton.names)
        rot, head = np.tile(np.eye(3), (1, B, 1, 1)), np.zeros((1, B, 3))
        for i, n in enumerate(self.skeleton.names):
            if n in by_name:
                rot[0, i], head[0, i] = orthonormalize(by_name[n][:3, :3]), by_name[n][:3, 3]
        return WorldPose(rot, head)

    def direction_error_deg(self, frames) -> np.ndarray:
        """Angle (deg) between the source's and the *baked* character's world bone
        directions (:func:`~synthgen.characters.retarget.pose_directions`), (len(frames),
        mapped bones): the source at each frame's source time, turned by the heading.
        Measured on Blender's evaluated armature, so baking errors count too. Only for
        plain subjects (one action, not mirrored): the source is their only action."""
        if not self.plain:
            raise CharacterError("direction error is measured on single-action, unmirrored subjects only",
                                 field="segments")
        src = self.source
        times = np.array([self.source_times[f] for f in frames])
        sp = interpolate_rigid(src.skeleton, src.pose, src.fps, times, loop=src.loopable)
        a = math.radians(self.heading_deg)
        rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        pairs = bone_pairs(src.skeleton, self.skeleton)
        sd = pose_directions(src.skeleton, sp, [p[0] for p in pairs]) @ rz.T
        tgt = [self.evaluated_pose(f) for f in frames]
        tp = WorldPose(np.concatenate([t.rot for t in tgt]), np.concatenate([t.head for t in tgt]))
        td = pose_directions(self.skeleton, tp, [p[1] for p in pairs])
        return np.degrees(np.arccos(np.sum(sd * td, axis=-1).clip(-1, 1)))

    def evaluated_vertices(self, frame: int) -> np.ndarray:
        """World-space vertices (V, 3) float32 of all meshes (concatenated) at ``frame``,
        deformed as the depsgraph evaluates them."""
        import bpy

        scene = bpy.context.scene
        if scene.frame_current != frame:
            scene.frame_set(frame)
        deps = bpy.context.evaluated_depsgraph_get()
        out = []
        for obj in self.meshes:
            ev = obj.evaluated_get(deps)
            me = ev.to_mesh()
            try:
                n = len(me.vertices)
                co = np.empty(n * 3, dtype=np.float32)
                me.vertices.foreach_get("co", co)
                m = np.array(ev.matrix_world, dtype=np.float64)
                co = co.reshape(n, 3).astype(np.float64) @ m[:3, :3].T + m[:3, 3]
                out.append(co.astype(np.float32))
            finally:
                ev.to_mesh_clear()
        return np.concatenate(out) if out else np.zeros((0, 3), np.float32)


# --------------------------------------------------------------------------- loading
def load_character(ref, name: str) -> Character:
    """Create the character of an AssetRef in the scene (through its subject source)."""
    return sources.for_location(ref.location).build_character(ref, name)


def load_motion(ref) -> Motion:
    """The action of an AssetRef in the action frame (through its subject source)."""
    return sources.for_location(ref.location).load_motion(ref)


# --------------------------------------------------------------------------- baking
def bake(char: Character, pose: WorldPose, frames: list[int]) -> None:
    """Key every pose bone (quaternion + location, linear) at ``frames`` so the armature's
    bones sit at the character-frame world pose ``pose`` (T = len(frames))."""
    import bpy

    arm = char.armature
    skel = char.skeleton
    F = char.frame
    sF = float(np.cbrt(np.linalg.det(F[:3, :3])))
    RF, tF = F[:3, :3] / sF, F[:3, 3]
    T = len(frames)
    bones = arm.data.bones
    names = [b.name for b in bones]
    canon = {}
    for n in names:
        c = canonical_name(n)
        if c in skel.index:
            canon[n] = skel.index[c]
    # armature-space matrices of the mapped bones per frame
    M = {}
    for n, bi in canon.items():
        m = np.zeros((T, 4, 4))
        m[:, :3, :3] = RF.T @ pose.rot[:, bi]
        m[:, :3, 3] = (pose.head[:, bi] - tF) @ RF / sF
        m[:, 3, 3] = 1
        M[n] = m
    rest = {b.name: np.array(b.matrix_local, dtype=np.float64) for b in bones}
    # unmapped bones follow their parent rigidly (rest-relative)
    for b in bones:
        if b.name in M:
            continue
        if b.parent is None:
            M[b.name] = np.broadcast_to(rest[b.name], (T, 4, 4)).copy()
        else:
            M[b.name] = M[b.parent.name] @ (np.linalg.inv(rest[b.parent.name]) @ rest[b.name])
    arm.animation_data_create()
    action = bpy.data.actions.new(arm.name + "-baked")
    arm.animation_data.action = action
    fr = np.asarray(frames, dtype=np.float64)
    for b in bones:
        pb = arm.pose.bones[b.name]
        pb.rotation_mode = "QUATERNION"
        if b.parent is None:
            basis = np.linalg.inv(rest[b.name]) @ M[b.name]
        else:
            local_rest = np.linalg.inv(rest[b.parent.name]) @ rest[b.name]
            basis = np.linalg.inv(local_rest) @ np.linalg.inv(M[b.parent.name]) @ M[b.name]
        rot = basis[:, :3, :3]
        rot = rot / np.cbrt(np.linalg.det(rot))[:, None, None]
        q = mat_to_quat(rot)
        for i in range(1, T):                 # keep the hemisphere for linear keys
            if np.dot(q[i], q[i - 1]) < 0:
                q[i] = -q[i]
        path = f'pose.bones["{b.name}"]'
        _keys(action, arm, path + ".rotation_quaternion", fr, q)
        if b.parent is None or not b.use_connect:
            _keys(action, arm, path + ".location", fr, basis[:, :3, 3])


def _keys(action, arm, path: str, frames: np.ndarray, values: np.ndarray) -> None:
    for k in range(values.shape[1]):
        fc = action.fcurve_ensure_for_datablock(arm, path, index=k)
        fc.keyframe_points.add(len(frames))
        co = np.empty(2 * len(frames))
        co[0::2], co[1::2] = frames, values[:, k]
        fc.keyframe_points.foreach_set("co", co)
        fc.keyframe_points.foreach_set("interpolation", [1] * len(frames))   # LINEAR
        fc.update()


# --------------------------------------------------------------------------- entry point
def build_subject(spec, job) -> SubjectHandle:
    """Build, retarget, place and bake one subject of ``job`` (see module doc)."""
    import bpy

    name = f"subject-{spec.instance_id}"
    char = load_character(spec.character, name)
    steps = performance.parts(spec)
    takes, motion, err = [], None, np.zeros((0, 0))
    for part in steps:
        source, take, part_err = _retargeted(spec, part.action, char)
        takes.append(take)
        if motion is None:
            motion, err = source, part_err
    frames = list(job.baked_frames())
    at = [job.index_of(f) for f in frames]
    times = np.asarray(spec.source_time_s, dtype=np.float64)[at]
    full = performance.perform(char.skeleton, takes, steps)
    bake(char, WorldPose(full.rot[at], full.head[at]), frames)
    char.armature.matrix_world = _matrix(placement(spec, char.height) @ char.frame)
    for obj in char.meshes:
        obj.pass_index = int(spec.instance_id)
    handle = SubjectHandle(char.armature, char.meshes, spec.instance_id, err, motion, char.skeleton,
                           dict(zip(frames, times.tolist())), float(spec.heading_deg),
                           performance.is_plain(spec))
    counts = {len(handle.evaluated_vertices(f)) for f in (frames[0], frames[len(frames) // 2], frames[-1])}
    if len(counts) != 1:
        raise CharacterError("vertex count changes between frames", source=spec.character.id, field="mesh")
    bpy.context.scene.frame_set(job.frame_start)
    log.info("subject %d: %s doing %s, direction error mean %.2f deg", spec.instance_id,
             spec.character.id, spec.action.id, float(err.mean()) if err.size else 0.0)
    return handle


def _retargeted(spec, action, char: Character) -> tuple[Motion, performance.Take, np.ndarray]:
    """One of the subject's actions loaded and retargeted onto ``char``: the source motion,
    the take and the retargeting's direction error."""
    motion = load_motion(action)
    try:
        pose, err = retarget_motion(motion, char.skeleton, in_place=spec.root_motion == "in_place",
                                    foot_lock=spec.foot_lock)
    except RetargetError as exc:
        raise CharacterError(str(exc), source=action.id, field="skeleton") from None
    return motion, performance.Take(pose, float(motion.fps), bool(motion.loopable)), err


def _matrix(m: np.ndarray):
    import mathutils
    return mathutils.Matrix(m.tolist())
