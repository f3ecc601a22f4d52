"""Clip kind ``human`` (DynaVid-Human): a performer doing a dynamic action, filmed the way a
videographer would (forward and following shots by default).

Order of work: draw every parameter (scene, subject, camera: the lens from the focal-length
prior and the shot size) from the clip generator; then solve the geometry (placement, the
camera's distance for the drawn lens and shot size, camera path; indoors a room that holds
the shot) and check the hard constraints. A failed check redraws only the geometric nuisance
values (azimuth offset, elevation, subject offset; from attempt 4 on also the movement
value) from the clip's retry stream; the Table-10 choices stay as drawn, except that from
attempt 8 on a subject that travels too far for the drawn movement is filmed as a following
shot (``params.forced_following``). When no attempt succeeds the clip is infeasible as drawn
(:class:`~synthgen.errors.InfeasibleDrawError`) and the planner redraws it whole.

The camera geometry: :mod:`.human_shot`; the movements: :mod:`synthgen.planner.movements`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...job import CameraSpec, PropSpec
from .. import constraints as C
from ..captions import human_camera_phrase
from ..clip_plan import ClipPlan
from ..context import ClipContext, first_solution, round_list
from ..geometry import poses, speed_stats
from ..movements import MOVEMENTS
from ..scene import build_environment, build_lights, build_props, room_size_for
from ..scene_draw import SceneDraw
from ..subject import Placement, footprint, world_corners
from ..space.views import path_problem
from ..subject_draw import SubjectDraw, place_subject, sample_subject, subject_spec
from ..worlds import WORLDS
from ..worlds.base import WorldContext
from .camera_world import place_on_floor
from .human_shot import ShotDraw, ShotSolution, aim_points, check_constraints, redraw_shot, sample_shot, \
    solve_camera

MAX_ATTEMPTS = 16
ROOM_MAX_HALF_M = 9.0       # a procedural room grows to hold the shot up to 2 x this across
ROOM_SUBJECT_MARGIN_M = 1.0
ROOM_CAMERA_MARGIN_M = 0.5


@dataclass
class SolvedShot:
    """The attempt that satisfied every hard constraint, and what it measured."""

    draw: ShotDraw                  # its geometry draw (the sampled one, or a redraw)
    solution: ShotSolution
    K: np.ndarray                   # (N,3,3)
    in_frame_ratio: float
    attempt: int                    # 0 = as sampled
    placement: Placement
    room: list | None               # the room's extents when indoors
    props: list[PropSpec]
    centre: np.ndarray              # (3,) centre of the subject's footprint on the floor
    direction: str                  # the movement's direction word, measured from the path

    @property
    def coverage(self) -> float:
        """The coverage achieved, as recorded (6 decimals; the caption's shot size uses it)."""
        return round(float(self.solution.coverage), 6)


@dataclass
class HumanSample:
    """The typed draws of a human clip; :meth:`log` writes them as the params log."""

    scene: SceneDraw
    subject: SubjectDraw
    sampled_shot: ShotDraw
    shot: SolvedShot
    model: object = None            # the world's geometry (WorldModel), when it has any

    def log(self) -> dict:
        out = {**self.scene.log(), **self.subject.log(), **shot_log(self.sampled_shot, self.shot)}
        if self.model is not None:
            out.update(self.model.log)
        return out


def shot_log(d: ShotDraw, shot: SolvedShot) -> dict:
    """The params log of a solved shot: its draws as sampled and what the solver made of them."""
    g, sol = shot.draw, shot.solution
    out = {"placement": d.placement, "focus_type": d.focus_type, "focus_position": d.focus_position,
           "movement_type": g.movement, "movement_type_sampled": d.movement,
           "movement_value": round(g.move.value, 6), "coverage_sampled": round(d.coverage, 6),
           "camera_azimuth_sampled_deg": round(d.azimuth_deg, 6),
           "camera_elevation_sampled_deg": round(d.elevation_deg, 6),
           "focal_mm_sampled": round(d.focal_mm, 6), "roll_deg": round(d.roll_deg, 6),
           "movement_direction": shot.direction, "coverage": shot.coverage,
           "camera_distance_m": round(float(sol.distance_m), 6), "distance_limited": bool(sol.distance_limited),
           "focal_mm": float(sol.focal_mm[1]),
           "initial_position": round_list(sol.P[1], 6), "in_frame_ratio": round(shot.in_frame_ratio, 6),
           "attempts": shot.attempt + 1, "room_size": shot.room}
    if shot.attempt:
        out["forced_following"] = g.forced_following
    return out


def bounds_xy(points: np.ndarray, margin: float) -> np.ndarray:
    """[xmin, ymin, xmax, ymax] of world points (...,3) grown by ``margin``."""
    xy = points.reshape(-1, 3)[:, :2]
    return np.concatenate([xy.min(axis=0) - margin, xy.max(axis=0) + margin])


def room_for_shot(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw, g: ShotDraw,
                  offset: tuple[float, float]) -> list | None:
    """Indoors, the room: its sampled size, enlarged (a procedural room, up to
    :data:`ROOM_MAX_HALF_M` from the centre) to hold the subject and the camera path the shot
    would take in open space; None outdoors."""
    if not scene.indoor_room:
        return None
    pl = place_subject(sd, offset[0], offset[1], None)
    return room_around(ctx, scene, g, world_corners(sd.boxes, pl), pl, pl.to_world(sd.root))


def room_around(ctx: ClipContext, scene: SceneDraw, g: ShotDraw, corners: np.ndarray, placement: Placement,
                follow_root: np.ndarray) -> list:
    """Indoors, the room holding the envelope ``corners`` (N,8,3) and the camera path the shot
    would take in open space (a procedural room grows for it; see :func:`room_for_shot`)."""
    need = bounds_xy(corners, ROOM_SUBJECT_MARGIN_M)
    if not scene.room_fixed:
        sol = solve_camera(ctx, g, corners, aim_points(corners, g.focus_position), placement, follow_root, None)
        if not isinstance(sol, str):    # the walls stop a camera at 0.9 of their distance: room to spare
            ref = corners[1].mean(axis=0)
            cam = bounds_xy(ref + (sol.P - ref) / 0.88, ROOM_CAMERA_MARGIN_M)
            need = np.clip(np.concatenate([np.minimum(need[:2], cam[:2]), np.maximum(need[2:], cam[2:])]),
                           -ROOM_MAX_HALF_M, ROOM_MAX_HALF_M)
    return room_size_for(scene, need, 0.0, float(corners[..., 2].max()))


def try_shot(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw, g: ShotDraw, offset: tuple[float, float],
             attempt: int, model=None) -> SolvedShot | str:
    """One attempt: place the subject (``offset``: metres, degrees; in a world with geometry,
    on its free floor), solve the camera, place the props, check the hard constraints (and the
    world's clearance). The solved shot, or why the attempt failed."""
    if model is not None:
        room, placement = None, place_on_floor(ctx, model, sd)
    else:
        room = room_for_shot(ctx, scene, sd, g, offset)
        placement = place_subject(sd, offset[0], offset[1], room)
    corners = world_corners(sd.boxes, placement)
    sol = solve_camera(ctx, g, corners, aim_points(corners, g.focus_position), placement,
                       placement.to_world(sd.root), room)
    if isinstance(sol, str):
        return sol
    foot = footprint(sd.boxes, placement)
    centre = np.array([(foot[0] + foot[2]) / 2, (foot[1] + foot[3]) / 2, 0.0])
    cam_az = math.degrees(math.atan2(sol.P[1][1] - centre[1], sol.P[1][0] - centre[0]))
    props, spheres = build_props(scene, ctx.assets, centre, float(np.hypot(*(foot[2:] - foot[:2]))) / 2,
                                 cam_az + 180.0, room) if model is None else ([], [])
    K = ctx.K(sol.focal_mm)
    in_frame = C.in_frame_ratio(sol.R, sol.P, K, corners, ctx.width, ctx.height)
    why = check_constraints(sol, in_frame, corners, sd.boxes, placement, room, spheres)
    if why is None and model is not None:
        why = path_problem(model.space, sol.P, model.space.clearance_m)[0]
    if why is not None:
        return why
    direction = MOVEMENTS.get(g.movement).direction(sol.R, sol.P, sol.focal_mm, g.move)
    return SolvedShot(g, sol, K, in_frame, attempt, placement, room, props, centre, direction)


def solve_shot(ctx: ClipContext, scene: SceneDraw, sd: SubjectDraw, drawn: ShotDraw, model=None) -> SolvedShot:
    """Placement and camera under the hard constraints, redrawing nuisance values per attempt."""
    first = (sd.offset_m, sd.offset_azimuth_deg)
    return first_solution(ctx.clip_id, MAX_ATTEMPTS,
                          lambda i: try_shot(ctx, scene, sd, *shot_attempt(ctx, drawn, first, i), i, model),
                          "no camera satisfies the hard constraints")


def shot_attempt(ctx: ClipContext, drawn: ShotDraw, first_offset: tuple[float, float], i: int
                 ) -> tuple[ShotDraw, tuple[float, float]]:
    """Attempt ``i``'s shot and subject offset: the drawn ones first, then redrawn nuisance values."""
    if i == 0:
        return drawn, first_offset
    g, off, off_az = redraw_shot(ctx, drawn, i)
    return g, (off, off_az)


def camera_spec(ctx: ClipContext, shot: SolvedShot) -> CameraSpec:
    g, R, P = shot.draw, shot.solution.R, shot.solution.P
    return CameraSpec(c2w=round_list(poses(R, P), 10), focal_mm=[float(f) for f in shot.solution.focal_mm],
                      K=round_list(shot.K, 8), sensor_width_mm=ctx.sensor_width_mm,
                      sensor_height_mm=ctx.sensor_height_mm, focus_type=g.focus_type,
                      focus_position=g.focus_position, movement_type=g.movement,
                      movement_value=round(float(g.move.value), 6), initial_position=round_list(P[1], 8),
                      path_family="", stats=speed_stats(R, P, ctx.fps))


class HumanClip:
    name = "human"

    def plan(self, ctx: ClipContext, scene: SceneDraw) -> ClipPlan:
        """Draw the subject and the shot, solve them, and return the typed plan."""
        sd = sample_subject(ctx)
        drawn = sample_shot(ctx)
        model = WORLDS.get(scene.env_type).model(WorldContext(ctx.preset, ctx.assets, scene, ctx.world_rng()))
        shot = solve_shot(ctx, scene, sd, drawn, model)
        g = shot.draw
        phrase = human_camera_phrase(MOVEMENTS.get(g.movement).phrase(shot.direction), g.focus_type,
                                     g.focus_position, shot.coverage, drawn.placement)
        world = build_environment(scene, ctx.assets, shot.room if shot.room else list(scene.room_size),
                                  model=model, camera=shot.solution.P)
        lights = model.lights if model is not None else build_lights(scene, shot.centre, shot.room)
        return ClipPlan(kind=self.name, subjects=[subject_spec(ctx, sd, shot.placement)],
                        camera=camera_spec(ctx, shot), lights=lights, props=shot.props, world=world,
                        camera_phrase=phrase, sampled=HumanSample(scene, sd, drawn, shot, model))


KIND = HumanClip()
