"""Materials of world objects, one node recipe per surface kind
(:data:`synthgen.vocabulary.SURFACE_KINDS`): painted walls, plaster, wood grain, parquet
planks, fabric, leather, carpet, metals, plastics, ceramics, glass, tiles, brick, concrete,
asphalt, paving setts, stone, marble, foliage, bark, soil, paper, cardboard, rubber, water
and glowing lamp surfaces. Needs bpy.

Patterns are laid out in metres on the face they cover: a *box mapping* takes the two
object-space axes across each face (the pair orthogonal to its dominant normal axis), so
bricks, tiles and planks keep their size and orientation on every face of a mesh without
UVs. Materials are shared between objects with equal surfaces (:func:`material`).
"""
from __future__ import annotations

import bpy

from ..job import SurfaceSpec
from ..registry import Registry
from ..vocabulary import SURFACE_KINDS

_CACHE: dict[tuple, bpy.types.Material] = {}


def material(surf: SurfaceSpec) -> bpy.types.Material:
    """The (shared) material of ``surf``."""
    key = (surf.kind, tuple(round(c, 4) for c in surf.color), round(surf.roughness, 4), round(surf.scale_m, 4))
    mat = _CACHE.get(key)
    if mat is None or mat.name not in bpy.data.materials:
        mat = bpy.data.materials.new(f"world.{surf.kind}.{len(_CACHE)}")
        mat.diffuse_color = (*[float(c) for c in surf.color[:3]], 1.0)
        nt = mat.node_tree
        nt.nodes.clear()
        out = nt.nodes.new("ShaderNodeOutputMaterial")
        RECIPES.get(surf.kind)(nt, surf, out)
        _CACHE[key] = mat
    return mat


def reset_cache() -> None:
    _CACHE.clear()


# --------------------------------------------------------------------------- node helpers
def _n(nt, kind: str, **inputs):
    node = nt.nodes.new(kind)
    for k, v in inputs.items():
        node.inputs[k].default_value = v
    return node


def _rgba(c, k: float = 1.0) -> tuple:
    return (*[min(max(float(x) * k, 0.0), 1.0) for x in c[:3]], 1.0)


def _bsdf(nt, out, surf: SurfaceSpec, **kw):
    b = _n(nt, "ShaderNodeBsdfPrincipled")
    b.inputs["Base Color"].default_value = _rgba(surf.color)
    b.inputs["Roughness"].default_value = float(surf.roughness)
    for k, v in kw.items():
        b.inputs[k].default_value = v
    nt.links.new(b.outputs["BSDF"], out.inputs["Surface"])
    return b


def box_uv(nt):
    """Vector node output: object coordinates projected onto each face's own plane (x, y on
    faces facing ±z, y, z on faces facing ±x, x, z on faces facing ±y), in metres."""
    tc = nt.nodes.new("ShaderNodeTexCoord")
    pos = _n(nt, "ShaderNodeSeparateXYZ")
    nt.links.new(tc.outputs["Object"], pos.inputs[0])
    nrm = _n(nt, "ShaderNodeSeparateXYZ")
    nt.links.new(tc.outputs["Normal"], nrm.inputs[0])
    ax, ay, az = (_math(nt, "ABSOLUTE", nrm.outputs[i]) for i in range(3))
    z_dom = _math(nt, "MULTIPLY", _math(nt, "GREATER_THAN", az, ax), _math(nt, "GREATER_THAN", az, ay))
    x_dom = _math(nt, "GREATER_THAN", ax, ay)
    xy = _combine(nt, pos.outputs[0], pos.outputs[1])
    yz = _combine(nt, pos.outputs[1], pos.outputs[2])
    xz = _combine(nt, pos.outputs[0], pos.outputs[2])
    side = _mix_vec(nt, x_dom, xz, yz)
    return _mix_vec(nt, z_dom, side, xy)


