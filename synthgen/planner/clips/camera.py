"""Clip kind ``camera`` (DynaVid-Camera): a fast camera path through an HDRI scene or a room.

The scene holds static props (instance ids 2..) that give the flow parallax, and, with the
preset's ``character_probability``, a character performing an action (instance id 1) that is
the camera's focus. Without a character the focus is a fixed point among the props.
Constraints: the camera never enters the subject's volume or a prop, stays above the floor,
and indoors stays inside the room clear of the walls. A failed check redraws the path's
nuisance values (start azimuth, radius, height, spiral rise) from the clip's retry stream;
from attempt 4 on the peak linear speed is scaled by 0.75 per attempt (recorded), and from
attempt 12 on the family falls back to a camera turning in place (spin / whip_pan;
``params.forced_family``). Indoors, straight passes are capped by the room
(``params.peak_linear_speed_used_m_s``): 121 frames at 7 m/s do not fit in a living room.

The path families: :mod:`synthgen.planner.paths`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ...job import CameraSpec, PropSpec
from .. import constraints as C
from ..captions import focus_phrase
from ..clip_plan import ClipPlan
from ..context import ClipContext, first_solution, round_list
from ..geometry import poses, speed_stats
from ..paths import PATH_FAMILIES
from ..paths.arc_length import unit_travel
from ..paths.base import PathDraw, PathFamily, PathResult, PathSetup
from ..layouts.model import WorldModel
from ..scene import build_environment, build_lights, build_props, room_size_for
from ..scene_draw import SceneDraw
from ..subject import Placement, focus_points, footprint, world_corners
from ..subject_draw import SubjectDraw, place_subject, sample_subject, subject_spec, unplaced
from ..worlds import WORLDS
from ..worlds.base import WorldContext
from .camera_world import choose_focus, circling_focus, fit_world_radius, place_on_floor, variants, world_problem, \
    world_start
from .human_shot import smooth_sigma

MAX_ATTEMPTS = 16
SCALE_SPEED_FROM = 4        # attempts from which the peak linear speed is scaled by 0.75 per attempt
FALLBACK_FROM = 12          # attempts from which the path family falls back to one turning in place
FALLBACK_FAMILIES = ("whip_pan", "spin")   # even, odd attempts (neither has parameters of its own)
ROOM_SPEED_CHECK_UNTIL = 8  # attempts before which a room too small for half the speed is redrawn
MAX_VIEW_PITCH_SIN = 0.9    # |optical axis · up| limit: no near-vertical views (look-at yaw is unstable)
WORLD_ATTEMPTS = 24         # attempts of a path in a world with geometry (each redraws start and focus)
WORLD_MAX_PITCH_SIN = 0.75  # in worlds, views within ~49° of the horizon (a person filming, not a drone)
STRICT_VIEWS_UNTIL = 16     # attempts before which blank views reject a path in a world


@dataclass
class Stage:
    """Where the subject (if any) stands and what the props circle."""

    room: list | None
    placement: Placement | None
    corners: np.ndarray | None      # (N,8,3) the subject's world envelope
    centre: np.ndarray              # (3,) the props' (and the lights') anchor on the floor
    base_radius: float              # the subject's footprint radius (0.3 m without a subject)


@dataclass
class SolvedPath:
    draw: PathDraw                  # the attempt's draw, fitted by the family
    own: object                     # the family's own parameters (None for most)
    result: PathResult
    K: np.ndarray
    stats: dict                     # measured speeds + the sampled peaks used
    attempt: int
    props: list[PropSpec]
    in_frame_ratio: float | None    # with a subject
    world: dict | None = None       # in a world with geometry: what the path measured there
    focus_words: list | None = None  # in a world: what it is aimed at and passes (caption nouns)


@dataclass
class CameraSample:
    """The typed draws of a camera clip; :meth:`log` writes them as the params log."""

    scene: SceneDraw
    path_draw: PathDraw             # as sampled
    own: object                     # the drawn family's own parameters (None for most)
    subject: SubjectDraw | None
    stage: Stage
    path: SolvedPath
    model: WorldModel | None = None

    def log(self) -> dict:
        g, res = self.path.draw, self.path.result
        drawn = self.path_draw
        out = {**self.scene.log(), **drawn.log(), "path_family": g.family, "movement_type": g.family,
               **(PATH_FAMILIES.get(drawn.family).log_own(self.own) if self.own is not None else {}),
               **(self.subject.log() if self.subject is not None else {})}
        if self.path.in_frame_ratio is not None:
            out["in_frame_ratio"] = self.path.in_frame_ratio
        if g.forced_family:
            out["forced_family"] = True
        out.update({"movement_value": round(res.movement_value, 6), "movement_direction": res.direction,
                    "initial_position": round_list(res.P[1], 6), "attempts": self.path.attempt + 1,
                    "room_size": self.stage.room, "peak_linear_speed_used_m_s": round(res.peak_linear_m_s, 6),
                    "orbit_radius_used_m": round(g.radius_m, 6),
                    **{f"measured_{k}": v for k, v in self.path.stats.items() if not k.startswith("sampled")}})
        if self.model is not None:
            out.update(self.model.log)
            out.update({k: v for k, v in (self.path.world or {}).items() if not k.startswith("_")})
        return out


def sample_path_draw(ctx: ClipContext) -> PathDraw:
    """Every camera-path draw of a camera clip (Table 10: focus, movement type/value, speeds), in a fixed order."""
    cp, cam, rng = ctx.preset["camera_path"], ctx.preset["camera"], ctx.rng
    return PathDraw(
        family=cp["family"].sample(rng), keys=int(round(cp["key_poses"].sample(rng))),
        speed_profile=cp["speed_profile"].sample(rng),
        peak_angular_speed_deg_s=float(cp["peak_angular_speed_deg_s"].sample(rng)),
        whip_peak_angular_speed_deg_s=float(cp["whip_peak_angular_speed_deg_s"].sample(rng)),
        whip_sweep_deg=float(cp["whip_sweep_deg"].sample(rng)),
        peak_linear_speed_m_s=float(cp["peak_linear_speed_m_s"].sample(rng)),
        radius_m=float(cp["orbit_radius_m"].sample(rng)), height_m=float(cp["height_m"].sample(rng)),
        focal_mm=float(cp["focal_mm"].sample(rng)),
        roll_deg=float(cp["roll_deg"].sample(rng)) if "roll_deg" in cp else 0.0,
        focus_type=cam["focus_type"].sample(rng), focus_position=cam["focus_position"].sample(rng),
        sign=1.0 if rng.random() < 0.5 else -1.0, burst_centre=float(rng.uniform(0.3, 0.7)),
        start_azimuth_rad=float(rng.uniform(0, 2 * math.pi)),
        spiral_ratio=float(rng.choice([rng.uniform(0.45, 0.75), rng.uniform(1.3, 1.8)])),
        spiral_rise_m=float(rng.uniform(-0.8, 1.5)),
        with_character=bool(rng.random() < cp["character_probability"])
        and bool(ctx.assets.of_kind("character")) and bool(ctx.assets.of_kind("action")))


def redraw_path(ctx: ClipContext, d: PathDraw, attempt: int) -> PathDraw:
    """The path draw of ``attempt`` (0 = as sampled), its nuisance values from the retry stream."""
    if attempt == 0:
        return d
    cp, rng = ctx.preset["camera_path"], ctx.retry_rng(attempt)
    g = d.replace(start_azimuth_rad=float(rng.uniform(0, 2 * math.pi)),
                  radius_m=float(cp["orbit_radius_m"].sample(rng)), height_m=float(cp["height_m"].sample(rng)),
                  spiral_rise_m=float(rng.uniform(-0.8, 1.5)))
    if attempt >= SCALE_SPEED_FROM:
        g = g.replace(peak_linear_speed_m_s=d.peak_linear_speed_m_s * 0.75 ** (attempt - 3))
    if attempt >= FALLBACK_FROM:
        # Last resort: a camera that turns in place (nearly always feasible); recorded.
        g = g.replace(family=FALLBACK_FAMILIES[attempt % 2], forced_family=True)
    return g


def stage_subject(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw | None) -> Stage:
    """Place the subject (sizing the room around it when indoors); without one, an empty stage."""
    if sd is None:
        return Stage(list(scene.room_size) if scene.indoor_room else None, None, None, np.zeros(3), 0.3)
    pl0 = unplaced(sd)
    room = room_size_for(scene, footprint(sd.boxes, pl0), 1.5,
                         float(world_corners(sd.boxes, pl0)[..., 2].max())) if scene.indoor_room else None
    placement = place_subject(sd, sd.offset_m, sd.offset_azimuth_deg, room)
    foot = footprint(sd.boxes, placement)
    centre = np.array([(foot[0] + foot[2]) / 2, (foot[1] + foot[3]) / 2, 0.0])
    radius = float(np.hypot(*(foot[2:] - foot[:2]))) / 2
    return Stage(room, placement, world_corners(sd.boxes, placement), centre, radius)


def path_focus(ctx: ClipContext, d: PathDraw, stage: Stage) -> np.ndarray:
    """(N,3) look-at focus: the subject's focus part (smoothed when following), else a fixed point."""
    if stage.corners is None:
        c = stage.centre
        return np.repeat(np.array([c[0], c[1], 1.0])[None], ctx.n_baked, axis=0)
    f = focus_points(stage.corners, d.focus_position)
    if d.focus_type == "follow":
        return gaussian_filter1d(f, sigma=smooth_sigma(ctx), axis=0, mode="nearest")
    return np.repeat(f.mean(axis=0)[None], ctx.n_baked, axis=0)


