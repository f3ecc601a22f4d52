"""Shared test fixtures. Tests mirror modules: tests/test_<module>.py."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIXAMO_DIR = ROOT.parent / "shared" / "assets" / "mixamo"


@pytest.fixture(scope="session")
def mixamo_dir() -> Path:
    """The real Mixamo FBX files beside the project; tests using them skip when absent."""
    if not (MIXAMO_DIR / "character_jumping.fbx").is_file():
        pytest.skip(f"real Mixamo files not found in {MIXAMO_DIR}")
    return MIXAMO_DIR
