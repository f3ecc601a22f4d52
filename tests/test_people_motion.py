"""Captured motion (DeepMimic, CMU BVH) in the action frame, and retargeting every source
onto the MakeHuman people: direction error and foot skating (numpy only)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from synthgen.characters import bvh, deepmimic, retarget as rt
from synthgen.characters.people import body, clips, pack
from synthgen.characters.skeleton import PREFIX, rot_x, rot_y, rot_z
from synthgen.characters.sources import procedural
from synthgen.job import AssetRef

MEASURED = {"deepmimic": deepmimic.MEASURED, "cmu": bvh.MEASURED}
TARGETS = ("teen-girl-tank", "heavy-man-hoodie", "tall-woman-tracksuit")


def _facing(skel, pose, t):
    d = pose.head[t, skel.i("LeftUpLeg")] - pose.head[t, skel.i("RightUpLeg")]
    f = np.cross(d, [0.0, 0.0, 1.0])            # forward = left × up (left +X -> forward −Y)
    return f / np.linalg.norm(f)


# --------------------------------------------------------------------------- conventions
def test_every_clip_starts_facing_minus_y_over_the_origin():
    p = pack.load()
    assert len(p.clip_ids()) == 17
    assert sum(c["source"] == "deepmimic" for c in p.meta["clips"].values()) == 15
    for cid in p.clip_ids():
        mo = clips.clip_motion(cid)
        s = mo.skeleton
        assert not s.missing(), cid
        assert np.allclose(mo.pose.head[0, 0, :2], 0.0, atol=1e-6), cid
        assert _facing(s, mo.pose, 0) @ [0, -1, 0] > 0.999, cid


def test_deepmimic_walk_and_run_go_forward_with_knees_bending_forward():
    """A flipped axis would walk backwards or bend knees the wrong way (shin ahead)."""
    for cid in ("deepmimic-walk", "deepmimic-run"):
        mo = clips.clip_motion(cid)
        s, pose = mo.skeleton, mo.pose
        assert pose.head[-1, 0, 1] - pose.head[0, 0, 1] < -0.6, cid          # travels −Y
        for side in ("Left", "Right"):
            hip, knee, ank = (pose.head[:, s.i(side + n)] for n in ("UpLeg", "Leg", "Foot"))
            fwd = np.array([_facing(s, pose, t) for t in range(len(hip))])
            bend = np.sum((knee - 0.5 * (hip + ank)) * fwd, axis=1)
            assert np.mean(bend > -0.005) > 0.95, (cid, side)
        head = pose.head[:, s.i("Head"), 2]
        assert (head > pose.head[:, 0, 2] + 0.3).all()


def test_deepmimic_backflip_turns_backwards_and_lands():
    mo = clips.clip_motion("deepmimic-backflip")
    s, pose = mo.skeleton, mo.pose
    rel = pose.head[:, s.i("Head")] - pose.head[:, s.i("Hips")]
    assert rel[:, 2].min() < -0.3                                     # upside down mid-air
    top = int(np.argmax(-rel[:, 2]))
    before = rel[max(top - 3, 0)]
    assert before[1] > 0.1                                             # the head went back (+Y) first
    assert rel[-1, 2] > 0.4 and pose.head[:, 0, 2].max() > 1.0


def test_bvh_parser_rotation_order_and_offsets():
    """A two-joint BVH: Zrotation Yrotation Xrotation multiply in that order (Rz·Ry·Rx)."""
    text = """HIERARCHY
