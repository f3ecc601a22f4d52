"""MakeHuman people from the pack in Blender: armature, one skinned mesh, materials (bpy).

Geometry, rig and weights come ready-made from :func:`synthgen.characters.people.body.assemble`;
this module copies them into Blender and writes the shaders: skin (subsurface scattering,
a little colour and roughness variation, fine bump), cloth (sheen and a weave bump),
shoes, hair (strand bump) and eyes (sclera, iris, pupil from the eye UVs).
"""
from __future__ import annotations

import logging

import numpy as np

from ..characters.model import Character
from ..characters.people.body import BodyMesh, assemble
from . import humanoid

log = logging.getLogger(__name__)


def build(person_id: str, name: str = "person") -> Character:
    """Create the person in the current scene; returns a :class:`Character` whose frame is
    the identity (the pack is already in the character frame)."""
    import bpy
    import mathutils

    body = assemble(person_id)
    arm_data = bpy.data.armatures.new(name + "-rig")
    arm = bpy.data.objects.new(name + "-rig", arm_data)
    bpy.context.scene.collection.objects.link(arm)
    humanoid.make_bones(arm, body.skeleton, bpy, mathutils)
    mesh_obj = _mesh(body, name, bpy)
    humanoid.skin_to_armature(mesh_obj, arm)
    return Character(arm, [mesh_obj], body.skeleton, np.eye(4), body.height)


def _mesh(body: BodyMesh, name: str, bpy):
    me = bpy.data.meshes.new(name + "-mesh")
    me.from_pydata(body.verts.tolist(), [], body.faces.tolist())
    uv = me.uv_layers.new(name="UVMap")
    uv.data.foreach_set("uv", body.uv.reshape(-1).astype(np.float32))
    me.polygons.foreach_set("material_index", body.material.astype(np.int32))
    me.polygons.foreach_set("use_smooth", np.ones(len(body.faces), dtype=bool))
    for spec in body.materials:
        me.materials.append(material(f"{body.person.id}-{spec['kind']}-{spec.get('part', '')}", spec, body))
    me.validate(verbose=False)
    me.update()
    obj = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(obj)
    _weights(obj, body)
    return obj


def _weights(obj, body: BodyMesh) -> None:
    """Vertex groups named like the bones, set through a bmesh deform layer."""
    import bmesh

    for n in body.skeleton.names:
        obj.vertex_groups.new(name=n)
    bm = bmesh.new()
    bm.from_mesh(obj.data)
    layer = bm.verts.layers.deform.verify()
    rows, cols = np.nonzero(body.weights > 0)
    vals = body.weights[rows, cols]
    bm.verts.ensure_lookup_table()
    for r, c, w in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        bm.verts[r][layer][c] = w
    bm.to_mesh(obj.data)
    bm.free()


# --------------------------------------------------------------------------- shaders
def material(name: str, spec: dict, body: BodyMesh):
    import bpy

    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    nt = mat.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    kind = spec["kind"]
    if kind == "skin":
        _skin(nt, bsdf, spec["color"])
    elif kind == "eye":
        _eye(nt, bsdf, spec)
    elif kind == "hair":
        _fibre(nt, bsdf, spec["color"], roughness=0.4, scale=(600.0, 600.0, 30.0), strength=0.25, sheen=0.0)
    elif kind == "cloth":
        _fibre(nt, bsdf, spec["color"], roughness=0.85, scale=(260.0, 260.0, 260.0), strength=0.12, sheen=0.5)
    else:
        _fibre(nt, bsdf, spec["color"], roughness=0.5, scale=(80.0, 80.0, 80.0), strength=0.05, sheen=0.0)
    mat.diffuse_color = (*spec.get("color", (0.8, 0.8, 0.8)), 1.0)
    return mat


def _noise(nt, scale: float, detail: float = 4.0):
    coord = nt.nodes.new("ShaderNodeTexCoord")
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = scale
    noise.inputs["Detail"].default_value = detail
    nt.links.new(coord.outputs["Object"], noise.inputs["Vector"])
    return noise


def _bump(nt, bsdf, height_socket, strength: float, distance: float) -> None:
    bump = nt.nodes.new("ShaderNodeBump")
    bump.inputs["Strength"].default_value = strength
    bump.inputs["Distance"].default_value = distance
    nt.links.new(height_socket, bump.inputs["Height"])
    nt.links.new(bump.outputs["Normal"], bsdf.inputs["Normal"])


