"""Fine-grained captions composed from element descriptions.

Fine-grained captions that name the exact moves, plus special tags marking synthetic data,
are what made synthetic motion transfer in the DynaVid study. Elements: ``subject``
(appearance), ``motion`` (the action sentence naming the exact moves), ``environment`` (the
scene type's phrase, :meth:`synthgen.planner.worlds.base.World.phrase`), ``camera`` (the
movement in a cinematographer's words: a human shot's movement phrase framed by
:func:`human_camera_phrase`, or a path family's sentence). The special tags are kept apart
(``CaptionSpec.tags``) so a trainer can swap them.
"""
from __future__ import annotations

import colorsys

from ..job import CaptionSpec

SHOT_SIZES = ((0.55, "close full-body shot"), (0.4, "full shot"), (0.0, "wide shot"))
FRAMING = {"upper": "the upper body", "center": "the whole body", "lower": "the legs"}


def colour_name(rgb) -> str:
    """A plain colour word for a *linear* RGB triple in 0..1 (Blender's colours), named as it
    looks on screen: converted to sRGB first (linear (0.73, 0.80, 0.006) shows yellow)."""
    h, s, v = colorsys.rgb_to_hsv(*[_srgb(float(c)) for c in rgb[:3]])
    if v < 0.2:
        return "black"
    if s < 0.15:
        return "white" if v > 0.8 else "grey"
    names = ((0.04, "red"), (0.11, "orange"), (0.18, "yellow"), (0.45, "green"), (0.53, "cyan"),
             (0.7, "blue"), (0.8, "purple"), (0.95, "pink"), (1.01, "red"))
    return next(n for limit, n in names if h < limit)


def _srgb(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def motion_phrase(sentence: str, move_names: list[str]) -> str:
    """The action sentence, with any move name it does not already contain appended."""
    missing = [m for m in move_names if m.lower() not in sentence.lower()]
    return f"{sentence}, performing {' and '.join(missing)}" if missing else sentence


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def human_camera_phrase(movement_phrase: str, focus_type: str, focus_position: str,
                        coverage: float, placement: str, who: str = "the performer") -> str:
    """A human shot in words: shot size (from the coverage achieved), angle, framing, what the
    camera does (``movement_phrase``, e.g. "trucks left") and how it aims (at ``who``)."""
    shot = next(name for limit, name in SHOT_SIZES if coverage >= limit)
    angle = "from the front" if placement == "forward" else "from an arbitrary angle"
    keep = f"keeping {who} centred" if focus_type == "follow" else "aimed at a fixed point"
    return f"{capitalized(shot)} {angle}, framed on {FRAMING[focus_position]}; the camera {movement_phrase}, {keep}."


def compose(elements: dict, tags: list[str], tag_position: str, kind: str) -> CaptionSpec:
    """Join element descriptions into the caption sentence; tags stay separate."""
    env = elements.get("environment", "")
    if kind == "human":
        text = f"{capitalized(elements['subject'])} {elements['motion']} {env}. {elements['camera']}"
    elif kind == "group":
        text = f"{capitalized(elements['people'])}, {env}. {elements['camera']}"
    else:
        text = f"{elements['camera'][:-1]}, {env}."
        if elements.get("subject"):
            text += f" {capitalized(elements['subject'])} {elements['motion']}."
    return CaptionSpec(text=" ".join(text.split()), elements=dict(elements), tags=list(tags),
                       tag_position=tag_position)


#: How a group clip's people stand, in words (duets: stance and timing).
FORMATION_PHRASES = {"battle_circle": "in a dance circle", "crowd": "side by side",
                     "side_by_side": "beside them", "facing": "facing them",
                     "unison": "in unison", "call_response": "a beat later, in call and response",
                     "mirrored": "as a mirror image, in unison"}


def definite(who: str) -> str:
    """A person named again: "a man in a red hoodie" -> "the man in a red hoodie"."""
    for article in ("a ", "an "):
        if who.lower().startswith(article):
            return "the " + who[len(article):]
    return who


def group_phrase(people: list[tuple[str, str]], formation: str, stance: str = "", timing: str = "",
                 takeovers: list[tuple[str, str]] = ()) -> str:
    """Who does what in a group clip, each person named by look and move (``people``:
    (appearance, motion phrase), the performer first): "a woman in a red hoodie does a
    windmill in a dance circle while a tall man in a tracksuit claps along to the beat";
    a battle circle's ``takeovers`` (appearance, motion phrase) in turn order add ", then the
    tall man in a tracksuit takes over and does a flare"."""
    said = [f"{who} {what}" for who, what in people]
    if formation == "battle_circle":
        turns = "".join(f", then {definite(who)} takes over and {what}" for who, what in takeovers)
        return f"{said[0]} {FORMATION_PHRASES[formation]} while {_list(said[1:])}{turns}"
    if formation == "duet":
        return (f"{said[0]}, and {people[1][0]} does the same {FORMATION_PHRASES[stance]} "
                f"{FORMATION_PHRASES[timing]}")
    return f"{_list(said)}, {FORMATION_PHRASES[formation]}"


def focus_phrase(subject_appearance: str | None, prop_descriptions: list[str]) -> str:
    """What a camera path is aimed at: the performer, else (up to three of) the props."""
    if subject_appearance:
        return subject_appearance
    prop_descriptions = list(dict.fromkeys(prop_descriptions))
    if prop_descriptions:
        return _list(prop_descriptions[:3]) + (" and other objects" if len(prop_descriptions) > 3 else "")
    return "the scene"