ROOT Hips
{
 OFFSET 0 0 0
 CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
 JOINT Arm
 {
  OFFSET 1 2 3
  CHANNELS 3 Zrotation Yrotation Xrotation
  End Site
  {
   OFFSET 0 1 0
  }
 }
}
MOTION
Frames: 2
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
0 0 0 30 40 50 10 20 30
"""
    b = bvh.parse(text)
    assert [j.name for j in b.joints] == ["Hips", "Arm"] and b.frame_time == 0.5
    assert np.allclose(b.joints[1].end, [0, 1, 0])
    root, rots = bvh.local_transforms(b, np.arange(2))
    assert np.allclose(root[0], [1, 2, 3])
    r = np.radians
    assert np.allclose(rots[0][1], rot_z(r(30)) @ rot_y(r(40)) @ rot_x(r(50)))
    assert np.allclose(rots[1][1], rot_z(r(10)) @ rot_y(r(20)) @ rot_x(r(30)))
    assert not np.allclose(rots[1][1], rot_x(r(30)) @ rot_y(r(20)) @ rot_z(r(10)))


def test_cmu_clips_are_30_fps_on_the_floor():
    p = pack.load()
    for cid in ("cmu-01-01", "cmu-01-03"):
        mo = clips.clip_motion(cid)
        assert mo.fps == 30.0 and p.meta["clips"][cid]["licence"].startswith("CMU")
        z = rt.lowest_sole(mo.skeleton, mo.pose)
        assert abs(np.percentile(z, 10)) < 0.005 and z.max() < 0.7, cid
    jumps = clips.clip_motion("cmu-01-01")
    assert jumps.pose.head[:, 0, 2].max() - np.median(jumps.pose.head[:, 0, 2]) > 0.2      # real jumps


# --------------------------------------------------------------------------- retargeting
def _measured(src, tgt, err, names):
    pairs = rt.bone_pairs(src, tgt)
    cols = [k for k, (s, _) in enumerate(pairs) if src.names[s][len(PREFIX):] in names]
    return err[:, cols]


@pytest.fixture(scope="module")
def targets():
    return {pid: body.assemble(pid).skeleton for pid in TARGETS}


def test_retargeting_captured_clips_onto_people(targets):
    """Every captured clip onto three bodies: mean direction error ≤ 1° on the bones the
    source has; planted feet slide ≤ 2 cm (p95 over stance intervals)."""
    p = pack.load()
    errs, slides = [], []
    for cid in p.clip_ids():
        mo = clips.clip_motion(cid)
        stance = rt.foot_stance(mo.skeleton, mo.pose, mo.fps)
        for pid, skel in targets.items():
            pose, err = rt.retarget_motion(mo, skel)
            errs.append(_measured(mo.skeleton, skel, err, MEASURED[p.meta["clips"][cid]["skeleton"]]).mean())
            slides += list(rt.foot_skating(skel, pose, stance))
            assert np.allclose(np.linalg.norm(pose.head[:, skel.i("LeftLeg")] - pose.head[:, skel.i("LeftUpLeg")], axis=1),
                               np.linalg.norm(skel.rest_head[skel.i("LeftLeg")] - skel.rest_head[skel.i("LeftUpLeg")]))
    print(f"direction error mean {np.mean(errs):.3f} deg; skating p95 {100 * np.percentile(slides, 95):.2f} cm")
    assert np.mean(errs) <= 1.0 and max(errs) <= 1.0
    assert np.percentile(slides, 95) <= 0.02


def test_without_foot_lock_feet_skate(targets):
    """Negative control: the skating metric does catch sliding feet."""
    mo = clips.clip_motion("deepmimic-walk")
    stance = rt.foot_stance(mo.skeleton, mo.pose, mo.fps)
    skel = targets["tall-woman-tracksuit"]
    pose, _ = rt.retarget_motion(mo, skel, foot_lock=False)
    assert np.median(rt.foot_skating(skel, pose, stance)) > 0.02


def test_procedural_actions_onto_people(targets):
    skel = targets["heavy-man-hoodie"]
    for move in ("backflip", "windmill", "uprock"):
        mo = procedural.load_motion(AssetRef("a", "action", f"procedural:action/{move}"))
        pose, err = rt.retarget_motion(mo, skel)
        assert err.mean() < 1.0, move
        assert rt.lowest_sole(skel, pose).min() > -0.011, move


def test_root_scales_with_leg_length(targets):
    mo = clips.clip_motion("deepmimic-run")
    for skel in targets.values():
        pose, _ = rt.retarget_motion(mo, skel, foot_lock=False)
        ratio = rt.leg_length(skel) / rt.leg_length(mo.skeleton)
        assert np.allclose(pose.head[:, 0, :2], mo.pose.head[:, 0, :2] * ratio, atol=1e-9)


def test_lock_weights_ramp():
    w, owner = rt.lock_weights(np.array([0, 0, 0, 1, 1, 0, 0, 0], bool), ramp=2)
    assert np.allclose(w, [0, 1 / 3, 2 / 3, 1, 1, 2 / 3, 1 / 3, 0]) and owner[3] == 0
    assert math.isclose(rt.lock_weights(np.zeros(4, bool), 2)[0].sum(), 0.0)


def test_gait_cycles_are_extended_without_jumps():
    """Walk and run repeat their cycle to 6.5 s; no joint turns faster per frame than in
    the original clip (seams blended), and the walk keeps going forward."""
    p = pack.load()
    for cid in ("deepmimic-walk", "deepmimic-run"):
        mo = clips.clip_motion(cid)
        meta = p.meta["clips"][cid]
        assert (mo.pose.head.shape[0] - 1) / mo.fps >= 6.5 - 1e-9, cid
        rel = mo.pose.rot[1:] @ np.swapaxes(mo.pose.rot[:-1], -1, -2)
        step = np.degrees(np.arccos(((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2).clip(-1, 1)))
        assert step.max() < 45.0, (cid, step.max())
        assert meta["frames"] == mo.pose.head.shape[0]
    walk = clips.clip_motion("deepmimic-walk")
    y = walk.pose.head[:, 0, 1]
    assert y[-1] < -5.0 and (np.diff(y) < 0.01).all()


def test_extend_cycle_on_a_synthetic_cycle():
    """A joint sweeping 0→20° over the cycle and a root moving 1 m: repeats add the travel,
    and the 20° seam mismatch is faded in after each seam (continuous)."""
    n, fps = 11, 10.0
    a = np.radians(np.linspace(0, 20, n))
    local = {"j": np.stack([rot_z(x) for x in a])}
    root = np.stack([np.linspace(0, 1, n), np.full(n, 0.9), np.zeros(n)], axis=1)
    R, L = deepmimic.extend_cycle(root, local, fps, target_s=3.0, blend_s=0.5)
    assert len(R) == 3 * (n - 1) + 1 and np.isclose(R[-1, 0], 3.0)
    ang = np.degrees(np.arctan2(L["j"][:, 1, 0], L["j"][:, 0, 0]))
    assert np.isclose(ang[n - 1], 20.0) and np.abs(np.diff(ang)).max() < 2.0 + 1e-9
