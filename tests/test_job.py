"""The job contract: deterministic JSON round trip, typed parsing and field-path validation."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from synthgen.camera import intrinsics, look_at_cv
from synthgen.errors import JobError
from synthgen.job import AssetRef, CameraSpec, Job, PropSpec, SubjectSpec, dumps, load_job


def _job(n: int = 3, width: int = 64, height: int = 48) -> Job:
    c2w = [look_at_cv([0.1 * i, -5.0, 1.5], [0, 0, 1]).tolist() for i in range(n + 2)]
    K = intrinsics(35.0, 36.0, width, height).tolist()
    cam = CameraSpec(c2w=c2w, focal_mm=[35.0] * (n + 2), K=[K] * (n + 2))
    char = AssetRef("c", "character", "procedural:humanoid/v0")
    act = AssetRef("a", "action", "procedural:action/backflip")
    subj = SubjectSpec(instance_id=1, character=char, action=act, source_time_s=[0.1 * i for i in range(n + 2)])
    prop = PropSpec(instance_id=2, asset=AssetRef("p", "prop", "procedural:cube"))
    return Job(clip_id="human-000001", kind="human", seed=3, width=width, height=height, fps=24.0,
               frame_start=1, frame_end=n, camera=cam, subjects=[subj], props=[prop])


def test_round_trip_is_byte_identical(tmp_path):
    job = _job()
    text = job.to_json()
    again = Job.from_json(text).to_json()
    assert again == text
    path = job.save(tmp_path / "j.json")
    assert load_job(path).to_json() == text
    assert load_job(path).hash() == job.hash()


def test_frame_helpers_cover_boundary_frames():
    job = _job(n=5)
    assert job.n_frames == 5 and job.n_baked == 7
    assert list(job.baked_frames()) == [0, 1, 2, 3, 4, 5, 6]
    assert job.index_of(0) == 0 and job.index_of(6) == 6
    np.testing.assert_allclose(job.c2w(0), job.camera.c2w[0])
    np.testing.assert_allclose(job.c2w(6)[:3, 3], [0.6, -5.0, 1.5])
    assert job.instances() == {0: "background", 1: "c", 2: "prop"}


def test_dumps_floats_round_trip_and_rejects_nan():
    values = [0.1, 1 / 3, 1e-300, 123456789.123456789, -0.0]
    assert json.loads(dumps(values)) == values
    assert dumps(json.loads(dumps(values))) == dumps(values)
    with pytest.raises(ValueError):
        dumps([float("nan")])


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["camera"]["c2w"][2][0].__setitem__(0, 2.0), "camera.c2w[2]", "orthonormal"),
    (lambda d: d["camera"]["c2w"].pop(), "camera.c2w", "expected 5"),
    (lambda d: d["camera"]["K"][1][0].__setitem__(2, 33.0), "camera.K[1]", "does not match"),
    (lambda d: d["subjects"][0]["source_time_s"].pop(), "subjects[0].source_time_s", "expected 5"),
    (lambda d: d["props"][0].__setitem__("instance_id", 1), "props[0].instance_id", "already used"),
    (lambda d: d["render"].__setitem__("samples_flow", 4), "render.samples_flow", "1-sample"),
    (lambda d: d.__setitem__("kind", "robot"), "kind", "not one of"),
    (lambda d: d.__setitem__("clip_id", "a.b"), "clip_id", "dots"),
    (lambda d: d["camera"]["c2w"][0].__setitem__(3, [0, 0, 1, 1]), "camera.c2w[0]", "last row"),
])
def test_validate_names_field_and_reason(mutate, field, words):
    data = copy.deepcopy(_job().to_dict())
    mutate(data)
    with pytest.raises(JobError) as exc:
        Job.from_dict(data, source="job.json")
    msg = str(exc.value)
    assert msg.startswith(f"job.json: {field}: ") and words in msg, msg


def test_reflection_is_not_a_rotation():
    data = _job().to_dict()
    m = np.asarray(data["camera"]["c2w"][0])
    m[:3, 0] *= -1                      # orthonormal but det = -1
    data["camera"]["c2w"][0] = m.tolist()
    with pytest.raises(JobError, match=r"camera.c2w\[0\]: rotation"):
        Job.from_dict(data)


def test_typed_parse_errors_name_the_field():
    data = _job().to_dict()
    data["subjects"][0]["playback_speed"] = "fast"
    with pytest.raises(JobError, match=r"subjects\[0\]\.playback_speed: expected a number"):
        Job.from_dict(data)
    data = _job().to_dict()
    data["camera"]["colour"] = 1
    with pytest.raises(JobError, match=r"camera\.colour: unknown field"):
        Job.from_dict(data)
    data = _job().to_dict()
    del data["camera"]["K"]
    with pytest.raises(JobError, match=r"camera\.K: required field is missing"):
        Job.from_dict(data)


def test_bad_json_and_missing_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(JobError, match="bad.json: not valid JSON"):
        load_job(bad)
    with pytest.raises(JobError, match="cannot read job file"):
        load_job(tmp_path / "missing.json")


def test_ground_projection_is_written_only_when_set():
    """A job without a ground projection keeps the bytes it had before the field existed; one
    with it round-trips; a bad one names the field."""
    job = _job()
    assert "ground_projection" not in job.to_json()
    from synthgen.job import GroundProjectionSpec
    job.environment.ground_projection = GroundProjectionSpec(center=[1.0, -2.0, 1.6], radius_m=80.0)
    again = Job.from_dict(json.loads(job.to_json()), source="job.json")
    assert again.environment.ground_projection == job.environment.ground_projection
    assert again.to_json() == job.to_json()
    data = job.to_dict()
    data["environment"]["ground_projection"]["radius_m"] = 0.0
    with pytest.raises(JobError, match=r"^job.json: environment.ground_projection.radius_m: must be positive"):
        Job.from_dict(data, source="job.json")
