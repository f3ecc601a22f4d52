"""Asset manifests: schema per kind, locations, checksums, combination, CLI errors (exit 2)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from synthgen.errors import ManifestError
from synthgen.manifest import AssetSet, blender_datafiles_dir, load_manifests

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "humans.json"
DEFAULT = ROOT / "assets_manifest" / "default.json"


def _write(path: Path, assets) -> Path:
    path.write_text(json.dumps({"format": "synthgen-assets/1", "assets": assets}))
    return path


def _prop_file(tmp_path: Path, data: bytes = b"v 0 0 0\n") -> tuple[Path, str]:
    (tmp_path / "meshes").mkdir(exist_ok=True)
    f = tmp_path / "meshes" / "rock.obj"
    f.write_bytes(data)
    return f, hashlib.sha256(data).hexdigest()


def test_default_manifest_holds_blender_hdris_room_and_props():
    s = load_manifests([DEFAULT])
    hdris = s.of_kind("hdri")
    assert [a.id for a in hdris] == sorted(f"hdri-{n}" for n in
                                           ("city", "courtyard", "forest", "interior", "night", "studio", "sunrise", "sunset"))
    assert all(a["licence"] == "CC0-1.0" and a.location.startswith("blender-datafiles:studiolights/world/") for a in hdris)
    assert s.get("hdri-interior")["indoor"] is True and s.get("hdri-forest")["indoor"] is False
    assert s.get("room-procedural").location == "procedural:room"
    assert {a.location for a in s.of_kind("prop")} == {f"procedural:{g}" for g in ("cube", "sphere", "cylinder", "torus", "cone")}


def test_default_hdri_checksums_match_the_installed_bpy():
    root = blender_datafiles_dir()
    if root is None:
        pytest.skip("PyPI bpy not installed")
    s = load_manifests([DEFAULT])
    a = s.get("hdri-forest")
    rel = a.location.split(":", 1)[1]
    assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == a["sha256"]


def test_default_set_is_every_json_in_assets_manifest():
    s = load_manifests(None)
    assert DEFAULT in s.manifests and s.manifests == sorted(s.manifests)


def test_ref_resolves_relative_files_and_keeps_builtins(tmp_path):
    f, sha = _prop_file(tmp_path)
    m = _write(tmp_path / "m.json", [{"id": "rock", "kind": "prop", "location": "meshes/rock.obj", "sha256": sha,
                                      "licence": "CC-BY-4.0", "description": "a rock"}])
    s = load_manifests([m, DEFAULT])
    ref = s.ref("rock")
    assert ref.location == str(f.resolve()) and Path(ref.location).is_absolute()
    assert ref.sha256 == sha and ref.licence == "CC-BY-4.0" and ref.params == {"description": "a rock"}
    assert s.ref("hdri-city").location == "blender-datafiles:studiolights/world/city.exr"
    assert s.ref("prop-cube").location == "procedural:cube"


def test_character_and_action_fixture_loads():
    s = load_manifests([FIXTURE])
    act = s.get("act-backflip")
    assert len(act["envelope"]) == act["frame_count"] == len(act["root_trajectory"]) == len(act["motion_energy"])
    ref = s.ref("act-backflip")
    assert ref.params["move_names"] == ["backflip"] and "envelope" not in ref.params
    assert s.ref("char-test").params["appearance"].startswith("a slim woman")


BAD_CASES = [
    ("missing file", lambda t, sha: [{"id": "x", "kind": "prop", "location": "meshes/none.obj", "sha256": sha,
                                      "licence": "", "description": "d"}], "x.location: file not found"),
    ("checksum", lambda t, sha: [{"id": "x", "kind": "prop", "location": "meshes/rock.obj", "sha256": "0" * 64,
                                  "licence": "", "description": "d"}], "x.sha256: checksum mismatch"),
    ("no checksum", lambda t, sha: [{"id": "x", "kind": "prop", "location": "meshes/rock.obj",
                                     "licence": "", "description": "d"}], "x.sha256: required for file locations"),
    ("escape", lambda t, sha: [{"id": "x", "kind": "prop", "location": "../rock.obj", "sha256": sha,
                                "licence": "", "description": "d"}], "x.location: '../rock.obj' escapes"),
    ("absolute", lambda t, sha: [{"id": "x", "kind": "prop", "location": "/etc/passwd", "sha256": sha,
                                  "licence": "", "description": "d"}], "must be relative"),
    ("unknown kind", lambda t, sha: [{"id": "x", "kind": "vehicle", "location": "procedural:cube"}],
     "x.kind: unknown kind 'vehicle'"),
    ("unknown field", lambda t, sha: [{"id": "x", "kind": "prop", "location": "procedural:cube", "licence": "",
                                       "description": "d", "colour": "red"}], "x.colour: unknown field"),
    ("duplicate", lambda t, sha: [{"id": "x", "kind": "prop", "location": "procedural:cube", "licence": "",
                                   "description": "d"}] * 2, "x.id: duplicate id"),
    ("bad generator", lambda t, sha: [{"id": "x", "kind": "prop", "location": "procedural:teapot", "licence": "",
                                       "description": "d"}], "prop generators are"),
    ("missing field", lambda t, sha: [{"id": "x", "kind": "hdri", "location": "procedural:sky", "licence": "",
                                       "indoor": False}], "x.setting: required field is missing"),
    ("short envelope", None, "act-backflip.envelope: must have frame_count = 40 entries"),
    ("inverted box", None, "act-backflip.envelope[3]: a minimum is larger"),
    ("dynamic score", None, "act-backflip.dynamic_score: must be a number in 0..1"),
]


@pytest.mark.parametrize("name, entries, words", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_manifests_name_file_entry_and_field(tmp_path, name, entries, words):
    _, sha = _prop_file(tmp_path)
    if entries is None:
        data = json.loads(FIXTURE.read_text())["assets"]
        act = next(a for a in data if a["id"] == "act-backflip")
        if name == "short envelope":
            act["envelope"].pop()
        elif name == "inverted box":
            e = act["envelope"][3]
            e[0], e[3] = 1.0, -1.0
        else:
            act["dynamic_score"] = 1.5
        entries_v = data
    else:
        entries_v = entries(tmp_path, sha)
    m = _write(tmp_path / "m.json", entries_v)
    with pytest.raises(ManifestError) as exc:
        load_manifests([m])
    msg = str(exc.value)
    assert msg.startswith(f"{m}: ") and words in msg, msg
    assert "\n" not in msg


def test_duplicate_id_across_manifests(tmp_path):
    a = _write(tmp_path / "a.json", [{"id": "hdri-city", "kind": "hdri", "location": "procedural:sky",
                                      "licence": "", "setting": "s", "indoor": False}])
    with pytest.raises(ManifestError, match=r"hdri-city\.id: duplicate id \(already defined in .*default.json\)"):
        load_manifests([DEFAULT, a])


def test_not_json_and_missing_manifest(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1,")
    with pytest.raises(ManifestError, match="bad.json: not valid JSON"):
        load_manifests([bad])
    with pytest.raises(ManifestError, match="manifest file not found"):
        load_manifests([tmp_path / "none.json"])


def test_checksum_change_is_detected_after_edit(tmp_path):
    f, sha = _prop_file(tmp_path)
    m = _write(tmp_path / "m.json", [{"id": "rock", "kind": "prop", "location": "meshes/rock.obj", "sha256": sha,
                                      "licence": "", "description": "a rock"}])
    assert isinstance(load_manifests([m]), AssetSet)
    f.write_bytes(b"v 1 1 1\n")
    with pytest.raises(ManifestError, match="checksum mismatch"):
        load_manifests([m])


def _cli(*args):
    """Run the real console entry point in a subprocess (exit codes and stderr as users see them)."""
    return subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", *args],
                          capture_output=True, text=True)


def test_cli_validate_and_list():
    r = _cli("assets", "validate", "--assets", str(DEFAULT), "--assets", str(FIXTURE))
    assert r.returncode == 0, r.stderr
    assert "ok: 18 assets" in r.stdout
    r = _cli("assets", "list", "--assets", str(FIXTURE), "--kind", "action")
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and len(lines) == 3 and lines[0].startswith("act-backflip\taction\tprocedural:action/backflip")


def test_cli_bad_manifest_is_one_line_exit_2(tmp_path):
    m = _write(tmp_path / "m.json", [{"id": "x", "kind": "vehicle", "location": "procedural:cube"}])
    r = _cli("assets", "validate", "--assets", str(m))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "x.kind: unknown kind" in r.stderr and "Traceback" not in r.stderr
