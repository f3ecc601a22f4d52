"""synthgen.export.members: the registry of dataset members and what derives from it."""
from __future__ import annotations

import pytest

from synthgen.errors import UnknownNameError
from synthgen.export.members import ALL_MEMBERS, DEFAULT_MEMBERS, MEMBERS, SUFFIX, parse_members
from synthgen.job import OUTPUTS
from synthgen.vocabulary import EXPORT_MEMBERS


def test_registry_is_the_vocabulary_and_job_outputs_derive_from_it():
    assert ALL_MEMBERS == EXPORT_MEMBERS
    assert OUTPUTS == EXPORT_MEMBERS + ("vertices", "geometry")
    assert DEFAULT_MEMBERS == ("flow", "valid", "flow_hsv", "plucker", "txt", "json")
    assert SUFFIX["flow"] == "flow.npy" and SUFFIX["rgb"] == "rgb.mp4" and SUFFIX["json"] == "json"
    assert [n for n, m in MEMBERS if m.is_array] == ["flow", "flow_bwd", "valid", "plucker", "depth",
                                                     "seg", "inst_flow"]
    assert [n for n, m in MEMBERS if m.full_mode_only] == ["rgb"]


def test_parse_members_keeps_order_drops_repeats_and_names_the_known_ones():
    assert parse_members("flow, depth,flow") == ("flow", "depth")
    assert parse_members(["json"]) == ("json",)
    with pytest.raises(UnknownNameError, match=r"members: unknown dataset member 'optical' \(known: flow, "):
        parse_members("flow,optical")
    with pytest.raises(UnknownNameError, match="members"):
        parse_members(" , ")
    assert parse_members("flow,flow_k4,occ_k4,tracks") == ("flow", "flow_k4", "occ_k4", "tracks")
    with pytest.raises(UnknownNameError, match=r"'flow_k0' .*flow_k<K>, occ_k<K>"):
        parse_members("flow,flow_k0")
