"""Clip kind ``group``: 2-4 people in one shot, with interplay, never interpenetrating.

Formations (``subjects.formation``):

* ``battle_circle``: the people stand on a circle facing its centre; the first has the floor
  and does a dynamic move, the others keep the energy going with an interplay action
  (groove, watch, clap: the manifests' actions with ``"role": "interplay"``); then the turn
  passes (``subjects.turns`` performers, at most the people): as one's turn ends the next
  takes the floor with a move of its own, and the one before goes back to the interplay,
  each takeover crossfaded over ``subjects.turn_blend_s`` (the subjects' ``segments``,
  played by :mod:`synthgen.characters.performance`);
* ``duet``: two performers of the same move, side by side facing the front or facing each
  other (``subjects.duet_stance``), in unison, as call and response (the second starts
  ``subjects.response_delay_s`` later in the move) or mirrored (the second does the move as
  its mirror image, in unison: its subject's ``mirror``); ``subjects.duet_timing``;
* ``crowd``: the people side by side in a loose row facing the front, each with a move of
  its own.

The group faces a front direction (the preset's ``subject.heading_deg``); each person's
heading is its formation's plus ``subjects.heading_jitter_deg``. Neighbours start
``subjects.spacing_m`` apart (centres of their travel); then every pair's bodies are checked
over all frames as capsules of the motion that will be baked
(:func:`synthgen.characters.bodies.subject_capsules`), and while some pair comes closer than
``subjects.margin_m`` the formation is spread by :data:`SPREAD` (up to
:data:`MAX_SPREADS` times; then the clip is redrawn). Occlusions between people are kept.

The camera frames the group: the shot (:mod:`.human_shot`, its movements, focal length
prior and coverage) is solved on the union of the people's envelopes per frame, so every
person stays in the frame in >= 95 % of the frames; forward placement is about the front
(in a battle circle: the performer's facing, across the circle). Instance ids: people
1..N in formation order (the performer first), props N+1.. .
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ...characters import bodies
from .. import constraints as C
from ...errors import InfeasibleDrawError, PlanError
from ...job import SubjectSpec
from ..captions import human_camera_phrase
from ..clip_plan import ClipPlan
from ..context import ClipContext, first_solution
from ..geometry import box_corners
from ..movements import MOVEMENTS
from ..scene import build_environment, build_lights, build_props
from ..scene_draw import SceneDraw
from ..segments import SegmentDraw, compose
from ..subject import ActionData, Placement, most_dynamic_start, source_times, world_corners
from ..subject_draw import SubjectDraw, draw_subject, performance_actions, pick_action, place_subject, retime, \
    subject_spec
from .human import MAX_ATTEMPTS, SolvedShot, camera_spec, room_around, shot_attempt, shot_log
from .human_shot import ShotDraw, aim_points, check_constraints, sample_shot, solve_camera

SPREAD = 1.15           # the formation grows by this factor while two people come too close
MAX_SPREADS = 12


@dataclass
class GroupDraw:
    """The people of a group clip as drawn (formation order: the performer first)."""

    formation: str
    people: list[SubjectDraw]
    front_deg: float                # the direction the group faces (world azimuth of the front)
    spacing_m: float                # as drawn
    stance: str = ""                # duet: side_by_side | facing
    timing: str = ""                # duet: unison | call_response | mirrored
    delay_s: float = 0.0            # duet call and response: the second's lag in the move
    turns: list[int] = field(default_factory=lambda: [0])   # battle circle: each turn's first frame index

    def log(self) -> dict:
        out = {"formation": self.formation, "people": len(self.people), "group_front_deg": round(self.front_deg, 6),
               "spacing_m_sampled": round(self.spacing_m, 6),
               "people_draws": [{**p.log(), "role": "performer" if self.is_performer(i) else "interplay"}
                                for i, p in enumerate(self.people)]}
        if self.formation == "duet":
            out.update(duet_stance=self.stance, duet_timing=self.timing, response_delay_s=round(self.delay_s, 6))
        if len(self.turns) > 1:
            out.update(turn_first_index=list(self.turns))
        return out

    def is_performer(self, i: int) -> bool:
        """Whether person ``i`` has the floor at some time (in a battle circle: has a turn)."""
        return i < len(self.turns) or self.formation != "battle_circle"


def _rigged_characters(ctx: ClipContext) -> list:
    chars = [c for c in ctx.assets.of_kind("character") if bodies.has_rig(c.location)]
    if len(chars) < 2:
        raise PlanError("group clips need at least two people or procedural characters in the manifests "
                        "(the default set's assets_manifest/people.json)")
    return chars


def sample_group(ctx: ClipContext) -> GroupDraw:
    """Formation, count, distinct characters, their actions and timings, in a fixed order."""
    G, rng = ctx.preset["subjects"], ctx.rng
    formation = G["formation"].sample(rng)
    count = 2 if formation == "duet" else int(G["count"].sample(rng))
    chars = _rigged_characters(ctx)
    picks = rng.choice(len(chars), size=count, replace=count > len(chars))
    acts = performance_actions(ctx.assets)
    interplay = [a for a in ctx.assets.of_kind("action") if a.get("role") == "interplay"] or acts
    if not acts:
        raise PlanError("group clips need at least one performance action in the manifests")
    draw = GroupDraw(formation, [], float(ctx.preset["subject"]["heading_deg"].sample(rng)) % 360.0,
                     float(G["spacing_m"].sample(rng)))
    shared = pick_action(ctx, acts)
    for i, c in enumerate(picks):
        if formation == "duet":
            action = shared
        elif formation == "battle_circle" and i > 0:
            action = interplay[int(rng.integers(len(interplay)))]
        else:       # a move each: the crowd's moves differ while the manifests have enough
            used = {sd.action for sd in draw.people}
            action = pick_action(ctx, [a for a in acts if a.id not in used] or acts)
        sd = draw_subject(ctx, chars[int(c)], action)
        if not draw.is_performer(i) and sd.action_data.loopable:      # a loop starts anywhere in its cycle
            retime(ctx, sd, float(rng.uniform(0.0, sd.action_data.duration_s)), sd.playback_speed)
        draw.people.append(sd)
    if formation == "duet":
        _duet_timing(ctx, draw)
    elif formation == "battle_circle":
        pass_turns(ctx, draw, acts, interplay)
    return draw


def _duet_timing(ctx: ClipContext, draw: GroupDraw) -> None:
    G, rng = ctx.preset["subjects"], ctx.rng
    draw.stance, draw.timing = G["duet_stance"].sample(rng), G["duet_timing"].sample(rng)
    draw.delay_s = float(G["response_delay_s"].sample(rng)) if draw.timing == "call_response" else 0.0
    lead, second = draw.people
    start = max(lead.window_start_s - draw.delay_s * lead.playback_speed, 0.0)
    second.mirror = draw.timing == "mirrored"         # the lead's move as its mirror image, in unison
    retime(ctx, second, start, lead.playback_speed)


def turn_starts(n_baked: int, turns: int) -> list[int]:
    """Each turn's first per-frame index: the clip split into ``turns`` equal parts."""
    return [int(round(j * (n_baked - 1) / turns)) for j in range(turns)]


