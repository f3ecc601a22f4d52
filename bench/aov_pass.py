"""The other way to find the surface point of each pixel: AOVs of the 1-sample Cycles pass.

    python bench/aov_pass.py [--frames 8]

Instead of rasterising geometry.npz (what synthgen.correspond does), Cycles could write, per
pixel, the object-space position of the point it hit and the index of the face (a Geometry
Nodes "Store Named Attribute" of the face index on every mesh, read by an Attribute node),
as two AOVs of the flow layer. This script renders bench/render.py's 832x480 human scene in
flow mode with and without those AOVs (same process, persistent data, after a warm-up
frame) and prints Cycles' seconds per frame for both: the render-side cost of the AOV route,
next to which bench/correspondence.py prints the engine's primary-surface cost it would replace.
(The AOV route still has to turn a face index and a position into a triangle and its
barycentric weights, and the 0.01 px pixel filter samples slightly off the pixel centre.)
Figures depend on the machine's load: the load average is printed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bpy  # noqa: E402

from render import bench_job  # noqa: E402

from synthgen import layout  # noqa: E402
from synthgen.blender import scene as scene_mod  # noqa: E402


def build(job):
    scene = scene_mod.reset()
    scene_mod.build(job)
    scene_mod.setup_render(job)
    scene.render.threads_mode = "AUTO"
    scene_mod.use_flow_pass(job)
    return scene


def face_index_modifiers() -> None:
    """A Geometry Nodes modifier on every mesh storing its face index as ``fidx``."""
    ng = bpy.data.node_groups.new("store_fidx", "GeometryNodeTree")
    ng.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    ng.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    gi, go = ng.nodes.new("NodeGroupInput"), ng.nodes.new("NodeGroupOutput")
    store = ng.nodes.new("GeometryNodeStoreNamedAttribute")
    store.data_type, store.domain = "INT", "FACE"
    store.inputs["Name"].default_value = "fidx"
    index = ng.nodes.new("GeometryNodeInputIndex")
    ng.links.new(gi.outputs[0], store.inputs["Geometry"])
    ng.links.new(index.outputs["Index"], store.inputs["Value"])
    ng.links.new(store.outputs["Geometry"], go.inputs[0])
    for obj in bpy.data.objects:
        if obj.type == "MESH":
            obj.modifiers.new("fidx", "NODES").node_group = ng


def add_aovs(scene) -> None:
    """AOVs ``obj_pos`` (object-space hit position) and ``fidx`` on the flow layer."""
    vl = scene.view_layers[layout.FLOW_LAYER]
    for name, kind in (("obj_pos", "COLOR"), ("fidx", "VALUE")):
        aov = vl.aovs.add()
        aov.name, aov.type = name, kind
    mat = vl.material_override
    nt = mat.node_tree
    coords = nt.nodes.new("ShaderNodeTexCoord")
    attr = nt.nodes.new("ShaderNodeAttribute")
    attr.attribute_type, attr.attribute_name = "GEOMETRY", "fidx"
    for name, socket in (("obj_pos", coords.outputs["Object"]), ("fidx", attr.outputs["Fac"])):
        out = nt.nodes.new("ShaderNodeOutputAOV")
        out.aov_name = name
        nt.links.new(socket, out.inputs["Color" if name == "obj_pos" else "Value"])


def time_frames(scene, out: Path, frames) -> list[float]:
    times = []
    for f in frames:
        scene.frame_set(f)
        scene.render.filepath = str(out / f"f{f:04d}.exr")
        t0 = time.perf_counter()
        bpy.ops.render.render(write_still=True)
        times.append(time.perf_counter() - t0)
    return times[1:]            # the first frame warms up (persistent data)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=8)
    args = ap.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    job = bench_job(832, 480, args.frames + 1, "aov")
    frames = list(range(job.frame_start, job.frame_end + 1))
    with tempfile.TemporaryDirectory() as tmp:
        plain = time_frames(build(job), Path(tmp), frames)
        scene = build(job)
        face_index_modifiers()
        add_aovs(scene)
        with_aov = time_frames(scene, Path(tmp), frames)
        written = sorted(Path(tmp).glob("*.exr"))[-1]
    a, b = statistics.median(plain), statistics.median(with_aov)
    print(f"Cycles flow pass 832x480: {a * 1000:.0f} ms/frame; with the obj_pos + fidx AOVs "
          f"(and a Geometry Nodes face-index modifier on every mesh): {b * 1000:.0f} ms/frame "
          f"(+{(b - a) * 1000:.0f} ms, {b / a:.2f}x); last frame {written.name}")
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
