"""Hostile and careless inputs, through the real CLI in subprocesses, at every stage.

Each case sets up a bad input the way a new user (or a broken farm) would, runs the real
``synthgen`` console script (or the farm entry script), and asserts what the README
promises: the exit code, one line on stderr that names the file and the field with the
reason, no ``Traceback``, no other noise on stderr, and nothing left behind that a later
stage could take as finished. Full-disk and read-only cases run on small tmpfs mounts
(CI runs as root) and skip cleanly where mounting is not allowed.

The two adoption cases (another job's frames in a render folder whose ``job.json`` is
missing or truncated) and the duplicate-clip-id case gave wrong data with exit code 0
before ``synthgen.renderdir`` existed.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from synthgen import layout
from synthgen.export.exr import read_channels, write_frame
from synthetic import frame_channels, make_job, write_clip
from synthgen.job import load_job
from synthgen.planner import plan as plan_jobs

ROOT = Path(__file__).resolve().parents[1]
SYNTHGEN = [sys.executable, "-c", "from synthgen.cli import main; main()"]
ENTRY = [sys.executable, str(ROOT / "synthgen" / "blender" / "entry.py"), "--"]
#: stderr lines a run may print besides its one error line.
ALLOWED = ("synthgen: error: ", "synthgen: skipped clip: ", "failed ", "failed: ", "note ", "filtered ",
           "skipped: ", "render: ")

PRESET = """
[preset]
kind = "camera"
base = ["tiny"]
"""
VIDEO = {"width": 48, "height": 32, "frames": 3}


# ============================================================================ world
@dataclass
class World:
    """Shared, read-only artifacts (built once) and the case's own scratch folder."""

    shared: Path
    preset: Path
    jobs_a: Path          # one planned camera clip (seed 1)
    jobs_b: Path          # the same clip id from another plan (seed 2)
    renders_a: Path       # jobs_a rendered
    renders_b: Path       # jobs_b rendered (a clean render to compare against)
    dataset: Path         # renders_a exported
    tmp: Path = Path()
    mounts: list = field(default_factory=list)

    @property
    def clip(self) -> str:
        return "camera-000000"

    def copy(self, src: Path, name: str) -> Path:
        dst = self.tmp / name
        shutil.copytree(src, dst)
        return dst

    def fs(self, size: str, readonly: bool = False) -> Path:
        """A fresh tmpfs of ``size`` (e.g. "200k"), read-only when asked; skips if not root."""
        mnt = self.tmp / f"mnt{len(self.mounts)}"
        mnt.mkdir()
        opts = f"size={size}" + (",ro" if readonly else "")
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mnt)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()})")
        self.mounts.append(mnt)
        return mnt


def _run(argv: list, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout)


def synthgen(*args) -> subprocess.CompletedProcess:
    return _run([*SYNTHGEN, *args])


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("hostile")
    preset = root / "hostile.toml"
    preset.write_text(preset_text())
    jobs_a, jobs_b = root / "jobs_a", root / "jobs_b"
    plan_jobs(preset, 1, 1, jobs_a)
    plan_jobs(preset, 1, 2, jobs_b)
    for jobs, out in ((jobs_a, root / "renders_a"), (jobs_b, root / "renders_b")):
        res = synthgen("render", jobs, "--out", out, "--no-progress")
        assert res.returncode == 0, res.stderr
    res = synthgen("export", root / "renders_a", "--out", root / "dataset")
    assert res.returncode == 0, res.stderr
    return World(root, preset, jobs_a, jobs_b, root / "renders_a", root / "renders_b", root / "dataset")


@pytest.fixture
def world(shared, tmp_path):
    w = World(**{k: getattr(shared, k) for k in ("shared", "preset", "jobs_a", "jobs_b", "renders_a",
                                                  "renders_b", "dataset")}, tmp=tmp_path)
    yield w
    for mnt in reversed(w.mounts):
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


# ============================================================================ cases
@dataclass
class Case:
    setup: Callable[[World], list]          # returns argv (after "synthgen"), or (argv, check)
    rc: int
    needles: tuple[str, ...]                # all of them on one stderr line
    entry: bool = False                     # run the farm entry script instead


