"""``synthgen assets import-scene FILE|DIR --out MANIFEST.json``: user scenes as worlds.

Each scene file (.blend, .glb/.gltf, .fbx, .obj, .usd/.usda/.usdc/.usdz) becomes one manifest
entry of kind ``scene`` with its free-space map and a preview picture beside the manifest
(:func:`synthgen.scenes.scene_entry`); files that cannot be used are reported one line each
and skipped. The manifest is written atomically; plan with ``--assets`` it and a preset whose
``environment.type`` draws ``imported``.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ManifestError, SynthgenError


@click.command("import-scene")
@click.argument("src", metavar="FILE|DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Manifest to write (the scenes must lie in its folder or below: locations are relative).")
@click.option("--licence", default="unspecified (edit me)", show_default=True, help="Licence of the scene(s).")
@click.option("--setting", default=None, help="Caption phrase, e.g. 'in a cluttered workshop' (default: from the name).")
@click.option("--up", type=click.Choice(["Y", "Z"]), default="Y", show_default=True,
              help="Up axis of .obj files (other formats declare theirs).")
@click.option("--unit-scale", type=click.FloatRange(min=1e-6, min_open=False), default=1.0, show_default=True,
              help="Metres per file unit (0.01 for centimetres).")
@click.option("--max-triangles", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--clearance", type=click.FloatRange(min=0.05, max=3.0), default=0.3, show_default=True,
              help="Metres a camera keeps from every surface.")
@click.option("--no-preview", is_flag=True, help="Skip the preview picture.")
def import_scene_cmd(src: Path, out: Path, licence: str, setting: str | None, up: str, unit_scale: float,
                     max_triangles: int, clearance: float, no_preview: bool) -> None:
    """Register user scenes (with free-space maps and previews) in an asset manifest."""
    from ..fsutil import atomic_write_text
    from ..scenes import scene_entry, scene_files

    files = scene_files(src)
    if not files:
        raise ManifestError("no scene files found (.blend, .glb, .gltf, .fbx, .obj, .usd*)", source=str(src))
    entries, skipped = [], 0
    for path in files:
        try:
            entry = scene_entry(path, out.parent, licence=licence, setting=setting, up=up, unit_scale=unit_scale,
                                max_triangles=max_triangles, clearance_m=clearance, preview=not no_preview)
        except SynthgenError as exc:
            click.echo(f"skipped: {exc}", err=True)
            skipped += 1
            continue
        click.echo(f"scene\t{entry['id']}\t{entry['location']}\t{entry['triangles']} triangles\t"
                   f"{len(entry['objects'])} objects")
        entries.append(entry)
    if not entries:
        raise ManifestError(f"no usable scene ({skipped} file(s) skipped)", source=str(src))
    doc = {"format": "synthgen-assets/1", "description": f"user scenes imported from {src.name} by "
           "synthgen assets import-scene", "assets": entries}
    atomic_write_text(out, json.dumps(doc, indent=1) + "\n")
    click.echo(f"wrote {out}: {len(entries)} scenes, {skipped} file(s) skipped")
