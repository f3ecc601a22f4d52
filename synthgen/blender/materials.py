"""Small node materials (Principled BSDF). Needs bpy."""
from __future__ import annotations

import bpy


def principled(name: str, color, roughness: float = 0.5) -> bpy.types.Material:
    """A Principled BSDF material with base ``color`` (linear RGB, 3 floats)."""
    mat = bpy.data.materials.new(name)
    bsdf = _bsdf(mat)
    bsdf.inputs["Base Color"].default_value = (*[float(c) for c in color[:3]], 1.0)
    bsdf.inputs["Roughness"].default_value = float(roughness)
    mat.diffuse_color = (*[float(c) for c in color[:3]], 1.0)
    return mat


def checker(name: str, color_a, color_b, scale: float, roughness: float = 0.5) -> bpy.types.Material:
    """Principled material whose base colour is a checker of two colours."""
    mat = principled(name, color_a, roughness)
    nt = mat.node_tree
    tex = nt.nodes.new("ShaderNodeTexChecker")
    tex.inputs["Color1"].default_value = (*color_a[:3], 1.0)
    tex.inputs["Color2"].default_value = (*color_b[:3], 1.0)
    tex.inputs["Scale"].default_value = float(scale)
    nt.links.new(tex.outputs["Color"], _bsdf(mat).inputs["Base Color"])
    return mat


def noisy(name: str, color, contrast: float, scale: float, roughness: float = 0.5) -> bpy.types.Material:
    """Principled material whose base colour varies with a noise texture around ``color``."""
    mat = principled(name, color, roughness)
    nt = mat.node_tree
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = float(scale)
    ramp = nt.nodes.new("ShaderNodeValToRGB")
    lo = [max(0.0, c * (1 - contrast)) for c in color[:3]]
    hi = [min(1.0, c * (1 + contrast)) for c in color[:3]]
    ramp.color_ramp.elements[0].color = (*lo, 1.0)
    ramp.color_ramp.elements[1].color = (*hi, 1.0)
    nt.links.new(noise.outputs["Fac"], ramp.inputs["Fac"])
    nt.links.new(ramp.outputs["Color"], _bsdf(mat).inputs["Base Color"])
    return mat


def _bsdf(mat):
    nodes = mat.node_tree.nodes
    node = next((n for n in nodes if n.type == "BSDF_PRINCIPLED"), None)
    if node is None:
        node = nodes.new("ShaderNodeBsdfPrincipled")
        out = next((n for n in nodes if n.type == "OUTPUT_MATERIAL"), None) or nodes.new("ShaderNodeOutputMaterial")
        mat.node_tree.links.new(node.outputs["BSDF"], out.inputs["Surface"])
    return node


def assign(obj, mat) -> None:
    obj.data.materials.clear()
    obj.data.materials.append(mat)