def pass_turns(ctx: ClipContext, draw: GroupDraw, acts: list, interplay: list) -> None:
    """A battle circle's turns (``subjects.turns``, at most the people): person 0 performs its
    move's most dynamic window of the first turn, then grooves, watches or claps; person j
    takes the floor with a move of its own as person j - 1's turn ends (crossfaded over
    ``subjects.turn_blend_s``), then goes back to what it did before."""
    G, rng, n = ctx.preset["subjects"], ctx.rng, ctx.n_baked
    k = min(int(G["turns"].sample(rng)), len(draw.people), (n - 1) // 2)     # a turn lasts 2+ frames
    if k < 2:
        return
    draw.turns = turn_starts(n, k)
    ends, blend = draw.turns[1:] + [n - 1], int(round(float(G["turn_blend_s"]) * ctx.fps))
    lead = draw.people[0]
    retime(ctx, lead, most_dynamic_start(lead.action_data, lead.playback_speed * ends[0] / ctx.fps),
           lead.playback_speed)
    back = interplay[int(rng.integers(len(interplay)))]
    back_data = ActionData.from_asset(back)
    phase = float(rng.uniform(0.0, back_data.duration_s))
    lead.segments.append(_part(ctx, back, back_data, ends[0], phase, lead.playback_speed, blend))
    used = {lead.action}
    for j in range(1, k):
        sd = draw.people[j]
        move = pick_action(ctx, [a for a in acts if a.id not in used] or acts)
        used.add(move.id)
        data = ActionData.from_asset(move)
        start = most_dynamic_start(data, sd.playback_speed * (ends[j] - draw.turns[j]) / ctx.fps)
        sd.segments.append(_part(ctx, move, data, draw.turns[j], start, sd.playback_speed, blend))
        if j < k - 1:       # the turn passes on: back to its groove, its loop where it would be
            sd.segments.append(SegmentDraw(sd.action, sd.action_data, ends[j],
                                           sd.times[ends[j]:].copy(), blend))
        compose(sd)
    compose(lead)


def _part(ctx: ClipContext, action, data: ActionData, first: int, start_s: float, speed: float,
          blend: int) -> SegmentDraw:
    """``action`` (its :class:`ActionData` ``data``) from per-frame index ``first`` to the clip's
    end, from ``start_s`` at ``speed`` (a loop's start wraps into its cycle)."""
    times = source_times(data, start_s, speed, ctx.n_baked - first, ctx.fps)
    return SegmentDraw(action.id, data, first, times, blend)


# --------------------------------------------------------------------------- formation
def _unit(deg: float) -> np.ndarray:
    return np.array([math.cos(math.radians(deg)), math.sin(math.radians(deg))])


def _heading_facing(direction_deg: float) -> float:
    """The heading that turns the action frame's front (-Y) to world azimuth ``direction_deg``."""
    return (direction_deg + 90.0) % 360.0


def slots(draw: GroupDraw, spread: float) -> list[tuple[np.ndarray, float]]:
    """Per person (formation order) its spot on the floor (2,) about the group centre and the
    azimuth it faces, neighbours ``spacing_m · spread`` apart."""
    n, d, front = len(draw.people), draw.spacing_m * spread, draw.front_deg
    f, lat = _unit(front), _unit(front + 90.0)
    if draw.formation == "battle_circle":
        r = d / (2.0 * math.sin(math.pi / n))
        out = []
        for i in range(n):      # the performer on the far side, facing the front across the circle
            pos = -r * _unit(front + 360.0 * i / n)
            out.append((pos, math.degrees(math.atan2(-pos[1], -pos[0]))))
        return out
    if draw.formation == "duet":
        if draw.stance == "facing":
            return [(-d / 2 * lat, front + 90.0), (d / 2 * lat, front - 90.0)]
        return [(-d / 2 * lat, front), (d / 2 * lat, front)]
    return [((i - (n - 1) / 2.0) * d * lat + (0.25 * d if i % 2 else 0.0) * -f, front) for i in range(n)]


def jitters(ctx: ClipContext, n: int) -> list[float]:
    """Each person's heading jitter (deg), drawn once per clip."""
    return [float(ctx.preset["subjects"]["heading_jitter_deg"].sample(ctx.rng)) for _ in range(n)]


def place_group(draw: GroupDraw, spread: float, jitter: list[float], centre: np.ndarray) -> list[Placement]:
    """Each person placed: heading from its slot's facing plus its jitter, the middle of its
    travel on its slot about ``centre`` (2,)."""
    out = []
    for sd, (spot, facing), jit in zip(draw.people, slots(draw, spread), jitter):
        sd.heading_deg = _heading_facing(facing + jit)
        pl = place_subject(sd, 0.0, 0.0, None)
        pl.location = pl.location + np.array([spot[0] + centre[0], spot[1] + centre[1], 0.0])
        out.append(pl)
    return out


def people_specs(ctx: ClipContext, draw: GroupDraw, placements: list[Placement]) -> list[SubjectSpec]:
    return [subject_spec(ctx, sd, pl, instance_id=i + 1) for i, (sd, pl) in enumerate(zip(draw.people, placements))]


def clearance(specs: list[SubjectSpec]) -> float:
    """The smallest capsule gap (m) between any two people over the clip."""
    return bodies.clearance(specs)


def spread_until_clear(ctx: ClipContext, draw: GroupDraw, jitter: list[float]) -> tuple[float, float]:
    """The smallest spread (1, SPREAD, SPREAD², ...) at which every pair keeps the margin, and
    the clearance there; the clip is redrawn when none does."""
    margin, gap = float(ctx.preset["subjects"]["margin_m"]), -math.inf
    performed = None                   # each person's motion: the same at every spread
    for k in range(MAX_SPREADS):
        spread = SPREAD ** k
        specs = people_specs(ctx, draw, place_group(draw, spread, jitter, np.zeros(2)))
        performed = performed or [bodies.body_capsules(s) for s in specs]
        gap = bodies.clearance(specs, performed)
        if gap >= margin:
            return spread, gap
    raise InfeasibleDrawError(f"people still {gap:.2f} m apart (margin {margin:.2f} m) after spreading the "
                              f"formation {MAX_SPREADS} times", source=ctx.clip_id)


# --------------------------------------------------------------------------- the shot
def union_corners(corners: list[np.ndarray]) -> np.ndarray:
    """(N,8,3) corners of the box holding every person's envelope corners (each (N,8,3)) per frame."""
    pts = np.concatenate(corners, axis=1)
    return box_corners(np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1))


