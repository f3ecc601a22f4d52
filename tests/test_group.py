"""Group clips (clip kind ``group``, preset ``dynavid-group``): 2-4 people that never
interpenetrate, framed as a group, with ids, instances and captions per person."""
from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import Counter

import numpy as np
import pytest

from synthgen.characters import bodies, capsules
from synthgen.errors import PresetError
from synthgen.export.clip import instance_kinds
from synthgen.export.qa import people_clearance
from synthgen.job import Job
from synthgen.manifest import load_manifests
from synthgen.planner import load_preset, plan_clip
from synthgen.planner import captions
from synthgen.planner.clips import group

GROUP_TOML = """
[preset]
base = ["dynavid-group"]
[video]
width = {w}
height = {h}
fps = 24
frames = {n}
frame_start = 1
"""


def preset(tmp_path, w=832, h=480, n=25, extra=""):
    path = tmp_path / "group-test.toml"
    path.write_text(GROUP_TOML.format(w=w, h=h, n=n) + extra)
    return load_preset(path)


@pytest.fixture(scope="module")
def assets():
    return load_manifests()


# --------------------------------------------------------------------------- capsules
def test_segment_distance_matches_dense_sampling():
    rng = np.random.default_rng(0)
    p0, p1, q0, q1 = (rng.normal(size=(200, 3)) for _ in range(4))
    q1[:20] = q0[:20] + (p1[:20] - p0[:20])            # parallel pairs
    exact = capsules.segment_distance(p0, p1, q0, q1)
    u = np.linspace(0, 1, 401)
    P = p0[:, None] + u[None, :, None] * (p1 - p0)[:, None]
    Q = q0[:, None] + u[None, :, None] * (q1 - q0)[:, None]
    dense = np.linalg.norm(P[:, :, None] - Q[:, None, :], axis=-1).min(axis=(1, 2))
    assert np.all(exact <= dense + 1e-9)                 # never more than some pair of points
    assert np.abs(exact - dense).max() < 5e-3            # and as close as the sampling resolves


def test_clearance_is_gap_minus_radii_and_negative_when_overlapping():
    a = np.array([[[[0, 0, 0], [0, 0, 1.0]]]])            # (T=1, K=1, 2, 3) vertical axis
    r = np.array([0.1])
    for d in (0.5, 0.2, 0.05):
        b = a + np.array([d, 0, 0])
        assert capsules.clearance(a, r, b, r)[0] == pytest.approx(d - 0.2, abs=1e-12)
    b = a + np.array([0.0, 0.0, 1.5])                    # end to end along the axis
    assert capsules.clearance(a, r, b, r)[0] == pytest.approx(0.3, abs=1e-12)


def test_person_capsules_hold_the_rest_mesh():
    from synthgen.characters.people.body import assemble
    body = assemble("heavy-man-hoodie")
    rig = bodies.rig("people:person/heavy-man-hoodie")
    seg = capsules.rest_segments(rig.skeleton)
    d = np.concatenate([capsules.point_segment_distance(v[:, None], seg[:, 0], seg[:, 1]) - rig.radii
                        for v in np.array_split(body.verts, 8)])
    assert (d.min(axis=1) <= 1e-9).mean() == 1.0         # every vertex inside some capsule
    assert 0.1 < rig.radii.max() < 0.3                   # and the capsules are body-sized


def _spec(assets, person, action, location, heading=0.0, height=None, n=30):
    from synthgen.job import SubjectSpec
    return SubjectSpec(instance_id=1, character=assets.ref(person), action=assets.ref(action),
                       source_time_s=list(np.arange(n) / 24.0), playback_speed=1.0, location=list(location),
                       heading_deg=heading, height_m=height)