def start_point(d: PathDraw, focus: np.ndarray, room) -> np.ndarray:
    """(3,) ``radius_m + 1`` from the focus at the draw's start azimuth and height (inside the room)."""
    a, r = d.start_azimuth_rad, d.radius_m + 1.0
    p0 = focus[1] + np.array([r * math.cos(a), r * math.sin(a), 0.0])
    p0[2] = d.height_m
    if room is not None:
        half = np.array(room[:2]) / 2.0 - 0.6
        p0[:2] = np.clip(p0[:2], -half, half)
        p0[2] = min(p0[2], room[2] - 0.5)
    return p0


def path_blocked(P: np.ndarray, sd: SubjectDraw | None, stage: Stage, spheres) -> str | None:
    """Why the camera centres ``P`` break a hard constraint, or None."""
    if sd is not None and not C.camera_clear_of_subject(P, sd.boxes, stage.placement):
        return "camera inside the subject's volume"
    if not C.above_floor(P):
        return "camera below the floor"
    if not C.camera_clear_of_props(P, spheres):
        return "camera inside a prop"
    if stage.room is not None and not C.inside_room(P, stage.room, [0, 0, 0]):
        return "camera outside the room or too close to a wall"
    return None


def path_unfit(path: PathResult, g: PathDraw, family: PathFamily, attempt: int) -> str | None:
    """Why the path is not worth filming (near-vertical views; a pass the room slowed too much)."""
    if np.any(np.abs(path.R[:, 2, 2]) > MAX_VIEW_PITCH_SIN):
        return "camera looks (nearly) straight up or down"
    if attempt < ROOM_SPEED_CHECK_UNTIL and family.limited_by_room \
            and path.peak_linear_m_s < 0.5 * g.peak_linear_speed_m_s:
        return "too little room for the sampled speed"
    return None


