"""The dataset members: one registry entry per member a sample can hold.

Each :class:`Member` says how it is stored (its tar suffix before compression), what it
holds (shape, dtype, units: the README's member table says the same) and whether
``synthgen export`` writes it by default. The names are the ``EXPORT_MEMBERS`` vocabulary of
:mod:`synthgen.vocabulary` (which job files use in ``outputs``); a name without an entry here,
or an entry without a name there, fails at import.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownNameError
from ..registry import Registry
from ..vocabulary import EXPORT_MEMBERS, is_correspondence_member


@dataclass(frozen=True)
class Member:
    name: str
    suffix: str            # ``<key>.<suffix>`` in the shard (array members: before ``.zst``)
    content: str           # shape, dtype and units, for help texts and the docs
    default: bool = False  # written when neither --members nor the job's outputs say otherwise
    full_mode_only: bool = False

    @property
    def is_array(self) -> bool:
        return self.suffix.endswith(".npy")


MEMBERS: Registry[Member] = Registry("dataset member")
for _m in (
    Member("flow", "flow.npy", "float16 [T-1,H,W,2] forward flow, px, (u,v) = (right, down)", True),
    Member("flow_bwd", "flow_bwd.npy", "float16 [T-1,H,W,2] backward flow: flow_bwd[i] maps frame i+1 to i"),
    Member("valid", "valid.npy", "uint8 [T-1,H,W] forward-backward consistent and in frame", True),
    Member("flow_hsv", "flow_hsv.mp4", "DynaVid HSV-RGB flow video (s_f in the json)", True),
    Member("plucker", "plucker.npy", "float16 [T,6,h,w] Plücker [o×d, d], poses relative to frame 0", True),
    Member("depth", "depth.npy", "float32 [T,H,W] planar depth, m, +inf background"),
    Member("seg", "seg.npy", "uint8/uint16 [T,H,W] instance ids"),
    Member("inst_flow", "inst_flow.npy", "float16 [H,W,2] each instance's mean flow on its frame-0 mask"),
    Member("rgb", "rgb.mp4", "RGB video (full mode)", full_mode_only=True),
    Member("txt", "txt", "the caption with its tags", True),
    Member("json", "json", "K, c2w, fps, s_f, caption elements, instances, assets, QA, versions", True),
):
    MEMBERS.register(_m.name, _m)
MEMBERS.expect(EXPORT_MEMBERS)

ALL_MEMBERS = MEMBERS.names()
DEFAULT_MEMBERS = tuple(name for name, m in MEMBERS if m.default)
#: Member name -> file suffix in the shard (``<key>.<suffix>``), before compression.
SUFFIX = {name: m.suffix for name, m in MEMBERS}


#: The correspondence members (``synthgen.correspond.members`` computes them), as help text.
CORRESPONDENCE_HELP = "flow_k<K>, occ_k<K>, tracks, track_vis, scene_flow"


def is_member(name: str) -> bool:
    """A registered member, or a correspondence member (``flow_k4``, ``tracks``, ...)."""
    return name in SUFFIX or is_correspondence_member(name)


def member_suffix(name: str) -> str:
    """The shard suffix of a member before compression (``flow_k4.npy`` for ``flow_k4``)."""
    return SUFFIX.get(name) or f"{name}.npy"


def parse_members(members) -> tuple[str, ...]:
    """Member names from a comma list or a sequence, checked (an unknown name raises
    :class:`UnknownNameError` listing the known ones), in order, without repeats."""
    if isinstance(members, str):
        members = [m.strip() for m in members.split(",") if m.strip()]
    for m in members:
        if not is_correspondence_member(m) and m not in SUFFIX:
            raise UnknownNameError(f"unknown dataset member {m!r} (known: {', '.join(ALL_MEMBERS)}, "
                                   f"{CORRESPONDENCE_HELP})", field="members")
    if not members:
        raise UnknownNameError(f"no member named (choose from {', '.join(ALL_MEMBERS)})", field="members")
    return tuple(dict.fromkeys(members))
