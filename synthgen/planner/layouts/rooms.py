"""Furnishing recipes, one per room type: which pieces a living room, bedroom, kitchen,
office, corridor, two-storey hall or storage hall gets, at real sizes, and where
(:mod:`.furnish` places them). Every recipe also dresses surfaces with small items
(books and vases on shelves, bowls and mugs on tables, lamps on nightstands)."""
from __future__ import annotations

import numpy as np

from ...job import SurfaceSpec, WorldObjectSpec
from ...shapes.furniture import shelf_z
from ...shapes.items import item_extent
from .furnish import SIDES as SIDES_YAW
from .furnish import RoomCtx, footprint, front
from .recipes import dress

ITEMS = ("vase", "bowl", "mug", "duck", "toy_brick", "books", "box", "tray", "plant")
ITEM_WORDS = {"vase": "a vase", "bowl": "a bowl", "mug": "a mug", "duck": "a rubber duck", "toy_brick": "a toy brick",
              "books": "books", "box": "a small box", "tray": "a tray", "plant": "a potted plant"}


def _u(ctx: RoomCtx, a: float, b: float) -> float:
    return float(ctx.rng.uniform(a, b))


# --------------------------------------------------------------------------- small items
def item_on(ctx: RoomCtx, host: WorldObjectSpec, z: float, kind: str, along: float = 0.0, depth_frac: float = 0.5,
            max_w: float = 0.5, max_d: float = 0.35, max_h: float = 0.35) -> WorldObjectSpec | None:
    """A small item standing on ``host``'s surface at height ``z`` (world), ``along`` metres
    to the host's right of its centre, part way to its back (``depth_frac``)."""
    rng = ctx.rng
    if kind in ("mug", "duck", "toy_brick"):
        size = item_extent(kind, {"mug": 0.1, "duck": 0.09, "toy_brick": 0.024 * rng.uniform(1.0, 1.4)}[kind])
    elif kind == "books":
        size = (min(max_w, _u(ctx, 0.2, 0.5)), min(max_d, 0.2), min(max_h, _u(ctx, 0.18, 0.3)))
    elif kind == "vase":
        d = _u(ctx, 0.09, 0.16)
        size = (d, d, min(max_h, _u(ctx, 0.18, 0.35)))
    elif kind == "bowl":
        d = _u(ctx, 0.16, 0.28)
        size = (d, d, _u(ctx, 0.06, 0.1))
    elif kind == "plant":
        d = _u(ctx, 0.2, 0.3)
        size = (d, d, min(max_h, _u(ctx, 0.25, 0.45)))
    elif kind == "tray":
        size = (min(max_w, _u(ctx, 0.3, 0.45)), min(max_d, _u(ctx, 0.22, 0.32)), 0.03)
    else:
        size = (min(max_w, _u(ctx, 0.15, 0.35)), min(max_d, _u(ctx, 0.12, 0.25)), min(max_h, _u(ctx, 0.1, 0.25)))
    if size[0] > max_w + 1e-6 or size[1] > max_d + 1e-6 or size[2] > max_h + 1e-6:
        return None
    f = front(host.yaw_deg)
    r = np.array([-f[1], f[0]])
    back = (depth_frac - 0.5) * (host.size[1] - size[1])
    xy = np.array(host.location[:2]) + along * r - back * f
    yaw = host.yaw_deg + (0.0 if kind in ("books", "tray") else float(ctx.rng.uniform(-40, 40)))
    params = {"style": "bush"} if kind == "plant" else None
    return ctx.put(kind, xy, yaw, size, ITEM_WORDS[kind], z=z, occupy=False, params=params)


