"""synthgen.executors: local (inline, threads, processes) and Ray, with real processes.

Every attempt of the functions below leaves a file behind, so the tests count real calls
(and real process deaths) instead of trusting the executor's own bookkeeping.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest

# Local Ray clusters started by these tests listen on 127.0.0.1 only (read when ray is imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

from synthgen.executors import (ExecutorError, LocalExecutor, RayExecutor, describe_exception,
                                make_executor, split_threads)


# ---------------------------------------------------------------- functions run by executors
def _attempt_file(log_dir: str, x: int) -> Path:
    return Path(log_dir) / f"{x}.{os.getpid()}.{uuid.uuid4().hex}"


def square_logged(x: int, log_dir: str) -> int:
    """x*x; 3 always raises; every call leaves a file named after x and the process."""
    _attempt_file(log_dir, x).touch()
    if x == 3:
        raise ValueError("three is poison")
    return x * x


def die_once(x: int, log_dir: str) -> int:
    """SIGKILLs its own process on the first attempt for x == 2 (a crashed worker)."""
    first = not any(Path(log_dir).glob(f"{x}.*"))
    _attempt_file(log_dir, x).touch()
    if x == 2 and first:
        os.kill(os.getpid(), signal.SIGKILL)
    return x + 100


def status_result(x: int, log_dir: str) -> dict:
    """Returns a failure *result* (not an exception) for odd x, like a job runner does."""
    _attempt_file(log_dir, x).touch()
    return {"x": x, "status": "failed" if x % 2 else "done"}


def wait_for_partner(x: int, log_dir: str) -> int:
    """0 returns once 1 has started; 1 leaves ``start.1``, sleeps 5 s, leaves ``done.1``."""
    import time
    d = Path(log_dir)
    if x == 0:
        end = time.monotonic() + 60
        while not (d / "start.1").exists() and time.monotonic() < end:
            time.sleep(0.01)
        return 0
    (d / "start.1").touch()
    time.sleep(5)
    (d / "done.1").touch()
    return x


def timed(x: int, log_dir: str) -> tuple[float, float]:
    """Sleeps 0.5 s; returns its (start, end) wall-clock times."""
    import time
    t0 = time.time()
    time.sleep(0.5)
    return t0, time.time()


def attempts(log_dir: Path, x: int) -> int:
    return len(list(log_dir.glob(f"{x}.*")))


def pids(log_dir: Path) -> set[str]:
    return {p.name.split(".")[1] for p in log_dir.iterdir()}


# ---------------------------------------------------------------- local
@pytest.mark.parametrize("workers,threads", [(1, False), (2, True), (2, False)])
def test_local_results_in_order_and_poison_retried(tmp_path, workers, threads):
    ex = LocalExecutor(workers, threads=threads, retries=2, progress=False)
    outs = ex.map(functools.partial(square_logged, log_dir=str(tmp_path)), range(6))
    assert [o.result for o in outs] == [0, 1, 4, None, 16, 25]
    assert [o.ok for o in outs] == [True, True, True, False, True, True]
    assert outs[3].error == "ValueError: three is poison"
    assert outs[3].attempts == 3 and attempts(tmp_path, 3) == 3      # 1 + 2 retries, really run
    assert all(attempts(tmp_path, x) == 1 for x in (0, 1, 2, 4, 5))
    here = str(os.getpid())
    if threads or workers == 1:
        assert pids(tmp_path) == {here}
    else:
        assert here not in pids(tmp_path)                            # ran in pool processes


def test_precheck_skips_without_running(tmp_path):
    ex = LocalExecutor(2, retries=0, progress=False)
    seen = []
    outs = ex.map(functools.partial(square_logged, log_dir=str(tmp_path)), range(4),
                  precheck=lambda x: "done-before" if x < 3 else None, on_outcome=seen.append)
    assert [o.skipped for o in outs] == [True, True, True, False]
    assert [o.attempts for o in outs] == [0, 0, 0, 1]
    assert [o.result for o in outs[:3]] == ["done-before"] * 3
    assert sorted(p.name.split(".")[0] for p in tmp_path.iterdir()) == ["3"]
    assert len(seen) == 4


def test_all_done_starts_no_pool(tmp_path, monkeypatch):
    ex = LocalExecutor(4, progress=False)
    monkeypatch.setattr(ex, "_start", lambda *a: pytest.fail("a pool was started for done work"))
    outs = ex.map(functools.partial(square_logged, log_dir=str(tmp_path)), range(100),
                  precheck=lambda x: "done")
    assert len(outs) == 100 and all(o.skipped for o in outs)


def test_failure_results_are_retried(tmp_path):
    ex = LocalExecutor(1, retries=1, progress=False)
    outs = ex.map(functools.partial(status_result, log_dir=str(tmp_path)), range(4),
                  failure_of=lambda r: "odd" if r["status"] == "failed" else None)
    assert [o.error for o in outs] == [None, "odd", None, "odd"]
    assert [attempts(tmp_path, x) for x in range(4)] == [1, 2, 1, 2]
    assert outs[1].result == {"x": 1, "status": "failed"}          # last result kept


def test_killed_pool_process_is_retried(tmp_path):
    ex = LocalExecutor(2, retries=1, progress=False)
    outs = ex.map(functools.partial(die_once, log_dir=str(tmp_path)), range(4))
    assert [o.result for o in outs] == [100, 101, 102, 103]
    assert outs[2].attempts == 2 and attempts(tmp_path, 2) == 2


def test_killed_pool_process_without_retries_fails_with_reason(tmp_path):
    ex = LocalExecutor(2, retries=0, progress=False)
    outs = ex.map(functools.partial(die_once, log_dir=str(tmp_path)), [2])
    assert not outs[0].ok and "died" in outs[0].error


def test_bad_options_are_one_line_errors():
    with pytest.raises(ExecutorError, match="--workers"):
        LocalExecutor(0)
    with pytest.raises(ExecutorError, match="--retries"):
        LocalExecutor(1, retries=-1)
    with pytest.raises(ExecutorError, match="--executor"):
        make_executor("dask")
    with pytest.raises(ExecutorError, match="--address"):
        make_executor("local", address="auto")


def test_missing_ray_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)        # `import ray` raises ImportError
    with pytest.raises(ExecutorError) as info:
        make_executor("ray")
    msg = str(info.value)
    assert "\n" not in msg and "pip install 'synthgen[ray]'" in msg


def test_cli_without_ray_is_one_line_exit_2(tmp_path):
    """``--executor ray`` with Ray absent: one line naming the install command, exit 2."""
    import subprocess
    code = "import sys; sys.modules['ray'] = None; from synthgen.cli import main; main()"
    job = tmp_path / "job.json"
    job.write_text("{}")
    for cmd in (["render", str(job), "--out", str(tmp_path / "r")],
                ["export", str(tmp_path), "--out", str(tmp_path / "ds")]):
        run = subprocess.run([sys.executable, "-c", code, *cmd, "--executor", "ray"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2
        assert run.stderr.strip().splitlines() == [
            "synthgen: error: --executor ray: Ray is not installed; install it with: "
            "pip install 'synthgen[ray]'"]
    assert not (tmp_path / "r").exists()


def test_split_threads():
    assert [split_threads(16, n) for n in (1, 2, 3, 16, 32)] == [16, 8, 5, 1, 1]


def test_describe_exception_is_one_line():
    assert describe_exception(RuntimeError("first\nsecond")) == "RuntimeError: first"
    assert describe_exception(KeyError()) == "KeyError"


# ---------------------------------------------------------------- Ray
@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    # Ray workers cannot import this test module by name: ship its functions by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def test_ray_results_retries_and_tasks_in_other_processes(tmp_path, ray_cluster):
    ex = RayExecutor(retries=1, progress=False)
    outs = ex.map(functools.partial(square_logged, log_dir=str(tmp_path)), range(6))
    assert [o.result for o in outs] == [0, 1, 4, None, 16, 25]
    assert outs[3].error == "ValueError: three is poison" and attempts(tmp_path, 3) == 2
    assert str(os.getpid()) not in pids(tmp_path)                  # ran in Ray workers
    assert ray_cluster.is_initialized()                           # not ours: left running
    assert "node:127.0.0.1" in ray_cluster.cluster_resources()     # loopback only


def test_ray_killed_worker_is_retried(tmp_path, ray_cluster):
    ex = RayExecutor(retries=1, progress=False)
    outs = ex.map(functools.partial(die_once, log_dir=str(tmp_path)), range(4))
    assert [o.result for o in outs] == [100, 101, 102, 103]
    assert outs[2].attempts == 2 and attempts(tmp_path, 2) == 2
    assert len({p.name.split(".")[1] for p in tmp_path.glob("2.*")}) == 2   # two processes


def test_ray_killed_worker_without_retries_fails_alone(tmp_path, ray_cluster):
    ex = RayExecutor(retries=0, progress=False)
    outs = ex.map(functools.partial(die_once, log_dir=str(tmp_path)), [1, 2, 3])
    assert [o.ok for o in outs] == [True, False, True]
    assert "\n" not in outs[1].error and "Worker" in outs[1].error


def test_ray_cpus_per_job_is_reserved(tmp_path, ray_cluster):
    """On a 2-CPU cluster, jobs reserving 2 CPUs each never run at the same time."""
    outs = RayExecutor(cpus_per_job=2, progress=False).map(
        functools.partial(timed, log_dir=str(tmp_path)), range(3))
    spans = sorted(o.result for o in outs)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans


def test_ray_rejects_more_gpus_than_the_cluster_has(tmp_path, ray_cluster):
    ex = RayExecutor(gpus_per_job=1, progress=False)
    with pytest.raises(ExecutorError, match="--gpus-per-job"):
        ex.map(functools.partial(square_logged, log_dir=str(tmp_path)), [1])
    assert not any(tmp_path.iterdir())


def test_ray_stops_running_tasks_when_the_driver_gives_up(tmp_path, ray_cluster):
    """An error in the driver (as Ctrl-C would) kills the tasks still running."""
    import time

    stopped = []

    def stop(outcome):
        assert (tmp_path / "start.1").exists()           # task 1 is running now
        stopped.append(time.monotonic())
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        RayExecutor(progress=False).map(functools.partial(wait_for_partner, log_dir=str(tmp_path)),
                                        [0, 1], on_outcome=stop)
    time.sleep(max(0.0, stopped[0] + 7 - time.monotonic()))   # past task 1's 5 s sleep
    assert not (tmp_path / "done.1").exists()             # it was killed, not left running
