"""Structure shapes: floor and ceiling slabs, walls with openings, doors, stairs, railings,
roads and sidewalks, ceiling lights, and buildings with windows, doors and balconies."""
from __future__ import annotations

import numpy as np

from .base import Shape, shape
from .detrng import DetRng
from .mesh import MeshBuilder

SHAPES: dict[str, Shape] = {}


@shape(SHAPES, "slab", ("surface",))
def slab(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A flat box (floors, ceilings, landings, pavements): ``size`` = (x, y, thickness)."""
    b.cbox([0.0, 0.0, size[2] / 2], size, "surface")


def _spans(length: float, openings: list) -> list[tuple[float, float]]:
    """Solid intervals of ``[-length/2, length/2]`` between openings ``[centre, width, ...]``."""
    cuts = sorted((o[0] - o[1] / 2, o[0] + o[1] / 2) for o in openings)
    out, x = [], -length / 2
    for a, c in cuts:
        if a > x + 1e-4:
            out.append((x, a))
        x = max(x, c)
    if length / 2 > x + 1e-4:
        out.append((x, length / 2))
    return out


@shape(SHAPES, "wall", ("wall", "skirting", "frame"))
def wall(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A wall along local x, ``size`` = (length, thickness, height), with openings
    ``params["openings"]`` = [[centre_x, width, bottom_z, top_z], ...] (doorways, windows),
    skirting boards (``skirting`` height, 0 for none) on both faces and casings round openings."""
    L, T, H = size
    openings = [list(map(float, o)) for o in p.get("openings", [])]
    for x0, x1 in _spans(L, openings):
        b.box([x0, -T / 2, 0.0], [x1, T / 2, H], "wall")
    for c, w, z0, z1 in openings:
        if z0 > 1e-3:
            b.box([c - w / 2, -T / 2, 0.0], [c + w / 2, T / 2, z0], "wall")
        if z1 < H - 1e-3:
            b.box([c - w / 2, -T / 2, z1], [c + w / 2, T / 2, H], "wall")
    sk = float(p.get("skirting", 0.0))
    if sk > 0:
        for x0, x1 in _spans(L, [o for o in openings if o[2] < sk]):
            for side in (-1, 1):
                y = side * (T / 2 + 0.006)
                b.box([x0, min(y, side * T / 2), 0.0], [x1, max(y, side * T / 2), sk], "skirting")
    if p.get("casing", True):
        for c, w, z0, z1 in openings:
            _casing(b, c, w, z0, z1, T)


def _casing(b: MeshBuilder, c: float, w: float, z0: float, z1: float, T: float, k: float = 0.06) -> None:
    """Door/window casing: trim boards round an opening on both faces of a wall."""
    e = 0.012
    for side in (-1, 1):
        y0, y1 = sorted((side * T / 2, side * (T / 2 + e)))
        b.box([c - w / 2 - k, y0, z0], [c - w / 2, y1, z1 + k], "frame")
        b.box([c + w / 2, y0, z0], [c + w / 2 + k, y1, z1 + k], "frame")
        b.box([c - w / 2, y0, z1], [c + w / 2, y1, z1 + k], "frame")
        if z0 > 1e-3:
            b.box([c - w / 2 - k, y0, z0 - k], [c + w / 2 + k, y1, z0], "frame")


@shape(SHAPES, "door", ("door", "handle", "frame"))
def door(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A closed door set against a wall, its back at local +y (the wall): ``size`` = (width,
    thickness, height); raised panels, a casing and a handle on the -y face."""
    W, T, H = size
    b.box([-W / 2, -T / 2, 0.0], [W / 2, T / 2, H], "door")
    panels = int(p.get("panels", 2))
    m = 0.1 * W
    for k in range(panels):
        z0 = 0.12 * H + k * (0.8 * H / panels)
        b.chamfer_box([-W / 2 + m, -T / 2 - 0.012, z0], [W / 2 - m, -T / 2, z0 + 0.8 * H / panels - 0.06], 0.006, "door")
    hx = W / 2 - 0.09
    b.rod([hx, -T / 2, 0.48 * H], [hx, -T / 2 - 0.06, 0.48 * H], 0.012, "handle")
    b.rod([hx, -T / 2 - 0.06, 0.48 * H], [hx - 0.12, -T / 2 - 0.06, 0.48 * H], 0.01, "handle")
    k = 0.07
    b.box([-W / 2 - k, -T / 2 - 0.02, 0.0], [-W / 2, T / 2, H + k], "frame")
    b.box([W / 2, -T / 2 - 0.02, 0.0], [W / 2 + k, T / 2, H + k], "frame")
    b.box([-W / 2, -T / 2 - 0.02, H], [W / 2, T / 2, H + k], "frame")


@shape(SHAPES, "stairs", ("steps", "stringer", "rail"))
def stairs(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A straight flight rising along +y: ``size`` = (width, run, rise); solid steps with
    nosings, side stringers and a handrail on the open side(s) (``rails``: "left", "right",
    "both", "none")."""
    W, run, rise = size
    n = max(int(p.get("steps", round(rise / 0.18))), 2)
    dz, dy = rise / n, run / n
    for i in range(n):
        y0 = -run / 2 + i * dy
        b.box([-W / 2, y0, 0.0], [W / 2, run / 2, (i + 1) * dz - 0.03], "stringer")
        b.chamfer_box([-W / 2, y0 - 0.02, (i + 1) * dz - 0.03], [W / 2, y0 + dy, (i + 1) * dz], 0.008, "steps")
    rails = p.get("rails", "both")
    for side, name in ((-1, "left"), (1, "right")):
        if rails in (name, "both"):
            x = side * (W / 2 - 0.05)
            for i in range(0, n, max(n // 4, 1)):
                y = -run / 2 + (i + 0.5) * dy
                b.rod([x, y, (i + 1) * dz], [x, y, (i + 1) * dz + 0.9], 0.02, "rail")
            b.rod([x, -run / 2 + 0.5 * dy, dz + 0.9], [x, run / 2 - 0.5 * dy, rise + 0.9], 0.03, "rail")


@shape(SHAPES, "railing", ("rail",))
def railing(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A railing along local x: ``size`` = (length, 0.05, height); posts, balusters, handrail."""
    L, _, H = size
    posts = max(int(L / 1.2), 1) + 1
    for x in np.linspace(-L / 2 + 0.03, L / 2 - 0.03, posts):
        b.cbox([x, 0.0, H / 2], [0.05, 0.05, H], "rail")
    for x in np.arange(-L / 2 + 0.12, L / 2 - 0.05, 0.12):
        b.rod([x, 0.0, 0.08], [x, 0.0, H - 0.04], 0.009, "rail", n=6)
    b.cbox([0.0, 0.0, H - 0.02], [L, 0.07, 0.04], "rail")
    b.cbox([0.0, 0.0, 0.07], [L, 0.04, 0.03], "rail")


@shape(SHAPES, "ceiling_light", ("fixture", "light"))
def ceiling_light(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A ceiling fixture hanging from z = size[2] (its top): a round or square panel whose
    underside glows (``style``: "disc", "panel", "pendant")."""
    W, D, H = size
    style = p.get("style", "disc")
    if style == "pendant":
        b.rod([0, 0, H], [0, 0, 0.3], 0.006, "fixture", n=6)
        b.cylinder([0, 0, 0.02], W / 2, 0.28, "fixture", n=20, top_radius=0.05)
        b.cylinder([0, 0, 0.0], W / 2 - 0.02, 0.03, "light", n=20)
    elif style == "panel":
        b.cbox([0, 0, H - 0.03], [W, D, 0.06], "fixture")
        b.cbox([0, 0, H - 0.065], [W - 0.04, D - 0.04, 0.012], "light")
    else:
        b.cylinder([0, 0, H - 0.06], W / 2, 0.06, "fixture", n=24)
        b.cylinder([0, 0, H - 0.075], W / 2 - 0.02, 0.016, "light", n=24)


@shape(SHAPES, "road", ("asphalt", "marking"))
def road(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A road along local y: ``size`` = (width, length, thickness); asphalt with a dashed
    centre line (``lanes`` >= 2) and edge lines (``edge_lines``), markings 2 mm proud."""
    W, L, T = size
    b.box([-W / 2, -L / 2, 0.0], [W / 2, L / 2, T], "asphalt")
    if int(p.get("lanes", 2)) >= 2:
        dash, gap = 3.0, 4.0
        for y in np.arange(-L / 2 + 1.0, L / 2 - dash, dash + gap):
            b.box([-0.06, y, T], [0.06, y + dash, T + 0.001], "marking")
    if p.get("edge_lines", True) and W > 5:
        for x in (-W / 2 + 0.35, W / 2 - 0.35):
            b.box([x - 0.06, -L / 2, T], [x + 0.06, L / 2, T + 0.001], "marking")
    if p.get("crossing", False):
        for x in np.arange(-W / 2 + 0.6, W / 2 - 0.4, 1.0):
            b.box([x, -2.0, T], [x + 0.5, 2.0, T + 0.001], "marking")


@shape(SHAPES, "sidewalk", ("paving", "curb"))
def sidewalk(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A raised pavement along local y: ``size`` = (width, length, height); a kerb along its
    -x edge (the road side)."""
    W, L, H = size
    b.box([-W / 2 + 0.15, -L / 2, 0.0], [W / 2, L / 2, H], "paving")
    b.chamfer_box([-W / 2, -L / 2, 0.0], [-W / 2 + 0.15, L / 2, H + 0.005], 0.02, "curb")


# --------------------------------------------------------------------------- buildings
@shape(SHAPES, "building", ("facade", "trim", "frame", "glass", "door", "balcony", "roof"))
def building(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A building on a rectangular footprint, its street face at local -y: ``size`` = (width,
    depth, height). Floors of ``floor_h`` metres; per floor ``bays`` windows (``window_w`` x
    ``window_h``) with frames, glass, sills and mullions on the street face and the side faces
    (``side_windows``); a door (or, with ``shopfront``, a glazed ground floor); string courses
    between floors; balconies on the floors listed in ``balconies``; a cornice and a parapet
    (or a pitched roof when ``roof`` is "pitched")."""
    W, D, H = size
    floors = max(int(p.get("floors", round(H / 3.0))), 1)
    fh = H / floors
    b.box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, H], "facade")
    bays = max(int(p.get("bays", max(int(W / 3.2), 1))), 1)
    ww, wh = float(p.get("window_w", 1.2)), float(p.get("window_h", 1.5))
    rng = DetRng(int(p.get("seed", 0)))
    for f in range(floors):
        z0 = f * fh
        if f == 0 and p.get("shopfront", False):
            _shopfront(b, W, D, fh)
        elif f == 0:
            _ground_floor(b, W, D, fh, bays, ww, wh, float(p.get("door_x", 0.0)))
        else:
            for k in range(bays):
                x = -W / 2 + (k + 0.5) * W / bays
                _window(b, [x, -D / 2, z0 + 0.9], ww, wh, face="-y", open_frac=rng.uniform(0, 1))
        if f > 0:
            b.box([-W / 2 - 0.04, -D / 2 - 0.05, z0 - 0.08], [W / 2 + 0.04, D / 2 + 0.05, z0 + 0.04], "trim")
    if p.get("side_windows", True):
        _side_windows(b, W, D, floors, fh, ww, wh)
    for f in p.get("balconies", []):
        f = int(f)
        if 0 < f < floors:
            _balcony(b, W, D, f * fh, bays)
    _roof(b, W, D, H, p.get("roof", "parapet"))


def _window(b: MeshBuilder, base, w: float, h: float, face: str, open_frac: float = 0.0) -> None:
    """A window on a face of the facade box (``face`` "-y", "+x" or "-x"): glass 1 cm proud of
    the wall, a frame and mullion 4-6 cm proud, a sill below."""
    x, y, z = base
    if face == "-y":
        def box(lo, hi, slot):
            b.box([x + lo[0], y - hi[1], z + lo[2]], [x + hi[0], y - lo[1], z + hi[2]], slot)
    else:
        s = 1.0 if face == "+x" else -1.0

        def box(lo, hi, slot):
            a, c = sorted((x + s * lo[1], x + s * hi[1]))
            b.box([a, y + lo[0], z + lo[2]], [c, y + hi[0], z + hi[2]], slot)
    f = 0.06
    box([-w / 2, 0.0, 0.0], [w / 2, 0.012, h], "glass")
    box([-w / 2 - f, 0.0, -f], [-w / 2, 0.05, h + f], "frame")
    box([w / 2, 0.0, -f], [w / 2 + f, 0.05, h + f], "frame")
    box([-w / 2, 0.0, h], [w / 2, 0.05, h + f], "frame")
    box([-w / 2, 0.0, -f], [w / 2, 0.05, 0.0], "frame")
    box([-0.02, 0.0, 0.0], [0.02, 0.04, h], "frame")
    box([-w / 2, 0.0, 0.62 * h], [w / 2, 0.04, 0.62 * h + 0.035], "frame")
    box([-w / 2 - 0.1, 0.0, -f - 0.05], [w / 2 + 0.1, 0.12, -f], "trim")


def _ground_floor(b: MeshBuilder, W: float, D: float, fh: float, bays: int, ww: float, wh: float,
                  door_x: float) -> None:
    dw, dh = 1.2, min(2.4, fh - 0.4)
    door_bay = int(np.clip(round((door_x + W / 2) / (W / bays) - 0.5), 0, bays - 1))
    for k in range(bays):
        x = -W / 2 + (k + 0.5) * W / bays
        if k == door_bay:
            b.box([x - dw / 2, -D / 2 - 0.03, 0.0], [x + dw / 2, -D / 2, dh], "door")
            b.box([x - dw / 2 - 0.1, -D / 2 - 0.08, 0.0], [x - dw / 2, -D / 2, dh + 0.1], "frame")
            b.box([x + dw / 2, -D / 2 - 0.08, 0.0], [x + dw / 2 + 0.1, -D / 2, dh + 0.1], "frame")
            b.box([x - dw / 2 - 0.1, -D / 2 - 0.08, dh], [x + dw / 2 + 0.1, -D / 2, dh + 0.12], "frame")
            b.box([x - dw / 2 - 0.3, -D / 2 - 0.35, 0.0], [x + dw / 2 + 0.3, -D / 2, 0.12], "trim")
        else:
            _window(b, [x, -D / 2, 0.8], ww, min(wh, fh - 1.2), face="-y")
    b.box([-W / 2 - 0.02, -D / 2 - 0.03, 0.0], [W / 2 + 0.02, D / 2 + 0.03, 0.45], "trim")


def _shopfront(b: MeshBuilder, W: float, D: float, fh: float) -> None:
    """A glazed ground floor: a display window across the front, a fascia board above."""
    top = fh - 0.7
    b.box([-W / 2 + 0.3, -D / 2 - 0.015, 0.45], [W / 2 - 0.3, -D / 2, top], "glass")
    for x in np.linspace(-W / 2 + 0.3, W / 2 - 0.3, max(int(W / 2.5), 1) + 1):
        b.box([x - 0.05, -D / 2 - 0.07, 0.45], [x + 0.05, -D / 2, top], "frame")
    b.box([-W / 2 + 0.2, -D / 2 - 0.12, top], [W / 2 - 0.2, -D / 2, top + 0.6], "trim")
    b.box([-W / 2 + 0.3, -D / 2 - 0.07, 0.38], [W / 2 - 0.3, -D / 2, 0.45], "frame")


def _side_windows(b: MeshBuilder, W: float, D: float, floors: int, fh: float, ww: float, wh: float) -> None:
    n = max(int(D / 3.5), 1)
    for f in range(1, floors):
        for k in range(n):
            y = -D / 2 + (k + 0.5) * D / n
            _window(b, [W / 2, y, f * fh + 0.9], ww * 0.8, wh, face="+x")
            _window(b, [-W / 2, y, f * fh + 0.9], ww * 0.8, wh, face="-x")


def _balcony(b: MeshBuilder, W: float, D: float, z: float, bays: int) -> None:
    """A balcony slab 1.1 m deep over the middle bays with a railing of balusters."""
    span = W * (0.6 if bays > 2 else 0.8)
    y0, y1 = -D / 2 - 1.1, -D / 2
    b.chamfer_box([-span / 2, y0, z - 0.16], [span / 2, y1, z], 0.02, "balcony")
    h = 1.0
    for x in np.arange(-span / 2 + 0.06, span / 2, 0.14):
        b.rod([x, y0 + 0.05, z], [x, y0 + 0.05, z + h], 0.01, "balcony", n=6)
    for y in np.arange(y0 + 0.05, y1, 0.14):
        for x in (-span / 2 + 0.05, span / 2 - 0.05):
            b.rod([x, y, z], [x, y, z + h], 0.01, "balcony", n=6)
    b.box([-span / 2, y0, z + h], [span / 2, y0 + 0.08, z + h + 0.04], "balcony")
    b.box([-span / 2, y0, z + h], [-span / 2 + 0.08, y1, z + h + 0.04], "balcony")
    b.box([span / 2 - 0.08, y0, z + h], [span / 2, y1, z + h + 0.04], "balcony")


def _roof(b: MeshBuilder, W: float, D: float, H: float, kind: str) -> None:
    b.box([-W / 2 - 0.18, -D / 2 - 0.18, H - 0.25], [W / 2 + 0.18, D / 2 + 0.18, H], "trim")
    if kind == "pitched":
        rise = min(W, D) * 0.3
        b.prism([[-W / 2 - 0.3, H], [W / 2 + 0.3, H], [0.0, H + rise]], D + 0.4, "roof", axis="y")
    else:
        for x0, x1, y0, y1 in ((-W / 2, W / 2, -D / 2, -D / 2 + 0.25), (-W / 2, W / 2, D / 2 - 0.25, D / 2),
                               (-W / 2, -W / 2 + 0.25, -D / 2, D / 2), (W / 2 - 0.25, W / 2, -D / 2, D / 2)):
            b.box([x0, y0, H], [x1, y1, H + 0.8], "roof")