def test_subject_capsules_follow_placement(assets):
    a0, r0 = bodies.subject_capsules(_spec(assets, "person-teen-boy-tee", "interplay-groove", [0, 0, 0]))
    a1, _ = bodies.subject_capsules(_spec(assets, "person-teen-boy-tee", "interplay-groove", [2.0, -1.0, 0]))
    np.testing.assert_allclose(a1 - a0, np.broadcast_to([2.0, -1.0, 0], a0.shape), atol=1e-9)
    a2, _ = bodies.subject_capsules(_spec(assets, "person-teen-boy-tee", "interplay-groove", [0, 0, 0], 90.0))
    rot = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]])          # +90 deg about z: x -> y
    np.testing.assert_allclose(a2, a0 @ rot.T, atol=1e-9)
    rest_h = bodies.rig("people:person/teen-boy-tee").height
    a3, r3 = bodies.subject_capsules(_spec(assets, "person-teen-boy-tee", "interplay-groove", [0, 0, 0],
                                           height=2 * rest_h))
    np.testing.assert_allclose(a3, 2 * a0, atol=1e-9)
    np.testing.assert_allclose(r3, 2 * r0, atol=1e-12)
    assert a0[..., 2].min() > -0.05 and a0[..., 2].max() == pytest.approx(rest_h, abs=0.15)   # z up, feet down


# --------------------------------------------------------------------------- planning
def test_five_hundred_group_clips_never_interpenetrate(tmp_path, assets):
    pre = preset(tmp_path)
    margin = float(pre["subjects"]["margin_m"])
    counts, formations, spreads = Counter(), Counter(), []
    for index in range(500):
        job = plan_clip(pre, assets, 7, index)
        n = len(job.subjects)
        p = job.plan.params
        counts[n] += 1
        formations[p["formation"]] += 1
        spreads.append(p["spread"])
        assert [s.instance_id for s in job.subjects] == list(range(1, n + 1))
        assert [q.instance_id for q in job.props] == list(range(n + 1, n + 1 + len(job.props)))
        gap = bodies.min_clearance([bodies.subject_capsules(s) for s in job.subjects])[0]
        assert gap >= margin - 1e-6, (index, gap)
        assert gap == pytest.approx(p["people_clearance_m"], abs=1e-5)
        assert min(p["in_frame_ratio_each"]) >= 0.95
        assert len({s.character.id for s in job.subjects}) == n        # distinct people
        if p["formation"] == "crowd":
            assert len({s.action.id for s in job.subjects}) == n       # a move each
    assert set(counts) == {2, 3, 4} and set(formations) == {"battle_circle", "duet", "crowd"}
    assert 1.0 in spreads and max(spreads) > 1.0          # some drawn formations were spread apart
    print("people per clip", dict(counts), "formations", dict(formations),
          "spread > 1 in %.0f %%" % (100 * np.mean(np.array(spreads) > 1)))


def test_the_clearance_check_catches_overlapping_people(tmp_path, assets):
    """Negative control: the formation squeezed together (spread 0.2) or before it was spread
    (the last spread that failed) overlaps or breaks the margin: the check sees it."""
    pre = preset(tmp_path)
    margin, seen = float(pre["subjects"]["margin_m"]), 0
    for index in range(40):
        ctx = group.ClipContext(pre, assets, 7, index, "group")
        from synthgen.planner.scene import sample_scene
        sample_scene(pre, assets, ctx.rng)
        draw = group.sample_group(ctx)
        jitter = group.jitters(ctx, len(draw.people))
        spread, gap = group.spread_until_clear(ctx, draw, jitter)
        assert gap >= margin
        squeezed = group.clearance(group.people_specs(ctx, draw, group.place_group(draw, 0.2, jitter, np.zeros(2))))
        assert squeezed < 0.0
        if spread > 1.0:
            before = group.place_group(draw, spread / group.SPREAD, jitter, np.zeros(2))
            assert group.clearance(group.people_specs(ctx, draw, before)) < margin
            seen += 1
    assert seen >= 3


