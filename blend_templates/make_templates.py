"""Rebuild the .blend templates in this folder: ``python blend_templates/make_templates.py``.

* ``room_small.blend`` - a tiny room (4 x 3 x 2.5 m: floor, four walls, ceiling, a table)
  made of plain meshes and materials; the worker appends its mesh objects.
* ``malicious_text_block.blend`` - a floor plus a text block registered as a module
  (``use_module``): when a file is opened with script auto-execution on, Blender runs it,
  and it writes the file named by ``$SYNTHGEN_TEMPLATE_MARKER``. The worker must never
  run it (tests/test_worker_security.py).
"""
from __future__ import annotations

from pathlib import Path

import bpy  # first: bmesh is importable only once bpy is loaded
import bmesh  # noqa: E402

HERE = Path(__file__).resolve().parent
EVIL = '''import os
marker = os.environ.get("SYNTHGEN_TEMPLATE_MARKER")
if marker:
    with open(marker, "w") as fh:
        fh.write("template script ran")
'''


def _box(name, size, loc, color):
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.scale(bm, vec=size, verts=bm.verts)
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    mat = bpy.data.materials.new(f"{name}.mat")
    mat.diffuse_color = (*color, 1.0)
    bsdf = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    mesh.materials.append(mat)
    obj = bpy.data.objects.new(name, mesh)
    obj.location = loc
    bpy.context.scene.collection.objects.link(obj)
    return obj


def room() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    w, d, h, t = 4.0, 3.0, 2.5, 0.1
    _box("floor", (w, d, t), (0, 0, -t / 2), (0.45, 0.35, 0.25))
    _box("ceiling", (w, d, t), (0, 0, h + t / 2), (0.9, 0.9, 0.9))
    _box("wall_south", (w, t, h), (0, -d / 2 - t / 2, h / 2), (0.7, 0.75, 0.8))
    _box("wall_north", (w, t, h), (0, d / 2 + t / 2, h / 2), (0.8, 0.7, 0.6))
    _box("wall_west", (t, d, h), (-w / 2 - t / 2, 0, h / 2), (0.6, 0.8, 0.6))
    _box("wall_east", (t, d, h), (w / 2 + t / 2, 0, h / 2), (0.8, 0.6, 0.7))
    _box("table", (1.2, 0.7, 0.75), (0.8, 0.6, 0.375), (0.3, 0.2, 0.1))
    bpy.ops.wm.save_as_mainfile(filepath=str(HERE / "room_small.blend"), compress=True)


def malicious() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    _box("floor", (4.0, 4.0, 0.1), (0, 0, -0.05), (0.5, 0.5, 0.5))
    text = bpy.data.texts.new("evil.py")
    text.write(EVIL)
    text.use_module = True
    bpy.ops.wm.save_as_mainfile(filepath=str(HERE / "malicious_text_block.blend"), compress=True)


if __name__ == "__main__":
    room()
    malicious()
