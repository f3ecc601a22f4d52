"""DynaVid-Camera clips: a fast camera path through an HDRI scene or an indoor room.

The scene holds static props (instance ids 2..) that give the flow parallax, and, with the
preset's ``character_probability``, a character performing an action (instance id 1) that is
the camera's focus. Without a character the focus is a fixed point among the props.
Constraints: the camera never enters the subject's volume or a prop, stays above the floor,
and indoors stays inside the room clear of the walls. A failed check redraws the path's
nuisance values (start azimuth, radius, height, key jitter) from the clip's retry stream;
from attempt 4 on the peak linear speed is scaled by 0.75 per attempt (recorded), and from
attempt 12 on the family falls back to a camera turning in place (spin / whip_pan;
``params.forced_family``). Indoors, dolly/truck/pedestal speeds are capped by the room
(``params.peak_linear_speed_used_m_s``): 121 frames at 7 m/s do not fit in a living room.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import PlanError
from . import constraints as C
from .camera_paths import build_path
from .context import ClipContext, round_list
from .geometry import speed_stats
from .human import SMOOTH_S, place_subject, sample_subject, subject_spec
from .scene import SceneDraw, build_lights, build_props, room_size_for
from .subject import Placement, focus_points, footprint, world_corners

MAX_ATTEMPTS = 16
FALLBACK_FROM = 12   # attempts from which the path family falls back to spin / whip_pan


def sample_path_draw(ctx: ClipContext, params: dict) -> dict:
    """Every camera-path draw of a camera clip (Table 10: focus, movement type/value, speeds)."""
    cp, cam, rng = ctx.preset["camera_path"], ctx.preset["camera"], ctx.rng
    d = {"family": cp["family"].sample(rng), "keys": int(round(cp["key_poses"].sample(rng))),
         "speed_profile": cp["speed_profile"].sample(rng),
         "peak_angular_speed_deg_s": float(cp["peak_angular_speed_deg_s"].sample(rng)),
         "whip_peak_angular_speed_deg_s": float(cp["whip_peak_angular_speed_deg_s"].sample(rng)),
         "whip_sweep_deg": float(cp["whip_sweep_deg"].sample(rng)),
         "peak_linear_speed_m_s": float(cp["peak_linear_speed_m_s"].sample(rng)),
         "radius_m": float(cp["orbit_radius_m"].sample(rng)), "height_m": float(cp["height_m"].sample(rng)),
         "focal_mm": float(cp["focal_mm"].sample(rng)),
         "roll_deg": float(cp["roll_deg"].sample(rng)) if "roll_deg" in cp else 0.0,
         "focus_type": cam["focus_type"].sample(rng), "focus_position": cam["focus_position"].sample(rng),
         "sign": 1.0 if rng.random() < 0.5 else -1.0, "burst_centre": float(rng.uniform(0.3, 0.7)),
         "start_azimuth_rad": float(rng.uniform(0, 2 * math.pi)),
         "spiral_ratio": float(rng.choice([rng.uniform(0.45, 0.75), rng.uniform(1.3, 1.8)])),
         "spiral_rise_m": float(rng.uniform(-0.8, 1.5)),
         "with_character": bool(rng.random() < cp["character_probability"])
                           and bool(ctx.assets.of_kind("character")) and bool(ctx.assets.of_kind("action"))}
    params.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in d.items()
                   if k not in ("start_azimuth_rad", "burst_centre", "sign", "spiral_ratio", "spiral_rise_m")})
    params["path_family"] = d["family"]
    params["movement_type"] = d["family"]
    return d


def _redraw(ctx: ClipContext, d: dict, attempt: int) -> dict:
    if attempt == 0:
        return dict(d)
    cp, rng = ctx.preset["camera_path"], ctx.retry_rng(attempt)
    g = dict(d)
    g["start_azimuth_rad"] = float(rng.uniform(0, 2 * math.pi))
    g["radius_m"] = float(cp["orbit_radius_m"].sample(rng))
    g["height_m"] = float(cp["height_m"].sample(rng))
    g["spiral_rise_m"] = float(rng.uniform(-0.8, 1.5))
    if attempt >= 4:
        g["peak_linear_speed_m_s"] = d["peak_linear_speed_m_s"] * 0.75 ** (attempt - 3)
    if attempt >= FALLBACK_FROM:
        # Last resort: a camera that turns in place (nearly always feasible); recorded.
        g["family"], g["forced_family"] = ("spin" if attempt % 2 else "whip_pan"), True
    return g


def _focus(ctx: ClipContext, d: dict, corners: np.ndarray | None, centre: np.ndarray) -> np.ndarray:
    """(N,3) look-at focus: the subject's focus part (smoothed when following), else a fixed point."""
    from scipy.ndimage import gaussian_filter1d
    if corners is None:
        return np.repeat(np.array([centre[0], centre[1], 1.0])[None], ctx.n_baked, axis=0)
    f = focus_points(corners, d["focus_position"])
    if d["focus_type"] == "follow":
        return gaussian_filter1d(f, sigma=max(1.0, SMOOTH_S * ctx.fps), axis=0, mode="nearest")
    return np.repeat(f.mean(axis=0)[None], ctx.n_baked, axis=0)