def test_battle_circle_faces_the_centre_and_the_performer_faces_the_front(tmp_path, assets):
    pre = preset(tmp_path, extra='[subjects]\nformation = "battle_circle"\ncount = 4\nheading_jitter_deg = 0.0\n'
                                 'turns = 1\n')
    job = plan_clip(pre, assets, 3, 0)
    p = job.plan.params
    roles = [d["role"] for d in p["people_draws"]]
    assert roles == ["performer", "interplay", "interplay", "interplay"]
    assert [s.action.params.get("role", "performance") for s in job.subjects] == \
        ["performance", "interplay", "interplay", "interplay"]
    centre = np.mean([bodies.subject_capsules(s)[0][:, 0].mean(axis=(0, 1)) for s in job.subjects], axis=0)
    for s in job.subjects:
        a = math.radians(s.heading_deg)
        facing = np.array([math.sin(a), -math.cos(a)])            # Rz(heading) applied to -Y
        pelvis = bodies.subject_capsules(s)[0][0, 0].mean(axis=0)
        to_centre = (centre - pelvis)[:2]
        assert np.dot(facing, to_centre / np.linalg.norm(to_centre)) > 0.9
    a = math.radians(job.subjects[0].heading_deg)
    cam = np.asarray(job.camera.c2w)[1][:2, 3] - np.asarray(job.subjects[0].location[:2])
    assert np.dot([math.sin(a), -math.cos(a)], cam / np.linalg.norm(cam)) > 0.3   # seen from the front


def test_duet_call_and_response_lags_the_second_dancer(tmp_path, assets):
    pre = preset(tmp_path, extra='[subjects]\nformation = "duet"\nduet_timing = "call_response"\n'
                                 'response_delay_s = 0.5\n')
    job = plan_clip(pre, assets, 5, 0)
    a, b = job.subjects
    assert a.action.id == b.action.id and a.playback_speed == b.playback_speed
    assert job.plan.params["duet_timing"] == "call_response"
    lag = np.asarray(a.source_time_s) - np.asarray(b.source_time_s)
    expected = min(0.5 * a.playback_speed, a.source_time_s[0])     # the second cannot start before 0
    assert expected > 0.1
    assert np.median(lag) == pytest.approx(expected, abs=1e-6)


def _interplay(ref) -> bool:
    return ref.params.get("role", "performance") == "interplay"


def test_battle_circle_turn_passes_between_performers(tmp_path, assets):
    """Three turns among three people: each performer's move starts as the previous one's
    ends (crossfaded over turn_blend_s), the others groove, watch or clap meanwhile, and the
    caption and instances say who performs when."""
    pre = preset(tmp_path, n=49, extra='[subjects]\nformation = "battle_circle"\ncount = 3\nturns = 3\n')
    for index in range(6):
        job = plan_clip(pre, assets, 4, index)
        n, (s0, s1, s2) = job.n_baked, job.subjects
        starts = group.turn_starts(n, 3)
        assert starts == [0, 17, 33] and job.plan.params["turn_first_index"] == starts
        assert not _interplay(s0.action) and [g.first for g in s0.segments] == [17]
        assert _interplay(s0.segments[0].action)                 # the first goes back to the interplay
        assert _interplay(s1.action) and [g.first for g in s1.segments] == [17, 33]
        assert not _interplay(s1.segments[0].action) and s1.segments[1].action.id == s1.action.id
        assert s1.segments[1].source_time_s == s1.source_time_s[33:]      # its groove resumes in phase
        assert _interplay(s2.action) and [g.first for g in s2.segments] == [33]
        assert not _interplay(s2.segments[0].action)
        moves = [s0.action.id, s1.segments[0].action.id, s2.segments[0].action.id]
        assert len(set(moves)) == 3                               # a move of one's own each turn
        assert {g.blend_frames for s in job.subjects for g in s.segments} == {7}    # 0.3 s at 24 fps
        for s, g in ((s1, s1.segments[0]), (s2, s2.segments[0])):     # the move plays at the speed
            dt = np.diff(g.source_time_s[:5])
            assert np.allclose(dt, s.playback_speed / 24.0, atol=1e-7) or g.source_time_s[4] == g.source_time_s[0]
        text = job.caption.text
        looks = [s.character.params["appearance"] for s in (s1, s2)]
        takes = [text.find(f"then {captions.definite(w)} takes over and {g.action.params['sentence']}")
                 for w, g in zip(looks, (s1.segments[0], s2.segments[0]))]
        assert 0 < takes[0] < takes[1], text
        kinds = instance_kinds(job)
        assert [(a["action"], a["from_frame"]) for a in kinds[s1.instance_id]["actions"]] == \
            [(s1.action.id, 0), (moves[1], 17), (s1.action.id, 33)]          # frame_start 1: index i is frame i
        gap = bodies.min_clearance([bodies.subject_capsules(s) for s in job.subjects])[0]
        assert gap >= float(pre["subjects"]["margin_m"]) - 1e-6
        plain = [dataclasses.replace(s, segments=None) for s in job.subjects]
        assert abs(bodies.min_clearance([bodies.subject_capsules(s) for s in plain])[0] - gap) > 1e-4 or \
            index > 0      # the check measured the turns, not the first actions alone (seen on clip 0)


