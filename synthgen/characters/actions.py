"""Procedural motion library: highly dynamic actions keyframed in code (numpy only, no bpy).

Every action is a function of time returning a :class:`Frame` on the reference skeleton
(:func:`synthgen.characters.mannequin.reference_skeleton`, 1.75 m): the hips position, the hips
rotation, local bone rotations and, for legs, IK ankle targets. Rotations are expressed in
*rest-aligned world axes* (Z up, the body faces −Y, its left is +X): a bone's global delta
is ``G_b = G_parent · D_b`` and its world rotation ``W_b = G_b · R_rest_b``; so
``rot_x(+a)`` on the spine bends forward, ``rot_y(+a)`` lowers the left arm, ``rot_x(-a)``
swings a thigh forward. Legs in contact with the floor are solved by two-bone IK onto fixed
ankle targets, so stance feet do not slide.

:func:`sample` turns an action into a :class:`~synthgen.characters.skeleton.WorldPose` sampled
at ``i / fps`` (source frame i) in the action frame of the manifest (facing −Y at frame 0,
hips above the origin, feet on z = 0).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .retarget import floor_lift
from .skeleton import PREFIX, Skeleton, WorldPose, arc, rot_x, rot_y, rot_z

log = logging.getLogger(__name__)

FPS = 30.0
I3 = np.eye(3)


@dataclass
class Frame:
    """One pose: ``root`` hips head (3,) m, ``root_rot`` (3, 3), ``local`` {short bone name:
    (3, 3)}, ``feet`` {"Left"/"Right": (ankle target (3,), foot rotation (3, 3))}."""

    root: np.ndarray
    root_rot: np.ndarray = field(default_factory=lambda: I3)
    local: dict = field(default_factory=dict)
    feet: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """A procedural action: ``pose(t, skel) -> Frame`` for t in [0, duration_s]."""

    name: str
    move_names: tuple
    sentence: str
    duration_s: float
    loopable: bool
    pose: Callable


# --------------------------------------------------------------------------- helpers
def smooth(x: float) -> float:
    """Smoothstep of x clipped to [0, 1]."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def window(t: float, a: float, b: float) -> float:
    """Smooth 0→1 ramp between times a and b."""
    return smooth((t - a) / (b - a))


def bump(t: float, a: float, b: float) -> float:
    """Smooth 0→1→0 hump over [a, b]."""
    if t <= a or t >= b:
        return 0.0
    return math.sin(math.pi * (t - a) / (b - a)) ** 2


class _Rig:
    """Rest-pose numbers of the reference skeleton used by the actions."""

    def __init__(self, skel: Skeleton):
        self.skel = skel
        h = skel.rest_head
        self.hip_z = float(h[skel.i("Hips"), 2])
        self.ankle = {s: h[skel.i(s + "Foot")].copy() for s in ("Left", "Right")}
        self.hipj = {s: h[skel.i(s + "UpLeg")].copy() for s in ("Left", "Right")}
        self.leg = float(h[skel.i("LeftUpLeg"), 2] - h[skel.i("LeftFoot"), 2])

    def stand_feet(self, dx: float = 0.0, yaw: float = 0.0, at=(0.0, 0.0)) -> dict:
        """Planted ankle targets (feet flat) for a stance ``dx`` wider each side."""
        out = {}
        for s, sx in (("Left", 1.0), ("Right", -1.0)):
            p = self.ankle[s].copy()
            p[0] += sx * dx
            p = rot_z(yaw) @ p
            p[:2] += at
            out[s] = (p, rot_z(yaw))
        return out

    def body_feet(self, root, root_rot, tuck: float = 0.0, spread: float = 0.0) -> dict:
        """Ankle targets attached to the body (airborne): knees drawn up by ``tuck`` m."""
        out = {}
        for s, sx in (("Left", 1.0), ("Right", -1.0)):
            off = self.ankle[s] - np.array([0.0, 0.0, self.hip_z])
            off = off + np.array([sx * spread, -0.6 * tuck, tuck])
            out[s] = (root + root_rot @ off, root_rot)
        return out