CASES: dict[str, Case] = {}


def case(name: str, rc: int, *needles: str, entry: bool = False):
    def register(fn):
        CASES[name] = Case(fn, rc, needles, entry)
        return fn
    return register


def preset_text(extra: str = "", **video) -> str:
    """The tests' preset, ``video`` keys overridden, then ``extra`` TOML (further tables)."""
    table = "".join(f"{k} = {v}\n" for k, v in {**VIDEO, **video}.items())
    return f"{PRESET}[video]\n{table}{extra}"


def preset_with(w: World, extra: str = "", **video) -> Path:
    path = w.tmp / "p.toml"
    path.write_text(preset_text(extra, **video))
    return path


def job_edited(w: World, change) -> Path:
    """A copy of plan A's job file after ``change(dict)``, written as JSON (NaN allowed)."""
    data = json.loads((w.jobs_a / f"{w.clip}.json").read_text())
    change(data)
    path = w.tmp / "jobs" / f"{w.clip}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def no_files(folder: Path, pattern: str = "*") -> Callable[[], None]:
    def check():
        assert not [p for p in folder.rglob(pattern) if p.is_file()], sorted(folder.rglob(pattern))
    return check


# ---------------------------------------------------------------------------- plan
@case("plan-unknown-preset", 2, "unknown preset 'nope'", "known: ")
def _(w):
    return ["plan", "--preset", "nope", "--count", "1", "--out", w.tmp / "j"], no_files(w.tmp)


@case("plan-preset-file-missing", 2, "missing.toml", "preset file not found")
def _(w):
    return ["plan", "--preset", w.tmp / "missing.toml", "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-not-toml", 2, "p.toml", "not valid TOML")
def _(w):
    (w.tmp / "p.toml").write_text(PRESET + "[video\nfps = =")
    return ["plan", "--preset", w.tmp / "p.toml", "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-fps-inf", 2, "p.toml", "video.fps", "finite")
def _(w):
    return ["plan", "--preset", preset_with(w, fps="inf"), "--count", "1", "--out", w.tmp / "j"], \
        no_files(w.tmp, "*.json")


@case("plan-preset-fps-nan", 2, "p.toml", "video.fps", "finite")
def _(w):
    return ["plan", "--preset", preset_with(w, fps="nan"), "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-one-frame", 2, "p.toml", "video.frames", "2..")
def _(w):
    return ["plan", "--preset", preset_with(w, frames=1),
            "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-huge-width", 2, "p.toml", "video.width", "16384")
def _(w):
    return ["plan", "--preset", preset_with(w, width=100000), "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-focal-inf", 2, "p.toml", "camera_path.focal_mm")
def _(w):
    return ["plan", "--preset", preset_with(w, "[camera_path]\nfocal_mm = { uniform = [16.0, inf] }\n"),
            "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-focal-absurd", 2, "p.toml", "camera_path.focal_mm", "2000")
def _(w):
    return ["plan", "--preset", preset_with(w, "[camera_path]\nfocal_mm = { uniform = [16.0, 1e6] }\n"),
            "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-light-nan", 2, "p.toml", "lights.intensity_w")
def _(w):
    return ["plan", "--preset", preset_with(w, "[lights]\nintensity_w = nan\n"),
            "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-sensor-absurd", 2, "p.toml", "camera.sensor_width_mm", "up to 100")
def _(w):
    return ["plan", "--preset", preset_with(w, "[camera]\nsensor_width_mm = 1e9\n"),
            "--count", "1", "--out", w.tmp / "j"]


@case("plan-preset-unknown-key", 2, "p.toml", "video.fsp", "unknown key")
def _(w):
    return ["plan", "--preset", preset_with(w, fsp=24), "--count", "1", "--out", w.tmp / "j"]


@case("plan-count-zero", 2, "count", "integer >= 1")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "0", "--out", w.tmp / "j"]


@case("plan-count-absurd", 2, "count", "10,000,000")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "100000000", "--out", w.tmp / "j"], no_files(w.tmp)