def test_turn_capsules_follow_the_performance(assets):
    """The capsules of a subject with a turn are the crossfade of its parts: the first part's
    before the takeover, the second's (moved to where the hips were) after the blend."""
    from synthgen.job import SegmentSpec
    n = 30
    base = _spec(assets, "person-teen-boy-tee", "interplay-groove", [0, 0, 0], n=n)
    move = _spec(assets, "person-teen-boy-tee", "motion-deepmimic-spinkick", [0, 0, 0], n=n)
    seg = SegmentSpec(move.action, 12, move.source_time_s[:n - 12], 5)
    both, _ = bodies.subject_capsules(dataclasses.replace(base, segments=[seg]))
    a, _ = bodies.subject_capsules(base)
    b, _ = bodies.subject_capsules(move)
    np.testing.assert_allclose(both[:12], a[:12], atol=1e-9)
    shift = both[17:, 0, 0] - b[5:n - 12, 0, 0]               # the pelvis axis start, after the blend
    assert np.abs(shift - shift[0]).max() < 1e-9 and abs(shift[0, 2]) < 1e-9       # one horizontal move
    np.testing.assert_allclose(both[17:], b[5:n - 12] + shift[0], atol=1e-9)
    assert np.abs(both[12:17] - a[12:17]).max() > 0.05 and np.abs(both[12:17] - (b[:5] + shift[0])).max() > 0.05


def test_mirrored_duet(tmp_path, assets):
    pre = preset(tmp_path, extra='[subjects]\nformation = "duet"\nduet_timing = "mirrored"\n')
    for index in range(4):
        job = plan_clip(pre, assets, 5, index)
        a, b = job.subjects
        assert a.mirror is None and b.mirror is True and not a.segments and not b.segments
        assert a.action.id == b.action.id and a.source_time_s == b.source_time_s        # in unison
        assert "as a mirror image, in unison" in job.caption.text
        kinds = instance_kinds(job)
        assert [x["mirrored"] for x in kinds[a.instance_id]["actions"]] == [False]
        assert [x["mirrored"] for x in kinds[b.instance_id]["actions"]] == [True]
        data = json.loads(job.to_json())
        assert "mirror" not in data["subjects"][0] and data["subjects"][1]["mirror"] is True
        assert "segments" not in data["subjects"][0]
        assert Job.from_json(job.to_json()).subjects[1].mirror is True
        assert job.plan.params["people_clearance_m"] >= float(pre["subjects"]["margin_m"])
    # the capsules were measured mirrored: the second body's left wrist is where its unmirrored
    # right wrist is, reflected across its sagittal plane
    M = np.diag([-1.0, 1.0, 1.0])
    flat = dataclasses.replace(b, location=[0.0, 0.0, 0.0], heading_deg=0.0)
    mir, _ = bodies.subject_capsules(flat)
    orig, _ = bodies.subject_capsules(dataclasses.replace(flat, mirror=None))
    wl, wr = capsules.NAMES.index("left_forearm"), capsules.NAMES.index("right_forearm")   # axis end: the wrist
    assert np.abs(mir[:, wl, 1] - orig[:, wr, 1] @ M).max() < 0.02        # a person's rig: near symmetric
    assert np.abs(mir[:, wl, 1] - orig[:, wl, 1]).max() > 0.1             # and not the unmirrored body


def test_segment_fields_are_validated(tmp_path, assets):
    from synthgen.job import SegmentSpec
    job = plan_clip(preset(tmp_path, extra='[subjects]\nformation = "crowd"\n'), assets, 1, 0)
    s = job.subjects[0]
    seg = SegmentSpec(s.action, 5, s.source_time_s[5:], 3)
    ok = dataclasses.replace(job, subjects=[dataclasses.replace(s, segments=[seg])] + job.subjects[1:])
    assert ok.validate() == []
    for bad, where in ((dataclasses.replace(seg, first=0), "segments[0].first"),
                       (dataclasses.replace(seg, source_time_s=s.source_time_s), "segments[0].source_time_s"),
                       (dataclasses.replace(seg, blend_frames=-1), "segments[0].blend_frames"),
                       (dataclasses.replace(seg, action=s.character), "segments[0].action.kind")):
        wrong = dataclasses.replace(job, subjects=[dataclasses.replace(s, segments=[bad])] + job.subjects[1:])
        assert [f for f, _ in wrong.validate()] == [f"subjects[0].{where}"]