def _math(nt, op: str, a, b=None):
    m = nt.nodes.new("ShaderNodeMath")
    m.operation = op
    for i, v in enumerate((a, b)):
        if v is None:
            continue
        if isinstance(v, (int, float)):
            m.inputs[i].default_value = float(v)
        else:
            nt.links.new(v if not hasattr(v, "outputs") else v.outputs[0], m.inputs[i])
    return m.outputs[0]


def _combine(nt, a, b):
    c = nt.nodes.new("ShaderNodeCombineXYZ")
    nt.links.new(a, c.inputs[0])
    nt.links.new(b, c.inputs[1])
    return c.outputs[0]


def _mix_vec(nt, fac, a, b):
    m = nt.nodes.new("ShaderNodeMix")
    m.data_type = "VECTOR"
    nt.links.new(fac, m.inputs["Factor"])
    nt.links.new(a, m.inputs[4])
    nt.links.new(b, m.inputs[5])
    return m.outputs[1]


def _scaled(nt, vec, scale: float):
    m = nt.nodes.new("ShaderNodeVectorMath")
    m.operation = "SCALE"
    nt.links.new(vec, m.inputs[0])
    m.inputs["Scale"].default_value = float(scale)
    return m.outputs[0]


def _noise(nt, vec, scale: float, detail: float = 4.0, rough: float = 0.5):
    tex = _n(nt, "ShaderNodeTexNoise", Scale=scale, Detail=detail, Roughness=rough)
    if vec is not None:
        nt.links.new(vec, tex.inputs["Vector"])
    return tex


def _ramp(nt, fac, c0, c1):
    r = nt.nodes.new("ShaderNodeValToRGB")
    r.color_ramp.elements[0].color = c0
    r.color_ramp.elements[1].color = c1
    nt.links.new(fac, r.inputs["Fac"])
    return r.outputs["Color"]


def _bump(nt, height, strength: float, distance: float = 0.01):
    b = _n(nt, "ShaderNodeBump", Strength=strength, Distance=distance)
    nt.links.new(height, b.inputs["Height"])
    return b.outputs["Normal"]


def _object_coords(nt):
    return nt.nodes.new("ShaderNodeTexCoord").outputs["Object"]


# --------------------------------------------------------------------------- recipes
def _varied(nt, surf: SurfaceSpec, out, scale: float, contrast: float, bump: float = 0.0, **kw):
    """Base colour varied by a noise of ``scale`` per metre (``contrast`` either way), an
    optional bump from the same noise."""
    tex = _noise(nt, _object_coords(nt), scale)
    col = _ramp(nt, tex.outputs["Fac"], _rgba(surf.color, 1 - contrast), _rgba(surf.color, 1 + contrast))
    b = _bsdf(nt, out, surf, **kw)
    nt.links.new(col, b.inputs["Base Color"])
    if bump:
        nt.links.new(_bump(nt, tex.outputs["Fac"], bump), b.inputs["Normal"])
    return b


def paint(nt, surf, out):
    _varied(nt, surf, out, 3.0, 0.025, 0.02)


def plaster(nt, surf, out):
    _varied(nt, surf, out, 1.2, 0.1, 0.12)


def fabric(nt, surf, out):
    b = _varied(nt, surf, out, 90.0, 0.06, 0.15)
    b.inputs["Sheen Weight"].default_value = 0.4


def leather(nt, surf, out):
    _varied(nt, surf, out, 40.0, 0.08, 0.1, **{"Coat Weight": 0.15})


def carpet(nt, surf, out):
    _varied(nt, surf, out, 160.0, 0.12, 0.3)


def metal(nt, surf, out):
    b = _varied(nt, surf, out, 20.0, 0.03, 0.0, Metallic=1.0)
    b.inputs["Roughness"].default_value = float(surf.roughness)


def chrome(nt, surf, out):
    _bsdf(nt, out, surf, Metallic=1.0)


def plastic(nt, surf, out):
    _bsdf(nt, out, surf)


