"""The report's data: one flat record per clip (descriptors, QA, every sampled parameter)."""
from __future__ import annotations

import math


def flatten(obj, prefix: str = "") -> dict[str, float | str]:
    """Nested params -> ``{dotted name: number or string}``: numbers stay numbers, booleans
    and strings become strings, short numeric lists (vectors up to 4) become ``name[i]``;
    other values (long lists, nulls) are left out."""
    out: dict[str, float | str] = {}
    for key, value in (obj or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            out[name] = str(value).lower()
        elif isinstance(value, (int, float)):
            if math.isfinite(value):
                out[name] = float(value)
        elif isinstance(value, str):
            out[name] = value
        elif isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list) and 0 < len(value) <= 4 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            out.update({f"{name}[{i}]": float(v) for i, v in enumerate(value) if math.isfinite(v)})
    return out


def movement_of(entry: dict) -> str:
    """Human clips: the camera movement; camera clips: the path family."""
    return str(entry.get("movement_type") or entry.get("path_family") or "-")


def clip_record(entry: dict, meta: dict) -> dict:
    """What the page knows of one clip (plain JSON)."""
    caption = meta.get("caption") or {}
    qa = {k: float(v) for k, v in (entry.get("qa") or {}).items()
          if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
    video = {"s_f": entry.get("s_f"), "n_frames": entry.get("n_frames"),
             "width": entry.get("width"), "height": entry.get("height")}
    return {
        "key": entry["key"],
        "kind": str(entry.get("kind") or "-"),
        "movement": movement_of(entry),
        "world": str(entry.get("env_type") or "-"),
        "action": str(entry.get("action") or "-"),
        "mode": str(entry.get("mode") or "-"),
        "caption": caption.get("full") or caption.get("text") or "",
        "qa": qa,
        "video": {k: float(v) for k, v in video.items() if isinstance(v, (int, float))},
        "params": flatten((meta.get("plan") or {}).get("params")),
    }
