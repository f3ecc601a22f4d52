"""Subject source ``people``: the MakeHuman people and captured clips of the people pack."""
from __future__ import annotations

from ..model import CharacterError, Motion
from ..people.clips import clip_motion
from ..people.roster import PEOPLE

NAME = "people"
CHARACTER_PREFIX = "people:person/"
ACTION_PREFIX = "people:motion/"


def owns(location: str) -> bool:
    return location.startswith(CHARACTER_PREFIX) or location.startswith(ACTION_PREFIX)


def person(ref) -> str:
    """The person id of a character ref (checked against the roster)."""
    pid = ref.location[len(CHARACTER_PREFIX):]
    if not ref.location.startswith(CHARACTER_PREFIX) or pid not in PEOPLE:
        raise CharacterError(f"unknown person {pid!r} (known: {', '.join(PEOPLE)})", source=ref.id,
                             field="location")
    return pid


def load_motion(ref) -> Motion:
    """A captured clip of the pack, in the action frame."""
    if not ref.location.startswith(ACTION_PREFIX):
        raise CharacterError(f"{ref.location!r} is not a people motion", source=ref.id, field="location")
    return clip_motion(ref.location[len(ACTION_PREFIX):])       # PackError names the file and the fix