def ceramic(nt, surf, out):
    _bsdf(nt, out, surf, **{"Coat Weight": 0.4})


def glass(nt, surf, out):
    """Opaque dark glazing (windows, screens): a glossy reflection of the sky, no transmission,
    so the RGB shows the surface the flow and depth describe."""
    _bsdf(nt, out, surf, **{"Specular IOR Level": 0.8, "Coat Weight": 0.5})


def wood(nt, surf, out):
    vec = _scaled(nt, box_uv(nt), 1.0 / max(surf.scale_m, 1e-3))
    distort = _noise(nt, vec, 3.0)
    wave = _n(nt, "ShaderNodeTexWave", Scale=5.0, Distortion=6.0, Detail=3.0)
    wave.bands_direction = "X"
    nt.links.new(distort.outputs["Color"], wave.inputs["Vector"])
    col = _ramp(nt, wave.outputs["Fac"], _rgba(surf.color, 0.7), _rgba(surf.color, 1.15))
    b = _bsdf(nt, out, surf)
    nt.links.new(col, b.inputs["Base Color"])
    nt.links.new(_bump(nt, wave.outputs["Fac"], 0.05), b.inputs["Normal"])


def _bricks(nt, surf, out, *, w: float, h: float, offset: float, mortar: float, mortar_col, var: float,
            bump: float, grain: bool = False):
    """A Brick texture in metres on each face: bricks ``w`` x ``h``, rows offset by
    ``offset``, joints ``mortar`` wide of ``mortar_col``, per-brick colour variation ``var``."""
    vec = box_uv(nt)
    tex = _n(nt, "ShaderNodeTexBrick", Scale=1.0, **{"Mortar Size": mortar, "Brick Width": w, "Row Height": h,
                                                     "Mortar Smooth": 0.1, "Bias": 0.0})
    tex.offset = offset
    tex.inputs["Color1"].default_value = _rgba(surf.color, 1 - var)
    tex.inputs["Color2"].default_value = _rgba(surf.color, 1 + var)
    tex.inputs["Mortar"].default_value = mortar_col
    nt.links.new(vec, tex.inputs["Vector"])
    b = _bsdf(nt, out, surf)
    col = tex.outputs["Color"]
    if grain:
        wave = _n(nt, "ShaderNodeTexWave", Scale=8.0, Distortion=4.0)
        wave.bands_direction = "X"
        nt.links.new(vec, wave.inputs["Vector"])
        mix = nt.nodes.new("ShaderNodeMix")
        mix.data_type = "RGBA"
        mix.blend_type = "MULTIPLY"
        mix.inputs["Factor"].default_value = 0.25
        nt.links.new(col, mix.inputs[6])
        nt.links.new(_ramp(nt, wave.outputs["Fac"], (0.75, 0.75, 0.75, 1), (1, 1, 1, 1)), mix.inputs[7])
        col = mix.outputs[2]
    nt.links.new(col, b.inputs["Base Color"])
    nt.links.new(_bump(nt, tex.outputs["Fac"], bump, 0.005), b.inputs["Normal"])


def parquet(nt, surf, out):
    s = surf.scale_m
    _bricks(nt, surf, out, w=0.9 * s, h=0.12 * s, offset=0.37, mortar=0.002, mortar_col=_rgba(surf.color, 0.5),
            var=0.12, bump=0.1, grain=True)


def tiles(nt, surf, out):
    s = surf.scale_m
    _bricks(nt, surf, out, w=s, h=s, offset=0.0, mortar=0.004, mortar_col=(0.55, 0.55, 0.53, 1.0), var=0.03, bump=0.2)


def brick(nt, surf, out):
    s = surf.scale_m / 0.25
    _bricks(nt, surf, out, w=0.215 * s, h=0.075 * s, offset=0.5, mortar=0.01 * s, mortar_col=(0.45, 0.43, 0.4, 1.0),
            var=0.18, bump=0.4)


