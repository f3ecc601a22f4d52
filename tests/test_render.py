"""synthgen.render (subprocess job runner) and the ``synthgen render`` CLI."""
from __future__ import annotations

import shlex

import numpy as np
from click.testing import CliRunner

import scenes
from synthgen import layout
from synthgen.cli import cli
from synthgen.executors import LocalExecutor
from synthgen.executors.render import render_jobs
from synthgen.render import collect_jobs, farm_command, run_one, summary_lines


def _jobs(tmp_path, n=2):
    paths = []
    for i in range(n):
        job = scenes.moving_prop_job(1.0 + i, 0.0, n_frames=2, width=32, height=24, clip_id=f"clip{i}")
        paths.append(job.save(tmp_path / "jobs" / f"clip{i}.json"))
    return paths


def test_run_one_done_then_skipped(tmp_path):
    (path,) = _jobs(tmp_path, 1)
    seen = []
    res = run_one(path, tmp_path / "out", on_frame=lambda *a: seen.append(a))
    assert res.status == "done" and res.ok and res.returncode == 0, res.reason
    assert res.folder == tmp_path / "out" / "clip0" and res.frames_rendered == 2
    assert seen == [(1, 1, 2), (2, 2, 2)]
    again = run_one(path, tmp_path / "out")
    assert again.status == "skipped" and again.frames_rendered == 0


def test_run_one_mode_override_rerenders_with_rgb(tmp_path):
    (path,) = _jobs(tmp_path, 1)
    assert run_one(path, tmp_path / "out").status == "done"
    res = run_one(path, tmp_path / "out2", mode="full")
    assert res.status == "done", res.reason
    ch = scenes.read_frame(res.folder / "frame_0001.exr")
    assert "rgb.Combined.R" in ch


def test_bad_jobs_fail_with_one_line_and_others_go_on(tmp_path):
    good = _jobs(tmp_path, 2)
    bad = tmp_path / "jobs" / "zz_bad.json"
    bad.write_text("{not json")
    checksum = scenes.rotating_camera_hdri_job(1.0, n_frames=1, clip_id="badsum")
    checksum.environment.hdri.sha256 = "f" * 64
    bad_sum = checksum.save(tmp_path / "jobs" / "badsum.json")
    paths = collect_jobs([tmp_path / "jobs"])
    assert paths == sorted(paths) and len(paths) == 4
    results = render_jobs(LocalExecutor(2, threads=True, progress=False), paths, tmp_path / "out")
    status = {r.job_path.name: r for r in results}
    assert status["clip0.json"].status == status["clip1.json"].status == "done"
    assert status["zz_bad.json"].status == "failed"
    assert "not valid JSON" in status["zz_bad.json"].reason
    assert status["badsum.json"].status == "failed"
    assert status["badsum.json"].reason.startswith(f"{bad_sum}: environment.hdri.sha256: checksum mismatch")
    assert not (tmp_path / "out" / "badsum" / layout.DONE_FILE).exists()
    lines = summary_lines(results)
    assert lines[0] == "done 2, skipped 0, failed 2"
    assert all("\n" not in ln for ln in lines) and len(lines) == 3


def test_worker_crash_is_contained(tmp_path):
    """A worker killed by a signal fails only its own job."""
    (path,) = _jobs(tmp_path, 1)
    res = run_one(path, tmp_path / "out", command=["python3", "-c", "import os; os.kill(os.getpid(), 9)"])
    assert res.status == "failed" and res.reason.startswith("worker killed by signal 9")


def test_cli_render_summary_exit_codes_and_print_commands(tmp_path):
    paths = _jobs(tmp_path, 2)
    runner = CliRunner()
    res = runner.invoke(cli, ["render", str(tmp_path / "jobs"), "--out", str(tmp_path / "out"),
                              "--workers", "2", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "done 2, skipped 0, failed 0" in res.output
    res = runner.invoke(cli, ["render", *map(str, paths), "--out", str(tmp_path / "out"), "--no-progress"])
    assert res.exit_code == 0 and "done 0, skipped 2, failed 0" in res.output
    (tmp_path / "jobs" / "broken.json").write_text("[]")
    res = runner.invoke(cli, ["render", str(tmp_path / "jobs"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert res.exit_code == 1
    res = runner.invoke(cli, ["render", str(tmp_path / "jobs" / "clip0.json"), "--out", str(tmp_path / "o"),
                              "--print-commands", "--blender", "/opt/blender/blender", "--device", "optix"])
    assert res.exit_code == 0
    argv = shlex.split(res.output.strip())
    assert argv == farm_command(tmp_path / "jobs" / "clip0.json", tmp_path / "o",
                                blender="/opt/blender/blender", device="optix")
    assert argv[:2] == ["/opt/blender/blender", "--background"] and "--python" in argv
    assert not (tmp_path / "o").exists()


def test_flow_from_runner_matches_design(tmp_path):
    (path,) = _jobs(tmp_path, 1)
    res = run_one(path, tmp_path / "out")
    ch = scenes.read_frame(res.folder / "frame_0002.exr")
    inner = ch[layout.INDEX_CHANNEL] == 1
    np.testing.assert_allclose(scenes.forward_flow(ch)[inner].mean(0), [1.0, 0.0], atol=0.01)


def test_threads_is_not_part_of_the_job(tmp_path):
    (path,) = _jobs(tmp_path, 1)
    res = run_one(path, tmp_path / "out", threads=1)
    assert res.status == "done", res.reason
    assert (res.folder / layout.JOB_FILE).read_text() == path.read_text()
    assert run_one(path, tmp_path / "out", threads=2).status == "skipped"


def test_device_override_keeps_the_job_identity(tmp_path):
    """Where a job renders is not part of the job: --device auto then no --device skips."""
    (path,) = _jobs(tmp_path, 1)
    res = run_one(path, tmp_path / "out", device="auto")
    assert res.status == "done", res.reason
    assert (res.folder / layout.JOB_FILE).read_text() == path.read_text()
    assert run_one(path, tmp_path / "out").status == "skipped"
