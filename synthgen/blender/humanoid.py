"""Procedural rigged humanoids in Blender: armature + one smooth skinned mesh (bpy).

The rig, hull graph, weights and regions are bpy-free (:mod:`synthgen.characters.mannequin`);
this module turns them into Blender objects.
"""
from __future__ import annotations

import logging

import numpy as np

from ..characters.mannequin import VARIANTS, Variant, hull_graph, region_of, segment_weights, skeleton
from ..characters.skeleton import Skeleton

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- bpy build
def build(variant: str, name: str = "human"):
    """Create the armature and its skinned mesh in the current scene (bpy).

    Returns (armature object, mesh object); the mesh is parented to the armature with an
    Armature modifier; both at the world origin, rest pose standing on z = 0 facing −Y.
    """
    import bpy
    import mathutils

    v = VARIANTS[variant]
    skel = skeleton(v)
    arm_data = bpy.data.armatures.new(name + "-rig")
    arm = bpy.data.objects.new(name + "-rig", arm_data)
    bpy.context.scene.collection.objects.link(arm)
    make_bones(arm, skel, bpy, mathutils)
    mesh_obj = _make_mesh(v, skel, name, bpy)
    skin_to_armature(mesh_obj, arm)
    return arm, mesh_obj


def make_bones(arm, skel: Skeleton, bpy, mathutils) -> None:
    """Edit bones of ``skel`` in ``arm`` (rest matrices exactly as the skeleton says)."""
    view_layer = bpy.context.view_layer
    prev = view_layer.objects.active
    view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    ebs = {}
    for i, n in enumerate(skel.names):
        eb = arm.data.edit_bones.new(n)
        m = np.eye(4)
        m[:3, :3], m[:3, 3] = skel.rest_rot[i], skel.rest_head[i]
        eb.head, eb.tail = skel.rest_head[i], skel.rest_tail[i]
        eb.matrix = mathutils.Matrix(m.tolist())
        eb.length = float(np.linalg.norm(skel.rest_tail[i] - skel.rest_head[i]))
        p = skel.parents[i]
        if p >= 0:
            eb.parent = ebs[p]
            eb.use_connect = bool(np.allclose(skel.rest_tail[p], skel.rest_head[i], atol=1e-6))
        ebs[i] = eb
    bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = prev


def _make_mesh(v: Variant, skel: Skeleton, name: str, bpy):
    verts, edges, radii = hull_graph(v, skel)
    me = bpy.data.meshes.new(name + "-graph")
    me.from_pydata([tuple(p) for p in verts], edges, [])
    graph = bpy.data.objects.new(name + "-graph", me)
    bpy.context.scene.collection.objects.link(graph)
    skin = graph.modifiers.new("Skin", "SKIN")
    skin.use_smooth_shade = True
    sv = me.skin_vertices[0].data
    for i, r in enumerate(radii):
        sv[i].radius = (float(r[0]), float(r[1]))
        sv[i].use_root = i == 0
    sub = graph.modifiers.new("Subsurf", "SUBSURF")
    sub.levels = 1
    sub.render_levels = 1
    deps = bpy.context.evaluated_depsgraph_get()
    body = bpy.data.meshes.new_from_object(graph.evaluated_get(deps))
    body.name = name + "-mesh"
    bpy.data.objects.remove(graph)
    bpy.data.meshes.remove(me)
    obj = bpy.data.objects.new(name, body)
    bpy.context.scene.collection.objects.link(obj)
    _skin_weights(obj, v, skel)
    return obj


def _skin_weights(obj, v: Variant, skel: Skeleton) -> None:
    me = obj.data
    n = len(me.vertices)
    co = np.empty(n * 3)
    me.vertices.foreach_get("co", co)
    co = co.reshape(n, 3)
    w = segment_weights(co, skel)
    for b, bname in enumerate(skel.names):
        idx = np.nonzero(w[:, b] > 1e-4)[0]
        if len(idx) == 0:
            continue
        vg = obj.vertex_groups.new(name=bname)
        for val in np.unique(np.round(w[idx, b], 4)):
            sel = idx[np.round(w[idx, b], 4) == val]
            vg.add(sel.tolist(), float(val), "REPLACE")
    regions = region_of(co, w, skel, v)
    for slot, (label, col) in enumerate((("skin", v.skin), ("top", v.top), ("bottom", v.bottom),
                                         ("shoes", v.shoes), ("hair", v.hair))):
        me.materials.append(_material(f"{v.name}-{label}", col,
                                      v.top_roughness if label == "top" else 0.6,
                                      v.top_metallic if label == "top" else 0.0))
    me.polygons.foreach_set("material_index", _face_regions(me, regions))
    me.update()


def _face_regions(me, regions: np.ndarray) -> np.ndarray:
    nl = np.empty(len(me.polygons), dtype=np.int32)
    me.polygons.foreach_get("loop_total", nl)
    loops = np.empty(len(me.loops), dtype=np.int32)
    me.loops.foreach_get("vertex_index", loops)
    starts = np.concatenate([[0], np.cumsum(nl)[:-1]])
    # a face takes its lowest-index region among its corners' majority: use the first corner's
    out = np.array([np.bincount(regions[loops[s:s + k]], minlength=5).argmax() for s, k in zip(starts, nl)])
    return out.astype(np.int32)


def _material(name: str, color, roughness: float, metallic: float):
    import bpy

    mat = bpy.data.materials.get(name)
    if mat is not None:
        return mat
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    if bsdf is not None:
        bsdf.inputs["Base Color"].default_value = (*color, 1.0)
        bsdf.inputs["Roughness"].default_value = roughness
        bsdf.inputs["Metallic"].default_value = metallic
    mat.diffuse_color = (*color, 1.0)
    return mat


def skin_to_armature(mesh_obj, arm) -> None:
    """Parent ``mesh_obj`` to ``arm`` with an Armature modifier (vertex-group skinning), the
    armature in pose position with quaternion bones (what the baking writes)."""
    mesh_obj.parent = arm
    mod = mesh_obj.modifiers.new("Armature", "ARMATURE")
    mod.object = arm
    arm.data.pose_position = "POSE"
    for pb in arm.pose.bones:
        pb.rotation_mode = "QUATERNION"