def dress_surface(ctx: RoomCtx, host: WorldObjectSpec, z: float, n: int, kinds=ITEMS, max_h: float = 0.35,
                  depth_frac: float = 0.5) -> None:
    """Up to ``n`` items spread along ``host``'s top (or a shelf board) at height ``z``."""
    W = host.size[0]
    if n <= 0 or W < 0.2:
        return
    slots = np.linspace(-W / 2, W / 2, n + 2)[1:-1]
    width = W / (n + 1)
    for s in slots:
        kind = str(ctx.rng.choice(list(kinds)))
        item_on(ctx, host, z, kind, along=float(s), max_w=0.95 * width, max_d=0.9 * host.size[1], max_h=max_h,
                depth_frac=depth_frac)


def stock_shelf(ctx: RoomCtx, sh: WorldObjectSpec, kinds=("books", "books", "books", "vase", "box", "mug", "duck",
                                                          "bowl", "plant")) -> None:
    levels = int(sh.params.get("levels", 4))
    W, D, H = sh.size
    for k in range(levels):
        z = sh.location[2] + shelf_z(H, levels, k)
        top = sh.location[2] + (shelf_z(H, levels, k + 1) - 0.025 if k + 1 < levels else H - 0.025)
        room_h = top - z - 0.03
        if room_h < 0.1:
            continue
        n = int(ctx.rng.integers(1, 4))
        dress_surface(ctx, sh, z, n, kinds, max_h=room_h, depth_frac=0.6)


# --------------------------------------------------------------------------- shared pieces
def plants_in_corners(ctx: RoomCtx, n: int) -> None:
    corners = [(ctx.x0, ctx.y0), (ctx.x1, ctx.y0), (ctx.x0, ctx.y1), (ctx.x1, ctx.y1)]
    ctx.rng.shuffle(corners)
    for cx, cy in corners[:n]:
        d = _u(ctx, 0.45, 0.75)
        h = _u(ctx, 0.8, 1.8)
        xy = np.array([cx + np.sign(ctx.x0 + ctx.x1 - 2 * cx) * (d / 2 + 0.08),
                       cy + np.sign(ctx.y0 + ctx.y1 - 2 * cy) * (d / 2 + 0.08)])
        if ctx.free(footprint(xy, d, d, 0.0)):
            ctx.put("plant", xy, _u(ctx, 0, 360), (d, d, h), "a potted plant",
                    params={"style": str(ctx.rng.choice(["bush", "tall", "grass"])), "pot_h": _u(ctx, 0.22, 0.35)})


def picture_above(ctx: RoomCtx, host: WorldObjectSpec, bottom: float) -> None:
    """A framed picture on the wall behind ``host`` (its back), bottom edge at ``bottom``."""
    w = min(host.size[0] * _u(ctx, 0.45, 0.8), 1.6)
    h = min(w * _u(ctx, 0.55, 1.1), 1.0)
    xy = ctx.relative(host, -(host.size[1] / 2 + 0.0) + 0.02)
    ctx.put("picture", xy, host.yaw_deg, (w, 0.035, h), "a framed picture", z=bottom, occupy=False)


def ceiling_lights(ctx: RoomCtx, n: int, style: str | None = None) -> list[WorldObjectSpec]:
    out = []
    H = ctx.room.height
    style = style or str(ctx.rng.choice(["disc", "panel", "pendant"]))
    for k in range(n):
        if ctx.width >= ctx.depth:
            xy = np.array([ctx.x0 + (k + 0.5) * ctx.width / n, (ctx.y0 + ctx.y1) / 2])
        else:
            xy = np.array([(ctx.x0 + ctx.x1) / 2, ctx.y0 + (k + 0.5) * ctx.depth / n])
        size = (0.55, 0.55, 0.9) if style == "pendant" else (0.5, 0.5, 0.08)
        out.append(ctx.put("ceiling_light", xy, 0.0, size, "a ceiling lamp", z=H - size[2], occupy=False,
                           params={"style": style}))
    return out


def doors_on_walls(ctx: RoomCtx, n: int) -> None:
    """Closed doors along the room's walls (rooms beyond them are not modelled)."""
    for _ in range(n):
        side = str(ctx.rng.choice(list("SNWE")))
        ctx.against("door", side, (0.9, 0.05, 2.05), "a closed door", margin=0.4)


