"""DynaVid-Human clips: a character performing a dynamic action, filmed like a videographer would.

Order of work: draw every parameter (scene, subject, camera) from the clip generator; then
solve the geometry (placement, camera path, focal length from the sampled coverage) and
check the hard constraints. A failed check redraws only the geometric nuisance values
(distance, azimuth offset, elevation, subject offset; from attempt 4 on also the movement
value) from the clip's retry stream; the Table-10 choices stay as drawn, except that from
attempt 8 on a subject that travels too far for the drawn movement is filmed as a following
shot (``params.forced_following``).

Movement types (value units in the preset): truck (m sideways), dolly (m in/out), pedestal
(m up/down), tilt/pan (deg, swept symmetrically about the subject), spin (deg of roll),
following (fraction of the subject's root travel the camera follows), zoom (focal ratio),
static. The focus point follows the subject (``follow``: smoothed envelope centre) or is
fixed in the world (``fixed``: mean over the clip); the camera looks at it.

Coverage (Table 10's focal-length rule): the focal length makes the subject's projected
envelope cover the sampled fraction of the frame along its tighter dimension (median over
the clip); it is lowered where needed so the whole envelope stays in every frame, and the
coverage actually achieved is recorded (``params.coverage``, next to ``coverage_sampled``).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ..errors import NoCharactersError, PlanError
from ..job import CameraSpec, SubjectSpec
from . import constraints as C
from .context import ClipContext, round_list
from .geometry import look_at, normalize, poses, rot_local, rot_z, speed_stats, to_camera
from .scene import SceneDraw, build_lights, build_props, room_size_for
from .subject import (ActionData, Placement, envelope_at, focus_points, footprint, most_dynamic_start,
                      root_at, source_times, world_corners)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 16
FORCE_FOLLOW_FROM = 8     # attempts from which a travelling subject is filmed as a following shot
SMOOTH_S = 0.3            # focus/follow smoothing (Gaussian sigma, seconds)
MIN_COVERAGE_KEPT = 0.5   # the fitted coverage may drop to this fraction of the sampled one


@dataclass
class SubjectDraw:
    character: str
    action: str
    action_data: ActionData
    height_m: float
    playback_speed: float
    heading_deg: float
    offset_m: float
    offset_azimuth_deg: float
    window_start_s: float
    times: np.ndarray           # (N,) source-action time per baked frame
    boxes: np.ndarray           # (N,6) action-frame envelope per baked frame
    root: np.ndarray            # (N,3) action-frame hips per baked frame


def _pick_weighted(rng, items, weights):
    w = np.asarray(weights, float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def sample_subject(ctx: ClipContext, params: dict) -> SubjectDraw:
    """Character, action, most dynamic window, size, speed, heading and placement offset."""
    chars, acts = ctx.assets.of_kind("character"), ctx.assets.of_kind("action")
    if not chars or not acts:
        raise NoCharactersError("clips with a subject need at least one character and one action in the manifests")
    S, rng = ctx.preset["subject"], ctx.rng
    character = chars[int(rng.integers(len(chars)))]
    weights = [a["dynamic_score"] + 1e-3 for a in acts] if S["action_weighting"] == "dynamic_score" \
        else [1.0] * len(acts)
    action = _pick_weighted(rng, acts, weights)
    data = ActionData.from_asset(action)
    speed = float(S["playback_speed"].sample(rng))
    d = SubjectDraw(character=character.id, action=action.id, action_data=data,
                    height_m=float(S["height_m"].sample(rng)), playback_speed=speed,
                    heading_deg=float(S["heading_deg"].sample(rng)) % 360.0,
                    offset_m=float(S["offset_m"].sample(rng)), offset_azimuth_deg=float(rng.uniform(0, 360)),
                    window_start_s=0.0, times=np.zeros(0), boxes=np.zeros((0, 6)), root=np.zeros((0, 3)))
    window = speed * (ctx.n_baked - 1) / ctx.fps
    d.window_start_s = most_dynamic_start(data, window)
    d.times = source_times(data, d.window_start_s, speed, ctx.n_baked, ctx.fps)
    d.boxes, d.root = envelope_at(data, d.times), root_at(data, d.times)
    params.update({"character": d.character, "action": d.action, "move_names": list(action["move_names"]),
                   "dynamic_score": action["dynamic_score"], "subject_height_m": round(d.height_m, 6),
                   "playback_speed": round(speed, 6), "heading_deg": round(d.heading_deg, 6),
                   "subject_offset_m": round(d.offset_m, 6), "window_start_s": round(d.window_start_s, 6)})
    return d


def place_subject(sd: SubjectDraw, offset_m: float, offset_az_deg: float, room_size=None) -> Placement:
    """Centre the subject's travel on a point ``offset_m`` from the scene centre."""
    scale = sd.height_m / sd.action_data.reference_height_m
    pl = Placement(location=np.zeros(3), heading_deg=sd.heading_deg, scale=scale)
    mid = (sd.root[:, :2].min(axis=0) + sd.root[:, :2].max(axis=0)) / 2.0
    a = math.radians(offset_az_deg)
    off = offset_m * np.array([math.cos(a), math.sin(a)])
    if room_size is not None:
        foot = footprint(sd.boxes, pl)
        half = np.array(room_size[:2]) / 2.0 - C.WALL_CLEARANCE_M - (foot[2:] - foot[:2]) / 2.0
        off = np.clip(off, -np.maximum(half, 0), np.maximum(half, 0))
    pl.location = np.array([off[0], off[1], 0.0]) - np.append(pl.R[:2, :2] @ (scale * mid), 0.0)
    return pl