def try_path(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw | None, stage: Stage, focus: np.ndarray,
             g: PathDraw, own: object, attempt: int) -> SolvedPath | str:
    """One attempt: fit the draw, build the family's path, check it. The solved path, or why not."""
    family = PATH_FAMILIES.get(g.family)
    g = family.fit(g, focus, stage.room, stage.base_radius + 0.8)
    p0 = start_point(g, focus, stage.room)
    props, spheres = build_props(scene, ctx.assets, stage.centre, stage.base_radius,
                                 math.degrees(g.start_azimuth_rad) + 180.0, stage.room)
    s = unit_travel(ctx.times, ctx.fps, g.speed_profile, g.burst_centre)
    path = family.build(PathSetup(g, own, focus, p0, s, ctx.times, ctx.fps, stage.room, ctx.retry_rng(100 + attempt)))
    why = path_blocked(path.P, sd, stage, spheres) or path_unfit(path, g, family, attempt)
    if why is not None:
        return why
    K = ctx.K(np.full(ctx.n_baked, round(g.focal_mm, 8)))
    stats = speed_stats(path.R, path.P, ctx.fps)
    stats.update({"sampled_peak_linear_m_s": round(path.peak_linear_m_s, 6),
                  "sampled_peak_angular_deg_s": round(path.peak_angular_deg_s, 6)})
    ratio = None if stage.corners is None else \
        round(C.in_frame_ratio(path.R, path.P, K, stage.corners, ctx.width, ctx.height), 6)
    return SolvedPath(g, own, path, K, stats, attempt, props, ratio)