# --------------------------------------------------------------------------- rooms
def living(ctx: RoomCtx) -> None:
    sides = ctx.sides_by_length()
    seats = int(ctx.rng.integers(2, 4))
    sofa = ctx.against("sofa", sides[0], (0.75 * seats + 0.35, _u(ctx, 0.85, 0.98), _u(ctx, 0.78, 0.9)), "a sofa",
                       params={"seats": seats}) or ctx.against_any("sofa", (1.6, 0.9, 0.85), "a sofa", params={"seats": 2})
    if sofa is not None:
        _sofa_group(ctx, sofa)
    for _ in range(int(ctx.rng.integers(1, 3))):
        sh = ctx.against_any("shelf", (_u(ctx, 0.8, 1.2), _u(ctx, 0.3, 0.38), _u(ctx, 1.7, 2.1)), "a bookshelf",
                             params={"levels": int(ctx.rng.integers(4, 6))})
        if sh is not None:
            stock_shelf(ctx, sh)
    sb = ctx.against_any("cabinet", (_u(ctx, 1.0, 1.6), 0.42, _u(ctx, 0.7, 0.85)), "a sideboard",
                         params={"drawers": 0, "doors": int(ctx.rng.integers(2, 4))})
    if sb is not None:
        dress_surface(ctx, sb, sb.size[2], int(ctx.rng.integers(2, 4)), ("vase", "bowl", "plant", "books", "tray"))
    plants_in_corners(ctx, int(ctx.rng.integers(1, 4)))
    for _ in range(int(ctx.rng.integers(0, 3))):
        spot = ctx.free_spot(0.12, 0.1)
        if spot is not None:
            kind = str(ctx.rng.choice(["duck", "toy_brick", "books"]))
            size = item_extent(kind, 0.09 if kind == "duck" else 0.03) if kind != "books" else (0.3, 0.2, 0.25)
            ctx.put(kind, spot[0], _u(ctx, 0, 360), size, {"duck": "a rubber duck", "toy_brick": "a toy brick",
                                                           "books": "a pile of books"}[kind], occupy=False)


def _sofa_group(ctx: RoomCtx, sofa: WorldObjectSpec) -> None:
    tw, td = _u(ctx, 0.9, 1.3), _u(ctx, 0.5, 0.7)
    gap = 0.42
    xy = ctx.relative(sofa, sofa.size[1] / 2 + gap + td / 2)
    rug_xy = ctx.relative(sofa, sofa.size[1] / 2 + 0.8)
    ctx.put("rug", rug_xy, sofa.yaw_deg, (min(sofa.size[0] + 0.8, 3.0), _u(ctx, 1.8, 2.4), 0.012), "a rug",
            occupy=False, params={"round": bool(ctx.rng.random() < 0.2)})
    if ctx.free(footprint(xy, tw, td, sofa.yaw_deg)):
        table = ctx.put("table", xy, sofa.yaw_deg, (tw, td, _u(ctx, 0.38, 0.46)), "a coffee table",
                        params={"style": "legs", "top_t": 0.04})
        dress_surface(ctx, table, table.size[2], int(ctx.rng.integers(1, 4)), ("vase", "bowl", "books", "mug", "tray"))
        for side in (-1, 1):
            if ctx.rng.random() < 0.6:
                axy = ctx.relative(table, 0.0, side * (tw / 2 + 0.65))
                yaw = sofa.yaw_deg + side * 90.0
                if ctx.free(footprint(axy, 0.85, 0.85, yaw)):
                    ctx.put("sofa", axy, yaw, (0.85, 0.85, 0.85), "an armchair", params={"seats": 1, "throw_pillows": False})
    for side in (-1, 1):
        sxy = ctx.relative(sofa, 0.0, side * (sofa.size[0] / 2 + 0.3))
        if ctx.rng.random() < 0.5 and ctx.free(footprint(sxy, 0.45, 0.45, sofa.yaw_deg)):
            st = ctx.put("table", sxy, sofa.yaw_deg, (0.45, 0.45, 0.55), "a side table", params={"style": "legs"})
            ctx.put("table_lamp", st.location[:2], 0.0, (0.3, 0.3, 0.5), "a table lamp", z=st.size[2], occupy=False)
        elif ctx.free(footprint(sxy, 0.4, 0.4, 0.0)):
            ctx.put("floor_lamp", sxy, 0.0, (0.42, 0.42, _u(ctx, 1.5, 1.75)), "a floor lamp")
    picture_above(ctx, sofa, 1.2)
    other = ctx.opposite({180.0: "S", 0.0: "N", 90.0: "W", -90.0: "E"}[sofa.yaw_deg])
    tv_stand = ctx.against("cabinet", other, (_u(ctx, 1.3, 1.8), 0.42, 0.5), "a TV stand",
                           params={"drawers": 1, "columns": 3})
    if tv_stand is not None:
        w = min(tv_stand.size[0] * 0.8, _u(ctx, 1.0, 1.4))
        ctx.put("tv", tv_stand.location[:2], tv_stand.yaw_deg, (w, 0.25, w * 0.58 + 0.08), "a television",
                z=tv_stand.size[2], occupy=False)