def _start_point(d: dict, focus: np.ndarray, room) -> np.ndarray:
    a, r = d["start_azimuth_rad"], d["radius_m"] + 1.0
    p0 = focus[1] + np.array([r * math.cos(a), r * math.sin(a), 0.0])
    p0[2] = d["height_m"]
    if room is not None:
        half = np.array(room[:2]) / 2.0 - 0.6
        p0[:2] = np.clip(p0[:2], -half, half)
        p0[2] = min(p0[2], room[2] - 0.5)
    return p0


def _fit_orbit_radius(d: dict, focus: np.ndarray, room, min_radius: float) -> None:
    """Orbit/spiral radius: at least ``min_radius`` (clear of the subject) at every key pose,
    at most what the room allows; a spiral's radius ratio is limited accordingly."""
    if d["family"] not in ("orbit", "spiral"):
        return
    r = max(d["radius_m"], min_radius / 0.9)
    if room is not None:
        half = np.array(room[:2]) / 2.0 - C.WALL_CLEARANCE_M - 0.1
        room_r = float(np.min(half - np.abs(focus[1][:2])))
        grow = max(1.0, d["spiral_ratio"]) if d["family"] == "spiral" else 1.1
        r = max(min(r, room_r / grow), 0.5)
    d["radius_m"] = r
    if d["family"] == "spiral":
        d["spiral_ratio"] = max(d["spiral_ratio"], min_radius / r)


def plan_camera_clip(ctx: ClipContext, draw: SceneDraw, params: dict):
    """Draw and solve a camera clip; returns (subject spec or None, camera spec, lights, props, path)."""
    d = sample_path_draw(ctx, params)
    sd = sample_subject(ctx, params) if d["with_character"] else None
    reasons = []
    for attempt in range(MAX_ATTEMPTS):
        g = _redraw(ctx, d, attempt)
        room, placement, corners = None, None, None
        if sd is not None:
            pl0 = Placement(np.zeros(3), sd.heading_deg, sd.height_m / sd.action_data.reference_height_m)
            room = room_size_for(draw, footprint(sd.boxes, pl0), 1.5,
                                 float(world_corners(sd.boxes, pl0)[..., 2].max())) if draw.indoor_room else None
            placement = place_subject(sd, sd.offset_m, sd.offset_azimuth_deg, room)
            corners = world_corners(sd.boxes, placement)
            foot = footprint(sd.boxes, placement)
            centre = np.array([(foot[0] + foot[2]) / 2, (foot[1] + foot[3]) / 2, 0.0])
            base_r = float(np.hypot(*(foot[2:] - foot[:2]))) / 2
        else:
            room = list(draw.room_size) if draw.indoor_room else None
            centre, base_r = np.zeros(3), 0.3
        focus = _focus(ctx, g, corners, centre)
        _fit_orbit_radius(g, focus, room, base_r + 0.8)
        g["p0"] = _start_point(g, focus, room)
        props, spheres = build_props(draw, ctx.assets, centre, base_r, math.degrees(g["start_azimuth_rad"]) + 180.0, room)
        path = build_path(ctx, g["family"], g, focus, ctx.retry_rng(100 + attempt), room)
        why = _check(path.P, sd, placement, spheres, room) or _check_path(path, g, attempt)
        if why is None:
            return _finish(ctx, draw, d, g, path, sd, placement, corners, room, props, centre, attempt, params)
        reasons.append(why)
    raise PlanError(f"no camera path satisfies the hard constraints after {MAX_ATTEMPTS} attempts "
                    f"(last: {reasons[-1]})", source=ctx.clip_id)


