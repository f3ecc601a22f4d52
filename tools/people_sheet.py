"""Render the contact sheet of the default people: ``docs/people.png``.

    python tools/people_sheet.py [--out docs/people.png] [--samples 24] [--pose 0.0]

Every person of the roster (:mod:`synthgen.characters.people.roster`) stands in a row in
their rest A-pose (or, with ``--clip``, at a frame of a captured clip), lit by Blender's
CC0 courtyard HDRI, rendered with Cycles in full quality, and labelled with their caption
phrase below the picture (matplotlib).
"""
from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np

SPACING_M = 4.0            # people far enough apart for one camera each
TILE = (300, 620)


def _scene(samples: int):
    import bpy

    sc = bpy.context.scene
    cam = bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
    sc.collection.objects.link(cam)
    cam.data.lens, cam.data.sensor_width = 50.0, 36.0
    sc.camera = cam
    world = bpy.data.worlds.new("world")
    sc.world = world
    world.use_nodes = True
    env = world.node_tree.nodes.new("ShaderNodeTexEnvironment")
    env.image = bpy.data.images.load(bpy.utils.system_resource("DATAFILES") + "/studiolights/world/courtyard.exr")
    world.node_tree.links.new(env.outputs[0], world.node_tree.nodes["Background"].inputs[0])
    mapping = world.node_tree.nodes.new("ShaderNodeMapping")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, math.radians(200.0))
    coord = world.node_tree.nodes.new("ShaderNodeTexCoord")
    world.node_tree.links.new(coord.outputs["Generated"], mapping.inputs["Vector"])
    world.node_tree.links.new(mapping.outputs["Vector"], env.inputs["Vector"])
    floor = bpy.data.meshes.new("floor")
    floor.from_pydata([(-80, -50, 0), (80, -50, 0), (80, 50, 0), (-80, 50, 0)], [], [(0, 1, 2, 3)])
    obj = bpy.data.objects.new("floor", floor)
    sc.collection.objects.link(obj)
    obj.is_shadow_catcher = True
    sc.render.engine = "CYCLES"
    sc.cycles.samples = samples
    sc.cycles.use_denoising = True
    sc.render.resolution_x, sc.render.resolution_y = TILE
    sc.view_settings.view_transform = "AgX"
    return cam


def render(tiles_dir: Path, samples: int, clip: str | None, time_s: float) -> list[tuple[Path, str]]:
    """Render one tile per person into ``tiles_dir``; returns (tile, caption) in roster order."""
    import bpy

    from synthgen.blender import people
    from synthgen.characters.people.roster import PEOPLE

    bpy.ops.wm.read_factory_settings(use_empty=True)
    ids = list(PEOPLE)
    heights = []
    for i, pid in enumerate(ids):
        ch = people.build(pid, f"p{i}")
        ch.armature.location = (i * SPACING_M, 0.0, 0.0)
        heights.append(ch.height)
        if clip:
            _pose(ch, clip, time_s)
    cam = _scene(samples)
    out = []
    for i, pid in enumerate(ids):
        cam.location = (i * SPACING_M, -3.3, 0.95)
        cam.rotation_euler = (math.radians(90.0), 0.0, 0.0)
        path = tiles_dir / f"{i:02d}.png"
        bpy.context.scene.render.filepath = str(path)
        bpy.ops.render.render(write_still=True)
        out.append((path, PEOPLE[pid].appearance))
    return out


def _pose(ch, clip: str, time_s: float) -> None:
    from synthgen.blender.characters import bake
    from synthgen.characters.people.clips import clip_motion
    from synthgen.characters.retarget import retarget_motion
    from synthgen.characters.skeleton import interpolate_rigid

    mo = clip_motion(clip)
    pose, _ = retarget_motion(mo, ch.skeleton, in_place=True)
    baked = interpolate_rigid(ch.skeleton, pose, mo.fps, np.array([time_s]))
    bake(ch, baked, [1])


def label(tiles: list[tuple[Path, str]], out_png: Path, columns: int = 7) -> None:
    """Tiles in a grid, each captioned with its appearance phrase."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = (len(tiles) + columns - 1) // columns
    w, h = TILE
    cap = 70
    fig = plt.figure(figsize=(columns * w / 100, rows * (h + cap) / 100), dpi=100)
    for k, (path, text) in enumerate(tiles):
        r, c = divmod(k, columns)
        bottom = 1 - (r + 1) * (h + cap) / (rows * (h + cap)) + cap / (rows * (h + cap))
        ax = fig.add_axes([c / columns, bottom, 1 / columns, h / (rows * (h + cap))])
        ax.imshow(plt.imread(path))
        ax.axis("off")
        fig.text((c + 0.5) / columns, bottom - 0.004, _wrap(text, 38), ha="center", va="top", fontsize=8)
    fig.savefig(out_png, dpi=100)
    plt.close(fig)


def _wrap(text: str, width: int) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "\n".join(lines + [cur])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "people.png")
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument("--clip", default=None, help="pose everyone at a frame of this people clip")
    ap.add_argument("--time", type=float, default=0.0, help="seconds into --clip")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        label(render(Path(tmp), args.samples, args.clip, args.time), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