def bedroom(ctx: RoomCtx) -> None:
    bw = float(ctx.rng.choice([1.4, 1.6, 1.8]))
    bed = ctx.against_any("bed", (bw, 2.05, _u(ctx, 0.95, 1.2)), "a bed", sides=ctx.sides_by_length()[:2])
    if bed is not None:
        for side in (-1, 1):
            xy = ctx.relative(bed, bed.size[1] / 2 - 0.25, side * (bw / 2 + 0.28))
            if ctx.free(footprint(xy, 0.45, 0.4, bed.yaw_deg)):
                ns = ctx.put("cabinet", xy, bed.yaw_deg, (0.45, 0.4, 0.55), "a nightstand", params={"drawers": 2})
                ctx.put("table_lamp", ns.location[:2], 0.0, (0.3, 0.3, 0.45), "a table lamp", z=0.55, occupy=False)
        picture_above(ctx, bed, 1.3)
        ctx.put("rug", ctx.relative(bed, -0.2), bed.yaw_deg, (bw + 0.9, 1.4, 0.012), "a rug", occupy=False)
    ctx.against_any("cabinet", (_u(ctx, 1.0, 1.8), 0.6, _u(ctx, 1.95, 2.2)), "a wardrobe",
                    params={"doors": int(ctx.rng.integers(2, 4)), "plinth": 0.05})
    dr = ctx.against_any("cabinet", (_u(ctx, 0.9, 1.3), 0.48, _u(ctx, 0.75, 0.9)), "a chest of drawers",
                         params={"drawers": int(ctx.rng.integers(3, 5))})
    if dr is not None:
        dress_surface(ctx, dr, dr.size[2], int(ctx.rng.integers(1, 4)), ("vase", "box", "books", "plant", "mug", "duck"))
    if ctx.rng.random() < 0.6:
        sh = ctx.against_any("shelf", (_u(ctx, 0.6, 0.9), 0.3, _u(ctx, 1.2, 1.9)), "a bookshelf",
                             params={"levels": int(ctx.rng.integers(3, 5))})
        if sh is not None:
            stock_shelf(ctx, sh)
    plants_in_corners(ctx, int(ctx.rng.integers(0, 3)))