@case("plan-seed-negative", 2, "seed", "integer >= 0")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "1", "--seed", "-1", "--out", w.tmp / "j"]


@case("plan-out-under-dev-null", 2, "/dev/null/x", "Not a directory")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "1", "--out", "/dev/null/x"]


@case("plan-out-is-a-file", 2, "afile", "exists and is not a folder")
def _(w):
    (w.tmp / "afile").write_text("x")
    return ["plan", "--preset", w.preset, "--count", "1", "--out", w.tmp / "afile"]


@case("plan-out-read-only", 2, "Read-only file system")
def _(w):
    ro = w.fs("1m", readonly=True)
    return ["plan", "--preset", w.preset, "--count", "1", "--out", ro / "j"]


@case("plan-out-full-disk", 2, "No space left on device")
def _(w):
    full = w.fs("48k")
    return ["plan", "--preset", w.preset, "--count", "8", "--out", full / "j"], no_files(full)


@case("plan-into-another-plans-folder", 2, "jobs_copy", "another plan's 1 jobs", "--overwrite")
def _(w):
    out = w.copy(w.jobs_a, "jobs_copy")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def unchanged():
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    return ["plan", "--preset", w.preset, "--count", "1", "--seed", "9", "--out", out], unchanged


@case("plan-manifest-missing", 2, "nope.json")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "1", "--out", w.tmp / "j",
            "--assets", w.tmp / "nope.json"]


@case("plan-manifest-not-json", 2, "m.json", "JSON")
def _(w):
    (w.tmp / "m.json").write_text("{oops")
    return ["plan", "--preset", w.preset, "--count", "1", "--out", w.tmp / "j", "--assets", w.tmp / "m.json"]


@case("plan-human-without-characters", 2, "default.json", "at least one character")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "1", "--kind", "human", "--out", w.tmp / "j",
            "--assets", ROOT / "assets_manifest" / "default.json"]


@case("plan-bad-kind-option", 2, "--kind", "see `synthgen plan --help`")
def _(w):
    return ["plan", "--preset", w.preset, "--count", "1", "--kind", "robot", "--out", w.tmp / "j"]


# ---------------------------------------------------------------------------- assets
@case("assets-validate-missing-manifest", 2, "gone.json")
def _(w):
    return ["assets", "validate", "--assets", w.tmp / "gone.json"]


@case("assets-validate-bad-checksum", 2, "m.json", "sha256")
def _(w):
    (w.tmp / "f.obj").write_text("v 0 0 0\n")
    (w.tmp / "m.json").write_text(json.dumps({"format": "synthgen-assets/1", "assets": [{
        "id": "thing", "kind": "prop", "location": "f.obj", "sha256": "0" * 64, "licence": "CC0-1.0",
        "description": "a thing"}]}))
    return ["assets", "validate", "--assets", w.tmp / "m.json"]


@case("assets-import-broken-bvh", 2, "no usable character or animation")
def _(w):
    d = w.tmp / "bvh"
    d.mkdir()
    (d / "broken.bvh").write_text("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 6 Xposition\n")

    def reason_is_the_files():
        res = CASES_LAST["res"]
        line = next(ln for ln in res.stderr.splitlines() if ln.startswith("skipped: "))
        assert "broken.bvh" in line and "not a readable BVH file" in line
        assert "Location:" not in line and "bpy" not in line, line
        assert not (d / "m.json").exists()
    return ["assets", "import-mixamo", d, "--out", d / "m.json"], reason_is_the_files


@case("assets-import-missing-folder", 2, "DIR", "does not exist")
def _(w):
    return ["assets", "import-mixamo", w.tmp / "none", "--out", w.tmp / "m.json"]


@case("assets-import-empty-folder", 2, "no .fbx or .bvh files found")
def _(w):
    (w.tmp / "empty").mkdir()
    return ["assets", "import-mixamo", w.tmp / "empty", "--out", w.tmp / "empty" / "m.json"]


