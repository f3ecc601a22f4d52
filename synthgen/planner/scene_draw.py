"""The sampled scene of a clip: environment, lights, props and render parameters (Table 10:
light & environment, render), as drawn by :func:`synthgen.planner.scene.sample_scene`."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SceneDraw:
    env_type: str                   # a scene type (vocabulary.SCENE_TYPES)
    hdri_id: str | None
    hdri_rotation_deg: float
    hdri_strength: float
    empty_light: str                # what lights an empty scene: "lights" or "hdri"
    scene_color: list
    background_color: list
    ambient_intensity: float
    room_id: str | None
    room_size: list
    room_jitter: list
    room_fixed: bool = False        # a .blend template: its size is what it is (never enlarged)
    lights: list = field(default_factory=list)
    indoor_light_scale: float = 1.0  # light power factor inside rooms (walls bounce the light back)
    props: list = field(default_factory=list)
    quality: str = "low"
    # what the drawn scene type does with the draw (set from its world module when sampled)
    indoor_room: bool = False       # the clip happens inside a room (sizes, clearances, light scale)
    uses_lights: bool = False       # the scene is lit by the sampled lights
    uses_hdri: bool = False         # the scene is lit by (and may show) the sampled HDRI
    ground_projection: bool = False  # hdri: ground textured with the HDRI (environment.ground_projection)

    def log(self) -> dict:
        """The params-log entries of the scene (every draw, whatever the scene type uses)."""
        out = {"scene_type": self.env_type, "hdri": self.hdri_id if self.uses_hdri else None,
               "hdri_rotation_deg": self.hdri_rotation_deg, "hdri_strength": self.hdri_strength,
               "empty_light": self.empty_light, "scene_color": self.scene_color,
               "background_color": self.background_color, "ambient_intensity": self.ambient_intensity,
               "room": self.room_id if self.indoor_room else None, "light_count": len(self.lights),
               "prop_count": len(self.props), "quality": self.quality, "engine": "cycles",
               "indoor_light_scale": self.indoor_light_scale if self.indoor_room else None}
        for i, light in enumerate(self.lights):
            out.update({f"light{i}_{k}": v for k, v in light.items()})
        if self.ground_projection and self.env_type == "hdri":
            out["ground_projection"] = True
        return out