def _skin(nt, bsdf, color) -> None:
    """Skin: subsurface scattering with a red-leaning radius, blotchy colour variation
    (±8 %), roughness 0.4..0.55 and a pore-scale bump."""
    c = np.asarray(color)
    ramp = nt.nodes.new("ShaderNodeValToRGB")
    ramp.color_ramp.elements[0].color = (*(c * np.array([0.9, 0.86, 0.86])), 1.0)
    ramp.color_ramp.elements[1].color = (*np.minimum(c * np.array([1.06, 1.03, 1.02]), 1.0), 1.0)
    blotch = _noise(nt, 18.0)
    nt.links.new(blotch.outputs["Fac"], ramp.inputs["Fac"])
    nt.links.new(ramp.outputs["Color"], bsdf.inputs["Base Color"])
    rough = nt.nodes.new("ShaderNodeMapRange")
    rough.inputs["To Min"].default_value, rough.inputs["To Max"].default_value = 0.4, 0.55
    nt.links.new(blotch.outputs["Fac"], rough.inputs["Value"])
    nt.links.new(rough.outputs["Result"], bsdf.inputs["Roughness"])
    bsdf.inputs["Subsurface Weight"].default_value = 0.2
    bsdf.inputs["Subsurface Radius"].default_value = (1.0, 0.35, 0.2)
    bsdf.inputs["Subsurface Scale"].default_value = 0.01
    bsdf.inputs["Specular IOR Level"].default_value = 0.45
    _bump(nt, bsdf, _noise(nt, 900.0, 2.0).outputs["Fac"], 0.08, 0.0005)


def _fibre(nt, bsdf, color, roughness: float, scale, strength: float, sheen: float) -> None:
    """Cloth, hair, shoes: flat colour, roughness, sheen and an anisotropic-scale noise bump."""
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Sheen Weight"].default_value = sheen
    mapping = nt.nodes.new("ShaderNodeMapping")
    mapping.inputs["Scale"].default_value = scale
    coord = nt.nodes.new("ShaderNodeTexCoord")
    nt.links.new(coord.outputs["Object"], mapping.inputs["Vector"])
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = 1.0
    nt.links.new(mapping.outputs["Vector"], noise.inputs["Vector"])
    _bump(nt, bsdf, noise.outputs["Fac"], strength, 0.001)


def _eye(nt, bsdf, spec: dict) -> None:
    """Pupil, iris, limbal ring and sclera by UV distance from the front of the nearer eye
    (``uv_fronts``), in units of the front-to-back UV distance (``uv_span`` = 180°)."""
    uv = nt.nodes.new("ShaderNodeUVMap")
    nearest = nt.nodes.new("ShaderNodeMath")
    nearest.operation = "MINIMUM"
    for k, front in enumerate(spec["uv_fronts"]):
        dist = nt.nodes.new("ShaderNodeVectorMath")
        dist.operation = "DISTANCE"
        dist.inputs[1].default_value = (*front, 0.0)
        nt.links.new(uv.outputs["UV"], dist.inputs[0])
        nt.links.new(dist.outputs["Value"], nearest.inputs[k])
    scale = nt.nodes.new("ShaderNodeMath")
    scale.operation = "DIVIDE"
    scale.inputs[1].default_value = float(spec["uv_span"])
    nt.links.new(nearest.outputs["Value"], scale.inputs[0])
    ramp = nt.nodes.new("ShaderNodeValToRGB")
    cr = ramp.color_ramp
    iris = np.asarray(spec["iris"])
    stops = [(0.0, (0.005, 0.005, 0.005)), (0.055, (0.005, 0.005, 0.005)), (0.075, tuple(iris)),
             (0.15, tuple(iris * 0.55)), (0.175, (0.3, 0.27, 0.25)), (0.2, (0.72, 0.68, 0.64))]
    cr.elements[0].position, cr.elements[0].color = stops[0][0], (*stops[0][1], 1.0)
    cr.elements[1].position, cr.elements[1].color = stops[-1][0], (*stops[-1][1], 1.0)
    for pos, col in stops[1:-1]:
        cr.elements.new(pos).color = (*col, 1.0)
    nt.links.new(scale.outputs["Value"], ramp.inputs["Fac"])
    nt.links.new(ramp.outputs["Color"], bsdf.inputs["Base Color"])
    bsdf.inputs["Roughness"].default_value = 0.05
    bsdf.inputs["Coat Weight"].default_value = 1.0
