"""Atomic writes: readers never see half-written files; permissions follow the umask."""
from __future__ import annotations

import os
import stat

import pytest

from synthgen.fsutil import atomic_write_bytes, atomic_write_text, is_inside, sha256_file


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "a.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.json"]


def test_atomic_write_is_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write_bytes(tmp_path / "b.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_failed_write_keeps_old_file_and_no_temp(tmp_path):
    target = tmp_path / "c.txt"
    atomic_write_text(target, "good")


    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")   # str is refused by the binary file
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["c.txt"]


def test_sha256_and_is_inside(tmp_path):
    f = tmp_path / "d.txt"
    f.write_bytes(b"abc")
    assert sha256_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert is_inside(f, tmp_path)
    assert not is_inside(tmp_path / ".." / "elsewhere", tmp_path)


def test_pid_alive_sees_running_dead_and_zombie_processes():
    import subprocess
    import sys
    import time

    from synthgen.fsutil import pid_alive

    assert pid_alive(os.getpid())
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.time() + 10
    while pid_alive(proc.pid) and time.time() < deadline:   # exits, stays a zombie (not reaped)
        time.sleep(0.05)
    assert not pid_alive(proc.pid)
    proc.wait()
    assert not pid_alive(proc.pid)