def blend_feet(a: dict, b: dict, w: float) -> dict:
    """Feet targets ``a`` → ``b`` with weight w (positions lerped, rotations by arc)."""
    if w <= 0:
        return a
    if w >= 1:
        return b
    out = {}
    for s in a:
        pa, ra = a[s]
        pb, rb = b[s]
        rel = rb @ ra.T
        ang = math.acos(max(-1.0, min(1.0, (np.trace(rel) - 1) / 2)))
        if ang < 1e-6:
            r = rb
        else:
            axis = np.array([rel[2, 1] - rel[1, 2], rel[0, 2] - rel[2, 0], rel[1, 0] - rel[0, 1]])
            axis /= np.linalg.norm(axis)
            r = _axis_angle(axis, w * ang) @ ra
        out[s] = ((1 - w) * pa + w * pb, r)
    return out


def _axis_angle(axis: np.ndarray, a: float) -> np.ndarray:
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k


def arms(lower_l: float, lower_r: float, fwd_l: float = 0.0, fwd_r: float = 0.0,
         elbow_l: float = 0.0, elbow_r: float = 0.0) -> dict:
    """Arm local rotations: ``lower`` drops the arm from the T-pose (rad, + = down, −
    = up), ``fwd`` swings it forward, ``elbow`` bends the forearm forward/up."""
    return {"LeftArm": rot_y(lower_l) @ rot_z(-fwd_l),
            "RightArm": rot_y(-lower_r) @ rot_z(fwd_r),
            "LeftForeArm": rot_z(-elbow_l),
            "RightForeArm": rot_z(elbow_r)}


def legs_fk(thigh_l: float, thigh_r: float, knee_l: float, knee_r: float,
            side_l: float = 0.0, side_r: float = 0.0) -> dict:
    """Leg local rotations: ``thigh`` swings forward (rad), ``knee`` bends the shin back,
    ``side`` abducts outwards."""
    return {"LeftUpLeg": rot_y(-side_l) @ rot_x(-thigh_l), "RightUpLeg": rot_y(side_r) @ rot_x(-thigh_r),
            "LeftLeg": rot_x(knee_l), "RightLeg": rot_x(knee_r)}


REST_ARMS = 1.25        # arms hang ~72° below the T-pose, clear of the torso


# --------------------------------------------------------------------------- actions
def _jump_phases(t, t0, t1, height, rig):
    """Crouch before t0, ballistic flight t0..t1 peaking ``height`` above standing, land."""
    crouch = 0.18 * (bump(t, t0 - 0.35, t0 + 0.02) + bump(t, t1 - 0.02, t1 + 0.35))
    z = rig.hip_z - crouch
    if t0 < t < t1:
        u = (t - t0) / (t1 - t0)
        z = rig.hip_z + 4 * height * u * (1 - u)
    air = window(t, t0 - 0.04, t0 + 0.06) * (1 - window(t, t1 - 0.06, t1 + 0.04))
    return z, air, crouch


def tuck_jump(t, rig):
    z, air, crouch = _jump_phases(t, 0.5, 1.1, 0.45, rig)
    root = np.array([0.0, 0.0, z])
    tuck = 0.45 * bump(t, 0.55, 1.05)
    lean = 0.25 * crouch / 0.18 + 0.3 * tuck
    rr = rot_x(0.3 * crouch / 0.18)
    local = {"Spine1": rot_x(lean * 0.5), **arms(REST_ARMS - 1.9 * window(t, 0.35, 0.6) * (1 - window(t, 1.0, 1.3)),
                                                    REST_ARMS - 1.9 * window(t, 0.35, 0.6) * (1 - window(t, 1.0, 1.3)),
                                                    0.6 * air, 0.6 * air, 0.5, 0.5)}
    feet = blend_feet(rig.stand_feet(), rig.body_feet(root, rr, tuck=tuck), air)
    return Frame(root, rr, local, feet)


def spin_jump(t, rig):
    z, air, crouch = _jump_phases(t, 0.45, 1.05, 0.35, rig)
    yaw = 2 * math.pi * window(t, 0.45, 1.05)
    root = np.array([0.0, 0.0, z])
    rr = rot_z(yaw)
    wrap = window(t, 0.4, 0.5) * (1 - window(t, 1.0, 1.2))
    local = {**arms(REST_ARMS + 0.0 * wrap, REST_ARMS, 1.2 * wrap, 1.2 * wrap, 1.5 * wrap, 1.5 * wrap),
             "Spine": rot_z(-0.4 * bump(t, 0.1, 0.5))}
    feet = blend_feet(rig.stand_feet(), rig.body_feet(root, rr, tuck=0.15 * air), air)
    if t >= 1.05:
        feet = blend_feet(rig.body_feet(root, rr, tuck=0.0), rig.stand_feet(yaw=yaw), 1.0)
    return Frame(root, rr, local, feet)


