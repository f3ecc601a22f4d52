"""Camera clips in worlds with geometry (interiors, streets, imported scenes, HDRI scenes with
near geometry): what the camera aims at, where it starts, how a circling radius fits the
free space, and the checks a path must pass there. The attempt loop is
:func:`synthgen.planner.clips.camera.solve_world_path`.

The checks (every one against the world's free-space map, :mod:`synthgen.planner.space`):
the camera centres, sampled densely along the whole path, keep at least the world's
clearance (``environment.world_clearance_m``, default 0.3 m) from every triangle, measured
exactly; they stay inside the navigable volume's box and, indoors, inside the rooms; at
most :data:`~synthgen.planner.space.views.MAX_BLANK` of the views are a blank close
surface and at least the world's ``min_content`` of them see an object (indoors half).
"""
from __future__ import annotations

import math

import numpy as np

from ...errors import InfeasibleDrawError
from .. import constraints as C
from ..context import ClipContext
from ..layouts.model import Focus, WorldModel
from ..paths.base import PathDraw, PathResult
from ..space.views import MAX_BLANK, box_is_free, path_problem, view_stats
from ..subject import Placement, world_corners
from ..subject_draw import SubjectDraw, place_subject

FLOOR_TRIES = 120
START_TRIES = 8


def place_on_floor(ctx: ClipContext, model: WorldModel, sd: SubjectDraw) -> Placement:
    """The performer on free floor: its envelope in every frame (every third frame checked,
    travel included) meets no geometry but the floor and stays inside the navigable box. The
    drawn heading is tried first, then the three quarter turns (the heading used is
    recorded on ``sd``); candidates come from the world stream."""
    space, rng = model.space, ctx.world_rng(1)
    cand = space.sample(rng, FLOOR_TRIES, z_range=(model.floor_z + 0.8, model.floor_z + 1.6))
    floors = floor_below(space, cand, model.floor_z)
    drawn = sd.heading_deg
    for turn in (0.0, 90.0, 180.0, 270.0):
        sd.heading_deg = (drawn + turn) % 360.0
        for p, fz in zip(cand, floors):
            if fz is None:
                continue
            pl = place_subject(sd, float(np.hypot(p[0], p[1])), math.degrees(math.atan2(p[1], p[0])), None)
            pl.location = pl.location + [0.0, 0.0, fz]
            if _envelope_free(space, world_corners(sd.boxes, pl)[::3], fz):
                return pl
    sd.heading_deg = drawn
    raise InfeasibleDrawError("no free floor for the performer in this world", source=ctx.clip_id)


def floor_below(space, points: np.ndarray, floor_z: float) -> list:
    """Height of the surface under each point (a pavement, a road, a floor; exact) where it
    lies within half a metre of the world's floor, else None."""
    out = []
    for p in points:
        z = space.triangles.height_below(p, float(p[2] - floor_z) + 0.5)
        out.append(round(z, 4) if z is not None and abs(z - floor_z) <= 0.5 else None)
    return out


def _envelope_free(space, corners: np.ndarray, floor_z: float) -> bool:
    lo, hi = corners.min(axis=1) - 0.05, corners.max(axis=1) + 0.05
    b = space.bounds
    if (lo[:, :2] < b[:2]).any() or (hi[:, :2] > b[3:5]).any() or (hi[:, 2] > b[5]).any():
        return False
    return all(box_is_free(space, a, c, floor_z) for a, c in zip(lo, hi))


def choose_focus(model: WorldModel, rng: np.random.Generator) -> Focus | None:
    """A focus object, bigger ones likelier (None when the world has none)."""
    if not model.focus:
        return None
    w = np.array([min(f.radius_m, 3.0) + 0.2 for f in model.focus])
    return model.focus[int(rng.choice(len(model.focus), p=w / w.sum()))]


#: families that turn in place: they start where the nearest geometry is at least this far
TURNING = {"spin": 0.9, "whip_pan": 0.9}


