"""Fixtures of the reader's tests (helpers: reader_fixtures.py)."""
from __future__ import annotations

import pytest

from reader_fixtures import make_clip, write_dataset


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    """Three clips of different lengths and sizes; the middle one uncompressed."""
    clips = [("clipa-000000", make_clip("a", 9, 24, 40, 0), True),
             ("clipb-000001", make_clip("b", 12, 30, 36, 1), False),
             ("clipc-000002", make_clip("c", 10, 27, 45, 2), True)]
    return write_dataset(tmp_path_factory.mktemp("mixed") / "dataset", clips), clips