# ---------------------------------------------------------------------------- render
@case("render-empty-jobs-folder", 2, "empty", "holds no job files")
def _(w):
    (w.tmp / "empty").mkdir()
    return ["render", w.tmp / "empty", "--out", w.tmp / "r"], no_files(w.tmp)


@case("render-missing-path", 2, "nothere", "no such job file or folder")
def _(w):
    return ["render", w.tmp / "nothere", "--out", w.tmp / "r"]


@case("render-random-bytes-job", 1, "failed", "junk.json", "cannot read job file")
def _(w):
    (w.tmp / "junk.json").write_bytes(np.random.default_rng(0).bytes(300))
    return ["render", w.tmp / "junk.json", "--out", w.tmp / "r", "--no-progress"]


@case("render-truncated-json-job", 1, "failed", f"camera-000000.json", "not valid JSON")
def _(w):
    path = job_edited(w, lambda d: None)
    path.write_text(path.read_text()[:200])
    return ["render", path, "--out", w.tmp / "r", "--no-progress"]


@case("render-job-fps-nan", 1, "failed", "camera-000000.json", "fps", "finite")
def _(w):
    return ["render", job_edited(w, lambda d: d.update(fps=float("nan"))), "--out", w.tmp / "r",
            "--no-progress"], no_files(w.tmp / "r")


@case("render-job-K-inf", 1, "failed", "camera-000000.json", "camera.K[0][0][0]", "finite")
def _(w):
    def change(d):
        d["camera"]["K"][0][0][0] = float("inf")
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-c2w-nan", 1, "failed", "camera.c2w[1][0][3]", "finite")
def _(w):
    def change(d):
        d["camera"]["c2w"][1][0][3] = float("nan")
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-light-intensity-inf", 1, "failed", "lights[0].intensity_w", "finite")
def _(w):
    def change(d):
        d["lights"][0]["intensity_w"] = float("inf")
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-sensor-nan", 1, "failed", "camera.sensor_width_mm", "finite")
def _(w):
    def change(d):
        d["camera"]["sensor_width_mm"] = float("nan")
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-params-nan", 1, "failed", "plan.params", "finite")
def _(w):
    def change(d):
        d["plan"]["params"]["extra"] = float("nan")
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-huge-side", 1, "failed", "width", "16384")
def _(w):
    return ["render", job_edited(w, lambda d: d.update(width=20000)), "--out", w.tmp / "r", "--no-progress"]


@case("render-job-unknown-field", 1, "failed", "camera.lens", "unknown field")
def _(w):
    def change(d):
        d["camera"]["lens"] = 35
    return ["render", job_edited(w, change), "--out", w.tmp / "r", "--no-progress"]


@case("render-duplicate-clip-ids", 2, "a.json", "b.json", "'camera-000000' is planned twice")
def _(w):
    jobs = w.tmp / "dup"
    jobs.mkdir()
    shutil.copy(w.jobs_a / f"{w.clip}.json", jobs / "a.json")
    shutil.copy(w.jobs_b / f"{w.clip}.json", jobs / "b.json")
    return ["render", jobs, "--out", w.tmp / "r", "--workers", "2", "--no-progress"], no_files(w.tmp / "r")


@case("render-timeout-negative", 2, "--timeout", "positive")
def _(w):
    return ["render", w.jobs_a, "--out", w.tmp / "r", "--timeout", "-1"]


@case("render-timeout-nan", 2, "--timeout", "positive")
def _(w):
    return ["render", w.jobs_a, "--out", w.tmp / "r", "--timeout", "nan"]


@case("render-bad-device", 2, "--device", "see `synthgen render --help`")
def _(w):
    return ["render", w.jobs_a, "--out", w.tmp / "r", "--device", "tpu"]


@case("render-workers-zero", 2, "--workers")
def _(w):
    return ["render", w.jobs_a, "--out", w.tmp / "r", "--workers", "0"]


@case("render-out-is-a-file", 2, "afile", "is a file")
def _(w):
    (w.tmp / "afile").write_text("x")
    return ["render", w.jobs_a, "--out", w.tmp / "afile", "--no-progress"]