def test_captions_and_instances_name_each_person(tmp_path, assets):
    pre = preset(tmp_path)
    for index in range(12):
        job = plan_clip(pre, assets, 11, index)
        text = job.caption.text
        kinds = instance_kinds(job)
        for s in job.subjects:
            look = s.character.params["appearance"]
            assert look in text or look[0].upper() + look[1:] in text
            assert s.action.params["sentence"] in text
            k = kinds[s.instance_id]
            assert k["kind"] == "person" and k["appearance"] == look and k["action"] == s.action.id
        assert all(kinds[p.instance_id]["kind"] == "prop" for p in job.props)
        assert kinds[0] == {"kind": "background"}
        assert "keeping the group centred" in text or "aimed at a fixed point" in text
        if job.plan.params["formation"] == "battle_circle":
            assert re.search(r" in a dance circle while ", text)


def test_people_clearance_qa_figure(tmp_path, assets):
    job = plan_clip(preset(tmp_path), assets, 7, 3)
    assert people_clearance(job) == pytest.approx(job.plan.params["people_clearance_m"], abs=1e-4)
    moved = dataclasses.replace(job, subjects=[dataclasses.replace(s, location=list(job.subjects[0].location),
                                                                   heading_deg=job.subjects[0].heading_deg)
                                               for s in job.subjects])
    assert people_clearance(moved) < 0                   # everyone on one spot: overlap, negative


def test_group_preset_errors_name_the_field(tmp_path):
    with pytest.raises(PresetError, match=r"subjects\.count"):
        preset(tmp_path, extra="[subjects]\ncount = 5\n")
    with pytest.raises(PresetError, match=r"subjects\.formation"):
        preset(tmp_path, extra='[subjects]\nformation = "conga"\n')
    with pytest.raises(PresetError, match=r"subjects\.turns"):
        preset(tmp_path, extra="[subjects]\nturns = 9\n")
    with pytest.raises(PresetError, match=r"subjects\.duet_timing"):
        preset(tmp_path, extra='[subjects]\nduet_timing = "canon"\n')


# --------------------------------------------------------------------------- rendered
@pytest.mark.slow
def test_rendered_group_clip_ids_instances_and_vertices_agree(tmp_path, assets):
    """A tiny 3-person clip with a prop through the worker: the segmentation holds exactly the
    job's ids (people 1..3, the prop 4), every person is seen, verify's vertex check covers
    every person and passes, and the Blender-skinned vertices lie inside the planner's capsules."""
    import scenes
    from synthgen import layout
    from synthgen.blender.worker import render_job
    from synthgen.verify import verify_clip

    extra = ('[render]\nmode = "flow"\nquality = "low"\ndevice = "cpu"\n'
             'outputs = ["flow", "flow_bwd", "valid", "depth", "seg", "vertices"]\n'
             '[environment]\ntype = "hdri"\n[subjects]\nformation = "crowd"\ncount = 3\n'
             '[props]\ncount = 1\n[camera]\nmovement_type = "static"\n')
    pre = preset(tmp_path, w=160, h=96, n=3, extra=extra)
    margin = float(pre["subjects"]["margin_m"])
    job = plan_clip(pre, assets, 2, 0)
    assert [s.instance_id for s in job.subjects] == [1, 2, 3] and [p.instance_id for p in job.props] == [4]
    folder = render_job(job, tmp_path / "render")
    kinds = instance_kinds(job)
    seen = Counter()
    for frame in range(job.frame_start, job.frame_end + 1):
        ids = scenes.read_frame(folder / layout.frame_name(frame))[layout.INDEX_CHANNEL]
        present = set(np.unique(ids).astype(int).tolist())
        assert present <= set(kinds), present
        seen.update({i: int((ids == i).sum()) for i in present})
    assert all(seen[s.instance_id] > 30 for s in job.subjects), seen
    _assert_capsules_hold_the_rendered_bodies(job, folder, margin)
    checks = {c.name: c for c in verify_clip(folder, gaps=()).checks}
    assert checks["vertices"].passed is True, checks["vertices"].stats
    # negative control: a person other than the first (the one moving most) two frames late:
    # the check covers that person too, and fails
    with np.load(folder / layout.VERTICES_FILE) as data:
        arrays = {k: data[k] for k in data.files}
    late_id = max((s.instance_id for s in job.subjects[1:]),
                  key=lambda i: float(np.linalg.norm(np.diff(arrays[f"inst_{i}"], axis=0), axis=-1).mean()))
    v = arrays[f"inst_{late_id}"]
    arrays[f"inst_{late_id}"] = np.concatenate([v[:1], v[:1], v[:-2]])
    np.savez(folder / layout.VERTICES_FILE, **arrays)
    late = {c.name: c for c in verify_clip(folder, gaps=()).checks}["vertices"]
    assert late.passed is False, late.stats