def solve_path(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw | None, drawn: PathDraw, own: object,
               stage: Stage) -> SolvedPath:
    focus = path_focus(ctx, drawn, stage)
    def attempt(i: int) -> SolvedPath | str:
        g = redraw_path(ctx, drawn, i)
        return try_path(ctx, scene, sd, stage, focus, g, own if g.family == drawn.family else None, i)
    return first_solution(ctx.clip_id, MAX_ATTEMPTS, attempt, "no camera path satisfies the hard constraints")


def world_stage(ctx: ClipContext, model: WorldModel, sd: SubjectDraw | None) -> Stage:
    """The stage in a world: the performer on free floor, else nothing placed yet (each
    attempt picks an object to aim at)."""
    if sd is None:
        return Stage(None, None, None, np.zeros(3), 0.3)
    placement = place_on_floor(ctx, model, sd)
    foot = footprint(sd.boxes, placement)
    centre = np.array([(foot[0] + foot[2]) / 2, (foot[1] + foot[3]) / 2, model.floor_z])
    return Stage(None, placement, world_corners(sd.boxes, placement), centre,
                 float(np.hypot(*(foot[2:] - foot[:2]))) / 2)


def world_aim(ctx: ClipContext, model: WorldModel, stage: Stage, g: PathDraw, rng: np.random.Generator):
    """(focus (N,3), focus object or None, the draw fitted, the focus radius) of an attempt, or
    why it cannot aim: the performer, else an object (circling families need a free circle)."""
    if stage.corners is not None:
        focus = path_focus(ctx, g, stage)
        if g.family in ("orbit", "spiral"):
            g = fit_world_radius(g, focus[1], model, stage.base_radius + 0.8,
                                 max(1.0, g.spiral_ratio) if g.family == "spiral" else 1.0)
            if g is None:
                return "no free circle round the performer"
        return focus, None, g, stage.base_radius
    target = choose_focus(model, rng)
    if g.family in ("orbit", "spiral"):
        got = circling_focus(model, g, rng, target, max(1.0, g.spiral_ratio) if g.family == "spiral" else 1.0)
        if got is None:
            return "no free circle round any focus"
        point, target, g = got
    elif target is None:
        return "the world has nothing to aim at"
    else:
        point = target.point
    return np.repeat(point[None], ctx.n_baked, axis=0), target, g, (target.radius_m if target else 0.3)


def try_world_path(ctx: ClipContext, model: WorldModel, sd: SubjectDraw | None, stage: Stage, drawn: PathDraw,
                   own: object, attempt: int) -> SolvedPath | str:
    """One attempt in a world: aim (the performer, else an object), start in free space, build
    (cranes: shorter sweeps where needed), and check clearance, the navigable volume and the views."""
    g = redraw_path(ctx, drawn, attempt)
    own = own if g.family == drawn.family else None
    rng = ctx.retry_rng(200 + attempt)
    aim = world_aim(ctx, model, stage, g, rng)
    if isinstance(aim, str):
        return aim
    focus, target, g, focus_r = aim
    p0 = world_start(model, g, focus[1], focus_r, rng)
    if p0 is None:
        return "no free start point that sees the focus"
    family = PATH_FAMILIES.get(g.family)
    s = unit_travel(ctx.times, ctx.fps, g.speed_profile, g.burst_centre)
    K = ctx.K(np.full(ctx.n_baked, round(g.focal_mm, 8)))
    why = "no variant"
    for g_try, own_try in variants(g, own):
        path = family.build(PathSetup(g_try, own_try, focus, p0, s, ctx.times, ctx.fps, None,
                                      ctx.retry_rng(100 + attempt), space=model.space))
        why = path_unfit(path, g_try, family, attempt + ROOM_SPEED_CHECK_UNTIL - 2)
        if why is None and np.any(np.abs(path.R[:, 2, 2]) > WORLD_MAX_PITCH_SIN):
            why = "camera looks steeply up or down"
        if why is None:
            why, measured = world_problem(ctx, model, path, K, sd, stage.placement, model.space.clearance_m,
                                          attempt < STRICT_VIEWS_UNTIL)
        if why is None:
            g, own = g_try, own_try
            break
    if why is not None:
        return why
    stats = speed_stats(path.R, path.P, ctx.fps)
    stats.update({"sampled_peak_linear_m_s": round(path.peak_linear_m_s, 6),
                  "sampled_peak_angular_deg_s": round(path.peak_angular_deg_s, 6)})
    ratio = None if stage.corners is None else \
        round(C.in_frame_ratio(path.R, path.P, K, stage.corners, ctx.width, ctx.height), 6)
    words = world_words(model, target, measured.get("_seen", set()))
    return SolvedPath(g, own, path, K, stats, attempt, [], ratio, measured, words)


