"""Fine-grained captions composed from element descriptions (DESIGN.md §4).

Elements: ``subject`` (appearance), ``motion`` (the action sentence naming the exact moves),
``environment`` (setting phrase), ``camera`` (movement in a cinematographer's words). The
special tags are kept apart (``CaptionSpec.tags``) so a trainer can swap them.
"""
from __future__ import annotations

import colorsys

from ..job import CaptionSpec

SHOT_SIZES = ((0.55, "close full-body shot"), (0.4, "full shot"), (0.0, "wide shot"))
FRAMING = {"upper": "the upper body", "center": "the whole body", "lower": "the legs"}


def colour_name(rgb) -> str:
    """A plain colour word for an RGB triple in 0..1."""
    h, s, v = colorsys.rgb_to_hsv(*[float(c) for c in rgb[:3]])
    if v < 0.2:
        return "black"
    if s < 0.15:
        return "white" if v > 0.8 else "grey"
    names = ((0.04, "red"), (0.11, "orange"), (0.18, "yellow"), (0.45, "green"), (0.53, "cyan"),
             (0.7, "blue"), (0.8, "purple"), (0.95, "pink"), (1.01, "red"))
    return next(n for limit, n in names if h < limit)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def motion_phrase(sentence: str, move_names: list[str]) -> str:
    """The action sentence, with any move name it does not already contain appended."""
    missing = [m for m in move_names if m.lower() not in sentence.lower()]
    return f"{sentence}, performing {' and '.join(missing)}" if missing else sentence


def environment_phrase(setting: str, env_type: str, background) -> str:
    if env_type == "empty" or not setting:
        return f"against a plain {colour_name(background)} background"
    return setting


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def human_camera_phrase(move: str, direction: str, focus_type: str, focus_position: str,
                        coverage: float, placement: str) -> str:
    shot = next(name for limit, name in SHOT_SIZES if coverage >= limit)
    verbs = {"following": "follows the performer as they move", "truck": f"trucks {direction}",
             "dolly": f"dollies {direction}", "pedestal": f"pedestals {direction}", "tilt": f"tilts {direction}",
             "pan": f"pans {direction}", "spin": f"rolls {direction}", "zoom": f"zooms {direction}",
             "static": "holds still"}
    angle = "from the front" if placement == "forward" else "from an arbitrary angle"
    keep = "keeping the performer centred" if focus_type == "follow" else "aimed at a fixed point"
    return f"{_cap(shot)} {angle}, framed on {FRAMING[focus_position]}; the camera {verbs[move]}, {keep}."


def path_camera_phrase(family: str, direction: str, focus: str, stats: dict, value: float) -> str:
    w = round(stats.get("peak_angular_deg_s", 0.0) / 10.0) * 10
    v = stats.get("peak_linear_m_s", 0.0)
    phrases = {
        "orbit": f"The camera orbits {direction} around {focus}, sweeping {value:.0f} degrees at up to {w:.0f} degrees per second",
        "spiral": f"The camera spirals {direction} around {focus} at up to {w:.0f} degrees per second",
        "spin": f"The camera spins {direction} about its lens axis while facing {focus}, at up to {w:.0f} degrees per second",
        "whip_pan": f"The camera whip-pans {direction} through {value:.0f} degrees at up to {w:.0f} degrees per second",
        "fly_through": f"The camera flies fast through the scene past {focus}, at up to {v:.1f} metres per second",
        "dolly": f"The camera dollies {direction} fast toward {focus}, at up to {v:.1f} metres per second",
        "truck": f"The camera trucks {direction} fast past {focus}, at up to {v:.1f} metres per second",
        "pedestal": f"The camera pedestals {direction} fast beside {focus}, at up to {v:.1f} metres per second",
    }
    return phrases[family] + "."


def compose(elements: dict, tags: list[str], tag_position: str, kind: str) -> CaptionSpec:
    """Join element descriptions into the caption sentence; tags stay separate."""
    env = elements.get("environment", "")
    if kind == "human":
        text = f"{_cap(elements['subject'])} {elements['motion']} {env}. {elements['camera']}"
    else:
        text = f"{elements['camera'][:-1]}, {env}."
        if elements.get("subject"):
            text += f" {_cap(elements['subject'])} {elements['motion']}."
    return CaptionSpec(text=" ".join(text.split()), elements=dict(elements), tags=list(tags),
                       tag_position=tag_position)


def focus_phrase(subject_appearance: str | None, prop_descriptions: list[str]) -> str:
    if subject_appearance:
        return subject_appearance
    prop_descriptions = list(dict.fromkeys(prop_descriptions))
    if prop_descriptions:
        return _list(prop_descriptions[:3]) + (" and other objects" if len(prop_descriptions) > 3 else "")
    return "the scene"
