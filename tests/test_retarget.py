"""synthgen.characters.retarget and .skeleton: rotation maths, rest-pose compensation, root scaling, feet (numpy only)."""
from __future__ import annotations

import numpy as np
import pytest

from synthgen.characters import actions as motions
from synthgen.characters import mannequin as humanoid
from synthgen.characters.retarget import direction_error_deg, lowest_sole, retarget, stance_frames
from synthgen.characters.skeleton import (PREFIX, Skeleton, WorldPose, arc, canonical_name,
                                         fk_from_global, interpolate, mat_to_quat, quat_to_mat,
                                         rot_x, rot_y, rot_z, slerp)


def _random_rotations(rng: np.random.Generator, n: int) -> np.ndarray:
    q = rng.normal(size=(n, 4))
    return quat_to_mat(q / np.linalg.norm(q, axis=1, keepdims=True))


@pytest.mark.parametrize("name", ["mixamorig:LeftArm", "mixamorig1:LeftArm", "mixamorig1_LeftArm",
                                  "mixamorig_LeftArm", "LeftArm", "MIXAMORIG2:LeftArm"])
def test_canonical_name_prefix_variants(name):
    assert canonical_name(name) == "mixamorig:LeftArm"


def test_importer_leaf_bones_are_dropped():
    assert canonical_name("mixamorig:Head_end") is None
    assert canonical_name("mixamorig:LeftToe_End") == "mixamorig:LeftToe_End"   # a real Mixamo joint


def test_quaternion_round_trip_and_axes():
    rng = np.random.default_rng(3)
    R = _random_rotations(rng, 50)
    assert np.abs(quat_to_mat(mat_to_quat(R)) - R).max() < 1e-9
    # right-handed axes: +90 deg about Z takes +X to +Y, about X takes +Y to +Z, about Y takes +Z to +X
    assert np.allclose(rot_z(np.pi / 2) @ [1, 0, 0], [0, 1, 0])
    assert np.allclose(rot_x(np.pi / 2) @ [0, 1, 0], [0, 0, 1])
    assert np.allclose(rot_y(np.pi / 2) @ [0, 0, 1], [1, 0, 0])
    q = mat_to_quat(rot_z(np.pi / 2))
    assert np.allclose(q, [np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)])      # (w, x, y, z)


def test_slerp_midpoint():
    q0, q1 = mat_to_quat(np.eye(3)), mat_to_quat(rot_z(np.radians(100)))
    mid = quat_to_mat(slerp(q0, q1, np.array(0.5)))
    assert np.allclose(mid, rot_z(np.radians(50)), atol=1e-12)


@pytest.mark.parametrize("b", [[0, 0, 1.0], [0, 0, -1.0], [1.0, 2.0, -0.5], [1.0, 0, 0]])
def test_arc_maps_a_onto_b(b):
    a = np.array([1.0, 0, 0])
    R = arc(a, np.array(b))
    assert np.allclose(R @ a, np.array(b) / np.linalg.norm(b))
    assert np.allclose(R.T @ R, np.eye(3)) and np.isclose(np.linalg.det(R), 1.0)


# --------------------------------------------------------------------------- skeletons
def _reposed(skel: Skeleton, rng: np.random.Generator, arm_drop_deg: float) -> Skeleton:
    """The same bones in an A-pose (arms lowered about the shoulder) with random bone rolls."""
    rot, head, tail = skel.rest_rot.copy(), skel.rest_head.copy(), skel.rest_tail.copy()
    for side, sgn in (("Left", 1.0), ("Right", -1.0)):
        R = rot_y(sgn * np.radians(arm_drop_deg))        # +Y rotation lowers the left (+X) arm
        pivot = skel.rest_head[skel.i(side + "Arm")]
        for n in ("Arm", "ForeArm", "Hand"):
            b = skel.i(side + n)
            rot[b] = R @ rot[b]
            head[b] = pivot + R @ (head[b] - pivot)
            tail[b] = pivot + R @ (tail[b] - pivot)
    for b in range(len(skel.names)):                     # roll about the bone's own axis
        rot[b] = rot[b] @ rot_y(rng.uniform(-np.pi, np.pi))
    return Skeleton(list(skel.names), list(skel.parents), rot, head, tail)


def test_rest_pose_compensation_exact_directions():
    """A T-pose source onto an A-pose target with different rolls and proportions: every
    mapped bone points where the source bone points; raw local rotations would not."""
    rng = np.random.default_rng(7)
    src = humanoid.reference_skeleton()
    pose = motions.sample("cartwheel", src)
    tgt = _reposed(humanoid.skeleton("stocky-green-shirt"), rng, arm_drop_deg=45.0)
    out = retarget(src, pose, tgt, root_scale=tgt.hip_height / src.hip_height)
    err = direction_error_deg(src, pose, tgt, out)
    assert err.shape == (pose.rot.shape[0], len(src.names))
    assert err.max() < 1e-5
    # the naive transfer of global deltas (no rest compensation) is off by the A-pose angle
    G = pose.rot @ np.swapaxes(src.rest_rot, -1, -2)[None]
    naive = WorldPose(G @ tgt.rest_rot[None], out.head)
    bad = direction_error_deg(src, pose, tgt, naive)
    assert bad[:, tgt.i("LeftArm")].mean() == pytest.approx(45.0, abs=0.5)


