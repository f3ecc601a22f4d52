"""Human-shot zoom: the camera stays in place, aims at the performer and changes its focal
length geometrically over the shot. ``value``: the focal-length ratio between the last and
the first rendered frame (> 1); ``sign`` +1 zooms in (longer focal length)."""
from __future__ import annotations

from ..geometry import look_at
from .base import MoveDraw, Movement, ShotMotion, ShotStart


class ZoomShot(Movement):
    name = "zoom"

    def move(self, start: ShotStart, draw: MoveDraw) -> ShotMotion:
        P = start.still()
        zoom = (draw.value if draw.sign > 0 else 1.0 / draw.value) ** start.progress
        return ShotMotion(P, look_at(P, start.focus, start.roll), zoom)

    def direction(self, R, P, focal_mm, draw) -> str:
        return "in" if focal_mm[-2] > focal_mm[1] else "out"

    def phrase(self, direction: str) -> str:
        return f"zooms {direction}"


MOVEMENT = ZoomShot()