def world_start(model: WorldModel, g: PathDraw, focus: np.ndarray, focus_r: float,
                rng: np.random.Generator) -> np.ndarray | None:
    """A navigable start ``radius_m + 1`` from the focus (the draw's azimuth, then others)
    at about the draw's height, that sees the focus (no geometry in between); families that
    turn in place start with more room round them (:data:`TURNING`)."""
    space = model.space
    min_dist = TURNING.get(g.family, 0.0)
    for k in range(START_TRIES):
        a = g.start_azimuth_rad if k == 0 else float(rng.uniform(0, 2 * math.pi))
        r = focus_r + (g.radius_m + 1.0 if k < START_TRIES // 2 else float(rng.uniform(1.2, g.radius_m + 1.0)))
        p = focus + np.array([r * math.cos(a), r * math.sin(a), 0.0])
        p[2] = model.floor_z + g.height_m
        p = space.snap(p, radius_m=2.5, min_dist=min_dist)
        if p is not None and _sees(space, p, focus, focus_r):
            return p
    z = model.floor_z + g.height_m      # no luck round the focus: any navigable point that sees it
    for p in space.sample(rng, 48, z_range=(z - 0.6, z + 0.6), min_grid_dist=min_dist):
        if focus_r + 0.8 <= np.linalg.norm(p - focus) <= focus_r + g.radius_m + 4.0 and _sees(space, p, focus, focus_r):
            return p
    return None


def _sees(space, p: np.ndarray, focus: np.ndarray, focus_r: float) -> bool:
    d = focus - p
    dist = float(np.linalg.norm(d))
    if dist < 0.5:
        return False
    hit, _ = space.raycast(p[None], (d / dist)[None], max_dist=dist)
    return bool(hit[0] >= dist - focus_r - 0.35)


def fit_world_radius(g: PathDraw, focus: np.ndarray, model: WorldModel, min_radius: float,
                     grow: float) -> PathDraw | None:
    """The largest circling radius up to the drawn one whose circle (and, for spirals, its
    end circle ``grow`` times as big) lies in the navigable volume at the draw's height."""
    a = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    ring = np.stack([np.cos(a), np.sin(a), np.zeros_like(a)], 1)
    z = model.floor_z + g.height_m
    r = max(g.radius_m, min_radius / 0.9)
    while r >= max(min_radius / 0.9, 0.5):
        pts = [focus + ring * r * k + [0, 0, z - focus[2]] for k in (0.92, 1.08, grow)]
        if model.space.is_navigable(np.concatenate(pts)).all():
            return g.replace(radius_m=float(r))
        r *= 0.85
    return None


def circling_focus(model: WorldModel, g: PathDraw, rng: np.random.Generator, first: Focus | None,
                   grow: float) -> tuple[np.ndarray, Focus | None, PathDraw] | None:
    """A focus with a free circle round it for orbits and spirals: ``first``, then up to three
    other objects, then a free point of the world (aimed at the room or street beyond it)."""
    tries = [first] + [choose_focus(model, rng) for _ in range(3)]
    for f in tries:
        if f is None:
            continue
        fitted = fit_world_radius(g, f.point, model, f.radius_m + 0.5, grow)
        if fitted is not None:
            return f.point, f, fitted
    for p in model.space.sample(rng, 4, z_range=(model.floor_z + 0.9, model.floor_z + 1.6), min_grid_dist=1.0):
        fitted = fit_world_radius(g, p, model, 0.6, grow)
        if fitted is not None:
            return p, None, fitted
    return None


def variants(g: PathDraw, own):
    """The (draw, own parameters) a world attempt tries in turn: cranes with shorter booms,
    smaller swings and rises where the full sweep does not fit; one try for other families."""
    yield g, own
    if g.family == "crane" and own is not None:
        for k in (0.6, 0.35):
            yield g, type(own)(boom_m=own.boom_m * k, rise_m=own.rise_m * (0.5 + 0.5 * k), swing_deg=own.swing_deg * k)


def world_problem(ctx: ClipContext, model: WorldModel, path: PathResult, K: np.ndarray, sd: SubjectDraw | None,
                  placement: Placement | None, clearance_m: float, strict_views: bool) -> tuple[str | None, dict]:
    """Why ``path`` fails in the world (None when it passes), and what was measured."""
    why, dmin = path_problem(model.space, path.P, clearance_m)
    if why is not None:
        return why, {}
    if sd is not None and not C.camera_clear_of_subject(path.P, sd.boxes, placement):
        return "camera inside the subject's volume", {}
    views = view_stats(model.space, path.P, path.R, K, ctx.width, ctx.height)
    if strict_views and views.blank_fraction > MAX_BLANK:
        return f"camera looks at blank walls ({views.blank_fraction:.0%} blank views)", {}
    if strict_views and views.content_fraction < model.min_content:
        return f"camera sees no object in {1 - views.content_fraction:.0%} of its views", {}
    return None, {"min_clearance_m": round(dmin, 4), "blank_view_fraction": round(views.blank_fraction, 4),
                  "content_view_fraction": round(views.content_fraction, 4), "objects_in_view": len(views.seen),
                  "_seen": views.seen}