MAX_VIEW_PITCH_SIN = 0.9   # |optical axis · up| limit: no near-vertical views (look-at yaw is unstable)


def _check_path(path, g: dict, attempt: int) -> str | None:
    if np.any(np.abs(path.R[:, 2, 2]) > MAX_VIEW_PITCH_SIN):
        return "camera looks (nearly) straight up or down"
    if attempt < 8 and path.peak_linear_m_s < 0.5 * g["peak_linear_speed_m_s"] \
            and g["family"] in ("dolly", "truck", "pedestal"):
        return "too little room for the sampled speed"
    return None


def _check(P: np.ndarray, sd, placement, spheres, room) -> str | None:
    if sd is not None and not C.camera_clear_of_subject(P, sd.boxes, placement):
        return "camera inside the subject's volume"
    if not C.above_floor(P):
        return "camera below the floor"
    if not C.camera_clear_of_props(P, spheres):
        return "camera inside a prop"
    if room is not None and not C.inside_room(P, room, [0, 0, 0]):
        return "camera outside the room or too close to a wall"
    return None


def _finish(ctx, draw, d, g, path, sd, placement, corners, room, props, centre, attempt, params):
    from ..job import CameraSpec
    from .geometry import poses
    focal = np.full(ctx.n_baked, round(g["focal_mm"], 8))
    K = ctx.K(focal)
    stats = speed_stats(path.R, path.P, ctx.fps)
    stats.update({"sampled_peak_linear_m_s": round(path.peak_linear_m_s, 6),
                  "sampled_peak_angular_deg_s": round(path.peak_angular_deg_s, 6)})
    cam = CameraSpec(c2w=round_list(poses(path.R, path.P), 10), focal_mm=[float(f) for f in focal],
                     K=round_list(K, 8), sensor_width_mm=ctx.sensor_width_mm, sensor_height_mm=ctx.sensor_height_mm,
                     focus_type=g["focus_type"], focus_position=g["focus_position"], movement_type=g["family"],
                     movement_value=round(path.movement_value, 6), initial_position=round_list(path.P[1], 8),
                     path_family=g["family"], stats=stats)
    subj = subject_spec(ctx, sd, placement) if sd is not None else None
    if corners is not None:
        params["in_frame_ratio"] = round(C.in_frame_ratio(path.R, path.P, K, corners, ctx.width, ctx.height), 6)
    if g.get("forced_family"):
        params.update({"forced_family": True, "path_family": g["family"], "movement_type": g["family"]})
    params.update({"movement_value": round(path.movement_value, 6), "movement_direction": path.direction,
                   "initial_position": round_list(path.P[1], 6), "attempts": attempt + 1, "room_size": room,
                   "peak_linear_speed_used_m_s": round(path.peak_linear_m_s, 6),
                   "orbit_radius_used_m": round(g["radius_m"], 6), **{f"measured_{k}": v for k, v in stats.items()
                                                                   if not k.startswith("sampled")}})
    lights = build_lights(draw, centre, room)
    return sd, subj, cam, lights, props, path
