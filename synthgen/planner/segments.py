"""A performer's later actions as drawn (a battle circle's turns), mirroring, and the envelope
of all its parts per baked frame.

The worker plays a subject's parts as :func:`synthgen.characters.performance.perform` says:
each later part moves horizontally to start where the body is, then takes over over its
blend frames; a mirrored part is reflected across the sagittal plane (x = 0 of the action
frame). :func:`compose` follows the same rules on the manifests' action-frame envelopes
(conservative boxes per source frame) and hips, so framing and room fitting see every part:
during a crossfade a frame's box is the union of both parts' boxes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..characters.performance import takeover_weights
from ..job import SegmentSpec
from .context import round_list
from .subject import ActionData, envelope_at, root_at


@dataclass
class SegmentDraw:
    """A later part of a performer's motion: ``action`` from per-frame index ``first`` on, at
    ``times`` (s, one per frame to the clip's end), crossfaded in over ``blend`` frames."""

    action: str
    action_data: ActionData
    first: int
    times: np.ndarray
    blend: int
    mirror: bool = False

    def log(self) -> dict:
        return {"action": self.action, "first_index": self.first, "window_start_s": round(float(self.times[0]), 6),
                "blend_frames": self.blend, "mirror": self.mirror}

    def spec(self, assets) -> SegmentSpec:
        return SegmentSpec(action=assets.ref(self.action), first=self.first, source_time_s=round_list(self.times, 8),
                           blend_frames=self.blend, mirror=self.mirror)


def mirrored(boxes: np.ndarray, root: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Action-frame boxes (N, 6: min xyz, max xyz) and hips (N, 3) reflected across x = 0."""
    b = boxes.copy()
    b[:, 0], b[:, 3] = -boxes[:, 3], -boxes[:, 0]
    return b, root * np.array([-1.0, 1.0, 1.0])


def part_envelope(data: ActionData, times: np.ndarray, mirror: bool) -> tuple[np.ndarray, np.ndarray]:
    """(boxes (N, 6), hips (N, 3)) of one part at ``times``."""
    boxes, root = envelope_at(data, times), root_at(data, times)
    return mirrored(boxes, root) if mirror else (boxes, root)


def compose(sd) -> None:
    """Set ``sd.boxes`` and ``sd.root`` (a :class:`~.subject_draw.SubjectDraw`) to the envelope
    and hips of all its parts: its action (mirrored when ``sd.mirror``), then ``sd.segments``."""
    boxes, root = part_envelope(sd.action_data, sd.times, sd.mirror)
    for seg in sd.segments:
        f = seg.first
        b, r = part_envelope(seg.action_data, seg.times, seg.mirror)
        shift = root[f] - r[0]
        shift[2] = 0.0
        b, r = b + np.concatenate([shift, shift]), r + shift
        w = takeover_weights(len(seg.times), seg.blend)
        mixing = (w < 1.0)[:, None]
        union = np.concatenate([np.minimum(boxes[f:, :3], b[:, :3]), np.maximum(boxes[f:, 3:], b[:, 3:])], axis=1)
        boxes = np.concatenate([boxes[:f], np.where(mixing, union, b)])
        root = np.concatenate([root[:f], root[f:] + w[:, None] * (r - root[f:])])
    sd.boxes, sd.root = boxes, root
