"""Run a command that dies with the process that started it (standard library only).

``python launch.py PARENT_PID -- ARGV...`` asks Linux to SIGKILL it when its parent goes
away (``PR_SET_PDEATHSIG``, kept across ``exec``), then ``exec``s ``ARGV``. The job runner on
an executor starts every render subprocess through it, so when a Ray worker running a job is
killed (SIGKILL, OOM killer, lost node), its Blender goes too instead of rendering on as an
orphan beside the retried task. Elsewhere than Linux it simply ``exec``s.
"""
from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Arrange SIGKILL on parent death; exit at once if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return
    if os.getppid() != parent_pid:          # the parent died before prctl took effect
        os._exit(128 + int(signal.SIGKILL))


def command(argv: list[str], python: str | None = None) -> list[str]:
    """``argv`` wrapped so that it dies with the calling process."""
    return [python or sys.executable, os.path.abspath(__file__), str(os.getpid()), "--", *argv]


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        sys.stderr.write("usage: launch.py PARENT_PID -- ARGV...\n")
        sys.exit(2)
    die_with_parent(int(args[0]))
    os.execvp(args[2], args[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
