"""A subject's motion as parts (synthgen.characters.performance): mirroring across the
sagittal plane with left and right swapped, and crossfaded takeovers without a pop."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from synthgen.characters import actions, interplay, mannequin, performance
from synthgen.characters.performance import S, Part, Take
from synthgen.characters.skeleton import WorldPose, interpolate_rigid


@pytest.fixture(scope="module")
def skel():
    return mannequin.reference_skeleton()


def _take(skel, move: str) -> Take:
    act = actions.ACTIONS.get(move) or interplay.ACTIONS[move]
    return Take(actions.sample_action(act, skel), actions.FPS, act.loopable)


def _joint(skel, pose: WorldPose, name: str) -> np.ndarray:
    return pose.head[:, skel.i(name)]


def test_reference_skeleton_is_symmetric(skel):
    """What the exact mirror identities below rest on: each left bone's rest is its right
    bone's reflected."""
    m = performance.mirror_index(skel)
    assert sum(m != np.arange(len(m))) >= 16            # the limbs are paired
    assert skel.names[m[skel.i("LeftHand")]] == "mixamorig:RightHand"
    assert np.abs(skel.rest_head[m] @ S - skel.rest_head).max() < 1e-9
    assert np.abs(S @ skel.rest_rot[m] @ S - skel.rest_rot).max() < 1e-9


def test_mirror_swaps_sides_and_reflects_across_the_sagittal_plane(skel):
    take = _take(skel, "freeze")                         # asymmetric: one hand on the floor
    pose = interpolate_rigid(skel, take.pose, take.fps, np.linspace(0.0, 2.2, 45))
    mir = performance.mirror_pose(skel, pose)
    for a, b in (("LeftHand", "RightHand"), ("RightFoot", "LeftFoot"), ("LeftForeArm", "RightForeArm")):
        assert np.abs(_joint(skel, mir, a) - _joint(skel, pose, b) @ S).max() < 1e-9
        ia, ib = skel.i(a), skel.i(b)
        assert np.abs(mir.rot[:, ia] - S @ pose.rot[:, ib] @ S).max() < 1e-9
    assert np.abs(_joint(skel, mir, "Head") - _joint(skel, pose, "Head") @ S).max() < 1e-9
    assert np.allclose(np.linalg.det(mir.rot), 1.0)      # still rotations, not reflections
    twice = performance.mirror_pose(skel, mir)
    assert np.abs(twice.head - pose.head).max() < 1e-9 and np.abs(twice.rot - pose.rot).max() < 1e-9
    # the motion really is asymmetric, so the identities above are not trivially true
    assert np.abs(_joint(skel, pose, "LeftHand") - _joint(skel, pose, "RightHand") @ S).max() > 0.1
    # negative controls: reflecting without swapping the sides, or across the wrong plane
    G = pose.rot @ np.swapaxes(skel.rest_rot, -1, -2)[None]
    no_swap = performance.rebuild(skel, S @ G @ S @ skel.rest_rot[None], pose.head[:, 0] @ S)
    assert np.abs(_joint(skel, no_swap, "LeftHand") - _joint(skel, pose, "RightHand") @ S).max() > 0.1
    Sy = np.diag([1.0, -1.0, 1.0])
    m = performance.mirror_index(skel)
    wrong_plane = performance.rebuild(skel, Sy @ G[:, m] @ Sy @ skel.rest_rot[None], pose.head[:, 0] @ Sy)
    assert np.abs(_joint(skel, wrong_plane, "LeftHand") - _joint(skel, pose, "RightHand") @ S).max() > 0.1


def test_the_raised_hand_of_a_mirrored_move_is_the_other_hand(skel):
    """Sides swap, heights stay: the hand held higher in the move is the other hand mirrored."""
    take = _take(skel, "freeze")
    pose = interpolate_rigid(skel, take.pose, take.fps, np.linspace(0.0, 2.2, 45))
    mir = performance.mirror_pose(skel, pose)
    height = {(k, side): _joint(skel, p, f"{side}Hand")[:, 2].mean()
              for k, p in (("orig", pose), ("mir", mir)) for side in ("Left", "Right")}
    assert abs(height["orig", "Left"] - height["orig", "Right"]) > 0.1
    assert height["mir", "Left"] == pytest.approx(height["orig", "Right"], abs=1e-9)
    assert height["mir", "Right"] == pytest.approx(height["orig", "Left"], abs=1e-9)
    x = {k: _joint(skel, p, "LeftHand")[:, 0].mean() for k, p in (("orig", pose), ("mir", mir))}
    assert x["mir"] == pytest.approx(-_joint(skel, pose, "RightHand")[:, 0].mean(), abs=1e-9)