def pirouette(t, rig):
    """Spin on the spot on the left foot (pivot: the ankle stays put), right leg lifted."""
    turns = 2.0
    yaw = 2 * math.pi * turns * window(t, 0.4, 1.6)
    lift = window(t, 0.2, 0.4) * (1 - window(t, 1.6, 1.8))
    ball = rig.skel.rest_head[rig.skel.i("LeftToeBase")].copy()
    pivot = ball + rot_z(yaw) @ (rig.ankle["Left"] - ball)     # the foot turns on its ball
    off = np.array([0.0, 0.0, rig.hip_z]) - rig.ankle["Left"]
    off[2] += 0.0
    root = pivot + rot_z(yaw) @ np.array([off[0] * (1 - 0.3 * lift), off[1], off[2]])
    rr = rot_z(yaw) @ rot_y(0.08 * lift)
    stand = rig.stand_feet()
    feet = {"Left": (pivot, rot_z(yaw))}
    air_r = rig.body_feet(root, rr, tuck=0.4)["Right"]
    feet["Right"] = blend_feet({"R": stand["Right"]}, {"R": (air_r[0] + rr @ np.array([0.12, 0, 0]), air_r[1])},
                               lift)["R"]
    if t > 1.6:   # put the right foot down at the final heading
        feet["Right"] = blend_feet({"R": rig.stand_feet(yaw=yaw, at=(0, 0))["Right"]},
                                   {"R": feet["Right"]}, lift)["R"]
        feet["Left"] = (pivot, rot_z(yaw))
    local = arms(REST_ARMS - 2.6 * lift, REST_ARMS - 2.6 * lift, 0.2 * lift, 0.2 * lift, 0.3, 0.3)
    return Frame(root, rr, local, feet)


def backflip(t, rig):
    t0, t1 = 0.5, 1.25
    z, air, crouch = _jump_phases(t, t0, t1, 0.7, rig)
    rot = -2 * math.pi * window(t, t0 + 0.02, t1 - 0.03)
    root = np.array([0.0, 0.08 * math.sin(math.pi * min(max((t - t0) / (t1 - t0), 0), 1)), z])
    rr = rot_x(rot) @ rot_x(0.35 * crouch / 0.18)
    tuck = 0.5 * bump(t, t0 + 0.05, t1 - 0.05)
    swing = window(t, 0.3, 0.5) * (1 - window(t, 1.1, 1.4))
    local = {"Spine1": rot_x(0.6 * tuck), **arms(REST_ARMS - 2.8 * swing, REST_ARMS - 2.8 * swing,
                                                   0.3 * swing, 0.3 * swing, 0.2, 0.2)}
    feet = blend_feet(rig.stand_feet(), rig.body_feet(root, rr, tuck=tuck), air)
    return Frame(root, rr, local, feet)


def cartwheel(t, rig):
    """Sideways wheel along +X: the body turns a full circle about the forward axis."""
    t0, t1 = 0.4, 1.5
    u = window(t, t0, t1)
    roll = 2 * math.pi * u
    x = 1.6 * u
    z = rig.hip_z - 0.1 * bump(t, t0, t1) - 0.08 * (bump(t, 0.1, t0 + 0.05) + bump(t, t1 - 0.05, 1.8))
    root = np.array([x, 0.0, z])
    rr = rot_y(roll)
    up = window(t, 0.15, t0)
    local = {**arms(REST_ARMS - 2.5 * up * (1 - window(t, t1, 1.8)),
                    REST_ARMS - 2.5 * up * (1 - window(t, t1, 1.8))),
             **legs_fk(0, 0, 0, 0, 0.6 * bump(t, t0 - 0.1, t1 + 0.1), 0.6 * bump(t, t0 - 0.1, t1 + 0.1))}
    wide = 0.25                                   # starts and lands in a wide stance
    # the leading (left) foot pushes off last; the trailing (right) foot lands first
    w = {"Left": window(u, 0.12, 0.3) * (1 - window(u, 0.85, 1.0)),
         "Right": window(u, 0.0, 0.15) * (1 - window(u, 0.72, 0.88))}
    start, end = rig.stand_feet(dx=wide), rig.stand_feet(dx=wide, at=(1.6, 0.0))
    body = rig.body_feet(root, rr, spread=wide)
    feet = {}
    for s in ("Left", "Right"):
        planted = start if u < 0.5 else end
        pos, rot = blend_feet({s: planted[s]}, {s: body[s]}, w[s])[s]
        feet[s] = (pos + [0.0, 0.0, 0.25 * math.sin(math.pi * w[s])], rot)   # lift, don't drag
    return Frame(root, rr, local, feet)


