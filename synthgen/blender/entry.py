"""Farm entry script: render one job, standalone.

Stock Blender::

    blender --background --python-exit-code 1 --python <install>/synthgen/blender/entry.py \\
        -- --job JOB.json --out DIR [--frames A:B] [--device D] [--mode flow|full] [--threads N]

With bpy from PyPI the same script runs as ``python entry.py -- --job ...``. The script puts
the folder holding the ``synthgen`` package on ``sys.path`` itself, so nothing has to be
installed into Blender. Exit codes: 0 done, 1 render error, 2 bad job/arguments. One line
``synthgen-progress <frame> <done> <total>`` is printed on stdout after each frame, one line
``synthgen-note <text>`` for each thing the user should know (e.g. frames of an unknown job
set aside), and a user error is one line ``synthgen: error: ...`` on stderr.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

PROGRESS_PREFIX = "synthgen-progress"
NOTE_PREFIX = "synthgen-note"


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one ``synthgen: error:`` line and exit code 2 (farm logs grep it)."""

    def error(self, message: str):
        self.exit(2, f"synthgen: error: {message} (see entry.py --help)\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Arguments after ``--`` (Blender's own arguments come before it)."""
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    p = _OneLineParser(prog="synthgen-entry", description="Render one synthgen job.")
    p.add_argument("--job", required=True, help="job JSON file")
    p.add_argument("--out", required=True, help="renders root; the clip goes to OUT/<clip_id>")
    p.add_argument("--frames", default=None, help="A:B inclusive Blender frames (default: all)")
    p.add_argument("--device", default=None, help="cpu, cuda, optix, hip, metal, oneapi or auto")
    p.add_argument("--mode", default=None, choices=("flow", "full", "geometry"))
    p.add_argument("--threads", type=int, default=None, help="CPU render threads (default: the job's)")
    p.add_argument("-v", "--verbose", action="count", default=0)
    return p.parse_args(argv)


def _frames(text: str | None):
    if text is None:
        return None
    from synthgen.errors import UsageError
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        raise UsageError(f"{text!r} is not A:B", field="--frames") from None
    return a, b


def _progress(frame: int, done: int, total: int) -> None:
    sys.stdout.write(f"{PROGRESS_PREFIX} {frame} {done} {total}\n")
    sys.stdout.flush()


def _note(line: str) -> None:
    sys.stdout.write(f"{NOTE_PREFIX} {line}\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from synthgen.errors import SynthgenError
    try:
        from synthgen.job import load_job
        from synthgen.blender.worker import render_job
        job = load_job(args.job)
        render_job(job, Path(args.out), frames=_frames(args.frames), device=args.device,
                   mode=args.mode, progress=_progress, source=args.job, threads=args.threads,
                   notes=_note)
    except SynthgenError as exc:
        sys.stderr.write(f"synthgen: error: {exc}\n")
        sys.stderr.flush()
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