def kitchen(ctx: RoomCtx) -> None:
    side = ctx.sides_by_length()[0]
    lo, hi = ctx.side_range(side)
    run = min(hi - lo - 0.4, _u(ctx, 2.4, 4.2))
    start = float(ctx.rng.uniform(lo + 0.1, max(hi - run - 0.1, lo + 0.1)))
    x = start
    while x + 0.6 <= start + run:
        w = float(min(ctx.rng.choice([0.6, 0.8, 1.0, 1.2]), start + run - x))
        c = ctx.against("cabinet", side, (w, 0.62, 0.92), "a kitchen counter", at=x + w / 2,
                        params={"drawers": int(ctx.rng.choice([0, 3])), "doors": 2, "overhang": 0.03, "plinth": 0.1})
        if c is not None:
            dress_surface(ctx, c, c.size[2], int(ctx.rng.integers(0, 3)), ("bowl", "mug", "vase", "tray", "plant"),
                          depth_frac=0.7)
        x += w
    ctx.against("cabinet", side, (0.7, 0.68, _u(ctx, 1.8, 1.95)), "a fridge", params={"doors": 1, "plinth": 0.02},
                at=start + run + 0.4)
    tw, td = _u(ctx, 1.3, 2.0), _u(ctx, 0.8, 1.0)
    spot = ctx.free_spot(tw + 1.2, td + 1.2, yaw=0.0 if ctx.width >= ctx.depth else 90.0,
                         area=np.array([ctx.x0 + 1.0, ctx.y0 + 1.0, ctx.x1 - 1.0, ctx.y1 - 1.0]))
    if spot is not None:
        _dining(ctx, spot[0], spot[1], tw, td)
    plants_in_corners(ctx, int(ctx.rng.integers(0, 2)))


def _dining(ctx: RoomCtx, xy: np.ndarray, yaw: float, tw: float, td: float) -> None:
    table = ctx.put("table", xy, yaw, (tw, td, 0.75), "a dining table",
                    params={"style": str(ctx.rng.choice(["legs", "trestle", "pedestal"]))})
    dress_surface(ctx, table, 0.75, int(ctx.rng.integers(1, 4)), ("bowl", "vase", "mug", "tray", "plant"))
    n_side = max(int(tw / 0.6), 1)
    chair_surf = dress("chair", ctx.rng)
    slats = int(ctx.rng.choice([0, 3, 5]))
    for side in (-1, 1):
        for k in range(n_side):
            along = -tw / 2 + (k + 0.5) * tw / n_side
            cxy = ctx.relative(table, side * (td / 2 + 0.18), along)
            cyaw = yaw + (0.0 if side > 0 else 180.0) + float(ctx.rng.uniform(-8, 8))
            ctx.put("chair", cxy, cyaw, (0.45, 0.48, 0.9), "a chair", surfaces=chair_surf, params={"slats": slats})
    ctx.put("ceiling_light", xy, 0.0, (0.5, 0.5, 0.9), "a pendant lamp", z=ctx.room.height - 0.9, occupy=False,
            params={"style": "pendant"})


def office(ctx: RoomCtx) -> None:
    n = int(ctx.rng.integers(2, 5))
    for _ in range(n):
        w = _u(ctx, 1.2, 1.6)
        desk = ctx.against_any("desk", (w, 0.72, 0.75), "a desk")
        if desk is None:
            spot = ctx.free_spot(w + 0.2, 1.6)
            if spot is None:
                continue
            desk = ctx.put("desk", spot[0], spot[1], (w, 0.72, 0.75), "a desk")
        ctx.put("monitor", ctx.relative(desk, -0.12), desk.yaw_deg, (_u(ctx, 0.5, 0.65), 0.2, 0.45), "a monitor",
                z=0.75, occupy=False)
        item_on(ctx, desk, 0.75, str(ctx.rng.choice(["mug", "books", "plant", "tray"])), along=w * 0.32, max_h=0.3)
        cxy = ctx.relative(desk, 0.6)
        if ctx.free(footprint(cxy, 0.5, 0.5, desk.yaw_deg)):
            ctx.put("chair", cxy, desk.yaw_deg + 180 + float(ctx.rng.uniform(-25, 25)), (0.5, 0.5, 0.95),
                    "an office chair", params={"seat_h": 0.48})
    for _ in range(int(ctx.rng.integers(1, 3))):
        sh = ctx.against_any("shelf", (_u(ctx, 0.8, 1.2), 0.35, _u(ctx, 1.8, 2.1)), "a bookshelf",
                             params={"levels": int(ctx.rng.integers(4, 6))})
        if sh is not None:
            stock_shelf(ctx, sh, ("books", "books", "box", "box", "plant", "mug"))
    for _ in range(int(ctx.rng.integers(1, 4))):
        s = _u(ctx, 0.35, 0.6)
        spot = ctx.free_spot(s, s)
        if spot is not None:
            ctx.put("box", spot[0], spot[1] + float(ctx.rng.uniform(-15, 15)), (s, s * _u(ctx, 0.7, 1.0), s * 0.7), "a box")
    plants_in_corners(ctx, int(ctx.rng.integers(1, 3)))