@case("render-out-read-only", 1, "Read-only file system")
def _(w):
    return ["render", w.jobs_a, "--out", w.fs("1m", readonly=True) / "r", "--no-progress"]


@case("render-full-disk", 1, "failed camera-000000", "no space left on device")
def _(w):
    full = w.fs("40k")

    def nothing_finished():
        clip = full / "r" / w.clip
        assert not (clip / layout.DONE_FILE).exists() and not list(clip.glob("frame_*.exr"))
    return ["render", w.jobs_a, "--out", full / "r", "--no-progress"], nothing_finished


@case("render-folder-of-another-job", 1, "failed camera-000000", "holds frames of a different job")
def _(w):
    renders = w.copy(w.renders_a, "renders")
    return ["render", w.jobs_b, "--out", renders, "--no-progress"], _still_job(renders, w.jobs_a)


def _still_job(renders: Path, jobs: Path) -> Callable[[], None]:
    def check():
        job = load_job(next(jobs.glob("*.json")))
        assert (renders / job.clip_id / layout.DONE_FILE).read_text().strip() == job.hash()
    return check


def _adoption(w: World, damage: Callable[[Path], None]) -> tuple[list, Callable[[], None]]:
    """Plan A's frames in a folder whose job.json is damaged; render plan B into it."""
    renders = w.copy(w.renders_a, "renders")
    folder = renders / w.clip
    (folder / layout.DONE_FILE).unlink()
    damage(folder / layout.JOB_FILE)

    def rendered_again():
        job_b = load_job(w.jobs_b / f"{w.clip}.json")
        assert (folder / layout.DONE_FILE).read_text().strip() == job_b.hash()
        assert (folder / layout.JOB_FILE).read_text() == job_b.to_json()
        for frame in range(job_b.frame_start, job_b.frame_end + 1):
            name = layout.frame_name(frame)
            got = read_channels(folder / name, layout.VECTOR_CHANNELS)
            want = read_channels(w.renders_b / w.clip / name, layout.VECTOR_CHANNELS)
            for ch in layout.VECTOR_CHANNELS:       # bit-identical to a clean render of B
                np.testing.assert_array_equal(got[ch], want[ch])
        aside = list((renders / ".setaside").glob(f"{w.clip}-*/frame_*.exr"))
        assert len(aside) == job_b.n_frames                 # A's frames kept aside, not adopted
        assert not (renders / ".setaside" / "x").exists()
        res = synthgen("verify", folder)
        assert res.returncode == 0, res.stdout
    return ["render", w.jobs_b, "--out", renders, "--no-progress"], rendered_again


@case("render-adopts-nothing-without-job-json", 0, "note camera-000000", "job.json is missing",
      "set them aside")
def _(w):
    return _adoption(w, lambda p: p.unlink())


@case("render-adopts-nothing-with-truncated-job-json", 0, "note camera-000000", "job.json is unreadable",
      "set them aside")
def _(w):
    return _adoption(w, lambda p: p.write_text(p.read_text()[:100]))


# ---------------------------------------------------------------------------- entry script
@case("entry-bad-job", 2, "synthgen: error: ", "fps", "finite", entry=True)
def _(w):
    return ["--job", job_edited(w, lambda d: d.update(fps=float("inf"))), "--out", w.tmp / "r"]


@case("entry-missing-job-argument", 2, "synthgen: error: ", "--job", entry=True)
def _(w):
    return ["--out", w.tmp / "r"]


@case("entry-bad-frames", 2, "--frames", "not A:B", entry=True)
def _(w):
    return ["--job", w.jobs_a / f"{w.clip}.json", "--out", w.tmp / "r", "--frames", "two"]


@case("entry-frames-out-of-range", 2, "--frames", "outside the clip's frames", entry=True)
def _(w):
    return ["--job", w.jobs_a / f"{w.clip}.json", "--out", w.tmp / "r", "--frames", "0:99"]


# ---------------------------------------------------------------------------- verify
@case("verify-missing-folder", 1, "gone", "not a readable render folder")
def _(w):
    return ["verify", w.tmp / "gone"]


