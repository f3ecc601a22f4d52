"""``synthgen assets import-mixamo`` (synthgen/cli/assets_import.py) on the real Mixamo files.

The CLI runs in a subprocess (it resets bpy's scene per file). The real files are copied
into a temporary folder (manifest locations are relative to the manifest's folder).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthgen.characters.stats import move_names_from_filename, slug
from synthgen.fsutil import sha256_file
from synthgen.manifest import load_manifest

SYNTHGEN = [sys.executable, "-c", "from synthgen.cli import main; main()"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SYNTHGEN, *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("stem, want", [("Breakdance Freeze Var 2", "breakdance freeze"),
                                        ("anim_samba_dancing_noskin", "samba dancing"),
                                        ("Hip Hop Dancing (1)", "hip hop dancing")])
def test_move_names_from_file_name(stem, want):
    assert move_names_from_filename(stem) == [want]
    assert slug(stem).replace("-", "").isalnum()


@pytest.fixture(scope="module")
def imported(mixamo_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("downloads")
    sub = folder / "anims"
    sub.mkdir()
    shutil.copy(mixamo_dir / "character_jumping.fbx", folder)
    shutil.copy(mixamo_dir / "anim_samba_dancing_noskin.fbx", sub)
    (folder / "broken.fbx").write_bytes(b"Kaydara FBX Binary  \x00\x1a\x00" + b"\x00" * 64)
    (folder / "empty.bvh").write_text("not a bvh file\n")
    out = folder / "mine.json"
    res = _run("assets", "import-mixamo", str(folder), "--out", str(out))
    return folder, out, res


def test_import_writes_a_valid_manifest(imported):
    folder, out, res = imported
    assert res.returncode == 0, res.stderr
    skipped = [ln for ln in res.stderr.splitlines() if ln.startswith("skipped:")]
    assert len(skipped) == 2
    assert any("broken.fbx" in ln for ln in skipped) and any("empty.bvh" in ln for ln in skipped)
    assets = {a.id: a for a in load_manifest(out, verify=True)}       # checksums verified
    kinds = sorted(a.kind for a in assets.values())
    assert kinds == ["action", "action", "character"]                  # the skinned file gives both
    samba = assets["mixamo-action-anim-samba-dancing-noskin"]
    assert samba.location == "anims/anim_samba_dancing_noskin.fbx"
    assert samba["sha256"] == sha256_file(folder / "anims" / "anim_samba_dancing_noskin.fbx")
    assert samba["fps"] == 24.0 and samba["frame_count"] == 476
    assert samba["move_names"] == ["samba dancing"]
    assert 1.55 < samba["reference_height_m"] < 1.8                   # centimetres became metres
    char = assets["mixamo-character-character-jumping"]
    assert 1.6 < char["height_m"] < 1.9 and char["bbox"][2] == pytest.approx(0.0, abs=0.01)
    jump = assets["mixamo-action-character-jumping"]
    assert jump["fps"] == 30.0 and jump["frame_count"] == 36


def test_action_statistics_in_action_frame(imported):
    _, out, _ = imported
    doc = json.loads(out.read_text())
    samba = next(e for e in doc["assets"] if e["id"] == "mixamo-action-anim-samba-dancing-noskin")
    root = np.array(samba["root_trajectory"])
    env = np.array(samba["envelope"])
    assert np.allclose(root[0, :2], 0.0, atol=1e-3)                    # hips above the origin at frame 0
    assert 0.8 < root[0, 2] < 1.1                                      # hip height in metres
    assert np.all(env[:, :3] <= root) and np.all(env[:, 3:] >= root)   # envelope holds the hips
    assert np.all(env[:, 5] > 1.5)                                     # above the head top
    assert np.all((env[:, 2] > -0.06) & (env[:, 2] < 0.05))            # down to the floor, not far below
    energy = np.array(samba["motion_energy"])
    assert energy.shape == (476,) and energy.max() > 0.3 and np.all(energy >= 0)
    assert 0.0 < samba["dynamic_score"] <= 1.0


def test_out_outside_the_folder_is_one_line_error(mixamo_dir, tmp_path):
    folder = tmp_path / "dl"
    folder.mkdir()
    shutil.copy(mixamo_dir / "anim_jumping_noskin.fbx", folder)
    res = _run("assets", "import-mixamo", str(folder), "--out", str(tmp_path / "other" / "m.json"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "--out" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "other" / "m.json").exists()


def test_nothing_usable_writes_nothing(tmp_path):
    (tmp_path / "junk.fbx").write_bytes(b"\x00" * 100)
    res = _run("assets", "import-mixamo", str(tmp_path), "--out", str(tmp_path / "m.json"))
    assert res.returncode == 2
    assert "skipped:" in res.stderr and "no usable character or animation" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "m.json").exists()
