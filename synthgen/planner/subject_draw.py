"""The performer of a clip as drawn: character, action, the action's most dynamic window, size,
playback speed, heading and placement offset; where it stands, and its job spec.

Shared by every clip kind that films a performer (human clips always, camera clips with the
preset's ``character_probability``). Geometry of actions and placements: :mod:`.subject`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import PlanError
from ..job import SubjectSpec
from . import constraints as C
from .context import ClipContext, round_list
from .segments import compose
from .subject import ActionData, Placement, footprint, most_dynamic_start, source_times


@dataclass
class SubjectDraw:
    character: str
    action: str
    move_names: list[str]
    dynamic_score: float
    action_data: ActionData
    height_scale: float         # the preset's jitter of the character's own height
    height_m: float             # the character's own height (manifest ``height_m``) x height_scale
    playback_speed: float
    heading_deg: float
    offset_m: float
    offset_azimuth_deg: float
    window_start_s: float
    times: np.ndarray           # (N,) source-action time per baked frame
    boxes: np.ndarray           # (N,6) action-frame envelope per baked frame
    root: np.ndarray            # (N,3) action-frame hips per baked frame
    mirror: bool = False        # the action mirrored across the sagittal plane
    segments: list = field(default_factory=list)    # later parts (:class:`.segments.SegmentDraw`)

    @property
    def scale(self) -> float:
        """Size of the performer relative to the action's reference body."""
        return self.height_m / self.action_data.reference_height_m

    def log(self) -> dict:
        return {"character": self.character, "action": self.action, "move_names": list(self.move_names),
                "dynamic_score": self.dynamic_score, "subject_height_m": round(self.height_m, 6),
                "subject_height_scale": round(self.height_scale, 6),
                "playback_speed": round(self.playback_speed, 6), "heading_deg": round(self.heading_deg, 6),
                "subject_offset_m": round(self.offset_m, 6), "window_start_s": round(self.window_start_s, 6),
                **({"mirror": True} if self.mirror else {}),
                **({"segments": [seg.log() for seg in self.segments]} if self.segments else {})}


def _pick_weighted(rng, items, weights):
    w = np.asarray(weights, float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def performance_actions(assets) -> list:
    """Actions worth filming on their own (``role`` performance), sorted by id; interplay
    actions (groove, watch, clap) are for the others of a group clip."""
    return [a for a in assets.of_kind("action") if a.get("role", "performance") == "performance"]


def sample_subject(ctx: ClipContext) -> SubjectDraw:
    """Character, action, most dynamic window, size, speed, heading and placement offset.

    Size: the character's own height (its manifest ``height_m``: a teen stays shorter than a
    tall man) times the preset's ``subject.height_scale`` jitter."""
    chars, acts = ctx.assets.of_kind("character"), performance_actions(ctx.assets)
    if not chars or not acts:
        raise PlanError("clips with a subject need at least one character and one action in the manifests")
    character = chars[int(ctx.rng.integers(len(chars)))]
    return draw_subject(ctx, character, pick_action(ctx, acts))


def pick_action(ctx: ClipContext, acts: list):
    """One of ``acts``, weighted as the preset's ``subject.action_weighting`` asks."""
    weights = [a["dynamic_score"] + 1e-3 for a in acts] if ctx.preset["subject"]["action_weighting"] == \
        "dynamic_score" else [1.0] * len(acts)
    return _pick_weighted(ctx.rng, acts, weights)


def draw_subject(ctx: ClipContext, character, action) -> SubjectDraw:
    """The rest of a subject's draws for a chosen character and action: speed, size, heading,
    offset, and the action's most dynamic window."""
    S, rng = ctx.preset["subject"], ctx.rng
    data = ActionData.from_asset(action)
    speed, scale = float(S["playback_speed"].sample(rng)), float(S["height_scale"].sample(rng))
    d = SubjectDraw(character=character.id, action=action.id, move_names=list(action["move_names"]),
                    dynamic_score=action["dynamic_score"], action_data=data, height_scale=scale,
                    height_m=float(character["height_m"]) * scale, playback_speed=speed,
                    heading_deg=float(S["heading_deg"].sample(rng)) % 360.0,
                    offset_m=float(S["offset_m"].sample(rng)), offset_azimuth_deg=float(rng.uniform(0, 360)),
                    window_start_s=0.0, times=np.zeros(0), boxes=np.zeros((0, 6)), root=np.zeros((0, 3)))
    window = speed * (ctx.n_baked - 1) / ctx.fps
    return retime(ctx, d, most_dynamic_start(data, window), speed)


def retime(ctx: ClipContext, sd: SubjectDraw, window_start_s: float, speed: float) -> SubjectDraw:
    """``sd`` played from ``window_start_s`` at ``speed``: its source times, boxes and root
    per baked frame recomputed (in place; returned; its later parts, if any, kept)."""
    sd.window_start_s, sd.playback_speed = float(window_start_s), float(speed)
    sd.times = source_times(sd.action_data, sd.window_start_s, sd.playback_speed, ctx.n_baked, ctx.fps)
    compose(sd)
    return sd


def unplaced(sd: SubjectDraw) -> Placement:
    """The performer at the origin (heading and size applied): for sizing rooms around it."""
    return Placement(np.zeros(3), sd.heading_deg, sd.scale)


def place_subject(sd: SubjectDraw, offset_m: float, offset_az_deg: float, room_size=None) -> Placement:
    """Centre the subject's travel on a point ``offset_m`` from the scene centre (kept inside
    the room, clear of the walls, when there is one)."""
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


def subject_spec(ctx: ClipContext, sd: SubjectDraw, placement: Placement, instance_id: int = 1) -> SubjectSpec:
    S = ctx.preset["subject"]
    return SubjectSpec(instance_id=instance_id, character=ctx.assets.ref(sd.character), action=ctx.assets.ref(sd.action),
                       source_time_s=round_list(sd.times, 8), playback_speed=round(sd.playback_speed, 8),
                       location=round_list(placement.location, 8), heading_deg=round(sd.heading_deg, 8),
                       root_motion=S["root_motion"], foot_lock=S.get("foot_lock", True),
                       height_m=round(sd.height_m, 8), mirror=True if sd.mirror else None,
                       segments=[seg.spec(ctx.assets) for seg in sd.segments] or None)