def paving(nt, surf, out):
    s = surf.scale_m
    _bricks(nt, surf, out, w=s, h=0.6 * s, offset=0.5, mortar=0.008, mortar_col=_rgba(surf.color, 0.55), var=0.12,
            bump=0.3)


def concrete(nt, surf, out):
    _varied(nt, surf, out, 0.8, 0.12, 0.08)


def asphalt(nt, surf, out):
    _varied(nt, surf, out, 60.0, 0.25, 0.25)


def stone(nt, surf, out):
    vor = _n(nt, "ShaderNodeTexVoronoi", Scale=2.5)
    nt.links.new(_object_coords(nt), vor.inputs["Vector"])
    col = _ramp(nt, vor.outputs["Distance"], _rgba(surf.color, 0.8), _rgba(surf.color, 1.15))
    b = _bsdf(nt, out, surf)
    nt.links.new(col, b.inputs["Base Color"])
    nt.links.new(_bump(nt, _noise(nt, _object_coords(nt), 8.0).outputs["Fac"], 0.3), b.inputs["Normal"])


def marble(nt, surf, out):
    wave = _n(nt, "ShaderNodeTexWave", Scale=1.2, Distortion=12.0, Detail=6.0)
    nt.links.new(_object_coords(nt), wave.inputs["Vector"])
    col = _ramp(nt, wave.outputs["Fac"], _rgba(surf.color, 0.82), _rgba(surf.color, 1.0))
    b = _bsdf(nt, out, surf, **{"Coat Weight": 0.3})
    nt.links.new(col, b.inputs["Base Color"])


def foliage(nt, surf, out):
    b = _varied(nt, surf, out, 6.0, 0.25, 0.4)
    b.inputs["Subsurface Weight"].default_value = 0.1
    b.inputs["Subsurface Radius"].default_value = (0.1, 0.2, 0.05)


def grass(nt, surf, out):
    _varied(nt, surf, out, 14.0, 0.3, 0.5)


def bark(nt, surf, out):
    tc = _object_coords(nt)
    stretch = nt.nodes.new("ShaderNodeMapping")
    stretch.inputs["Scale"].default_value = (8.0, 8.0, 1.5)
    nt.links.new(tc, stretch.inputs["Vector"])
    tex = _noise(nt, stretch.outputs[0], 4.0, 6.0, 0.6)
    col = _ramp(nt, tex.outputs["Fac"], _rgba(surf.color, 0.6), _rgba(surf.color, 1.2))
    b = _bsdf(nt, out, surf)
    nt.links.new(col, b.inputs["Base Color"])
    nt.links.new(_bump(nt, tex.outputs["Fac"], 0.6), b.inputs["Normal"])


def soil(nt, surf, out):
    _varied(nt, surf, out, 30.0, 0.3, 0.5)


def paper(nt, surf, out):
    _varied(nt, surf, out, 25.0, 0.05, 0.02)


def cardboard(nt, surf, out):
    _varied(nt, surf, out, 12.0, 0.08, 0.05)


def rubber(nt, surf, out):
    _bsdf(nt, out, surf)


def water(nt, surf, out):
    b = _bsdf(nt, out, surf, **{"Coat Weight": 1.0})
    nt.links.new(_bump(nt, _noise(nt, _object_coords(nt), 3.0).outputs["Fac"], 0.15), b.inputs["Normal"])


def light(nt, surf, out):
    """A lamp's glowing surface (emission strength from the surface's roughness field is not
    used: a fixed 8 W/m²-ish glow that reads as a lit shade or panel)."""
    e = _n(nt, "ShaderNodeEmission", Strength=8.0)
    e.inputs["Color"].default_value = _rgba(surf.color)
    nt.links.new(e.outputs[0], out.inputs["Surface"])


RECIPES: Registry = Registry("surface kind")
for _name in SURFACE_KINDS:
    RECIPES.register(_name, globals()[_name])
RECIPES.expect(SURFACE_KINDS)