def sample_camera(ctx: ClipContext, params: dict) -> dict:
    """Every Table-10 camera draw for a human clip."""
    cam, rng = ctx.preset["camera"], ctx.rng
    move = cam["movement_type"].sample(rng)
    draw = {"placement": cam["placement"].sample(rng),
            "azimuth_deg": float(cam["forward_azimuth_deg"].sample(rng)),
            "random_azimuth_deg": float(rng.uniform(0.0, 360.0)),
            "elevation_deg": float(cam["elevation_deg"].sample(rng)),
            "distance_m": float(cam["distance_m"].sample(rng)),
            "focus_type": cam["focus_type"].sample(rng),
            "focus_position": cam["focus_position"].sample(rng),
            "movement_type": move,
            "movement_value": float(cam["movement_value"][move].sample(rng)),
            "movement_sign": 1.0 if rng.random() < 0.5 else -1.0,
            "coverage": float(cam["coverage"].sample(rng)),
            "roll_deg": float(cam["roll_deg"].sample(rng)) if "roll_deg" in cam else 0.0}
    params.update({"placement": draw["placement"], "focus_type": draw["focus_type"],
                   "focus_position": draw["focus_position"], "movement_type": move, "movement_type_sampled": move,
                   "movement_value": round(draw["movement_value"], 6), "coverage_sampled": round(draw["coverage"], 6),
                   "camera_azimuth_sampled_deg": round(draw["azimuth_deg"], 6),
                   "camera_elevation_sampled_deg": round(draw["elevation_deg"], 6),
                   "camera_distance_sampled_m": round(draw["distance_m"], 6),
                   "roll_deg": round(draw["roll_deg"], 6)})
    return draw


def _redraw(ctx: ClipContext, draw: dict, sd: SubjectDraw, attempt: int) -> tuple[dict, float, float]:
    """Geometry values for ``attempt`` (0 = as sampled)."""
    if attempt == 0:
        return dict(draw), sd.offset_m, sd.offset_azimuth_deg
    cam, rng = ctx.preset["camera"], ctx.retry_rng(attempt)
    g = dict(draw)
    g["azimuth_deg"] = float(cam["forward_azimuth_deg"].sample(rng))
    g["random_azimuth_deg"] = float(rng.uniform(0.0, 360.0))
    g["elevation_deg"] = float(cam["elevation_deg"].sample(rng))
    g["distance_m"] = float(cam["distance_m"].sample(rng))
    offset = float(ctx.preset["subject"]["offset_m"].sample(rng)) * (0.5 if attempt >= 8 else 1.0)
    if attempt >= 4:
        g["movement_value"] = float(cam["movement_value"][g["movement_type"]].sample(rng))
    if attempt >= FORCE_FOLLOW_FROM and g["movement_type"] != "following":
        # The subject travels too far for this movement (it would run out of frame or into the
        # camera): film it as a following shot instead (recorded as such in the job).
        g["movement_type"], g["movement_value"], g["forced_following"] = "following", 1.0, True
    return g, offset, float(rng.uniform(0, 360))