@dataclass
class GroupShot:
    """A solved group shot: the camera (as a :class:`SolvedShot` about the group's front) and
    the people's placements it was solved for."""

    shot: SolvedShot
    placements: list[Placement]
    in_frame_each: list[float]      # per person: fraction of frames with its envelope in the frame


def _offset(offset: tuple[float, float]) -> np.ndarray:
    return np.append(offset[0] * _unit(offset[1]), 0.0)


def try_group_shot(ctx: ClipContext, scene: SceneDraw, draw: GroupDraw, base: list[Placement], g: ShotDraw,
                   offset: tuple[float, float], attempt: int) -> GroupShot | str:
    """One attempt: the formation moved by ``offset`` (m, deg), the camera solved on the
    group's union envelope, props after the people, every person's hard constraints."""
    pls = [Placement(p.location + _offset(offset), p.heading_deg, p.scale) for p in base]
    each = [world_corners(sd.boxes, pl) for sd, pl in zip(draw.people, pls)]
    union = union_corners(each)
    front = Placement(np.zeros(3), _heading_facing(draw.front_deg), 1.0)
    root = np.mean([pl.to_world(sd.root) for sd, pl in zip(draw.people, pls)], axis=0)
    room = room_around(ctx, scene, g, union, front, root) if scene.indoor_room else None
    sol = solve_camera(ctx, g, union, aim_points(union, g.focus_position), front, root, room)
    if isinstance(sol, str):
        return sol
    lo, hi = union[..., :2].reshape(-1, 2).min(axis=0), union[..., :2].reshape(-1, 2).max(axis=0)
    centre = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, 0.0])
    cam_az = math.degrees(math.atan2(sol.P[1][1] - centre[1], sol.P[1][0] - centre[0]))
    props, spheres = build_props(scene, ctx.assets, centre, float(np.hypot(*(hi - lo))) / 2, cam_az + 180.0, room,
                                 first_id=len(pls) + 1)
    K = ctx.K(sol.focal_mm)
    in_frame = C.in_frame_ratio(sol.R, sol.P, K, union, ctx.width, ctx.height)
    for sd, pl, c in zip(draw.people, pls, each):
        why = check_constraints(sol, in_frame, c, sd.boxes, pl, room, spheres)
        if why is not None:
            return why
    direction = MOVEMENTS.get(g.movement).direction(sol.R, sol.P, sol.focal_mm, g.move)
    shot = SolvedShot(g, sol, K, in_frame, attempt, front, room, props, centre, direction)
    return GroupShot(shot, pls, [C.in_frame_ratio(sol.R, sol.P, K, c, ctx.width, ctx.height) for c in each])