@case("verify-unfinished-folder", 1, "camera-000000", "no DONE marker")
def _(w):
    renders = w.copy(w.renders_a, "renders")
    (renders / w.clip / layout.DONE_FILE).unlink()
    return ["verify", renders / w.clip]


@case("verify-frame-truncated-after-finish", 1, "camera-000000", "frame_0002.exr changed", "truncated")
def _(w):
    renders = w.copy(w.renders_a, "renders")
    frame = renders / w.clip / layout.frame_name(2)
    frame.write_bytes(frame.read_bytes()[:-300])
    return ["verify", renders / w.clip]


@case("verify-sample-random-bytes-tar", 1, "rand.tar", "not a readable shard")
def _(w):
    (w.tmp / "rand.tar").write_bytes(np.random.default_rng(1).bytes(5000))
    return ["verify", w.renders_a / w.clip, "--sample", w.tmp / "rand.tar"]


@case("verify-sample-without-the-clip", 1, "ds", "no sample 'camera-000000'")
def _(w):
    ds = w.tmp / "ds"
    _synthetic_dataset(ds, ["other-000001"])
    return ["verify", w.renders_a / w.clip, "--sample", ds]


@case("verify-report-read-only", 1, "Read-only file system")
def _(w):
    return ["verify", w.renders_a / w.clip, "--report", w.fs("1m", readonly=True) / "rep"]


def _synthetic_dataset(ds: Path, keys: list[str]) -> None:
    renders = ds.parent / f"{ds.name}-renders"
    for key in keys:
        write_clip(make_job(key, n_frames=3, width=32, height=24), renders / key)
    res = synthgen("export", renders, "--out", ds)
    assert res.returncode == 0, res.stderr


# ---------------------------------------------------------------------------- export
def _synthetic_renders(w: World, keys: list[str], **job_kw) -> Path:
    renders = w.tmp / "renders"
    for key in keys:
        write_clip(make_job(key, n_frames=3, width=32, height=24, **job_kw), renders / key)
    return renders


@case("export-random-bytes-index", 1, "index.jsonl", "not a text file of JSON lines")
def _(w):
    ds = w.copy(w.dataset, "ds")
    (ds / "index.jsonl").write_bytes(np.random.default_rng(2).bytes(400))
    return ["export", w.renders_a, "--out", ds], no_files(ds, ".*tmp*")


@case("export-garbage-index-line", 1, "index.jsonl", "line 2 is not a JSON object")
def _(w):
    ds = w.copy(w.dataset, "ds")
    with open(ds / "index.jsonl", "a") as fh:
        fh.write("[1, 2]\n")
    return ["export", w.renders_a, "--out", ds]


@case("export-empty-renders-folder", 2, "empty", "no render folders")
def _(w):
    (w.tmp / "empty").mkdir()
    return ["export", w.tmp / "empty", "--out", w.tmp / "ds"], no_files(w.tmp / "ds", "shard-*")


@case("export-shard-size-garbage", 2, "--shard-size", "'lots' is not a size")
def _(w):
    return ["export", w.renders_a, "--out", w.tmp / "ds", "--shard-size", "lots"]


@case("export-max-fb-nan", 2, "--max-fb-p90", "nan")
def _(w):
    return ["export", w.renders_a, "--out", w.tmp / "ds", "--max-fb-p90", "nan"]


@case("export-unknown-member", 2, "members", "unknown dataset member 'optical'", "known: flow")
def _(w):
    return ["export", w.renders_a, "--out", w.tmp / "ds", "--members", "flow,optical"]


@case("export-bad-plucker-res", 2, "--plucker-res", "WIDTHxHEIGHT")
def _(w):
    return ["export", w.renders_a, "--out", w.tmp / "ds", "--plucker-res", "0x5"]


@case("export-changed-job-under-exported-key", 1, "camera-000000", "already in the dataset from another job")
def _(w):
    ds = w.copy(w.dataset, "ds")
    before = (ds / "index.jsonl").read_text()

    def kept_old_sample_only():
        assert (ds / "index.jsonl").read_text() == before
        assert sorted(p.name for p in ds.glob("shard-*.tar")) == ["shard-000000.tar"]
    return ["export", w.renders_b, "--out", ds], kept_old_sample_only