def test_known_pose_signs_and_bone_lengths():
    """Lower the source's left arm by 90 deg (rot_y +90): the target's left arm points down
    (−Z), its hand hangs one target upper-arm + forearm length below the shoulder joint."""
    src = humanoid.reference_skeleton()
    tgt = humanoid.skeleton("tall-red-hoodie")
    B = len(src.names)
    G = np.broadcast_to(np.eye(3), (1, B, 3, 3)).copy()
    for n in ("LeftArm", "LeftForeArm", "LeftHand"):
        G[0, src.i(n)] = rot_y(np.pi / 2)
    pose = fk_from_global(src, src.rest_head[None, 0], G)
    out = retarget(src, pose, tgt, root_scale=1.0)
    d = out.direction()[0]
    assert np.allclose(d[tgt.i("LeftArm")], [0, 0, -1], atol=1e-9)
    assert np.allclose(d[tgt.i("RightArm")], [-1, 0, 0], atol=1e-9)   # untouched right arm still along −X
    drop = out.head[0, tgt.i("LeftArm"), 2] - out.head[0, tgt.i("LeftHand"), 2]
    lengths = np.linalg.norm(tgt.rest_head[tgt.i("LeftHand")] - tgt.rest_head[tgt.i("LeftArm")])
    assert drop == pytest.approx(lengths, abs=1e-9)


def test_root_scale_and_in_place():
    src = humanoid.reference_skeleton()
    pose = motions.sample("sprint", src)
    tgt = humanoid.skeleton("teen-purple-jacket")
    k = tgt.hip_height / src.hip_height
    keep = retarget(src, pose, tgt, root_scale=k)
    hips = src.i("Hips")
    assert np.allclose(keep.head[:, tgt.i("Hips")], k * pose.head[:, hips])
    travel = np.ptp(pose.head[:, hips, :2], axis=0).max()
    assert travel > 1.0                                          # sprint moves the root
    still = retarget(src, pose, tgt, root_scale=k, in_place=True)
    h = still.head[:, tgt.i("Hips")]
    assert np.allclose(h[:, :2], h[0, :2]) and np.allclose(h[:, 2], keep.head[:, tgt.i("Hips"), 2])


def test_interpolate_fractional_times():
    src = humanoid.reference_skeleton()
    pose = motions.sample("tuck-jump", src)
    fps = motions.FPS
    mid = interpolate(pose, fps, np.array([10.5 / fps]))
    q = mat_to_quat(pose.rot[[10, 11]])
    want = quat_to_mat(slerp(q[0], q[1], np.full(q.shape[1], 0.5)))
    assert np.allclose(mid.rot[0], want, atol=1e-9)
    assert np.allclose(mid.head[0], 0.5 * (pose.head[10] + pose.head[11]))
    exact = interpolate(pose, fps, np.array([0.0, 10 / fps]))
    assert np.allclose(exact.head, pose.head[[0, 10]]) and np.allclose(exact.rot, pose.rot[[0, 10]])
    late = interpolate(pose, fps, np.array([1e3]))                # clamped to the last frame
    assert np.allclose(late.head[0], pose.head[-1])


def test_feet_on_floor_at_rest_and_lifted():
    skel = humanoid.reference_skeleton()
    B = len(skel.names)
    G = np.broadcast_to(np.eye(3), (3, B, 3, 3)).copy()
    root = np.repeat(skel.rest_head[None, 0], 3, axis=0)
    root[2, 2] += 0.3
    pose = fk_from_global(skel, root, G)
    low = lowest_sole(skel, pose)
    assert np.allclose(low, [0.0, 0.0, 0.3], atol=1e-12)
    assert stance_frames(skel, pose, 30.0).tolist()[:2] == [True, True]
    assert not stance_frames(skel, pose, 30.0)[2]


def test_missing_bones_are_named():
    skel = humanoid.reference_skeleton()
    keep = [i for i, n in enumerate(skel.names) if n not in (PREFIX + "LeftHand", PREFIX + "Neck")]
    # re-parent is not needed for missing(): it only looks at names
    cut = Skeleton([skel.names[i] for i in keep], [-1] * len(keep), skel.rest_rot[keep],
                   skel.rest_head[keep], skel.rest_tail[keep])
    assert cut.missing() == ["Neck", "LeftHand"]
