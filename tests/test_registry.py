"""Registries and vocabularies: one module per word, unknown words rejected with the known ones
listed, older scene-type spellings still read (job files keep their bytes and hash)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from synthgen import vocabulary
from synthgen.errors import JobError, PresetError, UnknownNameError
from synthgen.job import ENV_TYPES, MOVEMENT_TYPES, EnvironmentSpec, Job
from synthgen.planner.clips import CLIP_KINDS
from synthgen.planner.movements import MOVEMENTS
from synthgen.planner.paths import PATH_FAMILIES
from synthgen.planner.presets import load_preset
from synthgen.planner.worlds import WORLDS
from synthgen.registry import Registry

ROOT = Path(__file__).resolve().parent.parent


def test_registry_lookup_aliases_and_unknown_names():
    reg = Registry("colour", aliases={"grey": "gray"})
    reg.register("gray", 1)
    reg.register("red", 2)
    assert reg.get("red") == 2 and reg.get("grey") == 1 and reg.canonical("grey") == "gray"
    assert reg.names() == ("gray", "red") and "grey" in reg and "blue" not in reg
    with pytest.raises(UnknownNameError) as exc:
        reg.get("blue", source="x.toml", field="sky")
    assert str(exc.value) == "x.toml: sky: unknown colour 'blue' (known: gray, red)"
    with pytest.raises(ValueError, match="twice"):
        reg.register("red", 3)
    with pytest.raises(ValueError, match="twice"):
        reg.register("grey", 3)                  # an alias is taken too
    with pytest.raises(RuntimeError, match="vocabulary"):
        reg.expect(("gray", "red", "blue"))
    reg.expect(("red", "gray"))


#: modules of the registry packages that are shared helpers, not words
HELPERS = {"movements": {"base"}, "paths": {"base", "arc_length", "linear"}, "worlds": {"base"},
           "clips": {"human_shot", "camera_world"}}


def test_every_vocabulary_word_is_one_registered_module_and_back():
    for registry, words, package in ((MOVEMENTS, vocabulary.HUMAN_MOVEMENTS, "movements"),
                                     (PATH_FAMILIES, vocabulary.PATH_FAMILIES, "paths"),
                                     (WORLDS, vocabulary.SCENE_TYPES, "worlds"),
                                     (CLIP_KINDS, vocabulary.CLIP_KINDS, "clips")):
        assert registry.names() == words
        for name, entry in registry:
            assert entry.name == name
            assert type(entry).__module__ == f"synthgen.planner.{package}.{name}"
        modules = {f.stem for f in (ROOT / "synthgen" / "planner" / package).glob("*.py")} - {"__init__"}
        assert modules - HELPERS[package] == set(words), package     # no module without its word


def test_job_vocabularies_derive_from_the_registries():
    assert set(MOVEMENT_TYPES) == set(MOVEMENTS.names()) | set(PATH_FAMILIES.names())
    assert len(MOVEMENT_TYPES) == len(set(MOVEMENT_TYPES))
    assert "roll" not in MOVEMENT_TYPES                      # nothing makes it
    assert ENV_TYPES == ("hdri", "room", "empty", "interior", "street", "imported", "env", "basic")
    assert {WORLDS.canonical(n) for n in ENV_TYPES} == set(WORLDS.names())


def test_same_word_in_both_camera_vocabularies_is_two_modules():
    for word in ("truck", "dolly", "pedestal", "spin"):
        shot, path = MOVEMENTS.get(word), PATH_FAMILIES.get(word)
        assert type(shot).__module__ != type(path).__module__
        assert type(shot).__name__ != type(path).__name__


def test_unknown_names_are_errors_listing_the_known_ones(tmp_path):
    with pytest.raises(UnknownNameError, match="unknown camera-path family 'moonwalk' .known: orbit, spin"):
        PATH_FAMILIES.get("moonwalk")
    with pytest.raises(UnknownNameError, match="unknown camera movement 'roll' .known: truck"):
        MOVEMENTS.get("roll")
    p = tmp_path / "p.toml"
    p.write_text('[preset]\nkind = "camera"\nbase = ["dynavid-camera"]\n[camera_path]\nfamily = "zigzag"\n')
    with pytest.raises(PresetError) as exc:
        load_preset(p)
    assert "camera_path.family: 'zigzag' is not one of orbit, spin, whip_pan" in str(exc.value)
    p.write_text('[preset]\nkind = "human"\nbase = ["dynavid-human"]\n[environment]\ntype = "cave"\n')
    with pytest.raises(PresetError) as exc:
        load_preset(p)
    assert ("environment.type: 'cave' is not one of hdri, room, empty, interior, street, imported "
            "(older spellings: env, basic)") in str(exc.value)


def test_presets_read_the_older_scene_type_spellings(tmp_path):
    p = tmp_path / "old.toml"
    p.write_text('[preset]\nbase = ["tiny"]\n[environment]\ntype = { choice = ["env", "basic", "empty"], '
                 'weights = [0.6, 0.3, 0.1] }\n')
    old, new = load_preset(p)["environment"]["type"], load_preset("dynavid-human")["environment"]["type"]
    assert old == new and old.args == ("hdri", "room", "empty")


def _planned_job(tmp_path, kind="human") -> Job:
    from synthgen.planner import plan
    from synthgen.job import load_job
    assets = [ROOT / "assets_manifest" / "default.json", ROOT / "tests" / "fixtures" / "humans.json"]
    return load_job(plan("tiny", 1, 0, tmp_path / kind, assets, kind=kind)[0])


@pytest.mark.parametrize("new, old", [("hdri", "env"), ("room", "basic")])
def test_job_files_with_the_older_spellings_validate_and_keep_their_hash(tmp_path, new, old):
    job = _planned_job(tmp_path)
    env = dataclasses.asdict(job.environment)
    env.update(type=old)
    data = job.to_dict()
    data["environment"] = env
    if new == "room" and job.environment.room is None:       # give the job a room
        data["environment"]["room"] = {"asset": {"id": "room", "kind": "room", "location": "procedural:room"}}
    text = json.dumps(data)
    loaded = Job.from_json(text)
    assert loaded.environment.type == old                    # read as written, never rewritten
    assert Job.from_json(loaded.to_json()).hash() == loaded.hash()
    missing = dict(data, environment=dict(data["environment"], hdri=None, room=None))
    with pytest.raises(JobError) as exc:
        Job.from_dict(missing)
    assert f"a {old!r} environment needs" in str(exc.value) or f"an {old!r} environment needs" in str(exc.value)


def test_job_rejects_an_unknown_scene_type():
    env = EnvironmentSpec(type="cave")
    problems = dict(Job.validate(_bare_job(env)))
    assert problems["environment.type"] == "'cave' is not one of hdri, room, empty, interior, street, imported, env, basic"


def _bare_job(env: EnvironmentSpec) -> Job:
    from synthgen.job import CameraSpec
    cam = CameraSpec(c2w=[], focal_mm=[], K=[])
    return Job(clip_id="x", kind="camera", seed=0, width=8, height=8, fps=24.0, frame_start=1, frame_end=1,
               camera=cam, environment=env)


def test_blender_environment_builders_are_keyed_by_the_same_names():
    pytest.importorskip("bpy")
    from synthgen.blender import environment
    assert environment.SCENE_BUILDERS.names() == WORLDS.names()
    assert environment.SCENE_BUILDERS.get("env") is environment.build_hdri_scene
    assert environment.SCENE_BUILDERS.get("basic") is environment.build_room_scene
    with pytest.raises(UnknownNameError, match="job.json: environment.type: unknown scene type 'cave'"):
        environment.SCENE_BUILDERS.get("cave", source="job.json", field="environment.type")