@case("export-unsafe-key-skips-only-that-clip", 1, "bad@key", "cannot be a WebDataset key", "clip_id")
def _(w):
    renders = _synthetic_renders(w, ["good-000001", "bad@key"])

    def good_one_exported():
        index = [json.loads(ln) for ln in (w.tmp / "ds" / "index.jsonl").read_text().splitlines()]
        assert [e["key"] for e in index] == ["good-000001"]
    return ["export", renders, "--out", w.tmp / "ds"], good_one_exported


@case("export-full-disk", 1, "No space left on device", "nothing of camera-000000 was kept")
def _(w):
    full = w.fs("24k")

    def nothing_half_written():
        assert not list((full / "ds").glob("shard-*")) and not list((full / "ds").glob(".*tmp*"))
    return ["export", w.renders_a, "--out", full / "ds"], nothing_half_written


@case("export-read-only-dataset", 1, "not writable", "Read-only file system")
def _(w):
    return ["export", w.renders_a, "--out", w.fs("1m", readonly=True)]


@case("export-unknown-object-ids-filtered", 0, "filtered bad-000001", "pixels carry object ids the job does not list")
def _(w):
    renders = _synthetic_renders(w, ["bad-000001"])
    clip = renders / "bad-000001"
    job = load_job(clip / layout.JOB_FILE)
    ch = read_channels(clip / layout.frame_name(2), layout.required_channels("flow"))
    ch[layout.INDEX_CHANNEL][:4] = 9.0                      # an object the job does not have
    write_frame(clip / layout.frame_name(2), ch)
    from synthgen.renderdir import RenderDir
    RenderDir(clip).finish(job, {})                          # a worker that wrote such a frame

    def listed_with_reason():
        stats = json.loads((w.tmp / "ds" / "stats.json").read_text())
        assert stats["filtered"]["clips"] == 1 and "object ids" in stats["filtered"]["list"][0]["reason"]
        assert not list((w.tmp / "ds").glob("shard-*"))
    return ["export", renders, "--out", w.tmp / "ds"], listed_with_reason


@case("export-photometric-failure-filtered", 0, "filtered full-000001", "photometric ratio", "RGB and flow disagree")
def _(w):
    renders = w.tmp / "renders"
    job = make_job("full-000001", n_frames=4, width=64, height=48, mode="full")
    clip = write_clip(job, renders / job.clip_id)
    rng = np.random.default_rng(5)
    for k, frame in enumerate(range(job.frame_start, job.frame_end + 1)):
        ch = frame_channels(job, k)
        for name in layout.RGB_CHANNELS[:3]:                 # RGB that moves nothing like the flow
            ch[name] = rng.random(ch[name].shape).astype(np.float32)
        write_frame(clip / layout.frame_name(frame), ch)
    from synthgen.renderdir import RenderDir
    RenderDir(clip).finish(job, {})
    return ["export", renders, "--out", w.tmp / "ds", "--max-fb-p90", "-1"]


# ---------------------------------------------------------------------------- preview
@case("preview-random-bytes-tar", 1, "rand.tar", "not a readable shard")
def _(w):
    (w.tmp / "rand.tar").write_bytes(np.random.default_rng(3).bytes(5000))
    return ["preview", w.tmp / "rand.tar", "--out", w.tmp / "p.png"], no_files(w.tmp, "*.png")


@case("preview-wrong-extension", 1, "p.jpg", "must end in .png or .mp4")
def _(w):
    return ["preview", w.dataset, "--out", w.tmp / "p.jpg"]


@case("preview-out-read-only", 1, "p.png", "Read-only file system")
def _(w):
    return ["preview", w.dataset, "--out", w.fs("1m", readonly=True) / "p.png"]


@case("preview-missing-source", 1, "nowhere", "not a render folder, shard or dataset folder")
def _(w):
    return ["preview", w.tmp / "nowhere", "--out", w.tmp / "p.png"]


