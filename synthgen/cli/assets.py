"""``synthgen assets list|validate``: inspect and check asset manifests."""
from __future__ import annotations

import importlib
from pathlib import Path

import click

from ..job import ASSET_KINDS
from ..manifest import load_manifests

_ASSETS_OPT = click.option("--assets", "assets", multiple=True, type=click.Path(path_type=Path),
                           help="Asset manifest (repeatable); default: every assets_manifest/*.json.")


@click.group("assets")
def assets() -> None:
    """List or validate asset manifests."""


@assets.command("list")
@_ASSETS_OPT
@click.option("--kind", type=click.Choice(list(ASSET_KINDS)), default=None)
def list_cmd(assets: tuple[Path, ...], kind: str | None) -> None:
    """One line per asset: id, kind, location, licence, and its caption phrase."""
    aset = load_manifests(list(assets) or None, verify=False)
    for a in aset:
        if kind and a.kind != kind:
            continue
        phrase = a.get("appearance") or a.get("sentence") or a.get("setting") or a.get("description") or ""
        click.echo(f"{a.id}\t{a.kind}\t{a.location}\t{a.get('licence', '')}\t{phrase}")


@assets.command("validate")
@_ASSETS_OPT
def validate_cmd(assets: tuple[Path, ...]) -> None:
    """Check schema, ids, locations and checksums; exit 2 with a one-line error on the first problem."""
    aset = load_manifests(list(assets) or None, verify=True)
    counts: dict[str, int] = {}
    for a in aset:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"ok: {len(aset)} assets ({summary}) in {len(aset.manifests)} manifest(s)")


#: Further ``synthgen assets`` subcommands that live in other modules (e.g. ``import-mixamo``):
#: (module, attribute), one line each, registered once the module exists and imports cleanly.
_SUBCOMMANDS: list[tuple[str, str]] = [
    ("synthgen.cli.assets_import", "import_mixamo_cmd"),
    ("synthgen.cli.assets_scene", "import_scene_cmd"),
]

for _module, _attr in _SUBCOMMANDS:
    assets.add_command(getattr(importlib.import_module(_module), _attr))
