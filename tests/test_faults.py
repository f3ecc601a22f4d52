"""Faults on a real local Ray cluster started here, with real renders of tiny jobs.

* a Ray worker SIGKILLed in the middle of a clip: the task is retried, resumes from its
  finished frames, and every frame equals an uninterrupted render bit for bit;
* poison jobs (missing asset, corrupt HDRI) fail alone after their retries, with their
  reasons in the summary; the others complete; exit code 1;
* re-running a finished render or export does no work: it succeeds even with the Ray
  address pointing nowhere, so provably no task (and no subprocess) was started;
* a write failure (a full disk, simulated with RLIMIT_FSIZE) gives a one-line error and
  leaves no DONE marker and no shard, finished or half-written.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

# Ray started by these tests listens on 127.0.0.1 only (read when ray is first imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import scenes  # noqa: E402
from synthgen import layout  # noqa: E402
from synthgen.executors import RayExecutor  # noqa: E402
from synthgen.executors.render import render_jobs  # noqa: E402
from synthgen.job import load_job  # noqa: E402
from synthgen.render import run_one  # noqa: E402

SYNTHGEN = [sys.executable, "-c", "from synthgen.cli import main; main()"]
NOWHERE = "127.0.0.1:9"           # no Ray there: any attempt to submit work would fail


@pytest.fixture(scope="module")
def ray_address():
    """A local 2-CPU Ray cluster owned by this module; yields its GCS address."""
    ray = pytest.importorskip("ray")
    ctx = ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ctx.address_info["gcs_address"]
    ray.shutdown()


def synthgen(*args, limit_bytes: int | None = None, timeout: float = 300):
    """Run the real console script; ``limit_bytes`` caps file sizes it may write."""
    def cap():
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return subprocess.run([*SYNTHGEN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap)


def tiny_jobs(folder: Path, names: list[str], **kw) -> list[Path]:
    kw = {"width": 32, "height": 24, "n_frames": 2, **kw}
    return [scenes.moving_props_job([(1.5, 0.5)], clip_id=n, **kw).save(folder / f"{n}.json")
            for n in names]


# ---------------------------------------------------------------- SIGKILL mid-clip
def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process we can see."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            out[int(d.name)] = (ppid, cmd)
    return out


def _render_process(job_path: Path) -> tuple[int, int] | None:
    """(render subprocess pid, its parent = the Ray worker running the task)."""
    for pid, (ppid, cmd) in _processes().items():
        if "entry.py" in cmd and str(job_path) in cmd and "launch.py" not in cmd:
            return pid, ppid
    return None


def _gone(pid: int, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":          # zombie: dead, not reaped yet
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_sigkilled_ray_worker_is_retried_and_resumes_bit_identical(tmp_path, ray_address):
    n = 48
    job = scenes.moving_props_job([(2.0, 0.5), (-1.0, 1.5)], width=64, height=48, n_frames=n,
                                  clip_id="killed")
    path = job.save(tmp_path / "jobs" / "killed.json")
    clean = run_one(path, tmp_path / "clean")
    assert clean.status == "done", clean.reason

    results = []
    runner = threading.Thread(target=lambda: results.extend(render_jobs(
        RayExecutor(retries=2, progress=False), [path], tmp_path / "out")))
    runner.start()
    folder = tmp_path / "out" / job.clip_id
    deadline = time.monotonic() + 120
    while len(list(folder.glob("frame_*.exr"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    victim = _render_process(path)
    assert victim is not None, "no render subprocess found"
    blender_pid, ray_worker_pid = victim
    os.kill(ray_worker_pid, signal.SIGKILL)                  # the Ray worker running the task
    assert not (folder / layout.DONE_FILE).exists()
    killed_at = len(list(folder.glob("frame_*.exr")))
    assert killed_at < n
    assert _gone(blender_pid, 10), "the render subprocess outlived its killed Ray worker"
    runner.join(timeout=240)

    (res,) = results
    assert res.status == "done", res.reason
    assert 0 < res.frames_rendered <= n - killed_at + 1     # the retry resumed, not restarted
    assert (folder / layout.DONE_FILE).read_text().strip() == job.hash()
    visible = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert visible == {layout.JOB_FILE, layout.RENDER_INFO_FILE, layout.DONE_FILE,
                       *(layout.frame_name(f) for f in range(1, n + 1))}
    assert not list(folder.glob(".frame_*.tmp"))             # no frame temp of the killed run
    for frame in range(1, n + 1):
        a = scenes.read_frame(folder / layout.frame_name(frame))
        b = scenes.read_frame(tmp_path / "clean" / job.clip_id / layout.frame_name(frame))
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"frame {frame} {name}")


# ---------------------------------------------------------------- poison jobs, re-runs
def _poison_jobs(folder: Path) -> list[Path]:
    missing = scenes.rotating_camera_hdri_job(1.0, width=32, height=24, n_frames=2, clip_id="missing")
    missing.environment.hdri.location = str(folder / "nowhere.exr")
    corrupt_file = folder / "corrupt.exr"
    corrupt_file.write_bytes(b"\x76\x2f\x31\x01" + b"not an image" * 64)
    corrupt = scenes.rotating_camera_hdri_job(1.0, width=32, height=24, n_frames=2, clip_id="corrupt")
    corrupt.environment.hdri.location = str(corrupt_file)
    return [missing.save(folder / "jobs" / "missing.json"),
            corrupt.save(folder / "jobs" / "corrupt.json")]


def test_poison_jobs_fail_alone_after_retries_then_reruns_do_no_work(tmp_path, ray_address):
    good = tiny_jobs(tmp_path / "jobs", ["good0", "good1"])
    _poison_jobs(tmp_path)
    out = tmp_path / "renders"
    run = synthgen("render", tmp_path / "jobs", "--out", out, "--executor", "ray",
                   "--address", ray_address, "--retries", "1", "--no-progress")
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[0] == "done 2, skipped 0, failed 2"
    failed = [ln for ln in run.stderr.splitlines() if ln.startswith("failed ")]
    assert len(failed) == 2
    assert any(ln.startswith("failed missing: ") and "does not exist" in ln
               and ln.endswith("(after 2 attempts)") for ln in failed), failed
    assert any(ln.startswith("failed corrupt: ") and "cannot read HDRI" in ln
               and ln.endswith("(after 2 attempts)") for ln in failed), failed
    assert [p.name for p in sorted(out.glob(f"*/{layout.DONE_FILE}"))] == ["DONE", "DONE"]
    assert sorted(p.parent.name for p in out.glob(f"*/{layout.DONE_FILE}")) == ["good0", "good1"]

    # Re-run of the finished jobs with Ray unreachable: no task could start, yet all is done.
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = synthgen("render", *good, "--out", out, "--executor", "ray", "--address", NOWHERE,
                     "--retries", "1", "--no-progress")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "done 0, skipped 2, failed 0"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps

    # Export on Ray, then compare with a one-by-one export and re-run with Ray unreachable.
    ds = tmp_path / "ds"
    exp = synthgen("export", out / "good0", out / "good1", "--out", ds, "--executor", "ray",
                   "--address", ray_address, "--max-fb-p90", "-1")
    assert exp.returncode == 0, exp.stderr
    seq = synthgen("export", out / "good0", out / "good1", "--out", tmp_path / "seq",
                   "--max-fb-p90", "-1")
    assert seq.returncode == 0, seq.stderr
    assert _members(ds) == _members(tmp_path / "seq")       # same samples, same bytes, same order
    procs = synthgen("export", out / "good0", out / "good1", "--out", tmp_path / "procs",
                     "--workers", "2", "--max-fb-p90", "-1")
    assert procs.returncode == 0, procs.stderr
    assert _members(tmp_path / "procs") == _members(ds)
    assert [n.split(".")[0] for n in _members(ds)].count("good0") == len(_members(ds)) // 2
    assert not list(ds.glob(".*"))                           # no scratch or temp left behind
    stamps = {p: p.stat().st_mtime_ns for p in ds.glob("shard-*.tar")}
    again = synthgen("export", out / "good0", out / "good1", "--out", ds, "--executor", "ray",
                     "--address", NOWHERE, "--max-fb-p90", "-1")
    assert again.returncode == 0, again.stderr
    assert "skipped 2 already in the dataset" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in ds.glob("shard-*.tar")} == stamps


def _members(ds: Path) -> dict[str, bytes]:
    """Every member of every shard, in shard order: name -> bytes."""
    out = {}
    for shard in sorted(ds.glob("shard-*.tar")):
        with tarfile.open(shard) as tar:
            for m in tar.getmembers():
                out[m.name] = tar.extractfile(m).read()
    return out


def test_rerun_of_100_finished_clips_starts_nothing(tmp_path):
    """100 finished clips (one real render, cloned with each job's file and DONE hash)."""
    pytest.importorskip("ray")
    jobs = tiny_jobs(tmp_path / "jobs", [f"c{i:03d}" for i in range(100)])
    out = tmp_path / "renders"
    assert run_one(jobs[0], out).status == "done"
    src = out / "c000"
    for path in jobs[1:]:
        job = load_job(path)
        shutil.copytree(src, out / job.clip_id)
        job.save(out / job.clip_id / layout.JOB_FILE)
        (out / job.clip_id / layout.DONE_FILE).write_text(job.hash())
    run = synthgen("render", tmp_path / "jobs", "--out", out, "--executor", "ray",
                   "--address", NOWHERE, "--no-progress")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "done 0, skipped 100, failed 0"


# ---------------------------------------------------------------- write failures
def test_full_disk_during_render_leaves_no_done_marker(tmp_path):
    (path,) = tiny_jobs(tmp_path / "jobs", ["full"], width=96, height=64, n_frames=3)
    out = tmp_path / "renders"
    run = synthgen("render", path, "--out", out, "--retries", "1", "--no-progress",
                   limit_bytes=16_000)                       # each EXR frame is ~38 kB
    assert run.returncode == 1
    failed = [ln for ln in run.stderr.splitlines() if ln.startswith("failed full: ")]
    assert len(failed) == 1 and failed[0].endswith("(after 2 attempts)"), run.stderr
    folder = out / "full"
    assert not (folder / layout.DONE_FILE).exists()
    assert not list(folder.glob("frame_*.exr"))             # nothing half-written under a final name


def test_full_disk_during_export_leaves_no_shard(tmp_path, ray_address):
    (path,) = tiny_jobs(tmp_path / "jobs", ["big"], width=96, height=64, n_frames=4)
    renders = tmp_path / "renders"
    assert run_one(path, renders).status == "done"
    ds = tmp_path / "ds"
    run = synthgen("export", renders, "--out", ds, "--executor", "ray", "--address", ray_address,
                   "--max-fb-p90", "-1", "--compression", "none",
                   limit_bytes=40_000)   # flow.npy alone is 73 kB (compressed, the shard would fit)
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("synthgen: error: ") and "cannot write shard" in lines[-1], run.stderr
    assert "Traceback" not in run.stderr
    assert not list(ds.glob("shard-*")) and not list(ds.glob(".*tmp*"))
    index = ds / "index.jsonl"
    assert not index.exists() or "big" not in index.read_text()


def test_ray_tasks_render_with_the_threads_they_reserve(tmp_path, ray_address):
    """--cpus-per-job N reserves N CPUs per task and Cycles renders with exactly N threads."""
    jobs = tiny_jobs(tmp_path / "jobs", ["one"])
    res = synthgen("render", str(jobs[0]), "--out", str(tmp_path / "out"), "--executor", "ray",
                   "--address", ray_address, "--cpus-per-job", "1")
    assert res.returncode == 0, res.stderr
    info = json.loads((tmp_path / "out" / "one" / layout.RENDER_INFO_FILE).read_text())
    assert info["cpu_threads"] == 1
