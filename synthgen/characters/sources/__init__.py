"""Subject sources: where a character or an action comes from, one module per source.

| name | locations | characters | actions |
|---|---|---|---|
| ``people`` | ``people:person/<id>``, ``people:motion/<clip>`` | the MakeHuman people of the pack | DeepMimic and CMU captures |
| ``procedural`` | ``procedural:humanoid/<variant>``, ``procedural:action/<name>`` | procedural mannequins | keyframed actions |
| ``mixamo`` | a file (``.fbx``, ``.bvh``) | Mixamo "With Skin" FBX | Mixamo FBX, CMU-named BVH |

Each module here is the bpy-free half (location parsing, the motion when it needs no
Blender, a short caption-free description); the Blender half with the same name lives in
``synthgen/blender/sources/`` and builds the character. :func:`source_for` finds the source
of a location; :func:`get` looks one up by name.
"""
from __future__ import annotations

from types import ModuleType

from ..model import CharacterError
from . import mixamo, people, procedural

#: name -> module, in the order locations are tried (mixamo, the file source, last).
REGISTRY: dict[str, ModuleType] = {m.NAME: m for m in (people, procedural, mixamo)}


def get(name: str) -> ModuleType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise CharacterError(f"unknown subject source {name!r} (known: {', '.join(REGISTRY)})") from None


def source_for(location: str) -> ModuleType:
    """The source owning ``location`` (every location belongs to exactly one)."""
    for module in REGISTRY.values():
        if module.owns(location):
            return module
    raise CharacterError(f"no subject source reads {location!r} (known: {', '.join(REGISTRY)})")