def windmill(t, rig):
    """Breakdance windmill: back/shoulders near the floor, legs in a wide V circling."""
    enter = window(t, 0.0, 0.5)
    yaw = 2 * math.pi * 1.4 * max(t - 0.3, 0) ** 1.0
    tilt = 1.35 * enter
    roll = 0.5 * math.sin(2 * math.pi * 1.4 * t) * enter
    root = np.array([0.0, 0.0, rig.hip_z - (rig.hip_z - 0.05) * enter])   # floor_lift keeps contact
    rr = rot_z(yaw) @ rot_y(roll) @ rot_x(-tilt)
    v = 0.9 * enter
    local = {**legs_fk(1.1 * enter, 1.1 * enter, 0.1, 0.1, v, v),
             **arms(REST_ARMS - 0.8 * enter, REST_ARMS - 0.8 * enter, 0.9 * enter, 0.9 * enter, 0.6, 0.6),
             "Spine1": rot_x(0.3 * enter)}
    feet = rig.stand_feet() if enter <= 0 else {}
    if 0 < enter < 0.15:
        feet = rig.stand_feet()
    return Frame(root, rr, local, feet)


def freeze(t, rig):
    """Drop into a baby-freeze style pose (body tipped sideways on one hand) and hold it."""
    e = window(t, 0.2, 0.7) * (1 - window(t, 1.8, 2.2))
    root = np.array([0.25 * e, 0.0, rig.hip_z - (rig.hip_z - 0.55) * e])
    rr = rot_y(1.9 * e) @ rot_x(0.4 * e)
    local = {**legs_fk(1.2 * e, 0.6 * e, 1.8 * e, 0.6 * e, 0.2 * e, 0.5 * e),
             **arms(REST_ARMS - 1.2 * e, REST_ARMS - 0.2 * e, 0.3 * e, 0.8 * e, 0.2, 1.2 * e),
             "Spine1": rot_x(0.4 * e), "Neck": rot_y(-0.4 * e)}
    feet = rig.stand_feet() if e < 0.15 else {}
    if 0 < e < 0.15:
        feet = blend_feet(rig.stand_feet(), rig.body_feet(root, rr, tuck=0.2), e / 0.15)
    return Frame(root, rr, local, feet)