def _top(sd: SubjectDraw, pl: Placement) -> float:
    return float(world_corners(sd.boxes, pl)[..., 2].max())


def _smooth(x: np.ndarray, ctx: ClipContext) -> np.ndarray:
    return gaussian_filter1d(x, sigma=max(1.0, SMOOTH_S * ctx.fps), axis=0, mode="nearest")


def _wall_distance(origin: np.ndarray, direction: np.ndarray, room_size) -> float:
    """Distance from ``origin`` along horizontal unit ``direction`` to the room's clearance box."""
    half = np.array(room_size[:2]) / 2.0 - C.WALL_CLEARANCE_M
    with np.errstate(divide="ignore"):
        t = np.where(direction[:2] > 1e-9, (half - origin[:2]) / direction[:2],
                     np.where(direction[:2] < -1e-9, (-half - origin[:2]) / direction[:2], np.inf))
    return float(max(t.min(), 0.0))


def solve_camera(ctx: ClipContext, g: dict, corners: np.ndarray, focus_src: np.ndarray,
                 placement: Placement, follow_root: np.ndarray | None, room_size) -> dict | str:
    """Camera path for one geometry draw: a dict (R, P, focal_mm, ...) or the reason it failed."""
    N, G, sign, v = ctx.n_baked, ctx.progress, g["movement_sign"], g["movement_value"]
    if g["focus_type"] == "follow":
        focus = _smooth(focus_src, ctx)
    else:
        focus = np.broadcast_to(focus_src.mean(axis=0), focus_src.shape).copy()
    ref = focus[1]
    facing = math.degrees(math.atan2(placement.facing()[1], placement.facing()[0]))
    az = facing + g["azimuth_deg"] if g["placement"] == "forward" else g["random_azimuth_deg"]
    a, e = math.radians(az), math.radians(g["elevation_deg"])
    dir_h = np.array([math.cos(a), math.sin(a), 0.0])
    dist = g["distance_m"]
    if room_size is not None:
        dist = min(dist, 0.9 * _wall_distance(ref, dir_h, room_size) / max(math.cos(e), 1e-3))
    p0 = ref + dist * np.array([math.cos(e) * dir_h[0], math.cos(e) * dir_h[1], math.sin(e)])
    p0[2] = max(p0[2], 0.3)
    if room_size is not None:
        p0[2] = min(p0[2], room_size[2] - C.WALL_CLEARANCE_M - 0.1)
    R0 = look_at(p0[None], ref[None])[0]
    right_h = normalize(np.array([R0[0, 0], R0[1, 0], 0.0]))
    P = np.repeat(p0[None], N, axis=0)
    zoom = np.ones(N)
    roll = np.full(N, math.radians(g["roll_deg"]))
    sweep = math.radians(sign * v) * (G - 0.5)
    move = g["movement_type"]
    if move == "truck":
        P = P + (sign * v * G)[:, None] * right_h
    elif move == "dolly":
        P = P + (sign * v * G)[:, None] * R0[:, 2]
    elif move == "pedestal":
        P = P + (sign * v * G)[:, None] * np.array([0.0, 0.0, 1.0])
    elif move == "following" and follow_root is not None:
        delta = _smooth(follow_root, ctx) - _smooth(follow_root, ctx)[1]
        P = P + v * delta * np.array([1.0, 1.0, 0.0])
    elif move == "zoom":
        zoom = (v if sign > 0 else 1.0 / v) ** G
    elif move == "spin":
        roll = roll + sweep
    R = look_at(P, focus, roll)
    if move == "pan":
        R = rot_z(sweep) @ R
    elif move == "tilt":
        R = rot_local(R, 0, sweep)
    return _fit_focal(ctx, g, R, P, zoom, corners, dist)


