"""The default people: body shape (MakeHuman macro values), skin, outfit, hair, caption phrase.

The macro values and ethnic mix shape each body; they are baked into the pack by
:mod:`synthgen.characters.people.derive` (change them and re-derive; the pack records a
fingerprint of them and refuses a stale roster). Everything else (skin tone, outfit, colours,
hair) is applied when the body is built, from this table.

Colours are sRGB hex strings (as a person would pick them); builders convert to linear.
Outfit styles are the garment recipes of :mod:`synthgen.characters.people.outfits`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Person:
    """One default person."""

    id: str
    appearance: str                  # caption phrase
    gender: float                    # 0 female .. 1 male
    age_years: float
    muscle: float                    # 0..1 (0.5 average)
    weight: float                    # 0..1 (0.5 average)
    height: float                    # 0..1 (0.5 average)
    proportions: float               # 0..1 (0.5 regular, 1 idealised)
    race: dict = field(default_factory=lambda: {"african": 1 / 3, "asian": 1 / 3, "caucasian": 1 / 3})
    skin: str = "#c99a7e"
    outfit: str = "tee-jeans"
    top: str = "#ffffff"
    bottom: str = "#2b3a55"
    shoes: str = "#f0f0f0"
    hair: str = "short"              # none | buzz | short | long (tied back: covers the nape)
    hair_color: str = "#2a1b12"

    def shape_key(self) -> dict:
        """The fields baked into the pack (the rest is applied at build time)."""
        return {"id": self.id, "gender": self.gender, "age_years": self.age_years, "muscle": self.muscle,
                "weight": self.weight, "height": self.height, "proportions": self.proportions,
                "race": {k: round(v, 6) for k, v in sorted(self.race.items())}}


def _race(african: float, asian: float, caucasian: float) -> dict:
    return {"african": african, "asian": asian, "caucasian": caucasian}


PEOPLE: dict[str, Person] = {p.id: p for p in [
    Person("teen-girl-tank", "a slim teenage girl with light skin and brown hair tied back in a coral tank top and denim shorts",
           0.0, 16, 0.45, 0.4, 0.63, 0.5, _race(0.05, 0.1, 0.85), skin="#eac3a6", outfit="tank-shorts",
           top="#f0705a", bottom="#5a7fb0", shoes="#f2f2f2", hair="long", hair_color="#5a3a22"),
    Person("teen-boy-tee", "a lanky teenage boy with brown skin and short black hair in a white t-shirt and black jeans",
           1.0, 17, 0.45, 0.35, 0.66, 0.5, _race(0.3, 0.4, 0.3), skin="#a0704f", outfit="tee-jeans",
           top="#f4f4f2", bottom="#1c1c20", shoes="#d9d9d9", hair="short", hair_color="#15100c"),
    Person("athletic-woman-leggings", "an athletic young woman with dark brown skin in a teal sports top and black leggings",
           0.0, 24, 0.75, 0.4, 0.55, 0.8, _race(0.85, 0.0, 0.15), skin="#6b4430", outfit="leggings-top",
           top="#1f8f8a", bottom="#141416", shoes="#f3f3f3", hair="buzz", hair_color="#120c08"),
    Person("muscular-man-tank", "a muscular young man with olive skin in a grey tank top and navy shorts",
           1.0, 26, 0.9, 0.55, 0.55, 0.85, _race(0.1, 0.1, 0.8), skin="#c49a74", outfit="tank-shorts",
           top="#8a8d91", bottom="#1e2a4a", shoes="#202020", hair="short", hair_color="#2a1a10"),
    Person("woman-skirt", "a young woman with light skin and blonde hair tied back in a yellow blouse and a knee-length blue skirt",
           0.0, 29, 0.5, 0.5, 0.45, 0.6, _race(0.0, 0.05, 0.95), skin="#efcfb8", outfit="blouse-skirt",
           top="#e8c54a", bottom="#2f4f8f", shoes="#7a4a2a", hair="long", hair_color="#c9a46a"),
    Person("heavy-man-hoodie", "a heavy-set man with light tan skin in a red hoodie and grey joggers",
           1.0, 33, 0.5, 0.9, 0.5, 0.4, _race(0.05, 0.25, 0.7), skin="#d2a784", outfit="hoodie-joggers",
           top="#a8262a", bottom="#6e7177", shoes="#ececec", hair="short", hair_color="#3b2a1e"),
    Person("tall-woman-tracksuit", "a tall slim woman with deep brown skin in a purple tracksuit",
           0.0, 36, 0.55, 0.3, 0.57, 0.7, _race(0.9, 0.0, 0.1), skin="#4e3123", outfit="tracksuit",
           top="#5b2d82", bottom="#5b2d82", shoes="#ffffff", hair="short", hair_color="#0e0a08"),
    Person("man-tee-jeans", "a man in his forties with east Asian features in a green t-shirt and blue jeans",
           1.0, 43, 0.55, 0.5, 0.58, 0.5, _race(0.0, 0.9, 0.1), skin="#d9b08c", outfit="tee-jeans",
           top="#3c7a3f", bottom="#344e7a", shoes="#5a3b26", hair="short", hair_color="#111111"),
    Person("woman-longsleeve", "a middle-aged woman with medium brown skin in a rust long-sleeved top and beige trousers",
           0.0, 50, 0.4, 0.75, 0.45, 0.4, _race(0.5, 0.1, 0.4), skin="#8d5e42", outfit="longsleeve-trousers",
           top="#a4522c", bottom="#c8b48f", shoes="#3a2a20", hair="long", hair_color="#1f1510"),
    Person("stocky-man-shorts", "a stocky man in his fifties with tanned skin in a blue polo shirt and khaki shorts",
           1.0, 55, 0.65, 0.7, 0.45, 0.45, _race(0.1, 0.2, 0.7), skin="#c08a64", outfit="tee-shorts",
           top="#2f5f9e", bottom="#b39c72", shoes="#2b2b2b", hair="buzz", hair_color="#6d6258"),
    Person("older-woman-dress", "an older woman with pale skin and grey hair in a green dress",
           0.0, 66, 0.35, 0.6, 0.4, 0.4, _race(0.0, 0.0, 1.0), skin="#f1d6c4", outfit="dress",
           top="#3f7d5a", bottom="#3f7d5a", shoes="#2e2e2e", hair="short", hair_color="#b8b4ae"),
    Person("older-man-longsleeve", "a lean older man with dark skin and grey hair in a white long-sleeved shirt and dark trousers",
           1.0, 68, 0.4, 0.35, 0.43, 0.5, _race(0.9, 0.0, 0.1), skin="#5b3a28", outfit="longsleeve-trousers",
           top="#ecebe6", bottom="#2a2c33", shoes="#1a1a1a", hair="buzz", hair_color="#9e9a94"),
    Person("dancer-man-tracksuit", "a lean young man with brown skin and short hair in a black and orange tracksuit",
           1.0, 21, 0.7, 0.35, 0.6, 0.8, _race(0.45, 0.15, 0.4), skin="#8a5a3c", outfit="tracksuit",
           top="#e06a1b", bottom="#161618", shoes="#f5f5f5", hair="short", hair_color="#120d0a"),
    Person("young-woman-hoodie", "a young woman with light olive skin and dark hair tied back in a pink hoodie and black joggers",
           0.0, 21, 0.5, 0.45, 0.6, 0.6, _race(0.1, 0.3, 0.6), skin="#d8ab88", outfit="hoodie-joggers",
           top="#e07aa5", bottom="#1b1b1f", shoes="#ffffff", hair="long", hair_color="#24160e"),
]}


def shape_fingerprint(people: dict[str, Person] | None = None) -> str:
    """sha256 of the baked fields of every person, in roster order."""
    people = PEOPLE if people is None else people
    doc = [p.shape_key() for p in people.values()]
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def as_dict(p: Person) -> dict:
    return asdict(p)