def uprock(t, rig):
    """Uprock: cross steps forward-left and forward-right with arm jabs, to a 1-2 beat."""
    beat = 0.5
    k = int(t // beat)
    u = (t % beat) / beat
    side = 1.0 if k % 2 == 0 else -1.0
    moving = "Right" if side > 0 else "Left"
    stand = rig.stand_feet(dx=0.05)
    feet = dict(stand)
    p, r = stand[moving]
    cross = np.array([side * 0.22, -0.28, 0.0])
    lift = 0.16 * math.sin(math.pi * min(u * 2, 1.0)) if u < 0.5 else 0.0
    out = smooth(u * 2) if u < 0.5 else 1 - smooth((u - 0.5) * 2)
    target = p + out * cross + np.array([0, 0, lift])
    if u >= 0.5:
        target = p + out * cross + np.array([0, 0, 0.12 * math.sin(math.pi * (u - 0.5) * 2)])
    feet[moving] = (target, r @ rot_z(-side * 0.4 * out))
    bounce = 0.06 * abs(math.sin(2 * math.pi * t / beat))
    root = np.array([0.0, -0.08 * out, rig.hip_z - 0.06 - bounce])
    rr = rot_z(side * 0.35 * out) @ rot_x(0.15)
    jab = out
    local = {**arms(REST_ARMS - 0.9 * jab * (side > 0), REST_ARMS - 0.9 * jab * (side < 0),
                    1.1 * jab * (side > 0) + 0.3, 1.1 * jab * (side < 0) + 0.3, 1.6 - 1.2 * jab * (side > 0),
                    1.6 - 1.2 * jab * (side < 0)),
             "Spine1": rot_z(-side * 0.2 * out)}
    return Frame(root, rr, local, feet)


def high_kick(t, rig):
    """Right-leg high kick to head height and back, arms counter-balancing."""
    k = bump(t, 0.35, 0.95)
    root = np.array([0.0, 0.02 * k, rig.hip_z - 0.03 - 0.03 * k])
    rr = rot_x(-0.35 * k)
    local = {**legs_fk(0, 2.3 * k, 0, 0.25 * (1 - k) * bump(t, 0.3, 1.0) + 0.05, 0, 0),
             **arms(REST_ARMS - 0.9 * k, REST_ARMS - 0.4 * k, -0.4 * k, 0.6 * k, 0.4, 0.6)}
    feet = {"Left": rig.stand_feet()["Left"]}
    if k < 0.05:
        feet["Right"] = rig.stand_feet()["Right"]
    elif k < 0.15:
        feet["Right"] = blend_feet(rig.stand_feet(), rig.body_feet(root, rr, tuck=0.1), (k - 0.05) / 0.1)["Right"]
    return Frame(root, rr, local, feet)


def sprint(t, rig):
    """Sprint cycle towards −Y at 5 m/s; each foot planted during its stance phase."""
    period, speed = 0.5, 5.0
    y = -speed * t
    root = np.array([0.0, y, rig.hip_z - 0.1 + 0.03 * math.cos(4 * math.pi * t / period)])
    rr = rot_x(0.25)
    feet = {}
    local = {}
    for s, ph, sx in (("Left", 0.0, 1.0), ("Right", 0.5, -1.0)):
        c = ((t / period) + ph) % 1.0
        stance = 0.25
        if c < stance:          # planted: the foot stays at its touchdown point
            touch_t = t - c * period
            py = -speed * touch_t - 0.5 * speed * stance * period
            feet[s] = (np.array([rig.ankle[s][0], py, rig.ankle[s][2]]), I3)
        else:                   # swing: from lift-off point to next touchdown, lifted
            w = (c - stance) / (1 - stance)
            lift_t = t - (c - stance) * period
            y0 = -speed * (lift_t - stance * period) - 0.5 * speed * stance * period
            y1 = -speed * (lift_t + (1 - stance) * period) - 0.5 * speed * stance * period
            py = y0 + (y1 - y0) * smooth(w)
            pz = rig.ankle[s][2] + 0.45 * math.sin(math.pi * w)
            feet[s] = (np.array([rig.ankle[s][0], py, pz]), rot_x(0.6 * math.sin(math.pi * w)))
    sw = math.sin(2 * math.pi * t / period)
    local.update(arms(REST_ARMS, REST_ARMS, 1.0 * sw, -1.0 * sw, 1.4, 1.4))
    return Frame(root, rr, local, feet)


def jumping_jacks(t, rig):
    """Jumping jacks: the feet open and close only while airborne, planted in between."""
    period = 0.8
    c = (t / period) % 1.0
    if c < 0.5:
        o, hop = window(c, 0.1, 0.35), 0.1 * bump(c, 0.1, 0.35)
    else:
        o, hop = 1 - window(c, 0.6, 0.85), 0.1 * bump(c, 0.6, 0.85)
    land = bump(c, 0.32, 0.6) + bump(c, 0.82, 1.0) + bump(c, -0.1, 0.12)
    root = np.array([0.0, 0.0, rig.hip_z - 0.03 + hop - 0.05 * land])
    feet = {s: (p + np.array([0, 0, hop]), r) for s, (p, r) in rig.stand_feet(dx=0.25 * o).items()}
    local = arms(REST_ARMS - 2.8 * o, REST_ARMS - 2.8 * o, 0.0, 0.0, 0.1, 0.1)
    return Frame(root, I3, local, feet)


def arm_waves(t, rig):
    """Fast overhead arm waves with a side-to-side sway, feet planted wide."""
    f = 2.5
    a = math.sin(2 * math.pi * f * t)
    root = np.array([0.04 * a, 0.0, rig.hip_z - 0.05])
    local = {**arms(-0.9 + 0.6 * a, -0.9 - 0.6 * a, 0.2, 0.2, 0.8 * (1 + a), 0.8 * (1 - a)),
             "Spine1": rot_y(-0.15 * a), "Neck": rot_y(0.1 * a)}
    return Frame(root, I3, local, rig.stand_feet(dx=0.12))


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def aim_arm(side: str, upper, fore) -> dict:
    """Local rotations pointing a T-pose arm's upper arm along ``upper`` and its forearm
    along ``fore`` (directions in the body frame, left-arm coordinates; mirrored for the
    right arm)."""
    m = np.array([1.0, 1.0, 1.0]) if side == "Left" else np.array([-1.0, 1.0, 1.0])
    rest = m * np.array([1.0, 0.0, 0.0])
    a = arc(rest, _unit(m * np.asarray(upper)))
    f = arc(rest, _unit(m * np.asarray(fore)))
    return {side + "Arm": a, side + "ForeArm": a.T @ f}


def punch_combo(t, rig):
    """Boxing guard and a fast jab-cross combination (fists from the chin straight out)."""
    beats = [(0.3, "Left"), (0.55, "Right"), (0.8, "Left"), (1.05, "Right"), (1.3, "Left")]
    ext = {"Left": 0.0, "Right": 0.0}
    for tb, s in beats:
        ext[s] = max(ext[s], bump(t, tb - 0.12, tb + 0.12))
    twist = 0.5 * (ext["Right"] - ext["Left"])
    root = np.array([0.0, 0.0, rig.hip_z - 0.08])
    rr = rot_z(0.3 * twist)
    guard_up, guard_fore = _unit([0.35, -0.3, -0.85]), _unit([-0.2, -0.55, 0.8])
    punch = _unit([-0.12, -1.0, 0.02])
    local = {"Spine1": rot_z(0.3 * twist)}
    for s in ("Left", "Right"):
        e = ext[s]
        local.update(aim_arm(s, (1 - e) * guard_up + e * punch, (1 - e) * guard_fore + e * punch))
    return Frame(root, rr, local, rig.stand_feet(dx=0.08))


def squat_jumps(t, rig):
    """Two explosive squat jumps in a row, arms swinging."""
    out = None
    for t0 in (0.5, 1.3):
        z, air, crouch = _jump_phases(t, t0, t0 + 0.45, 0.3, rig)
        if out is None or abs(t - (t0 + 0.2)) < 0.4:
            out = (z, air, crouch)
    z, air, crouch = out
    deep = crouch / 0.18
    root = np.array([0.0, 0.0, z - 0.12 * deep])
    rr = rot_x(0.45 * deep)
    local = {**arms(REST_ARMS - 1.2 * air, REST_ARMS - 1.2 * air, 0.8 * deep + 1.2 * air, 0.8 * deep + 1.2 * air)}
    feet = blend_feet(rig.stand_feet(dx=0.05), rig.body_feet(root, rr, tuck=0.05), air)
    return Frame(root, rr, local, feet)


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("spin-jump", ("360 spin jump", "spin"), "jumps and spins a full turn in the air", 1.5, False, spin_jump),
    Action("pirouette", ("pirouette", "spin on the spot"), "spins twice on the spot on one foot", 2.0, False, pirouette),
    Action("tuck-jump", ("tuck jump",), "does an explosive tuck jump, pulling the knees to the chest", 1.6, False, tuck_jump),
    Action("backflip", ("backflip",), "does a standing backflip", 1.7, False, backflip),
    Action("cartwheel", ("cartwheel",), "does a cartwheel to the side", 1.9, False, cartwheel),
    Action("windmill", ("breakdance windmill", "windmill"), "drops to the floor and spins in a breakdance windmill", 2.0, False, windmill),
    Action("freeze", ("breakdance freeze", "baby freeze"), "drops into a breakdance freeze and holds it", 2.3, False, freeze),
    Action("uprock", ("uprock", "cross step"), "dances uprock cross steps with sharp arm jabs", 2.0, True, uprock),
    Action("high-kick", ("high kick",), "throws a high kick to head height", 1.3, False, high_kick),
    Action("sprint", ("sprint", "run"), "sprints forward at full speed", 1.8, False, sprint),
    Action("jumping-jacks", ("jumping jacks",), "does fast jumping jacks", 1.6, True, jumping_jacks),
    Action("arm-waves", ("fast arm waves", "wave arms"), "waves both arms fast above the head", 1.6, True, arm_waves),
    Action("punch-combo", ("punch combo", "jab", "cross"), "throws a fast jab-cross punch combination", 1.6, False, punch_combo),
    Action("squat-jumps", ("squat jump",), "does two explosive squat jumps", 2.0, False, squat_jumps),
]}


