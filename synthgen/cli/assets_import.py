"""``synthgen assets import-mixamo DIR --out MANIFEST.json``: register user Mixamo downloads.

Scans DIR (recursively) for ``.fbx``/``.bvh`` files, tells characters ("With Skin") from
animations, and writes manifest entries (see assets_manifest/README.md). Unusable files are
reported one line each and skipped; the manifest is written atomically.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from ..errors import ManifestError, SynthgenError

log = logging.getLogger(__name__)


def scan(folder: Path) -> list[Path]:
    """FBX and BVH files below ``folder``, sorted (deterministic manifests)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".fbx", ".bvh"))


def import_folder(folder: Path, out: Path, report=click.echo) -> tuple[list[dict], list[str]]:
    """Entries for every usable file of ``folder`` and one line per skipped file."""
    from ..blender import asset_stats

    files = scan(folder)
    if not files:
        raise ManifestError("no .fbx or .bvh files found", source=str(folder), field="DIR")
    asset_stats.relative_location(folder, out.parent)      # fail before any import
    entries, skipped = [], []
    for path in files:
        try:
            new = asset_stats.mixamo_entries(path, out.parent)
        except SynthgenError as exc:
            skipped.append(f"skipped: {exc}")
            report(skipped[-1], err=True)
            continue
        for e in new:
            report(f"{e['kind']}\t{e['id']}\t{e['location']}")
        entries.extend(new)
    return entries, skipped


@click.command("import-mixamo")
@click.argument("folder", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Manifest to write (inside DIR or one of its parents: locations are relative).")
def import_mixamo_cmd(folder: Path, out: Path) -> None:
    """Scan DIR for Mixamo FBX (and BVH) files and write an asset manifest."""
    from ..fsutil import atomic_write_text

    entries, skipped = import_folder(folder, out)
    if not entries:
        raise ManifestError(f"no usable character or animation ({len(skipped)} file(s) skipped)",
                            source=str(folder), field="DIR")
    doc = {"format": "synthgen-assets/1",
           "description": f"Mixamo assets imported from {folder.name} by synthgen assets import-mixamo",
           "assets": entries}
    atomic_write_text(out, json.dumps(doc, indent=1) + "\n")
    click.echo(f"wrote {out}: {len(entries)} assets, {len(skipped)} file(s) skipped")
