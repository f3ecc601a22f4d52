"""Subject source ``procedural``: mannequins and keyframed actions built from code."""
from __future__ import annotations

from .. import actions, interplay, mannequin
from ..model import CharacterError, Motion

NAME = "procedural"
CHARACTER_PREFIX = "procedural:humanoid/"
ACTION_PREFIX = "procedural:action/"


def owns(location: str) -> bool:
    return location.startswith(CHARACTER_PREFIX) or location.startswith(ACTION_PREFIX)


def variant(ref) -> str:
    """The mannequin variant of a character ref (checked)."""
    name = ref.location[len(CHARACTER_PREFIX):]
    if not ref.location.startswith(CHARACTER_PREFIX) or name not in mannequin.VARIANTS:
        raise CharacterError(f"unknown procedural humanoid {name!r} (known: {', '.join(mannequin.VARIANTS)})",
                             source=ref.id, field="location")
    return name


def load_motion(ref) -> Motion:
    """The keyframed action on the reference skeleton, in the action frame."""
    move = ref.location[len(ACTION_PREFIX):]
    act = actions.ACTIONS.get(move) or interplay.ACTIONS.get(move)
    if not ref.location.startswith(ACTION_PREFIX) or act is None:
        raise CharacterError(f"unknown procedural action {move!r}", source=ref.id, field="location")
    skel = mannequin.reference_skeleton()
    return Motion(skel, actions.sample_action(act, skel), actions.FPS, act.loopable)