# --------------------------------------------------------------------------- evaluation
def _leg_ik(hip: np.ndarray, target: np.ndarray, l1: float, l2: float, fwd: np.ndarray):
    """Thigh and shin unit directions reaching ``target`` from ``hip``, knee towards ``fwd``."""
    d = target - hip
    dist = float(np.linalg.norm(d))
    dist = min(max(dist, 1e-4), (l1 + l2) * 0.9999)
    dn = d / max(np.linalg.norm(d), 1e-9)
    cos_a = (l1 * l1 + dist * dist - l2 * l2) / (2 * l1 * dist)
    a = math.acos(max(-1.0, min(1.0, cos_a)))
    side = fwd - np.dot(fwd, dn) * dn
    if np.linalg.norm(side) < 1e-6:
        side = np.cross(dn, [1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    thigh = math.cos(a) * dn + math.sin(a) * side
    knee = hip + l1 * thigh
    shin = hip + dist * dn - knee
    return thigh, shin / np.linalg.norm(shin)


def pose_frame(skel: Skeleton, fr: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Global deltas G (B, 3, 3) and heads (B, 3) of one frame (FK + leg IK)."""
    B = len(skel.names)
    G = np.zeros((B, 3, 3))
    head = np.zeros((B, 3))
    short = [n[len(PREFIX):] for n in skel.names]
    h = skel.rest_head
    for b, p in enumerate(skel.parents):
        n = short[b]
        if p < 0:
            head[b], G[b] = fr.root, fr.root_rot
            continue
        head[b] = head[p] + G[p] @ (h[b] - h[p])
        G[b] = G[p] @ fr.local.get(n, I3)
        side = "Left" if n.startswith("Left") else "Right" if n.startswith("Right") else ""
        base = n[len(side):]
        if side and side in fr.feet and base in ("UpLeg", "Leg", "Foot"):
            target, foot_rot = fr.feet[side]
            if base == "UpLeg":
                ib, ik, ia = skel.i(side + "UpLeg"), skel.i(side + "Leg"), skel.i(side + "Foot")
                l1 = np.linalg.norm(h[ik] - h[ib])
                l2 = np.linalg.norm(h[ia] - h[ik])
                fwd = G[p] @ np.array([0.0, -1.0, 0.0])
                thigh, shin = _leg_ik(head[b], np.asarray(target, float), l1, l2, fwd)
                G[b] = arc(G[p] @ (h[ik] - h[ib]), thigh) @ G[p]
                fr.__dict__.setdefault("_shin", {})[side] = shin
            elif base == "Leg":
                shin = fr.__dict__["_shin"][side]
                G[b] = arc(G[p] @ (h[skel.i(side + "Foot")] - h[b]), shin) @ G[p]
            else:
                G[b] = np.asarray(foot_rot, float)
    return G, head


def sample(name: str, skel: Skeleton, fps: float = FPS) -> WorldPose:
    """The action on ``skel`` at source frames i / fps, i = 0 .. round(duration·fps)."""
    return sample_action(ACTIONS[name], skel, fps)


def sample_action(act: Action, skel: Skeleton, fps: float = FPS) -> WorldPose:
    """:func:`sample` of any :class:`Action` (also those of :mod:`synthgen.characters.interplay`)."""
    rig = _Rig(skel)
    n = int(round(act.duration_s * fps)) + 1
    Gs, heads = [], []
    for i in range(n):
        fr = act.pose(i / fps, rig)
        G, hd = pose_frame(skel, fr)
        hd = hd + [0.0, 0.0, floor_lift(skel, G, hd, [s for s in ("Left", "Right") if s not in fr.feet])]
        Gs.append(G)
        heads.append(hd)
    G = np.stack(Gs)
    return WorldPose(G @ skel.rest_rot[None], np.stack(heads))