def _fit_focal(ctx: ClipContext, g: dict, R, P, zoom, corners, dist) -> dict | str:
    """Focal length for the sampled coverage, reduced where needed so every frame fits."""
    cam = to_camera(R, P, corners)
    if np.any(cam[..., 2] < 0.1):
        return "subject behind or too close to the camera"
    xn, yn = cam[..., 0] / cam[..., 2], cam[..., 1] / cam[..., 2]
    W, H = ctx.width, ctx.height
    f_fit = np.min(np.minimum(W / 2 / np.abs(xn).max(axis=1), H / 2 / np.abs(yn).max(axis=1)) / zoom) * 0.98
    ext_x, ext_y = np.ptp(xn, axis=1), np.ptp(yn, axis=1)
    f_cov = float(np.median(g["coverage"] * np.minimum(W / ext_x, H / ext_y) / zoom))
    f0 = min(f_cov, f_fit)
    if f0 < MIN_COVERAGE_KEPT * f_cov:
        return "subject leaves the frame unless it is made too small"
    focal = np.round(ctx.focal_mm(f0 * zoom), 8)
    if focal.min() < 6.0 or focal.max() > 600.0:
        return f"focal length {focal.min():.1f}..{focal.max():.1f} mm is outside 6..600 mm"
    return {"R": R, "P": P, "focal_mm": focal, "coverage": g["coverage"] * f0 / f_cov, "distance_m": dist}


def check_constraints(ctx: ClipContext, sol: dict, corners: np.ndarray, sd: SubjectDraw,
                      placement: Placement, room_size, props) -> str | None:
    """The reason the first hard constraint fails, or None."""
    R, P = sol["R"], sol["P"]
    K = ctx.K(sol["focal_mm"])
    sol["K"] = K
    ratio = C.in_frame_ratio(R, P, K, corners, ctx.width, ctx.height)
    sol["in_frame_ratio"] = ratio
    if ratio < C.MIN_IN_FRAME:
        return f"subject in frame in only {ratio:.0%} of frames"
    if not C.camera_clear_of_subject(P, sd.boxes, placement):
        return "camera inside the subject's volume"
    if not C.above_floor(P):
        return "camera below the floor"
    if not C.camera_clear_of_props(P, props):
        return "camera inside a prop"
    if room_size is not None:
        if not C.inside_room(P, room_size, [0, 0, 0]):
            return "camera outside the room or too close to a wall"
        body = corners.reshape(-1, 3).copy()
        body[:, 2] = np.clip(body[:, 2], 0.05, None)    # feet on the floor are inside
        if not C.inside_room(body, room_size, [0, 0, 0], margin=0.02):
            return "subject outside the room"
    return None


def direction_label(move: str, sol: dict, sign: float) -> str:
    """Cinematographer's direction word measured from the baked path (not from the draw)."""
    R, P = sol["R"], sol["P"]
    d = P[-2] - P[1]
    if move == "truck":
        return "right" if d @ R[1][:, 0] > 0 else "left"
    if move == "dolly":
        return "in" if d @ R[1][:, 2] > 0 else "out"
    if move == "pedestal":
        return "up" if d[2] > 0 else "down"
    if move == "tilt":
        return "up" if R[-2][2, 2] > R[1][2, 2] else "down"
    if move == "pan":
        y0, y1 = (math.atan2(R[i][1, 2], R[i][0, 2]) for i in (1, -2))
        return "left" if math.remainder(y1 - y0, 2 * math.pi) > 0 else "right"
    if move == "spin":
        return "clockwise" if sign > 0 else "counter-clockwise"
    if move == "zoom":
        return "in" if sol["focal_mm"][-2] > sol["focal_mm"][1] else "out"
    return ""


