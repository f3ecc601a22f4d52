"""Outdoor shapes: trees, bushes, parked cars, street furniture (benches, lamps, bins,
bollards, planters, hydrants, bus shelters, fountains) and ground clutter (rocks, barrels,
traffic cones, logs, low walls, picnic tables, parasols)."""
from __future__ import annotations

import math

import numpy as np

from .base import Shape, shape
from .detrng import DetRng
from .mesh import MeshBuilder

SHAPES: dict[str, Shape] = {}


@shape(SHAPES, "tree", ("bark", "foliage"))
def tree(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A tree ``size[2]`` tall: a tapered trunk (``trunk_r``) forking into branches, a crown of
    noisy foliage clumps (``style`` "broadleaf"), or stacked cones (``style`` "conifer")."""
    W, D, H = size
    seed = int(p.get("seed", 0))
    rng = DetRng(seed)
    tr = float(p.get("trunk_r", 0.02 * H + 0.04))
    if p.get("style", "broadleaf") == "conifer":
        b.cylinder([0, 0, 0], tr, 0.35 * H, "bark", n=10, top_radius=tr * 0.7)
        n = 4
        for k in range(n):
            z0 = 0.22 * H + k * 0.17 * H
            r = W / 2 * (1.0 - 0.2 * k)
            b.cylinder([0, 0, z0], r, H - z0 if k == n - 1 else 0.3 * H, "foliage", n=14, top_radius=0.0 if k == n - 1 else r * 0.35)
        return
    fork = H * rng.uniform(0.38, 0.5)
    b.cylinder([0, 0, 0], tr * 1.25, 0.25, "bark", n=10, top_radius=tr)
    b.cylinder([0, 0, 0.25], tr, fork - 0.25, "bark", n=10, top_radius=tr * 0.8)
    crown = np.array([0.0, 0.0, H * 0.66])
    nb = 4
    tips = []
    for k in range(nb):
        a = 2 * math.pi * (k + rng.uniform(-0.2, 0.2)) / nb
        tip = crown + [W * 0.28 * math.cos(a), D * 0.28 * math.sin(a), H * rng.uniform(-0.08, 0.12)]
        b.rod([0, 0, fork - 0.1], tip, tr * 0.45, "bark", n=7)
        tips.append(tip)
    clumps = int(p.get("clumps", 9))
    for k in range(clumps):
        if k < nb:
            c = tips[k]
        else:
            c = crown + rng.uniform(-1, 1, 3) * [W * 0.25, D * 0.25, H * 0.12]
        r = rng.uniform(0.75, 1.0)
        radii = [W * 0.27 * r, D * 0.27 * r, (H - fork) * 0.32 * r]
        b.blob(c, radii, "foliage", seed=seed * 17 + k, bumpiness=0.28, level=2)


@shape(SHAPES, "bush", ("foliage",))
def bush(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A shrub: overlapping noisy foliage clumps filling ``size``."""
    W, D, H = size
    seed = int(p.get("seed", 0))
    rng = DetRng(seed)
    for k in range(int(p.get("clumps", 4))):
        c = [rng.uniform(-0.22, 0.22) * W, rng.uniform(-0.22, 0.22) * D, H * rng.uniform(0.42, 0.55)]
        r = rng.uniform(0.75, 1.0)
        b.blob(c, [W * 0.3 * r, D * 0.3 * r, H * 0.45 * r], "foliage", seed=seed * 13 + k, bumpiness=0.3)


@shape(SHAPES, "car", ("body", "glass", "tyre", "rim", "light", "trim"))
def car(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A parked car, its front toward local +x: ``size`` = (length, width, height); a body
    (hatchback or saloon, ``style``), a glazed cabin, four wheels, lights and bumpers."""
    L, W, H = size
    wr = float(p.get("wheel_r", 0.32))
    body_top = 0.45 * H + 0.2
    b.chamfer_box([-L / 2, -W / 2, wr * 0.55], [L / 2, W / 2, body_top], 0.08, "body")
    saloon = p.get("style", "hatchback") == "saloon"
    cab_back = -L / 2 + (0.28 * L if saloon else 0.06 * L)
    cab_front = L / 2 - 0.33 * L
    prof = [[cab_back, body_top - 0.01], [cab_front + 0.35, body_top - 0.01], [cab_front - 0.25, H - 0.02],
            [cab_back + (0.22 if saloon else 0.1), H - 0.02]]
    b.prism(prof, W - 0.16, "body", axis="y")
    # windows: dark glass just outside the cabin's sides, windscreen and rear screen
    gz0, gz1 = body_top + 0.04, H - 0.07
    for sy in (-1, 1):
        y = sy * (W / 2 - 0.08 + 0.004)
        y0, y1 = sorted((y, y + sy * 0.004))
        b.box([cab_back + 0.18, y0, gz0], [cab_front - 0.08, y1, gz1], "glass")
    b.prism([[cab_front + 0.29, body_top + 0.02], [cab_front + 0.33, body_top + 0.02],
             [cab_front - 0.2, H - 0.05], [cab_front - 0.24, H - 0.05]], W - 0.28, "glass", axis="y")
    for sx in (-1, 1):
        x = sx * (L / 2 - 0.72)
        for sy in (-1, 1):
            y0 = sy * (W / 2 - 0.24)
            b.rod([x, y0, wr], [x, y0 + sy * 0.24, wr], wr, "tyre", n=18)
            b.rod([x, y0 + sy * 0.24, wr], [x, y0 + sy * 0.245, wr], wr * 0.6, "rim", n=12)
    for sy in (-1, 1):
        b.box([L / 2 - 0.02, sy * (W / 2 - 0.3) - 0.12, body_top - 0.2], [L / 2 + 0.005, sy * (W / 2 - 0.3) + 0.12,
              body_top - 0.1], "light")
        b.box([-L / 2 - 0.005, sy * (W / 2 - 0.25) - 0.12, body_top - 0.18], [-L / 2 + 0.02, sy * (W / 2 - 0.25) + 0.12,
              body_top - 0.08], "light")
    for sx in (-1, 1):
        x0, x1 = sorted((sx * L / 2, sx * (L / 2 + 0.05)))
        b.chamfer_box([x0, -W / 2 + 0.05, wr * 0.55], [x1, W / 2 - 0.05, wr * 0.55 + 0.2], 0.03, "trim")


@shape(SHAPES, "bench", ("wood", "metal"))
def bench(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A park bench, back toward +y: slatted seat and back on two cast frames (``back``)."""
    W, D, H = size
    sh = 0.45
    for sx in (-1, 1):
        x = sx * (W / 2 - 0.12)
        b.box([x - 0.03, -D / 2 + 0.05, 0.0], [x + 0.03, -D / 2 + 0.11, sh], "metal")
        b.box([x - 0.03, D / 2 - 0.15, 0.0], [x + 0.03, D / 2 - 0.09, H if p.get("back", True) else sh], "metal")
        b.box([x - 0.03, -D / 2 + 0.05, sh - 0.05], [x + 0.03, D / 2 - 0.09, sh - 0.02], "metal")
    for k in range(4):
        y = -D / 2 + 0.04 + k * (D - 0.2) / 4
        b.chamfer_box([-W / 2, y, sh - 0.02], [W / 2, y + (D - 0.2) / 4 - 0.02, sh + 0.02], 0.006, "wood")
    if p.get("back", True):
        for k in range(3):
            z = sh + 0.12 + k * 0.13
            b.chamfer_box([-W / 2, D / 2 - 0.15, z], [W / 2, D / 2 - 0.11, z + 0.09], 0.006, "wood")


@shape(SHAPES, "street_lamp", ("metal", "light"))
def street_lamp(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A street lamp ``size[2]`` tall: a base, a tapered pole, an arm reaching toward local
    -x (over the road) and a lamp head."""
    W, _, H = size
    b.cylinder([0, 0, 0], 0.14, 0.5, "metal", n=12, top_radius=0.1)
    b.cylinder([0, 0, 0.5], 0.075, H - 0.5, "metal", n=12, top_radius=0.05)
    reach = float(p.get("reach", 1.2))
    b.rod([0, 0, H - 0.05], [-reach, 0, H + 0.15], 0.04, "metal")
    b.chamfer_box([-reach - 0.35, -0.14, H + 0.02], [-reach + 0.1, 0.14, H + 0.2], 0.04, "metal")
    b.box([-reach - 0.3, -0.11, H + 0.005], [-reach + 0.05, 0.11, H + 0.02], "light")


@shape(SHAPES, "bin", ("body", "lid"))
def bin_(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A litter bin: a drum with a domed lid."""
    W, _, H = size
    b.cylinder([0, 0, 0], W / 2 * 0.92, H * 0.85, "body", n=18, top_radius=W / 2)
    b.cylinder([0, 0, H * 0.85], W / 2 * 1.04, H * 0.06, "lid", n=18)
    b.ellipsoid([0, 0, H * 0.91], [W / 2 * 0.9, W / 2 * 0.9, H * 0.09], "lid", nu=18, nv=6)


@shape(SHAPES, "bollard", ("body", "band"))
def bollard(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A street bollard with a reflective band and a rounded cap."""
    W, _, H = size
    b.cylinder([0, 0, 0], W / 2, H * 0.9, "body", n=14)
    b.ellipsoid([0, 0, H * 0.9], [W / 2, W / 2, H * 0.1], "body", nu=14, nv=6)
    b.cylinder([0, 0, H * 0.72], W / 2 + 0.004, 0.05, "band", n=14)


@shape(SHAPES, "planter", ("planter", "soil", "foliage"))
def planter(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A square street planter (concrete or wood) holding a shrub."""
    W, D, H = size
    ph = min(0.55, 0.45 * H)
    b.chamfer_box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, ph], 0.02, "planter")
    b.box([-W / 2 + 0.05, -D / 2 + 0.05, ph], [W / 2 - 0.05, D / 2 - 0.05, ph + 0.005], "soil")
    seed = int(p.get("seed", 0))
    for k in range(3):
        rng = DetRng(seed * 7 + k)
        c = [rng.uniform(-0.15, 0.15) * W, rng.uniform(-0.15, 0.15) * D, ph + (H - ph) * 0.45]
        b.blob(c, [W * 0.38, D * 0.38, (H - ph) * 0.55], "foliage", seed=seed * 5 + k, bumpiness=0.3)


@shape(SHAPES, "hydrant", ("body",))
def hydrant(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A fire hydrant: a barrel, a cap and two side nozzles."""
    W, _, H = size
    r = W / 2 * 0.6
    b.cylinder([0, 0, 0], r * 1.3, 0.06, "body", n=14)
    b.cylinder([0, 0, 0.06], r, H * 0.75, "body", n=14)
    b.ellipsoid([0, 0, H * 0.8], [r * 1.05, r * 1.05, H * 0.16], "body", nu=14, nv=6)
    b.rod([-W / 2, 0, H * 0.55], [W / 2, 0, H * 0.55], r * 0.4, "body")


@shape(SHAPES, "bus_shelter", ("frame", "glass", "roof"))
def bus_shelter(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A bus shelter open toward -y: posts, glass back and side panels, a roof and a bench."""
    W, D, H = size
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box([sx * W / 2 - 0.04, sy * D / 2 - 0.04, 0.0], [sx * W / 2 + 0.04, sy * D / 2 + 0.04, H], "frame")
    b.box([-W / 2, D / 2 - 0.01, 0.15], [W / 2, D / 2 + 0.01, H - 0.2], "glass")
    for sx in (-1, 1):
        b.box([sx * W / 2 - 0.01, -D / 2 + 0.3, 0.15], [sx * W / 2 + 0.01, D / 2, H - 0.2], "glass")
    b.chamfer_box([-W / 2 - 0.1, -D / 2 - 0.15, H], [W / 2 + 0.1, D / 2 + 0.1, H + 0.1], 0.02, "roof")
    b.box([-W / 2 + 0.3, D / 2 - 0.4, 0.45], [W / 2 - 0.3, D / 2 - 0.05, 0.5], "frame")


@shape(SHAPES, "fountain", ("stone", "water"))
def fountain(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A round fountain: a low basin wall, water inside, a central column with a bowl."""
    W, _, H = size
    R = W / 2
    b.cylinder([0, 0, 0], R, 0.55, "stone", n=40)
    b.cylinder([0, 0, 0.55], R, 0.04, "stone", n=40)
    b.cylinder([0, 0, 0.59], R * 0.88, 0.005, "water", n=40)
    b.cylinder([0, 0, 0.59], 0.25, H * 0.55, "stone", n=16, top_radius=0.18)
    b.cylinder([0, 0, 0.59 + H * 0.55], R * 0.35, 0.18, "stone", n=24, top_radius=R * 0.45)
    b.cylinder([0, 0, 0.59 + H * 0.55 + 0.18], 0.08, H - 0.77 - H * 0.55, "stone", n=10)


@shape(SHAPES, "rock", ("stone",))
def rock(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A boulder: a flattened noisy icosphere, sunk a little into the ground."""
    W, D, H = size
    b.blob([0, 0, H * 0.42], [W / 2, D / 2, H * 0.58], "stone", seed=int(p.get("seed", 0)), bumpiness=0.22, level=2)


@shape(SHAPES, "barrel", ("body", "rings"))
def barrel(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A steel drum (or a wooden barrel when ``bulge``): a cylinder with raised rings."""
    W, _, H = size
    r = W / 2
    if p.get("bulge", False):
        b.cylinder([0, 0, 0], r * 0.85, H / 2, "body", n=20, top_radius=r, caps=True)
        b.cylinder([0, 0, H / 2], r, H / 2, "body", n=20, top_radius=r * 0.85, caps=True)
    else:
        b.cylinder([0, 0, 0], r * 0.97, H, "body", n=20)
    for z in (0.12 * H, 0.5 * H, 0.88 * H):
        b.cylinder([0, 0, z - 0.015], r * (1.0 if not p.get("bulge") else 0.98), 0.03, "rings", n=20)


@shape(SHAPES, "traffic_cone", ("cone", "band"))
def traffic_cone(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A traffic cone on a square base with a reflective band."""
    W, _, H = size
    b.box([-W / 2, -W / 2, 0.0], [W / 2, W / 2, 0.03], "cone")
    b.cylinder([0, 0, 0.03], W * 0.34, H - 0.03, "cone", n=18, top_radius=W * 0.06)
    b.cylinder([0, 0, 0.45 * H], W * 0.34 * 0.6 + 0.004, 0.12 * H, "band", n=18, top_radius=W * 0.34 * 0.48 + 0.004)


@shape(SHAPES, "log", ("bark",))
def log(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A felled log lying along local x."""
    W, D, H = size
    b.rod([-W / 2, 0, H / 2], [W / 2, 0, H / 2], H / 2, "bark", n=14)


@shape(SHAPES, "low_wall", ("stone", "cap"))
def low_wall(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A low garden or retaining wall along local x with a coping stone."""
    W, D, H = size
    b.box([-W / 2, -D / 2, 0.0], [W / 2, D / 2, H - 0.06], "stone")
    b.chamfer_box([-W / 2 - 0.03, -D / 2 - 0.03, H - 0.06], [W / 2 + 0.03, D / 2 + 0.03, H], 0.01, "cap")


@shape(SHAPES, "picnic_table", ("wood",))
def picnic_table(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A picnic table with its two benches attached, along local x."""
    W, D, H = size
    for k in range(5):
        y = -0.35 + k * 0.14
        b.box([-W / 2, y, H - 0.04], [W / 2, y + 0.12, H], "wood")
    for sy in (-1, 1):
        b.box([-W / 2, sy * (D / 2 - 0.15) - 0.13, 0.42], [W / 2, sy * (D / 2 - 0.15) + 0.13, 0.46], "wood")
    for sx in (-1, 1):
        x = sx * (W / 2 - 0.25)
        b.rod([x, -D / 2 + 0.1, 0.0], [x, 0.3, H - 0.04], 0.035, "wood", n=6)
        b.rod([x, D / 2 - 0.1, 0.0], [x, -0.3, H - 0.04], 0.035, "wood", n=6)
        b.box([x - 0.04, -D / 2 + 0.05, 0.38], [x + 0.04, D / 2 - 0.05, 0.42], "wood")


@shape(SHAPES, "parasol", ("pole", "canopy"))
def parasol(b: MeshBuilder, size: np.ndarray, p: dict) -> None:
    """A café parasol: a weighted base, a pole and a shallow cone canopy."""
    W, _, H = size
    b.cylinder([0, 0, 0], 0.25, 0.08, "pole", n=16)
    b.cylinder([0, 0, 0.08], 0.025, H - 0.08, "pole", n=8)
    b.cylinder([0, 0, H - 0.45], W / 2, 0.4, "canopy", n=16, top_radius=0.04)