def corridor(ctx: RoomCtx) -> None:
    long_sides = ctx.sides_by_length()[:2]
    doors_on_walls(ctx, int(ctx.rng.integers(2, 5)))
    for side in long_sides:
        for _ in range(int(ctx.rng.integers(1, 3))):
            kind = str(ctx.rng.choice(["bench", "plant", "cabinet"]))
            if kind == "bench":
                ctx.against("bench", side, (_u(ctx, 1.2, 1.6), 0.45, 0.8), "a bench")
            elif kind == "cabinet":
                c = ctx.against("cabinet", side, (_u(ctx, 0.8, 1.2), 0.35, 0.85), "a cabinet",
                                params={"drawers": 2, "columns": 2})
                if c is not None:
                    dress_surface(ctx, c, c.size[2], 2, ("vase", "plant", "bowl", "books"))
            else:
                d = _u(ctx, 0.4, 0.55)
                ctx.against("plant", side, (d, d, _u(ctx, 0.9, 1.6)), "a potted plant",
                            params={"style": str(ctx.rng.choice(["tall", "bush"]))})
        for _ in range(int(ctx.rng.integers(1, 4))):
            ctx.against("picture", side, (_u(ctx, 0.5, 1.0), 0.035, _u(ctx, 0.4, 0.8)), "a framed picture",
                        z=_u(ctx, 1.25, 1.5), occupy=False)
    L = max(ctx.width, ctx.depth)
    yaw = 90.0 if ctx.width >= ctx.depth else 0.0
    centre = np.array([(ctx.x0 + ctx.x1) / 2, (ctx.y0 + ctx.y1) / 2])
    ctx.put("rug", centre, yaw, (min(ctx.width, ctx.depth) * 0.55, L * 0.7, 0.01), "a long rug runner", occupy=False)