def _parts(first: int, blend: int, n: int = 48):
    a = Part(SimpleNamespace(id="a"), 0, np.arange(n) / 24.0)
    b = Part(SimpleNamespace(id="b"), first, 0.3 + np.arange(n - first) / 24.0, blend)
    return [a, b]


def _step(pose: WorldPose) -> np.ndarray:
    """(T-1,) the largest joint displacement (m) from each frame to the next."""
    return np.linalg.norm(np.diff(pose.head, axis=0), axis=-1).max(axis=1)


def test_takeover_keeps_each_part_outside_the_crossfade_and_does_not_pop(skel):
    takes = [_take(skel, "groove"), _take(skel, "windmill")]
    first, blend = 20, 7
    out = performance.perform(skel, takes, _parts(first, blend))
    a = performance.sample(skel, takes[0], _parts(first, blend)[0])
    b = performance.sample(skel, takes[1], _parts(first, blend)[1])
    assert np.abs(out.head[:first] - a.head[:first]).max() < 1e-12      # before: the first part exactly
    shift = a.head[first, 0] - b.head[0, 0]
    shift[2] = 0.0
    after = slice(blend, None)                                           # after: the second, moved
    assert np.abs(out.head[first:][after] - (b.head[after] + shift)).max() < 1e-9
    assert np.abs(out.rot[first:][after] - b.rot[after]).max() < 1e-9
    assert np.abs(out.head[first, 0, :2] - a.head[first, 0, :2]).max() < 1e-12   # the hips do not jump
    # bone lengths are the skeleton's in every frame (heads by forward kinematics)
    bone = [i for i, p in enumerate(skel.parents) if p >= 0]
    rest = np.linalg.norm(skel.rest_head[bone] - skel.rest_head[[skel.parents[i] for i in bone]], axis=-1)
    lengths = np.linalg.norm(out.head[:, bone] - out.head[:, [skel.parents[i] for i in bone]], axis=-1)
    assert np.abs(lengths - rest).max() < 1e-9
    # no pop: over the crossfade a joint moves at most its parts' own speed plus its share of
    # the distance between the two poses (spread over blend + 1 frames); a cut jumps it all
    smooth = _step(out)[first - 1:first + blend].max()
    own = max(_step(a).max(), _step(b).max())
    gap = np.linalg.norm(a.head[first:first + blend] - (b.head[:blend] + shift), axis=-1).max()
    cut = _step(performance.perform(skel, takes, _parts(first, 0)))[first - 1]
    print(f"largest joint step: crossfade {smooth:.3f} m, the parts' own {own:.3f} m, a cut {cut:.3f} m")
    assert smooth < own + 1.2 * gap / (blend + 1), (smooth, own, gap)
    assert gap > 1.0 and cut > 1.8 * smooth       # negative control: without the blend it pops


def test_parts_of_a_spec_and_mirrored_parts(skel):
    from synthgen.job import AssetRef, SegmentSpec, SubjectSpec

    ref = AssetRef("x", "action", "procedural:action/groove")
    spec = SubjectSpec(1, AssetRef("c", "character", "procedural:humanoid/default"), ref, [0.0, 0.1, 0.2, 0.3],
                       mirror=True, segments=[SegmentSpec(ref, 2, [1.0, 1.1], 1)])
    parts = performance.parts(spec)
    assert [(p.first, p.blend, p.mirror, len(p.times)) for p in parts] == [(0, 0, True, 4), (2, 1, False, 2)]
    assert not performance.is_plain(spec) and performance.is_plain(SubjectSpec(1, spec.character, ref, [0.0]))
    take = _take(skel, "freeze")
    mirrored = performance.perform(skel, [take], [Part(ref, 0, np.linspace(0, 1, 9), 0, True)])
    plain = performance.perform(skel, [take], [Part(ref, 0, np.linspace(0, 1, 9))])
    assert np.abs(mirrored.head[:, skel.i("LeftHand")] - plain.head[:, skel.i("RightHand")] @ S).max() < 1e-9