def solve_group_shot(ctx: ClipContext, scene: SceneDraw, draw: GroupDraw, base: list[Placement],
                     drawn: ShotDraw) -> GroupShot:
    """The camera under the hard constraints, redrawing the shot's nuisance values and the
    group's offset per attempt (as a human shot does)."""
    first = (draw.people[0].offset_m, draw.people[0].offset_azimuth_deg)
    return first_solution(ctx.clip_id, MAX_ATTEMPTS,
                          lambda i: try_group_shot(ctx, scene, draw, base, *shot_attempt(ctx, drawn, first, i), i),
                          "no camera frames the group under the hard constraints")


@dataclass
class GroupSample:
    """The typed draws of a group clip; :meth:`log` writes them as the params log."""

    scene: SceneDraw
    group: GroupDraw
    spread: float
    clearance_m: float
    sampled_shot: ShotDraw
    solved: GroupShot

    def phrasing(self) -> tuple[str, str, str]:
        """(formation, duet stance, duet timing) for the caption."""
        return self.group.formation, self.group.stance, self.group.timing

    def log(self) -> dict:
        return {**self.scene.log(), **self.group.log(), "spread": round(self.spread, 6),
                "people_clearance_m": round(self.clearance_m, 6),
                **shot_log(self.sampled_shot, self.solved.shot),
                "in_frame_ratio_each": [round(r, 6) for r in self.solved.in_frame_each]}


class GroupClip:
    name = "group"

    def plan(self, ctx: ClipContext, scene: SceneDraw) -> ClipPlan:
        """Draw the people and the shot, spread the formation until clear, solve the camera."""
        draw = sample_group(ctx)
        jitter = jitters(ctx, len(draw.people))
        drawn = sample_shot(ctx)
        spread, gap = spread_until_clear(ctx, draw, jitter)
        base = place_group(draw, spread, jitter, np.zeros(2))
        solved = solve_group_shot(ctx, scene, draw, base, drawn)
        shot, g = solved.shot, solved.shot.draw
        phrase = human_camera_phrase(MOVEMENTS.get(g.movement).phrase(shot.direction), g.focus_type,
                                     g.focus_position, shot.coverage, drawn.placement, who="the group")
        world = build_environment(scene, ctx.assets, shot.room if shot.room else list(scene.room_size),
                                  camera=shot.solution.P)
        return ClipPlan(kind=self.name, subjects=people_specs(ctx, draw, solved.placements),
                        camera=camera_spec(ctx, shot), lights=build_lights(scene, shot.centre, shot.room),
                        props=shot.props, world=world, camera_phrase=phrase,
                        sampled=GroupSample(scene, draw, spread, gap, drawn, solved))


KIND = GroupClip()