def _assert_capsules_hold_the_rendered_bodies(job, folder, margin: float) -> None:
    """The capsules the planner checked hold the Blender-skinned vertices of every person."""
    from synthgen import layout
    with np.load(folder / layout.VERTICES_FILE) as data:
        verts = {s.instance_id: data[f"inst_{s.instance_id}"].astype(np.float64) for s in job.subjects}
    for s in job.subjects:
        axes, radii = bodies.subject_capsules(s)
        inside, excess = [], []
        for t in range(job.n_baked):
            d = capsules.point_segment_distance(verts[s.instance_id][t][:, None], axes[t, :, 0], axes[t, :, 1])
            out = (d - radii).min(axis=1)
            inside.append((out <= 0.0).mean())
            excess.append(out.max())
        print(f"person {s.instance_id}: {100 * min(inside):.2f} % of vertices inside its capsules (worst frame), "
              f"farthest outside {1000 * max(excess):.1f} mm")
        assert min(inside) > 0.97
        assert max(excess) < margin / 2       # two bodies margin apart cannot touch


def test_rendered_turn_pass_is_the_checked_motion(tmp_path, assets):
    """A tiny battle circle whose turn passes mid-clip (a one-frame crossfade), through the
    worker: the rendered bodies lie in the capsules the planner checked before, during and
    after the takeover, and verify's vertex check passes; negative control: capsules of the
    first actions alone (the turn ignored) do not hold the performer after the pass."""
    from synthgen.blender.worker import render_job
    from synthgen.verify import verify_clip

    extra = ('[render]\nmode = "flow"\nquality = "low"\ndevice = "cpu"\n'
             'outputs = ["flow", "flow_bwd", "valid", "depth", "seg", "vertices"]\n'
             '[environment]\ntype = "hdri"\n[subjects]\nformation = "battle_circle"\ncount = 2\nturns = 2\n'
             'turn_blend_s = 0.05\n[props]\ncount = 0\n[camera]\nmovement_type = "static"\n')
    pre = preset(tmp_path, w=128, h=80, n=5, extra=extra)
    job = plan_clip(pre, assets, 2, 0)
    a, b = job.subjects
    assert [g.first for g in a.segments] == [3] and [g.first for g in b.segments] == [3]
    assert {g.blend_frames for g in a.segments + b.segments} == {1}
    folder = render_job(job, tmp_path / "render")
    _assert_capsules_hold_the_rendered_bodies(job, folder, float(pre["subjects"]["margin_m"]))
    checks = {c.name: c for c in verify_clip(folder, gaps=()).checks}
    assert checks["vertices"].passed is True, checks["vertices"].stats
    from synthgen import layout
    with np.load(folder / layout.VERTICES_FILE) as data:
        v = data[f"inst_{b.instance_id}"].astype(np.float64)
    axes, radii = bodies.subject_capsules(dataclasses.replace(b, segments=None))
    d = capsules.point_segment_distance(v[-1][:, None], axes[-1, :, 0], axes[-1, :, 1])
    assert ((d - radii).min(axis=1) <= 0.0).mean() < 0.9         # its move is not its groove