def world_words(model: WorldModel, target, seen: set) -> list[str]:
    """Caption nouns: the focus object first, then other objects the views met (biggest first)."""
    by_id = {f.instance_id: f for f in model.focus}
    others = sorted((by_id[i] for i in seen if i in by_id and (target is None or i != target.instance_id)),
                    key=lambda f: -f.radius_m)
    return ([target.description] if target is not None else []) + [f.description for f in others]


def solve_world_path(ctx: ClipContext, model: WorldModel, sd: SubjectDraw | None, drawn: PathDraw, own: object,
                     stage: Stage) -> SolvedPath:
    return first_solution(ctx.clip_id, WORLD_ATTEMPTS,
                          lambda i: try_world_path(ctx, model, sd, stage, drawn, own, i),
                          "no camera path fits this world")


def camera_spec(ctx: ClipContext, solved: SolvedPath) -> CameraSpec:
    g, path = solved.draw, solved.result
    focal = np.full(ctx.n_baked, round(g.focal_mm, 8))
    return CameraSpec(c2w=round_list(poses(path.R, path.P), 10), focal_mm=[float(f) for f in focal],
                      K=round_list(solved.K, 8), sensor_width_mm=ctx.sensor_width_mm,
                      sensor_height_mm=ctx.sensor_height_mm, focus_type=g.focus_type,
                      focus_position=g.focus_position, movement_type=g.family,
                      movement_value=round(path.movement_value, 6), initial_position=round_list(path.P[1], 8),
                      path_family=g.family, stats=solved.stats)


class CameraClip:
    name = "camera"

    def plan(self, ctx: ClipContext, scene: SceneDraw) -> ClipPlan:
        """Draw the path (and the family's own parameters, and the subject), solve, return the typed plan.
        A world with geometry of its own is generated first (from the clip's world stream) and
        the path is solved in its free space."""
        drawn = sample_path_draw(ctx)
        own = PATH_FAMILIES.get(drawn.family).sample(ctx.preset["camera_path"], ctx.rng)
        sd = sample_subject(ctx) if drawn.with_character else None
        model = WORLDS.get(scene.env_type).model(WorldContext(ctx.preset, ctx.assets, scene, ctx.world_rng()))
        if model is None:
            stage = stage_subject(ctx, scene, sd)
            solved = solve_path(ctx, scene, sd, drawn, own, stage)
        else:
            stage = world_stage(ctx, model, sd)
            solved = solve_world_path(ctx, model, sd, drawn, own, stage)
        camera = camera_spec(ctx, solved)
        subjects = [subject_spec(ctx, sd, stage.placement)] if sd is not None else []
        appearance = subjects[0].character.params.get("appearance", "a person") if subjects else None
        nouns = solved.focus_words if solved.focus_words is not None else \
            [p.asset.params.get("description", "an object") for p in solved.props]
        phrase = PATH_FAMILIES.get(camera.path_family).phrase(solved.result.direction, camera.movement_value,
                                                             focus_phrase(appearance, nouns), camera.stats, solved.own)
        world = build_environment(scene, ctx.assets, stage.room if stage.room else list(scene.room_size),
                                  model=model, camera=solved.result.P)
        lights = model.lights if model is not None else build_lights(scene, stage.centre, stage.room)
        return ClipPlan(kind=self.name, subjects=subjects, camera=camera, lights=lights, props=solved.props,
                        world=world, camera_phrase=phrase,
                        sampled=CameraSample(scene, drawn, own, sd, stage, solved, model))


KIND = CameraClip()
