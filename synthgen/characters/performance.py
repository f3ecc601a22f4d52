"""A subject's whole performance on its character: one action, or actions layered in time (numpy).

A group clip's performers take turns: a dancer grooves, steps into a dynamic move when the
turn comes, and grooves again afterwards. A subject is therefore a **base** action (its
``action`` and ``source_time_s``) with optional **layers** (another action, its own source
times and a weight per baked frame, 0..1) blended over it, and may be **mirrored** (left and
right swapped: a mirrored duet). Every action is first retargeted onto the character
(:func:`synthgen.characters.retarget.retarget_motion`, a :class:`Take`); the takes are
evaluated at their source times and blended here:

* bone world rotations: slerp from the pose so far to the layer's, by the layer's weight;
* the root: a layer's travel starts where the subject stands when the layer begins
  (``anchor``), and where the layer leaves the subject the base carries on from
  (``carry``), so a cartwheel in the middle of a groove moves the dancer on for good;
  heights are blended;
* heads are rebuilt from the root by forward kinematics, so bone lengths stay exact.

The planner (collision checks, envelopes) and the Blender worker (baking) both call
:func:`perform`, so what is checked is what is rendered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import Motion
from .retarget import retarget_motion
from .skeleton import PREFIX, Skeleton, WorldPose, fk_from_global, quat_to_mat, slerp

#: x -> -x: the reflection that swaps a body's left and right in the action frame.
MIRROR = np.diag([-1.0, 1.0, 1.0])


def quaternions(m: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) -> unit quaternions (..., 4) as (w, x, y, z), vectorised
    (Shepperd's method: the largest of w, x, y, z decides the branch)."""
    m = np.asarray(m, dtype=np.float64)
    flat = m.reshape(-1, 3, 3)
    d = np.stack([np.trace(flat, axis1=1, axis2=2), flat[:, 0, 0], flat[:, 1, 1], flat[:, 2, 2]], axis=1)
    k = np.argmax(np.stack([d[:, 0], 2 * d[:, 1] - d[:, 0], 2 * d[:, 2] - d[:, 0], 2 * d[:, 3] - d[:, 0]],
                           axis=1), axis=1)
    r = flat
    q = np.empty((len(flat), 4))
    cands = [
        np.stack([1 + d[:, 0], r[:, 2, 1] - r[:, 1, 2], r[:, 0, 2] - r[:, 2, 0], r[:, 1, 0] - r[:, 0, 1]], 1),
        np.stack([r[:, 2, 1] - r[:, 1, 2], 1 + 2 * d[:, 1] - d[:, 0], r[:, 0, 1] + r[:, 1, 0],
                  r[:, 0, 2] + r[:, 2, 0]], 1),
        np.stack([r[:, 0, 2] - r[:, 2, 0], r[:, 0, 1] + r[:, 1, 0], 1 + 2 * d[:, 2] - d[:, 0],
                  r[:, 1, 2] + r[:, 2, 1]], 1),
        np.stack([r[:, 1, 0] - r[:, 0, 1], r[:, 0, 2] + r[:, 2, 0], r[:, 1, 2] + r[:, 2, 1],
                  1 + 2 * d[:, 3] - d[:, 0]], 1)]
    for i, c in enumerate(cands):
        q[k == i] = c[k == i]
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    return q.reshape(m.shape[:-2] + (4,))


# --------------------------------------------------------------------------- mirroring
def mirror_name(name: str) -> str:
    """``mixamorig:LeftArm`` <-> ``mixamorig:RightArm``; other names unchanged."""
    short = name[len(PREFIX):] if name.startswith(PREFIX) else name
    pre = name[:len(name) - len(short)]
    for a, b in (("Left", "Right"), ("Right", "Left")):
        if short.startswith(a):
            return pre + b + short[len(a):]
    return name


def mirror_permutation(skel: Skeleton) -> np.ndarray:
    """(B,) index of each bone's left-right counterpart (itself for middle bones)."""
    return np.array([skel.index.get(mirror_name(n), i) for i, n in enumerate(skel.names)])


