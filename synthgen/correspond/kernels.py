"""Compiled inner loops of the correspondence engine (numba), one pass over the pixels each.

The engine's per-pixel work is a handful of arithmetic on a few numbers per pixel; written as
numpy expressions it makes a dozen full-frame temporaries per gap, which is where its time
went. These kernels do the same arithmetic pixel by pixel, on both cores, in float64 (the
visibility decision reads the target frame's float32 inverse depth). Their meaning is the
engine's (:mod:`synthgen.correspond.engine`); the numbers each writes are documented there.

Object kinds (``kind`` arrays): :data:`STATIC`, :data:`RIGID`, :data:`DEFORMING`. Triangle
corners are ``tris[tri_off[k] + tri]``: indices into ``lverts`` (object-space vertices of the
static and rigid objects, fixed) or ``dverts`` (world vertices of the deforming objects at one
frame). Visibility codes: :data:`HIDDEN`, :data:`VISIBLE`, :data:`UNDECIDED` (left to a ray
cast).

Compiled on first use and cached on disk (numba's ``cache=True``: next to this file, or in the
user's cache folder when that is read-only).
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

STATIC, RIGID, DEFORMING = 0, 1, 2
HIDDEN, VISIBLE, UNDECIDED = 0, 1, 2

#: Visibility from neighbouring pixel-centre rays: the depth seen around a point equals its
#: own within this fraction (1 mm at 1 m) ...
SAME_DEPTH = 1e-3
#: ... or is nearer than its own by at least this fraction everywhere around it.
NEARER = 0.01

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@nb.njit(inline="always", **_JIT)
def _taps(W, H, x, y):
    """Flat index of the pixel centre at or left/above (x, y) and the bilinear weights to the
    next ones, or -1 when the four centres around (x, y) are not all inside the frame."""
    xs, ys = x - 0.5, y - 0.5
    x0, y0 = math.floor(xs), math.floor(ys)
    if not (x0 >= 0.0 and x0 <= W - 2 and y0 >= 0.0 and y0 <= H - 2):
        return -1, 0.0, 0.0
    return int(y0) * W + int(x0), xs - x0, ys - y0


@nb.njit(inline="always", **_JIT)
def _decide_point(tinv, tobj, W, H, x, y, z, k):
    """Visibility code of a surface point of object ``k`` landing at (x, y), planar depth z,
    from the target frame's four pixel-centre rays around it: VISIBLE when all four see
    object k and their depth, interpolated in 1/z, is z within SAME_DEPTH; HIDDEN when all
    four see something nearer by NEARER or more; UNDECIDED otherwise."""
    i, ax, ay = _taps(W, H, x, y)
    if i < 0:
        return UNDECIDED
    j, m = i + W, i + W + 1
    a, b, c, d = tinv[i], tinv[i + 1], tinv[j], tinv[m]
    if tobj[i] == k and tobj[i + 1] == k and tobj[j] == k and tobj[m] == k:
        top = a + (b - a) * ax
        bot = c + (d - c) * ax
        if abs((top + (bot - top) * ay) * z - 1.0) <= SAME_DEPTH:
            return VISIBLE
    lim = 1.0 / (z * (1.0 - NEARER))
    if a > lim and b > lim and c > lim and d > lim:
        return HIDDEN
    return UNDECIDED


@nb.njit(inline="always", **_JIT)
def _decide_sky(tinv, W, H, x, y):
    """Visibility code of a point at infinity landing at (x, y): VISIBLE when all four
    pixel-centre rays around it see the world at infinity (inverse depth 0), HIDDEN when
    none does, UNDECIDED otherwise."""
    i, _, _ = _taps(W, H, x, y)
    if i < 0:
        return UNDECIDED
    far = ((tinv[i] == 0.0) + (tinv[i + 1] == 0.0) + (tinv[i + W] == 0.0)
           + (tinv[i + W + 1] == 0.0))
    if far == 4:
        return VISIBLE
    if far == 0:
        return HIDDEN
    return UNDECIDED


@nb.njit(inline="always", **_JIT)
def _moved(j, point, local, obj, tri, bary, kind, M, tri_off, tris, dverts):
    """World position at the target frame of point j (see the module doc)."""
    k = obj[j]
    kd = kind[k]
    if kd == STATIC:
        return point[j, 0], point[j, 1], point[j, 2]
    if kd == RIGID:
        lx, ly, lz = local[j, 0], local[j, 1], local[j, 2]
        return (M[k, 0, 0] * lx + M[k, 0, 1] * ly + M[k, 0, 2] * lz + M[k, 0, 3],
                M[k, 1, 0] * lx + M[k, 1, 1] * ly + M[k, 1, 2] * lz + M[k, 1, 3],
                M[k, 2, 0] * lx + M[k, 2, 1] * ly + M[k, 2, 2] * lz + M[k, 2, 3])
    f = tri_off[k] + tri[j]
    a, b, c = tris[f, 0], tris[f, 1], tris[f, 2]
    wa, wb, wc = bary[j, 0], bary[j, 1], bary[j, 2]
    return (wa * dverts[a, 0] + wb * dverts[b, 0] + wc * dverts[c, 0],
            wa * dverts[a, 1] + wb * dverts[b, 1] + wc * dverts[c, 1],
            wa * dverts[a, 2] + wb * dverts[b, 2] + wc * dverts[c, 2])


@nb.njit(parallel=True, **_JIT)
def point_gap(pix, point, local, obj, tri, bary, kind, M, tri_off, tris, dverts, P, near, far,
              W, H, tinv, tobj, decide, flow, code, und_uvz, und_tri):
    """Surface points ``pix`` (flat pixel indices) of a frame: write at each pixel the flow to
    the target frame (``flow`` (H*W, 2) float32: projection there minus the pixel centre)
    and the visibility code (``code`` (H*W,) uint8: HIDDEN when out of frame or outside the
    clip range, else decided from ``tinv``/``tobj`` when ``decide``, else UNDECIDED). ``M``
    (n_obj, 3, 4) object-to-world and ``P`` (3, 4) world-to-image at the target frame. At
    UNDECIDED pixels ``und_uvz`` (H*W, 3) gets the point's pixel position and planar depth
    there and ``und_tri`` (H*W,) its global triangle, for :func:`occlusion_sweep`."""
    for j in nb.prange(len(pix)):
        x, y, z = _moved(j, point, local, obj, tri, bary, kind, M, tri_off, tris, dverts)
        w = P[2, 0] * x + P[2, 1] * y + P[2, 2] * z + P[2, 3]
        u = (P[0, 0] * x + P[0, 1] * y + P[0, 2] * z + P[0, 3]) / w
        v = (P[1, 0] * x + P[1, 1] * y + P[1, 2] * z + P[1, 3]) / w
        p = pix[j]
        flow[p, 0] = u - (p % W + 0.5)
        flow[p, 1] = v - (p // W + 0.5)
        if not (w > near and w <= far and u >= 0.0 and u < W and v >= 0.0 and v < H):
            code[p] = HIDDEN
        else:
            c = _decide_point(tinv, tobj, W, H, u, v, w, obj[j]) if decide else UNDECIDED
            code[p] = c
            if c == UNDECIDED:
                und_uvz[p, 0], und_uvz[p, 1], und_uvz[p, 2] = u, v, w
                und_tri[p] = tri_off[obj[j]] + tri[j]


@nb.njit(parallel=True, **_JIT)
def sky_gap(sky, Hm, W, H, tinv, decide, flow, code, und_uvz, und_tri):
    """Pixels ``sky`` that see the world at infinity: write the rotation-only flow to the
    target frame (``Hm`` (3, 3) maps pixels at infinity; 0 where the direction is behind the
    target camera) and the visibility code (as :func:`point_gap`, from :func:`_decide_sky`;
    an UNDECIDED one gets its landing position, depth +inf and triangle -1)."""
    for j in nb.prange(len(sky)):
        p = sky[j]
        cx, cy = p % W + 0.5, p // W + 0.5
        w = Hm[2, 0] * cx + Hm[2, 1] * cy + Hm[2, 2]
        if w > 1e-12:
            u = (Hm[0, 0] * cx + Hm[0, 1] * cy + Hm[0, 2]) / w
            v = (Hm[1, 0] * cx + Hm[1, 1] * cy + Hm[1, 2]) / w
            flow[p, 0] = u - cx
            flow[p, 1] = v - cy
            if not (u >= 0.0 and u < W and v >= 0.0 and v < H):
                code[p] = HIDDEN
            else:
                c = _decide_sky(tinv, W, H, u, v) if decide else UNDECIDED
                code[p] = c
                if c == UNDECIDED:
                    und_uvz[p, 0], und_uvz[p, 1], und_uvz[p, 2] = u, v, np.inf
                    und_tri[p] = -1
        else:
            flow[p, 0] = 0.0
            flow[p, 1] = 0.0
            code[p] = HIDDEN


@nb.njit(parallel=True, **_JIT)
def decide_points(uv, z, obj, tinv, tobj, W, H, out):
    """Visibility codes ``out`` (n,) uint8 of surface points of objects ``obj`` that land in
    frame at ``uv`` (n, 2) with planar depth ``z`` (n,) (:func:`_decide_point`)."""
    for j in nb.prange(len(out)):
        out[j] = _decide_point(tinv, tobj, W, H, uv[j, 0], uv[j, 1], z[j], obj[j])


@nb.njit(inline="always", **_JIT)
def _pixel_dir(Kinv, R, W, p):
    """World direction of the ray through the centre of flat pixel ``p``, scaled so that its
    parameter is planar depth (``Kinv`` (3, 3) pixel -> camera, ``R`` (3, 3) camera ->
    world)."""
    u, v = p % W + 0.5, p // W + 0.5
    cx = Kinv[0, 0] * u + Kinv[0, 1] * v + Kinv[0, 2]
    cy = Kinv[1, 0] * u + Kinv[1, 1] * v + Kinv[1, 2]
    cz = Kinv[2, 0] * u + Kinv[2, 1] * v + Kinv[2, 2]
    return (R[0, 0] * cx + R[0, 1] * cy + R[0, 2] * cz,
            R[1, 0] * cx + R[1, 1] * cy + R[1, 2] * cz,
            R[2, 0] * cx + R[2, 1] * cy + R[2, 2] * cz)


@nb.njit(parallel=True, **_JIT)
def refine_hits(origin, Kinv, R, W, ray, geom, prim, kind, Minv, tri_off, tris, lverts, dverts,
                t_out, bary, point, local):
    """Möller-Trumbore in float64 on the triangle found (:func:`rasterise`) for the ray through the
    centre of each pixel ``ray[j]`` (``geom``/``prim`` per pixel; origin ``origin``,
    direction :func:`_pixel_dir`): ray parameter (planar depth), corner weights, world
    point ``origin + t d`` and, on static and rigid objects, the object-space point (the ray
    taken into the object's frame by ``Minv`` (n_obj, 3, 4) world-to-object; NaN on
    deforming ones). A degenerate triangle gives t = NaN."""
    ox, oy, oz = origin[0], origin[1], origin[2]
    for j in nb.prange(len(ray)):
        r = ray[j]
        k = geom[r]
        dx, dy, dz = _pixel_dir(Kinv, R, W, r)
        if kind[k] == DEFORMING:
            verts = dverts
            qx, qy, qz, ex, ey, ez = ox, oy, oz, dx, dy, dz
        else:
            verts = lverts
            qx = Minv[k, 0, 0] * ox + Minv[k, 0, 1] * oy + Minv[k, 0, 2] * oz + Minv[k, 0, 3]
            qy = Minv[k, 1, 0] * ox + Minv[k, 1, 1] * oy + Minv[k, 1, 2] * oz + Minv[k, 1, 3]
            qz = Minv[k, 2, 0] * ox + Minv[k, 2, 1] * oy + Minv[k, 2, 2] * oz + Minv[k, 2, 3]
            ex = Minv[k, 0, 0] * dx + Minv[k, 0, 1] * dy + Minv[k, 0, 2] * dz
            ey = Minv[k, 1, 0] * dx + Minv[k, 1, 1] * dy + Minv[k, 1, 2] * dz
            ez = Minv[k, 2, 0] * dx + Minv[k, 2, 1] * dy + Minv[k, 2, 2] * dz
        f = tri_off[k] + prim[r]
        a, b, c = tris[f, 0], tris[f, 1], tris[f, 2]
        ax, ay, az = verts[a, 0], verts[a, 1], verts[a, 2]
        e1x, e1y, e1z = verts[b, 0] - ax, verts[b, 1] - ay, verts[b, 2] - az
        e2x, e2y, e2z = verts[c, 0] - ax, verts[c, 1] - ay, verts[c, 2] - az
        px, py, pz = ey * e2z - ez * e2y, ez * e2x - ex * e2z, ex * e2y - ey * e2x
        det = e1x * px + e1y * py + e1z * pz
        inv = 1.0 / det
        sx, sy, sz = qx - ax, qy - ay, qz - az
        u = (sx * px + sy * py + sz * pz) * inv
        cx, cy, cz = sy * e1z - sz * e1y, sz * e1x - sx * e1z, sx * e1y - sy * e1x
        v = (ex * cx + ey * cy + ez * cz) * inv
        t = (e2x * cx + e2y * cy + e2z * cz) * inv
        if not math.isfinite(t):
            t = np.nan
        t_out[j] = t
        bary[j, 0], bary[j, 1], bary[j, 2] = 1.0 - u - v, u, v
        point[j, 0], point[j, 1], point[j, 2] = ox + t * dx, oy + t * dy, oz + t * dz
        if kind[k] == DEFORMING:
            local[j, 0] = local[j, 1] = local[j, 2] = np.nan
        else:
            local[j, 0], local[j, 1], local[j, 2] = qx + t * ex, qy + t * ey, qz + t * ez


#: A point counts visible when no other triangle covers it nearer than this fraction of its
#: planar depth (an occluder must stand in front of it by 1e-4 of its distance: 1 mm at 10 m).
VISIBILITY_EPS = 1e-4
#: Visibility queries are binned into square tiles of this many pixels a side.
TILE = 8


@nb.njit(inline="always", **_JIT)
def _tile_range(a, b, c, n_tiles):
    """First and last tile index (clamped to 0 .. n_tiles - 1) that coordinates a, b, c span."""
    lo = min(max(min(a, b, c), -1.0), n_tiles * TILE + 1.0)
    hi = min(max(max(a, b, c), -1.0), n_tiles * TILE + 1.0)
    return max(int(math.floor(lo)) // TILE, 0), min(int(math.floor(hi)) // TILE, n_tiles - 1)


@nb.njit(parallel=True, **_JIT)
def occlusion_sweep(sv, ok, plane, Kinv, near, far, W, H, n_bands, tile_start, order, uvz, own,
                    hidden):
    """Visibility of query points at one frame, exactly and without rays: ``hidden[q]`` is set
    where a triangle other than ``own[q]`` (global index; -1 for a point at infinity) covers
    the query's pixel position ``uvz[q, :2]`` with planar depth in (``near``, ``far``] nearer
    than ``uvz[q, 2] (1 - VISIBILITY_EPS)`` (+inf at infinity: any surface hides it). Each
    screen triangle (:func:`setup_triangles`) visits the :data:`TILE` tiles its bounds span;
    queries are sorted by tile (``order``, ``tile_start`` (n_tiles + 1,)). Tile rows are split
    into ``n_bands`` bands, one per task, so each query is written by one task."""
    ntx, nty = (W + TILE - 1) // TILE, (H + TILE - 1) // TILE
    keep = 1.0 - VISIBILITY_EPS
    for band in nb.prange(n_bands):
        b0, b1 = band * nty // n_bands, (band + 1) * nty // n_bands
        for s in range(len(ok)):
            if not ok[s]:
                continue
            ua, va, ub, vb, uc, vc = sv[s, 0], sv[s, 1], sv[s, 2], sv[s, 3], sv[s, 4], sv[s, 5]
            ty0, ty1 = _tile_range(va, vb, vc, nty)
            ty0, ty1 = max(ty0, b0), min(ty1, b1 - 1)
            if ty0 > ty1:
                continue
            tx0, tx1 = _tile_range(ua, ub, uc, ntx)
            f = s // 2
            sign = 1.0 if (ub - ua) * (vc - va) - (vb - va) * (uc - ua) > 0.0 else -1.0
            nx, ny, nz, d = plane[f, 0], plane[f, 1], plane[f, 2], plane[f, 3]
            for ty in range(ty0, ty1 + 1):
                for tx in range(tx0, tx1 + 1):
                    c = ty * ntx + tx
                    for j in range(tile_start[c], tile_start[c + 1]):
                        q = order[j]
                        if hidden[q] or own[q] == f:
                            continue
                        px, py = uvz[q, 0], uvz[q, 1]
                        if (sign * ((ub - ua) * (py - va) - (vb - va) * (px - ua)) < 0.0
                                or sign * ((uc - ub) * (py - vb) - (vc - vb) * (px - ub)) < 0.0
                                or sign * ((ua - uc) * (py - vc) - (va - vc) * (px - uc)) < 0.0):
                            continue
                        qx = Kinv[0, 0] * px + Kinv[0, 1] * py + Kinv[0, 2]
                        qy = Kinv[1, 0] * px + Kinv[1, 1] * py + Kinv[1, 2]
                        z = d / (nx * qx + ny * qy + nz)
                        if z > near and z <= far and z < uvz[q, 2] * keep:
                            hidden[q] = True


#: Largest finite float16.
F16_MAX = 65504.0


@nb.njit(parallel=True, **_JIT)
def _to_f16_bits(src, out):
    """float16 bit patterns ``out`` (n,) uint16 of float32 ``src`` (n,): NaN -> 0, values
    beyond the float16 range -> its largest finite value of that sign, the rest rounded to
    nearest, ties to even (what numpy's ``astype(np.float16)`` gives)."""
    bits = src.view(np.uint32)
    for j in nb.prange(len(src)):
        x = src[j]
        if x != x:
            out[j] = 0
            continue
        b = bits[j]
        sign = np.uint16((b >> 16) & 0x8000)
        a = b & 0x7FFFFFFF
        if a >= 0x477FE000:                     # |x| >= 65504 (and inf): clip
            out[j] = sign | np.uint16(0x7BFF)
        elif a < 0x38800000:                    # below 2**-14: subnormal (or zero) half
            out[j] = sign | np.uint16(np.rint(abs(np.float64(x)) * 16777216.0))
        else:                                   # normal: drop 13 mantissa bits, ties to even
            m = a - np.uint32(0x38000000)
            out[j] = sign | np.uint16((m + np.uint32(0x0FFF) + ((m >> 13) & 1)) >> 13)


def to_f16(a: np.ndarray) -> np.ndarray:
    """float16 copy of the float32 array ``a``, NaN-free: NaN -> 0, beyond the float16 range
    -> its largest finite value (see :func:`_to_f16_bits`)."""
    src = np.ascontiguousarray(a, np.float32)
    out = np.empty(src.shape, np.uint16)
    _to_f16_bits(src.reshape(-1), out.reshape(-1))
    return out.view(np.float16)


# ---------------------------------------------------------------------- primary visibility
# The first surface on every pixel-centre ray is found by rasterising the scene's triangles
# (z-buffer on planar depth, computed exactly from each triangle's plane in float64) rather
# than by one ray per pixel: the same answer, since the nearest triangle containing the
# pixel centre's projection is the first one its ray meets, at a fraction of the cost.


@nb.njit(parallel=True, **_JIT)
def camera_vertices(lverts, lobj, C, dverts, w2c, lcam, dcam):
    """Camera-space vertices: ``lcam`` = ``C[lobj]`` (n_obj, 3, 4: object -> camera) applied to
    the fixed object-space ``lverts``; ``dcam`` = ``w2c`` (3, 4) applied to the deforming
    objects' world ``dverts``."""
    for j in nb.prange(len(lverts)):
        k = lobj[j]
        x, y, z = lverts[j, 0], lverts[j, 1], lverts[j, 2]
        for r in range(3):
            lcam[j, r] = C[k, r, 0] * x + C[k, r, 1] * y + C[k, r, 2] * z + C[k, r, 3]
    for j in nb.prange(len(dverts)):
        x, y, z = dverts[j, 0], dverts[j, 1], dverts[j, 2]
        for r in range(3):
            dcam[j, r] = w2c[r, 0] * x + w2c[r, 1] * y + w2c[r, 2] * z + w2c[r, 3]


@nb.njit(inline="always", **_JIT)
def _cut(ax, ay, az, bx, by, bz, near):
    """The point of segment a-b at depth ``near`` (a and b on either side)."""
    s = (near - az) / (bz - az)
    return ax + s * (bx - ax), ay + s * (by - ay), near


@nb.njit(inline="always", **_JIT)
def _emit(slot, K, W, H, ax, ay, az, bx, by, bz, cx, cy, cz, sv, box, ok):
    """Project a camera-space triangle in front of the near plane into slot ``slot``: its
    screen corners ``sv`` (slot, 6) and the pixel rows/columns its centres may cover ``box``
    (slot, 4: x0, x1, y0, y1; empty when it covers none); ``ok[slot]`` False when it is
    edge-on or lies off screen."""
    ua = K[0, 0] * ax / az + K[0, 1] * ay / az + K[0, 2]
    va = K[1, 1] * ay / az + K[1, 2]
    ub = K[0, 0] * bx / bz + K[0, 1] * by / bz + K[0, 2]
    vb = K[1, 1] * by / bz + K[1, 2]
    uc = K[0, 0] * cx / cz + K[0, 1] * cy / cz + K[0, 2]
    vc = K[1, 1] * cy / cz + K[1, 2]
    x0 = max(math.ceil(min(ua, ub, uc) - 0.5), 0.0)
    x1 = min(math.floor(max(ua, ub, uc) - 0.5), W - 1.0)
    y0 = max(math.ceil(min(va, vb, vc) - 0.5), 0.0)
    y1 = min(math.floor(max(va, vb, vc) - 0.5), H - 1.0)
    area = (ub - ua) * (vc - va) - (vb - va) * (uc - ua)
    if not (area != 0.0 and math.isfinite(area) and min(ua, ub, uc) < W and max(ua, ub, uc) >= 0.0
            and min(va, vb, vc) < H and max(va, vb, vc) >= 0.0):
        ok[slot] = False       # edge-on, or off screen (one covering no pixel centre stays:
        return                 # it may still hide a point between centres)
    sv[slot, 0], sv[slot, 1], sv[slot, 2], sv[slot, 3], sv[slot, 4], sv[slot, 5] = ua, va, ub, vb, uc, vc
    box[slot, 0], box[slot, 1], box[slot, 2], box[slot, 3] = int(x0), int(x1), int(y0), int(y1)
    ok[slot] = True


@nb.njit(parallel=True, **_JIT)
def setup_triangles(tri_obj, kind, tris, lcam, dcam, K, near, W, H, sv, box, plane, ok):
    """Every triangle ``f`` (global index; object ``tri_obj[f]``) clipped to the near plane
    and projected: up to two screen triangles in slots 2f and 2f+1 (:func:`_emit`), and
    ``plane[f]`` its camera-space plane (normal, offset) for the exact depth."""
    for f in nb.prange(len(tri_obj)):
        verts = dcam if kind[tri_obj[f]] == DEFORMING else lcam
        a, b, c = tris[f, 0], tris[f, 1], tris[f, 2]
        ax, ay, az = verts[a, 0], verts[a, 1], verts[a, 2]
        bx, by, bz = verts[b, 0], verts[b, 1], verts[b, 2]
        cx, cy, cz = verts[c, 0], verts[c, 1], verts[c, 2]
        nx = (by - ay) * (cz - az) - (bz - az) * (cy - ay)
        ny = (bz - az) * (cx - ax) - (bx - ax) * (cz - az)
        nz = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        plane[f, 0], plane[f, 1], plane[f, 2] = nx, ny, nz
        plane[f, 3] = nx * ax + ny * ay + nz * az
        ok[2 * f + 1] = False
        ina, inb, inc = az >= near, bz >= near, cz >= near
        n_in = ina + inb + inc
        if n_in == 0:
            ok[2 * f] = False
            continue
        if n_in == 3:
            _emit(2 * f, K, W, H, ax, ay, az, bx, by, bz, cx, cy, cz, sv, box, ok)
            continue
        # rotate so that a is the lone vertex (alone inside when n_in == 1, alone outside
        # when n_in == 2); the winding does not matter (both faces are seen)
        if (n_in == 1 and inb) or (n_in == 2 and not inb):
            ax, ay, az, bx, by, bz, cx, cy, cz = bx, by, bz, cx, cy, cz, ax, ay, az
        elif (n_in == 1 and inc) or (n_in == 2 and not inc):
            ax, ay, az, bx, by, bz, cx, cy, cz = cx, cy, cz, ax, ay, az, bx, by, bz
        px, py, pz = _cut(ax, ay, az, bx, by, bz, near)
        qx, qy, qz = _cut(ax, ay, az, cx, cy, cz, near)
        if n_in == 1:
            _emit(2 * f, K, W, H, ax, ay, az, px, py, pz, qx, qy, qz, sv, box, ok)
        else:
            _emit(2 * f, K, W, H, px, py, pz, bx, by, bz, cx, cy, cz, sv, box, ok)
            _emit(2 * f + 1, K, W, H, px, py, pz, cx, cy, cz, qx, qy, qz, sv, box, ok)


@nb.njit(inline="always", **_JIT)
def _edge_bounds(lo, hi, a, b):
    """Narrow [lo, hi] (pixel-centre u) to where ``a u + b >= 0``, widened by one pixel
    either way for rounding (the caller tests the edge functions exactly)."""
    if a > 0.0:
        lo = max(lo, -b / a - 1.0)
    elif a < 0.0:
        hi = min(hi, -b / a + 1.0)
    elif b < 0.0:
        hi = lo - 1.0
    return lo, hi


@nb.njit(inline="always", **_JIT)
def _span(ua, va, ub, vb, uc, vc, sign, py, x0, x1):
    """Columns [xa, xb] within [x0, x1] whose centres on row centre ``py`` may lie inside
    the screen triangle (a conservative scanline span: every centre inside is in it)."""
    lo, hi = x0 + 0.5, x1 + 0.5
    lo, hi = _edge_bounds(lo, hi, -sign * (vb - va), sign * ((ub - ua) * (py - va) + (vb - va) * ua))
    lo, hi = _edge_bounds(lo, hi, -sign * (vc - vb), sign * ((uc - ub) * (py - vb) + (vc - vb) * ub))
    lo, hi = _edge_bounds(lo, hi, -sign * (va - vc), sign * ((ua - uc) * (py - vc) + (va - vc) * uc))
    if not (lo <= hi):
        return 0, -1
    return max(x0, int(math.ceil(lo - 0.5))), min(x1, int(math.floor(hi - 0.5)))


@nb.njit(parallel=True, **_JIT)
def rasterise(sv, box, plane, ok, tri_obj, tri_local, Kinv, near, far, W, H, n_bands, depth, geom, prim):
    """The nearest triangle at every pixel centre: planar ``depth`` (H*W,) float64 (+inf where
    none), ``geom`` its object and ``prim`` its index in that object (int32, -1 where none).
    A centre on a shared edge counts for both triangles; depth from the triangle's plane,
    kept when ``near < depth <= far``. Rows are split into ``n_bands`` bands, one per task."""
    for band in nb.prange(n_bands):
        r0, r1 = band * H // n_bands, (band + 1) * H // n_bands
        for p in range(r0 * W, r1 * W):
            depth[p] = np.inf
            geom[p] = -1
            prim[p] = -1
        for s in range(len(ok)):
            if not ok[s]:
                continue
            y0, y1 = max(box[s, 2], r0), min(box[s, 3], r1 - 1)
            if y0 > y1:
                continue
            f = s // 2
            ua, va, ub, vb, uc, vc = sv[s, 0], sv[s, 1], sv[s, 2], sv[s, 3], sv[s, 4], sv[s, 5]
            sign = 1.0 if (ub - ua) * (vc - va) - (vb - va) * (uc - ua) > 0.0 else -1.0
            nx, ny, nz, d = plane[f, 0], plane[f, 1], plane[f, 2], plane[f, 3]
            for y in range(y0, y1 + 1):
                py = y + 0.5
                xa, xb = _span(ua, va, ub, vb, uc, vc, sign, py, box[s, 0], box[s, 1])
                for x in range(xa, xb + 1):
                    px = x + 0.5
                    e0 = sign * ((ub - ua) * (py - va) - (vb - va) * (px - ua))
                    e1 = sign * ((uc - ub) * (py - vb) - (vc - vb) * (px - ub))
                    e2 = sign * ((ua - uc) * (py - vc) - (va - vc) * (px - uc))
                    if e0 < 0.0 or e1 < 0.0 or e2 < 0.0:
                        continue
                    qx = Kinv[0, 0] * px + Kinv[0, 1] * py + Kinv[0, 2]
                    qy = Kinv[1, 0] * px + Kinv[1, 1] * py + Kinv[1, 2]
                    z = d / (nx * qx + ny * qy + nz)
                    p = y * W + x
                    if z > near and z <= far and z < depth[p]:
                        depth[p] = z
                        geom[p] = tri_obj[f]
                        prim[p] = tri_local[f]