@case("preview-missing-key", 1, "dataset", "no sample 'nope-000001'")
def _(w):
    return ["preview", w.dataset, "--key", "nope-000001", "--out", w.tmp / "p.png"]


@case("preview-truncated-shard", 1, "shard-000000.tar", "not a readable shard")
def _(w):
    ds = w.copy(w.dataset, "ds")
    shard = ds / "shard-000000.tar"
    shard.write_bytes(shard.read_bytes()[:3000])
    return ["preview", shard, "--out", w.tmp / "p.png"]


# ---------------------------------------------------------------------------- stats
@case("stats-random-bytes-index", 1, "index.jsonl", "not a text file of JSON lines")
def _(w):
    ds = w.copy(w.dataset, "ds")
    (ds / "index.jsonl").write_bytes(np.random.default_rng(4).bytes(400))
    return ["stats", ds]


@case("stats-no-index", 1, "nothing", "no index.jsonl")
def _(w):
    (w.tmp / "nothing").mkdir()
    return ["stats", w.tmp / "nothing"]


@case("stats-out-read-only", 1, "Read-only file system")
def _(w):
    return ["stats", w.dataset, "--out", w.fs("1m", readonly=True) / "s.png"]


CASES_LAST: dict = {}


def _record(name: str, rc: int, hits: list[str]) -> None:
    """With SYNTHGEN_HOSTILE_REPORT=FILE, append each case's outcome (for release notes)."""
    import os
    report = os.environ.get("SYNTHGEN_HOSTILE_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as fh:
            fh.write(f"| {name} | {rc} | {(hits or ['(no line)'])[0][:220]} |\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name, world):
    c = CASES[name]
    out = c.setup(world)
    argv, check = (out if isinstance(out, tuple) else (out, None))
    res = _run([*(ENTRY if c.entry else SYNTHGEN), *argv])
    CASES_LAST["res"] = res
    text = f"rc {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode == c.rc, text
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, text
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert all(ln.startswith(ALLOWED) for ln in lines), text          # no noise (OpenEXR, bpy, tqdm)
    hits = [ln for ln in lines if all(n in ln for n in c.needles)]
    _record(name, res.returncode, hits)
    assert len(hits) == 1, text
    if c.rc != 0:
        assert len([ln for ln in lines if ln.startswith(("synthgen: error: ", "failed "))]) <= 1, text
    if check is not None:
        check()


def test_there_are_enough_cases():
    assert len(CASES) >= 60


def test_two_tiny_clips_share_a_shard_by_default(tmp_path):
    """The default --shard-size (1GB) holds many tiny clips: one shard, not one per clip."""
    renders = tmp_path / "renders"
    for key in ("one-000001", "two-000002"):
        write_clip(make_job(key, n_frames=3, width=32, height=24), renders / key)
    res = synthgen("export", renders, "--out", tmp_path / "ds")
    assert res.returncode == 0, res.stderr
    shards = sorted((tmp_path / "ds").glob("shard-*.tar"))
    assert [s.name for s in shards] == ["shard-000000.tar"]
    with tarfile.open(shards[0]) as tar:
        keys = {m.name.split(".", 1)[0] for m in tar}
    assert keys == {"one-000001", "two-000002"}


@pytest.mark.parametrize("text, want", [
    ("1GB", 10 ** 9), ("1e9", 10 ** 9), ("500M", 5 * 10 ** 8), ("250kB", 250_000), ("2T", 2 * 10 ** 12),
    ("1GiB", 2 ** 30), ("64MiB", 64 * 2 ** 20), ("8KiB", 8192), ("1000000", 10 ** 6), ("1.5 GB", 1.5e9),
])
def test_shard_sizes(text, want):
    from synthgen.cli.export import parse_size
    assert parse_size(text) == want


@pytest.mark.parametrize("text", ["lots", "-1GB", "1QB", "nan", "inf", "0", "1e999"])
def test_bad_shard_sizes(text):
    from synthgen.cli.export import parse_size
    from synthgen.errors import UsageError
    with pytest.raises(UsageError, match="--shard-size"):
        parse_size(text)
