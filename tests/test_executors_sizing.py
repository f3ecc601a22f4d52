"""synthgen.executors.sizing: --workers auto from cores, memory and the jobs' footprint."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from synthgen.executors.sizing import auto_sizing, fixed_sizing, job_rss_mib


def test_two_flow_jobs_per_core_when_memory_allows():
    s = auto_sizing(100, 450.0, cores=16, memory_mib=64 * 1024)
    assert (s.workers, s.threads) == (32, 1) and "limited by cores" in s.reason


def test_one_full_mode_job_per_core():
    s = auto_sizing(100, 450.0, cores=16, memory_mib=64 * 1024, mode="full")
    assert (s.workers, s.threads) == (16, 1) and "limited by cores" in s.reason
    assert auto_sizing(100, 450.0, cores=16, memory_mib=64 * 1024, mode="geometry").workers == 32


def test_a_full_mode_job_in_the_run_sizes_it_as_full():
    from synthgen.executors.render import node_sizing
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import scenes
    flow, full = scenes.moving_prop_job(1.0, 0.0, n_frames=1), scenes.moving_prop_job(1.0, 0.0, n_frames=1)
    full.render.mode = "full"
    mixed, only_flow = node_sizing({"a": flow, "b": full}, "auto"), node_sizing({"a": flow, "b": flow}, "auto")
    assert "full-mode" in mixed.reason and "flow-mode" in only_flow.reason
    assert node_sizing({"a": flow}, "auto", mode="full").reason.count("full-mode") == 1


def test_memory_limits_the_jobs_and_the_cores_are_split_between_them():
    s = auto_sizing(100, 2048.0, cores=16, memory_mib=10 * 1024)    # 0.8 * 10 GiB / 2 GiB = 4
    assert (s.workers, s.threads) == (4, 4) and "limited by memory" in s.reason
    tight = auto_sizing(100, 2048.0, cores=16, memory_mib=1024)      # less than one job's worth
    assert (tight.workers, tight.threads) == (1, 16)


def test_few_jobs_get_the_spare_cores():
    s = auto_sizing(3, 450.0, cores=16, memory_mib=64 * 1024)
    assert (s.workers, s.threads) == (3, 5) and "limited by jobs" in s.reason
    assert auto_sizing(20, 450.0, cores=16, memory_mib=64 * 1024).threads == 1
    assert auto_sizing(0, 450.0, cores=4, memory_mib=None).workers == 1


def test_footprint_grows_with_pixels_and_full_mode():
    small, big = job_rss_mib(320, 240), job_rss_mib(1280, 704)
    assert small < big < job_rss_mib(1280, 704, "full")
    assert big == pytest.approx(300 + 170 * 1280 * 704 / 1e6)


def test_fixed_workers_split_the_cores():
    assert (fixed_sizing(4, 0, cores=16).threads, fixed_sizing(1, 0, cores=16).threads) == (4, 16)


def test_render_prints_and_records_the_choice(tmp_path):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import scenes
    job = scenes.moving_prop_job(1.0, 0.0, n_frames=1, width=16, height=12)
    path = job.save(tmp_path / "job.json")
    res = subprocess.run([sys.executable, "-c", "from synthgen.cli import main; main()", "render",
                          str(path), "--out", str(tmp_path / "r"), "--no-progress"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("render: "))
    assert "job(s) at a time" in line and "auto:" in line
    info = json.loads((tmp_path / "r" / job.clip_id / "render.json").read_text())
    assert info["node"]["workers"] == 1 and "auto:" in info["node"]["reason"]
