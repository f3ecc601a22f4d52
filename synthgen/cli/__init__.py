"""The ``synthgen`` console script: a click group of thin wrappers over library functions.

Each subcommand lives in its own module of this package and is registered in
``_COMMANDS``. Any :class:`synthgen.errors.SynthgenError` becomes one line on stderr and
its exit code; there is no traceback for user errors.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

from .. import __version__
from ..errors import SynthgenError

#: (module, attribute) of every subcommand.
#: Add a line here once the module exists (one line per command; keep sorted by stage).
_COMMANDS: list[tuple[str, str]] = [
    ("synthgen.cli.assets", "assets"),
    ("synthgen.cli.plan", "plan"),
    ("synthgen.cli.render", "render"),
    ("synthgen.cli.demo", "demo"),
    ("synthgen.cli.verify", "verify"),
    ("synthgen.cli.export", "export_cmd"),
    ("synthgen.cli.preview", "preview"),
    ("synthgen.cli.stats", "stats"),
    ("synthgen.cli.report", "report"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthgen")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """synthgen: synthetic motion data (exact optical flow) from Blender.

    plan -> render -> export; see README.md.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


for _module, _attr in _COMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attr))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: user errors become one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="synthgen", standalone_mode=False)
    except SynthgenError as exc:
        click.echo(f"synthgen: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:     # an I/O failure no stage turned into its own line
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"synthgen: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("synthgen: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:     # bad options: one line, like every other error
        cmd = exc.ctx.command_path if exc.ctx is not None else "synthgen"
        click.echo(f"synthgen: error: {exc.format_message()} (see `{cmd} --help`)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"synthgen: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