def mirror_motion(motion: Motion) -> Motion:
    """The motion reflected through the body's mid plane (x -> -x in the action frame), left
    and right bones swapped: a right-handed cartwheel becomes a left-handed one. Rotations
    map as ``W' = M W M`` (M = diag(-1, 1, 1)), which keeps them proper and each bone's local
    axes in the mirrored bone's convention; the rest skeleton is mirrored the same way."""
    s, p = motion.skeleton, motion.pose
    perm = mirror_permutation(s)
    skel = Skeleton(list(s.names), list(s.parents), (MIRROR @ s.rest_rot @ MIRROR)[perm],
                    (s.rest_head @ MIRROR)[perm], (s.rest_tail @ MIRROR)[perm], s.head_top)
    pose = WorldPose((MIRROR @ p.rot @ MIRROR)[:, perm], (p.head @ MIRROR)[:, perm])
    return Motion(skel, pose, motion.fps, motion.loopable)


# --------------------------------------------------------------------------- takes
@dataclass
class Take:
    """One action retargeted onto a character (character frame), ready to evaluate."""

    skeleton: Skeleton
    pose: WorldPose
    fps: float
    loopable: bool
    _quats: np.ndarray | None = field(default=None, repr=False)

    @property
    def quats(self) -> np.ndarray:
        if self._quats is None:
            self._quats = quaternions(self.pose.rot)
        return self._quats

    def at(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(quaternions (T, B, 4), root (T, 3)) at source ``times`` (s): slerp and lerp between
        the bracketing source frames, clamped (or wrapped when loopable)."""
        n = self.pose.rot.shape[0]
        x = np.asarray(times, dtype=np.float64) * self.fps
        if self.loopable and n > 1:
            x = np.mod(x, n - 1)
        x = x.clip(0, n - 1)
        i0 = np.floor(x).astype(int).clip(0, max(n - 2, 0))
        i1 = np.minimum(i0 + 1, n - 1)
        u = x - i0
        q = slerp(self.quats[i0], self.quats[i1], np.broadcast_to(u[:, None], self.quats[i0].shape[:-1]))
        root = self.pose.head[i0, 0] + u[:, None] * (self.pose.head[i1, 0] - self.pose.head[i0, 0])
        return q, root


def take(motion: Motion, skel: Skeleton, *, in_place: bool = False, foot_lock: bool = True,
         mirror: bool = False) -> Take:
    """``motion`` (mirrored first when asked) retargeted onto ``skel``."""
    src = mirror_motion(motion) if mirror else motion
    pose, _ = retarget_motion(src, skel, in_place=in_place, foot_lock=foot_lock)
    return Take(skel, pose, src.fps, src.loopable)


@dataclass
class Layer:
    """A take played at ``times`` (T,) with blend ``weight`` (T,) over the pose so far."""

    take: Take
    times: np.ndarray
    weight: np.ndarray


# --------------------------------------------------------------------------- blending
def blend_roots(base: np.ndarray, layer: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(T, 3) root positions: ``layer`` (T, 3) blended over ``base`` (T, 3) by ``w`` (T,).

    Horizontally the layer's travel is anchored where the subject stands when it begins, and
    after its full-weight part the base is carried on from where the layer left it."""
    active = np.flatnonzero(w > 0)
    if not len(active):
        return base.copy()
    i0 = max(int(active[0]) - 1, 0)
    anchored = layer.copy()
    anchored[:, :2] += base[i0, :2] - layer[i0, :2]
    peak = np.flatnonzero(w >= w.max() - 1e-9)
    j = int(peak[-1])
    carried = base.copy()
    carried[j:, :2] += anchored[j, :2] - base[j, :2]
    out = (1 - w[:, None]) * carried + w[:, None] * anchored
    return out


def perform(skel: Skeleton, base: Take, times: np.ndarray, layers: list[Layer] = ()) -> WorldPose:
    """The subject's pose (character frame) at every baked frame: the base take at
    ``times`` with each layer blended over it in order (see the module doc)."""
    q, root = base.at(times)
    for layer in layers:
        lq, lroot = layer.take.at(layer.times)
        w = np.clip(np.asarray(layer.weight, np.float64), 0.0, 1.0)
        q = slerp(q, lq, np.broadcast_to(w[:, None], q.shape[:-1]))
        root = blend_roots(root, lroot, w)
    rot = quat_to_mat(q)
    G = rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]
    out = fk_from_global(skel, root, G)
    out.rot = rot
    return out