def plan_subject_camera(ctx: ClipContext, draw: SceneDraw, sd: SubjectDraw, cam: dict, params: dict):
    """Solve placement + camera under the hard constraints; returns everything the job needs."""
    reasons = []
    for attempt in range(MAX_ATTEMPTS):
        g, off, off_az = _redraw(ctx, cam, sd, attempt)
        pl0 = Placement(np.zeros(3), sd.heading_deg, sd.height_m / sd.action_data.reference_height_m)
        margin = 1.0 if attempt < FORCE_FOLLOW_FROM else g["distance_m"] + 0.6
        room = room_size_for(draw, footprint(sd.boxes, pl0), margin, _top(sd, pl0)) if draw.indoor_room else None
        placement = place_subject(sd, off, off_az, room)
        corners = world_corners(sd.boxes, placement)
        focus_src = focus_points(corners, g["focus_position"])
        root_w = placement.to_world(sd.root)
        sol = solve_camera(ctx, g, corners, focus_src, placement, root_w, room)
        if isinstance(sol, str):
            reasons.append(sol)
            continue
        foot = footprint(sd.boxes, placement)
        centre = np.array([(foot[0] + foot[2]) / 2, (foot[1] + foot[3]) / 2, 0.0])
        cam_az = math.degrees(math.atan2(sol["P"][1][1] - centre[1], sol["P"][1][0] - centre[0]))
        props, spheres = build_props(draw, ctx.assets, centre, float(np.hypot(*(foot[2:] - foot[:2]))) / 2,
                                     cam_az + 180.0, room)
        why = check_constraints(ctx, sol, corners, sd, placement, room, spheres)
        if why is None:
            sol.update(g=g, attempt=attempt, placement=placement, corners=corners, room=room, props=props,
                       centre=centre, offset_m=off)
            return sol
        reasons.append(why)
    raise PlanError(f"no camera satisfies the hard constraints after {MAX_ATTEMPTS} attempts "
                    f"(last: {reasons[-1]})", source=ctx.clip_id)


def subject_spec(ctx: ClipContext, sd: SubjectDraw, placement: Placement) -> SubjectSpec:
    S = ctx.preset["subject"]
    return SubjectSpec(instance_id=1, character=ctx.assets.ref(sd.character), action=ctx.assets.ref(sd.action),
                       source_time_s=round_list(sd.times, 8), playback_speed=round(sd.playback_speed, 8),
                       location=round_list(placement.location, 8), heading_deg=round(sd.heading_deg, 8),
                       root_motion=S["root_motion"], foot_lock=S.get("foot_lock", True),
                       height_m=round(sd.height_m, 8))


def camera_spec(ctx: ClipContext, sol: dict, g: dict, path_family: str = "") -> CameraSpec:
    R, P = sol["R"], sol["P"]
    return CameraSpec(c2w=round_list(poses(R, P), 10), focal_mm=[float(f) for f in sol["focal_mm"]],
                      K=round_list(sol["K"], 8), sensor_width_mm=ctx.sensor_width_mm,
                      sensor_height_mm=ctx.sensor_height_mm, focus_type=g["focus_type"],
                      focus_position=g["focus_position"], movement_type=g["movement_type"],
                      movement_value=round(float(g["movement_value"]), 6),
                      initial_position=round_list(P[1], 8), path_family=path_family,
                      stats=speed_stats(R, P, ctx.fps))


def plan_human_clip(ctx: ClipContext, draw: SceneDraw, params: dict):
    """Draw and solve a human clip; returns (subject spec, camera spec, lights, props, solution)."""
    sd = sample_subject(ctx, params)
    cam = sample_camera(ctx, params)
    sol = plan_subject_camera(ctx, draw, sd, cam, params)
    g = sol["g"]
    direction = direction_label(g["movement_type"], sol, g["movement_sign"])
    params.update({"movement_direction": direction, "coverage": round(float(sol["coverage"]), 6),
                   "camera_distance_m": round(float(sol["distance_m"]), 6),
                   "focal_mm": float(sol["focal_mm"][1]), "initial_position": round_list(sol["P"][1], 6),
                   "in_frame_ratio": round(sol["in_frame_ratio"], 6), "attempts": sol["attempt"] + 1,
                   "room_size": sol["room"]})
    if sol["attempt"]:
        params["movement_value"] = round(g["movement_value"], 6)
        params["movement_type"] = g["movement_type"]
        params["forced_following"] = bool(g.get("forced_following", False))
    lights = build_lights(draw, sol["centre"], sol["room"])
    return sd, subject_spec(ctx, sd, sol["placement"]), camera_spec(ctx, sol, g), lights, sol, direction
