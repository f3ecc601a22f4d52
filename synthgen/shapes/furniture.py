"""Furniture and indoor objects at real scale: tables, chairs, sofas, beds, shelves, cabinets,
desks, lamps, plants, rugs, boxes, columns, screens, pictures, books and small vessels.

Every shape's ``size`` is (width along local x, depth along local y, height); objects that
stand against a wall have their back at local +y (so a yaw of 0 puts the back toward +y)."""
from __future__ import annotations

import math

import numpy as np

from .base import Shape, shape
from .detrng import DetRng
from .mesh import MeshBuilder

SHAPES: dict[str, Shape] = {}


def _legs(b: MeshBuilder, W: float, D: float, h: float, inset: float, r: float, slot: str,
          square: bool = False) -> None:
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (W / 2 - inset), sy * (D / 2 - inset)
            if square:
                b.box([x - r, y - r, 0.0], [x + r, y + r, h], slot)
            else:
                b.cylinder([x, y, 0.0], r, h, slot, n=10, top_radius=r * 1.15)


@shape(SHAPES, "table", ("top", "legs"))
def table(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A table: a bevelled top (``top_t`` thick) on four legs, a pedestal (``style``
    "pedestal") or a trestle frame (``style`` "trestle"), with an apron under the top."""
    W, D, H = size
    t = float(p.get("top_t", 0.035))
    style = p.get("style", "legs")
    if p.get("round", False):
        b.cylinder([0, 0, H - t], W / 2, t, "top", n=32)
    else:
        b.chamfer_box([-W / 2, -D / 2, H - t], [W / 2, D / 2, H], 0.006, "top")
    if style == "pedestal":
        b.cylinder([0, 0, 0.0], min(W, D) * 0.28, 0.03, "legs", n=20)
        b.cylinder([0, 0, 0.03], 0.05, H - t - 0.03, "legs", n=12)
        return
    if style == "trestle":
        for sx in (-1, 1):
            x = sx * (W / 2 - 0.12)
            b.box([x - 0.03, -D / 2 + 0.08, 0.0], [x + 0.03, D / 2 - 0.08, 0.05], "legs")
            b.box([x - 0.03, -0.04, 0.0], [x + 0.03, 0.04, H - t], "legs")
        b.box([-W / 2 + 0.12, -0.03, 0.3], [W / 2 - 0.12, 0.03, 0.36], "legs")
        return
    _legs(b, W, D, H - t, 0.06, 0.022, "legs", square=p.get("square_legs", False))
    a = 0.08
    b.box([-W / 2 + 0.06, -D / 2 + 0.05, H - t - a], [W / 2 - 0.06, -D / 2 + 0.07, H - t], "legs")
    b.box([-W / 2 + 0.06, D / 2 - 0.07, H - t - a], [W / 2 - 0.06, D / 2 - 0.05, H - t], "legs")


@shape(SHAPES, "chair", ("seat", "frame"))
def chair(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A dining/office chair, back toward +y: four legs, a cushioned seat at ``seat_h`` and a
    backrest of slats (``slats``) or a solid panel."""
    W, D, H = size
    sh = float(p.get("seat_h", 0.46))
    _legs(b, W, D, sh - 0.04, 0.03, 0.016, "frame", square=True)
    b.chamfer_box([-W / 2, -D / 2, sh - 0.05], [W / 2, D / 2, sh], 0.012, "seat")
    for sx in (-1, 1):
        x = sx * (W / 2 - 0.03)
        b.box([x - 0.016, D / 2 - 0.05, sh], [x + 0.016, D / 2 - 0.018, H], "frame")
    slats = int(p.get("slats", 0))
    if slats:
        for k in range(slats):
            x = -W / 2 + 0.06 + (k + 0.5) * (W - 0.12) / slats
            b.box([x - 0.015, D / 2 - 0.045, sh + 0.12], [x + 0.015, D / 2 - 0.025, H - 0.08], "frame")
        b.box([-W / 2 + 0.03, D / 2 - 0.05, H - 0.09], [W / 2 - 0.03, D / 2 - 0.018, H], "frame")
    else:
        b.chamfer_box([-W / 2 + 0.02, D / 2 - 0.055, sh + 0.18], [W / 2 - 0.02, D / 2 - 0.02, H], 0.01, "seat")


@shape(SHAPES, "stool", ("seat", "frame"))
def stool(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A round stool: a seat disc on three splayed legs with a foot ring."""
    W, _, H = size
    r = W / 2
    b.cylinder([0, 0, H - 0.04], r, 0.04, "seat", n=20)
    for k in range(3):
        a = 2 * math.pi * k / 3
        b.rod([0.85 * r * math.cos(a), 0.85 * r * math.sin(a), 0.0],
              [0.45 * r * math.cos(a), 0.45 * r * math.sin(a), H - 0.04], 0.014, "frame")
    b.cylinder([0, 0, 0.3 * H], 0.62 * r, 0.015, "frame", n=16)


@shape(SHAPES, "sofa", ("body", "cushions", "legs"))
def sofa(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A sofa (an armchair when narrow), back toward +y: a base on short legs, ``seats`` seat
    and back cushions, padded arms."""
    W, D, H = size
    seats = int(p.get("seats", max(int(round(W / 0.7)), 1)))
    arm = float(p.get("arm_w", 0.16))
    leg = 0.1
    _legs(b, W, D, leg, 0.07, 0.02, "legs")
    b.chamfer_box([-W / 2, -D / 2, leg], [W / 2, D / 2, leg + 0.22], 0.03, "body")
    b.chamfer_box([-W / 2, D / 2 - 0.2, leg + 0.22], [W / 2, D / 2, H], 0.04, "body")
    for sx in (-1, 1):
        x0, x1 = sorted((sx * W / 2, sx * (W / 2 - arm)))
        b.chamfer_box([x0, -D / 2, leg + 0.22], [x1, D / 2 - 0.1, 0.64], 0.05, "body")
    inner = W - 2 * arm
    cw = inner / seats
    for k in range(seats):
        x0 = -inner / 2 + k * cw
        b.chamfer_box([x0 + 0.01, -D / 2 + 0.02, leg + 0.22], [x0 + cw - 0.01, D / 2 - 0.22, leg + 0.36], 0.04, "cushions")
        b.chamfer_box([x0 + 0.02, D / 2 - 0.36, leg + 0.36], [x0 + cw - 0.02, D / 2 - 0.19, H - 0.05], 0.06, "cushions")
    if p.get("throw_pillows", True) and seats >= 2:
        for sx in (-1, 1):
            x = sx * (inner / 2 - 0.2)
            b.chamfer_box([x - 0.18, D / 2 - 0.42, leg + 0.36], [x + 0.18, D / 2 - 0.3, leg + 0.72], 0.05, "cushions")


@shape(SHAPES, "bed", ("frame", "mattress", "blanket", "pillows"))
def bed(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A bed, headboard at +y: a frame on legs, a mattress, a blanket over its lower part
    draping down the sides, pillows and a padded headboard ``head_h`` high."""
    W, D, H = size
    fh = 0.3
    _legs(b, W, D, 0.12, 0.05, 0.03, "frame", square=True)
    b.chamfer_box([-W / 2, -D / 2, 0.12], [W / 2, D / 2 - 0.06, fh], 0.015, "frame")
    top = fh + 0.22
    b.chamfer_box([-W / 2 + 0.03, -D / 2 + 0.03, fh], [W / 2 - 0.03, D / 2 - 0.08, top], 0.05, "mattress")
    b.chamfer_box([-W / 2 + 0.005, -D / 2 + 0.0, top - 0.18], [W / 2 - 0.005, D / 2 - 0.65, top + 0.03], 0.03, "blanket")
    b.chamfer_box([-W / 2 + 0.01, -D / 2 + 0.0, top + 0.03], [W / 2 - 0.01, -D / 2 + 0.45, top + 0.07], 0.02, "blanket")
    n = 2 if W > 1.2 else 1
    pw = (W - 0.2) / n
    for k in range(n):
        x0 = -W / 2 + 0.1 + k * pw
        b.chamfer_box([x0 + 0.03, D / 2 - 0.6, top], [x0 + pw - 0.03, D / 2 - 0.15, top + 0.14], 0.06, "pillows")
    b.chamfer_box([-W / 2 - 0.03, D / 2 - 0.08, 0.0], [W / 2 + 0.03, D / 2, H], 0.03, "frame")


@shape(SHAPES, "shelf", ("frame", "back"))
def shelf(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """An open bookcase, back at +y: two sides, top, plinth, ``levels`` boards (level k's
    board top at ``shelf_z(size, levels, k)``) and a back panel."""
    W, D, H = size
    levels = int(p.get("levels", 4))
    t = 0.022
    for sx in (-1, 1):
        x0, x1 = sorted((sx * W / 2, sx * (W / 2 - t)))
        b.box([x0, -D / 2, 0.0], [x1, D / 2, H], "frame")
    b.box([-W / 2, -D / 2, H - t], [W / 2, D / 2, H], "frame")
    b.box([-W / 2 + t, -D / 2 + 0.02, 0.0], [W / 2 - t, D / 2, 0.08], "frame")
    for k in range(levels):
        z = shelf_z(H, levels, k)
        b.box([-W / 2 + t, -D / 2, z - t], [W / 2 - t, D / 2, z], "frame")
    b.box([-W / 2 + t, D / 2 - 0.01, 0.08], [W / 2 - t, D / 2, H - t], "back")


def shelf_z(H: float, levels: int, k: int) -> float:
    """Top of board ``k`` (0 = the lowest, resting on the plinth) of a shelf of height ``H``."""
    return 0.1 + k * (H - 0.1) / levels


@shape(SHAPES, "rack", ("frame", "boards"))
def rack(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A metal storage rack: four upright posts and ``levels`` boards (board k's top at
    ``shelf_z``), cross braces on the sides."""
    W, D, H = size
    levels = int(p.get("levels", 4))
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (W / 2 - 0.02), sy * (D / 2 - 0.02)
            b.box([x - 0.02, y - 0.02, 0.0], [x + 0.02, y + 0.02, H], "frame")
        x = sx * (W / 2 - 0.02)
        b.rod([x, -D / 2 + 0.02, 0.1], [x, D / 2 - 0.02, H - 0.1], 0.008, "frame", n=6)
    for k in range(levels):
        z = shelf_z(H, levels, k)
        b.box([-W / 2, -D / 2, z - 0.03], [W / 2, D / 2, z], "boards")


@shape(SHAPES, "cabinet", ("body", "top", "handles"))
def cabinet(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A cabinet (dresser, sideboard, wardrobe, kitchen counter, fridge), back at +y: a body on
    a recessed plinth, a top (``overhang`` m at the front), ``doors`` door panels or
    ``drawers`` rows of drawer fronts on the -y face, each with a handle."""
    W, D, H = size
    plinth = float(p.get("plinth", 0.08))
    oh = float(p.get("overhang", 0.0))
    tt = 0.03 if oh > 0 else 0.0
    b.box([-W / 2 + 0.02, -D / 2 + 0.05, 0.0], [W / 2 - 0.02, D / 2, plinth], "body")
    b.box([-W / 2, -D / 2, plinth], [W / 2, D / 2, H - tt], "body")
    if tt:
        b.chamfer_box([-W / 2 - 0.01, -D / 2 - oh, H - tt], [W / 2 + 0.01, D / 2, H], 0.005, "top")
    drawers = int(p.get("drawers", 0))
    doors = int(p.get("doors", 0 if drawers else 2))
    y = -D / 2
    g = 0.006
    if drawers:
        cols = int(p.get("columns", 1))
        hh = (H - tt - plinth) / drawers
        cw = W / cols
        for c in range(cols):
            for k in range(drawers):
                x0, z0 = -W / 2 + c * cw, plinth + k * hh
                b.chamfer_box([x0 + g, y - 0.018, z0 + g], [x0 + cw - g, y, z0 + hh - g], 0.004, "body")
                b.rod([x0 + cw / 2 - 0.06, y - 0.018, z0 + hh * 0.6], [x0 + cw / 2 + 0.06, y - 0.018, z0 + hh * 0.6],
                      0.008, "handles", n=6)
    elif doors:
        dw = W / doors
        for k in range(doors):
            x0 = -W / 2 + k * dw
            b.chamfer_box([x0 + g, y - 0.018, plinth + g], [x0 + dw - g, y, H - tt - g], 0.004, "body")
            hx = x0 + (dw - 0.05 if k % 2 == 0 else 0.05)
            zc = plinth + (H - tt - plinth) * (0.55 if H > 1.2 else 0.8)
            b.rod([hx, y - 0.03, zc - 0.08], [hx, y - 0.03, zc + 0.08], 0.008, "handles", n=6)


@shape(SHAPES, "desk", ("top", "legs"))
def desk(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A desk, user side at -y: a top on two side frames with a modesty panel at the back and
    a drawer pedestal on one side (``pedestal``)."""
    W, D, H = size
    t = 0.03
    b.chamfer_box([-W / 2, -D / 2, H - t], [W / 2, D / 2, H], 0.004, "top")
    for sx in (-1, 1):
        x0, x1 = sorted((sx * (W / 2 - 0.03), sx * (W / 2 - 0.07)))
        b.box([x0, -D / 2 + 0.04, 0.0], [x1, D / 2 - 0.04, H - t], "legs")
    b.box([-W / 2 + 0.07, D / 2 - 0.06, 0.3], [W / 2 - 0.07, D / 2 - 0.04, H - t], "legs")
    if p.get("pedestal", True):
        x1 = W / 2 - 0.07
        b.box([x1 - 0.42, -D / 2 + 0.06, 0.02], [x1, D / 2 - 0.08, H - t - 0.02], "legs")
        for k in range(3):
            z = 0.05 + k * (H - 0.12) / 3
            b.rod([x1 - 0.27, -D / 2 + 0.045, z + 0.12], [x1 - 0.15, -D / 2 + 0.045, z + 0.12], 0.007, "top", n=6)


@shape(SHAPES, "floor_lamp", ("metal", "shade"))
def floor_lamp(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A floor lamp: a weighted base, a pole and a fabric shade (a frustum) at the top."""
    W, _, H = size
    b.cylinder([0, 0, 0], 0.16, 0.03, "metal", n=20)
    b.cylinder([0, 0, 0.03], 0.012, H - 0.3, "metal", n=8)
    b.cylinder([0, 0, H - 0.34], W / 2, 0.32, "shade", n=24, top_radius=W / 2 * 0.7)


@shape(SHAPES, "table_lamp", ("base", "shade"))
def table_lamp(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A table lamp: a turned base (ceramic or metal) and a fabric shade."""
    W, _, H = size
    b.cylinder([0, 0, 0], W * 0.22, 0.02, "base", n=16)
    b.ellipsoid([0, 0, 0.3 * H], [W * 0.2, W * 0.2, 0.26 * H], "base", nu=16, nv=8)
    b.cylinder([0, 0, 0.5 * H], 0.01, 0.2 * H, "base", n=6)
    b.cylinder([0, 0, 0.62 * H], W / 2, 0.38 * H, "shade", n=20, top_radius=W / 2 * 0.65)


@shape(SHAPES, "plant", ("pot", "soil", "foliage"))
def plant(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A potted plant: a tapered pot (``pot_h`` of the height), soil, and foliage as clumps of
    noisy blobs on thin stems (``style`` "bush", "tall" for a ficus-like crown, "grass" for
    upright blades)."""
    W, D, H = size
    rng = DetRng(int(p.get("seed", 0)))
    ph = float(p.get("pot_h", 0.3)) * H
    pr = min(W, D) * 0.32
    b.cylinder([0, 0, 0], pr * 0.8, ph, "pot", n=18, top_radius=pr)
    b.cylinder([0, 0, ph - 0.03], pr * 0.93, 0.02, "soil", n=18)
    style = p.get("style", "bush")
    if style == "grass":
        n = 18
        for k in range(n):
            a = 2 * math.pi * k / n + rng.uniform(-0.2, 0.2)
            lean = rng.uniform(0.1, 0.45)
            tip = [math.cos(a) * lean * W / 2, math.sin(a) * lean * D / 2, H * rng.uniform(0.7, 1.0)]
            b.rod([0.5 * pr * math.cos(a), 0.5 * pr * math.sin(a), ph - 0.02], tip, 0.012, "foliage", n=4)
        return
    crown_z = ph + (H - ph) * (0.62 if style == "tall" else 0.5)
    if style == "tall":
        b.rod([0, 0, ph - 0.02], [0, 0, crown_z], 0.018, "pot", n=6)
    n = 7 if style == "tall" else 5
    for k in range(n):
        off = rng.uniform(-1, 1, 3) * [W * 0.28, D * 0.28, (H - ph) * 0.18]
        r = rng.uniform(0.55, 0.8)
        centre = np.array([off[0], off[1], crown_z + off[2]])
        radii = [W * 0.26 * r, D * 0.26 * r, (H - ph) * 0.3 * r]
        b.blob(centre, radii, "foliage", seed=int(p.get("seed", 0)) * 31 + k, bumpiness=0.35, level=2)


@shape(SHAPES, "rug", ("rug",))
def rug(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A rug lying on the floor: a thin bevelled pad, ``size[2]`` thick (about 1 cm)."""
    W, D, H = size
    if p.get("round", False):
        b.cylinder([0, 0, 0], W / 2, H, "rug", n=40)
    else:
        b.chamfer_box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, H], H * 0.45, "rug")


@shape(SHAPES, "box", ("box", "tape"))
def box(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A cardboard box with a strip of tape over its lid (``tape``)."""
    W, D, H = size
    b.chamfer_box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, H], 0.006, "box")
    if p.get("tape", True):
        b.box([-0.03, -D / 2 - 0.001, H - 0.12 * H], [0.03, D / 2 + 0.001, H + 0.001], "tape")


@shape(SHAPES, "crate", ("wood",))
def crate(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A wooden crate: a closed box of slightly proud planks with corner posts."""
    W, D, H = size
    e = 0.015
    b.box([-W / 2 + e, -D / 2 + e, 0.0], [W / 2 - e, D / 2 - e, H], "wood")
    n = max(int(H / 0.12), 2)
    for k in range(n):
        z0 = k * H / n + 0.008
        z1 = (k + 1) * H / n - 0.008
        b.box([-W / 2 + e, -D / 2, z0], [W / 2 - e, -D / 2 + e, z1], "wood")
        b.box([-W / 2 + e, D / 2 - e, z0], [W / 2 - e, D / 2, z1], "wood")
        b.box([-W / 2, -D / 2 + e, z0], [-W / 2 + e, D / 2 - e, z1], "wood")
        b.box([W / 2 - e, -D / 2 + e, z0], [W / 2, D / 2 - e, z1], "wood")
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box([sx * W / 2 - 0.03 * (sx > 0), sy * D / 2 - 0.03 * (sy > 0), 0.0],
                  [sx * W / 2 + 0.03 * (sx < 0), sy * D / 2 + 0.03 * (sy < 0), H], "wood")


@shape(SHAPES, "pallet", ("wood",))
def pallet(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A wooden pallet: deck boards on three runners."""
    W, D, H = size
    for x in (-W / 2 + 0.05, 0.0, W / 2 - 0.05):
        b.box([x - 0.05, -D / 2, 0.0], [x + 0.05, D / 2, H - 0.022], "wood")
    n = 7
    for k in range(n):
        y = -D / 2 + (k + 0.5) * D / n
        b.box([-W / 2, y - 0.045, H - 0.022], [W / 2, y + 0.045, H], "wood")


@shape(SHAPES, "column", ("column",))
def column(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A column floor to ceiling (``size[2]`` high): round (``round``) or square, with a base
    and a capital."""
    W, D, H = size
    if p.get("round", True):
        b.cylinder([0, 0, 0], W / 2, 0.12, "column", n=24)
        b.cylinder([0, 0, 0.12], W / 2 * 0.82, H - 0.24, "column", n=24)
        b.cylinder([0, 0, H - 0.12], W / 2, 0.12, "column", n=24)
    else:
        b.chamfer_box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, 0.1], 0.01, "column")
        b.chamfer_box([-W / 2 * 0.85, -D / 2 * 0.85, 0.1], [W / 2 * 0.85, D / 2 * 0.85, H - 0.1], 0.015, "column")
        b.chamfer_box([-W / 2, -D / 2, H - 0.1], [W / 2, D / 2, H], 0.01, "column")


@shape(SHAPES, "tv", ("body", "screen"))
def tv(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A flat television on a foot: ``size`` = (width, depth of the foot, height)."""
    W, D, H = size
    b.chamfer_box([-W / 2, -0.03, 0.08], [W / 2, 0.0, H], 0.005, "body")
    b.box([-W / 2 + 0.015, -0.032, 0.095], [W / 2 - 0.015, -0.03, H - 0.015], "screen")
    b.box([-0.18, -D / 2, 0.0], [0.18, D / 2, 0.015], "body")
    b.box([-0.03, -0.01, 0.0], [0.03, 0.02, 0.12], "body")


@shape(SHAPES, "monitor", ("body", "screen"))
def monitor(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A computer monitor on a stand."""
    W, D, H = size
    b.chamfer_box([-W / 2, -0.02, 0.12], [W / 2, 0.01, H], 0.004, "body")
    b.box([-W / 2 + 0.01, -0.022, 0.13], [W / 2 - 0.01, -0.02, H - 0.01], "screen")
    b.chamfer_box([-0.12, -D / 2, 0.0], [0.12, D / 2, 0.015], 0.004, "body")
    b.box([-0.025, 0.0, 0.0], [0.025, 0.03, 0.2], "body")


@shape(SHAPES, "picture", ("frame", "canvas"))
def picture(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A framed picture hung on a wall, its back at local +y (on the wall): ``size`` =
    (width, depth, height), the bottom edge at z = 0."""
    W, D, H = size
    f = float(p.get("frame_w", 0.04))
    b.box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, f], "frame")
    b.box([-W / 2, -D / 2, H - f], [W / 2, D / 2, H], "frame")
    b.box([-W / 2, -D / 2, f], [-W / 2 + f, D / 2, H - f], "frame")
    b.box([W / 2 - f, -D / 2, f], [W / 2, D / 2, H - f], "frame")
    b.box([-W / 2 + f, -D / 2 + 0.01, f], [W / 2 - f, D / 2, H - f], "canvas")


@shape(SHAPES, "books", ("book_a", "book_b", "book_c"))
def books(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A row of books standing along local x (some leaning at the end): ``size`` = (length
    of the row, depth, tallest book); three cover colours alternate."""
    W, D, H = size
    rng = DetRng(int(p.get("seed", 0)))
    x = -W / 2
    k = 0
    while x < W / 2 - 0.02:
        t = rng.uniform(0.018, 0.05)
        h = H * rng.uniform(0.72, 1.0)
        d = D * rng.uniform(0.8, 1.0)
        if x + t > W / 2:
            break
        b.chamfer_box([x, -D / 2, 0.0], [x + t, -D / 2 + d, h], 0.002, ("book_a", "book_b", "book_c")[k % 3])
        x += t + 0.002
        k += int(rng.integers(1, 3))


@shape(SHAPES, "vase", ("vase",))
def vase(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A turned vase: stacked frustums swelling out and narrowing to a neck."""
    W, _, H = size
    r = W / 2
    profile = [(0.0, 0.7), (0.35, 1.0), (0.7, 0.75), (0.85, 0.42), (1.0, 0.55)]
    for (z0, r0), (z1, r1) in zip(profile[:-1], profile[1:]):
        b.cylinder([0, 0, z0 * H], r0 * r, (z1 - z0) * H, "vase", n=20, top_radius=r1 * r,
                   caps=z0 == 0.0 or z1 == 1.0)


@shape(SHAPES, "bowl", ("bowl",))
def bowl(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A bowl (a wide, shallow frustum) on a foot ring."""
    W, _, H = size
    b.cylinder([0, 0, 0], W * 0.22, 0.15 * H, "bowl", n=20)
    b.cylinder([0, 0, 0.15 * H], W * 0.3, 0.85 * H, "bowl", n=24, top_radius=W / 2)