def hall(ctx: RoomCtx) -> None:
    """A two-storey hall: a gallery along one long wall on columns, stairs up to it, a lounge."""
    side = ctx.sides_by_length()[0]
    lo, hi = ctx.side_range(side)
    gz = _u(ctx, 2.8, 3.2)
    gd = _u(ctx, 2.4, 3.0)
    L = hi - lo
    centre = ctx._on_side(side, (lo + hi) / 2, gd / 2)
    yaw = {"S": 0.0, "N": 0.0, "W": 90.0, "E": 90.0}[side]
    surf = dress("stairs", ctx.rng)
    slab = [s for s in surf if s.slot == "steps"][0]
    ctx.put("slab", centre, yaw, (L, gd, 0.25), "", z=gz - 0.25, occupy=False, structure=True,
            surfaces=[SurfaceSpec("surface", slab.kind, slab.color, slab.roughness, slab.scale_m)])
    edge = ctx._on_side(side, (lo + hi) / 2, gd - 0.04)
    ctx.put("railing", edge, yaw, (L - 2.2, 0.05, 1.0), "a gallery railing", z=gz, occupy=False)
    for k in range(int(max(L // 3.5, 2))):
        u = lo + (k + 0.5) * L / max(L // 3.5, 2)
        ctx.put("column", ctx._on_side(side, u, gd - 0.25), 0.0, (0.35, 0.35, gz - 0.25), "a column",
                params={"round": True})
    run = gz / 0.18 * 0.28
    stairs_xy = ctx._on_side(side, lo + 0.68, gd + run / 2)      # rising toward the gallery's free end
    ctx.put("stairs", stairs_xy, SIDES_YAW[side], (1.2, run, gz), "a staircase", params={"rails": "both"},
            surfaces=surf)
    for _ in range(int(ctx.rng.integers(1, 3))):
        spot = ctx.free_spot(3.2, 2.6)
        if spot is None:
            continue
        xy, yw = spot
        sofa = ctx.put("sofa", xy + 0.9 * front(yw) * -1, yw, (2.2, 0.9, 0.82), "a sofa", params={"seats": 3})
        t = ctx.put("table", ctx.relative(sofa, 0.45 + 0.9 / 2 + 0.3), yw, (1.1, 0.6, 0.42), "a coffee table")
        dress_surface(ctx, t, 0.42, 2, ("vase", "bowl", "books", "plant"))
        ctx.put("rug", ctx.relative(sofa, 1.0), yw, (3.0, 2.2, 0.012), "a rug", occupy=False)
    plants_in_corners(ctx, 4)
    desk = ctx.against_any("desk", (_u(ctx, 1.8, 2.4), 0.8, 1.05), "a reception desk", params={"pedestal": False})
    if desk is not None:
        item_on(ctx, desk, 1.05, "plant", along=0.5, max_h=0.4)


def storage(ctx: RoomCtx) -> None:
    """Rows of shelving racks loaded with boxes and crates, pallets stacked with boxes, drums,
    columns on a grid."""
    H = ctx.room.height
    step = _u(ctx, 4.5, 6.0)
    for x in np.arange(ctx.x0 + step, ctx.x1 - 1.0, step):
        for y in np.arange(ctx.y0 + step, ctx.y1 - 1.0, step):
            ctx.put("column", (x, y), 0.0, (0.45, 0.45, H), "a column", params={"round": False})
    rw = _u(ctx, 1.8, 2.6)
    rows = int(ctx.rng.integers(2, 4))
    horizontal = ctx.width >= ctx.depth
    for r in range(rows):
        for k in range(int(ctx.rng.integers(2, 4))):
            spot = ctx.free_spot(rw, 0.7, yaw=0.0 if horizontal else 90.0)
            if spot is None:
                continue
            rack = ctx.put("rack", spot[0], spot[1], (rw, 0.7, _u(ctx, 2.0, 2.6)), "a shelving rack",
                           params={"levels": 4})
            stock_shelf(ctx, rack, ("box", "box", "box", "books", "tray"))
    for _ in range(int(ctx.rng.integers(3, 7))):
        spot = ctx.free_spot(1.2, 1.0)
        if spot is None:
            continue
        xy, yw = spot
        p = ctx.put("pallet", xy, yw, (1.2, 1.0, 0.14), "a pallet")
        z = 0.14
        for layer in range(int(ctx.rng.integers(1, 4))):
            bh = _u(ctx, 0.3, 0.5)
            kind = "crate" if ctx.rng.random() < 0.3 else "box"
            ctx.put(kind, p.location[:2], yw + float(ctx.rng.uniform(-4, 4)), (1.1, 0.9, bh),
                    "a crate" if kind == "crate" else "a stack of boxes", z=z, occupy=False)
            z += bh
    for _ in range(int(ctx.rng.integers(2, 6))):
        spot = ctx.free_spot(0.6, 0.6)
        if spot is not None:
            ctx.put("barrel", spot[0], 0.0, (0.58, 0.58, 0.88), "a steel drum")


RECIPES = {"living": living, "bedroom": bedroom, "kitchen": kitchen, "office": office, "corridor": corridor,
           "hall": hall, "storage": storage}


def furnish(ctx: RoomCtx) -> None:
    RECIPES[ctx.room.type](ctx)

