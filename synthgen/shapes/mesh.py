"""Triangle meshes built from primitives, in metres, numpy only (runs in Blender's Python).

A :class:`MeshBuilder` collects parts; each part has a *slot* (a material name such as
``"top"`` or ``"legs"``, see :class:`synthgen.job.SurfaceSpec`) and a shading flag (smooth
for curved surfaces). :meth:`MeshBuilder.build` returns a :class:`Mesh`: vertices (V, 3),
triangles (F, 3), a slot index and a smooth flag per triangle. Curved primitives keep
separate vertices for their caps so smooth shading never bends across a hard edge.

Axes: Z up. Every primitive takes its placement explicitly (a centre, a base point, two end
points), so shapes are written in their own local frame without matrices.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: triangles of a unit box's six faces (outward), vertex i = corner bits (x, y, z)
_BOX_FACES = np.array([[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
                       [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]])


@dataclass
class Mesh:
    verts: np.ndarray           # (V, 3) float64
    faces: np.ndarray           # (F, 3) int64
    slot: np.ndarray            # (F,) int index into ``slots``
    smooth: np.ndarray          # (F,) bool
    slots: list[str]

    def transformed(self, yaw_deg: float, location) -> "Mesh":
        """The mesh rotated by ``yaw_deg`` about +Z, then moved by ``location`` (3,)."""
        a = math.radians(yaw_deg)
        c, s = math.cos(a), math.sin(a)
        R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        return Mesh(self.verts @ R.T + np.asarray(location, float), self.faces, self.slot, self.smooth, self.slots)

    @property
    def triangles(self) -> np.ndarray:
        """(F, 3, 3) corner positions."""
        return self.verts[self.faces]


class MeshBuilder:
    """Parts of one mesh; slots are numbered in the order they first appear."""

    def __init__(self):
        self._v: list[np.ndarray] = []
        self._f: list[np.ndarray] = []
        self._slot: list[np.ndarray] = []
        self._smooth: list[np.ndarray] = []
        self.slots: list[str] = []
        self._n = 0

    def add(self, verts, faces, slot: str, smooth: bool = False) -> "MeshBuilder":
        verts, faces = np.asarray(verts, float).reshape(-1, 3), np.asarray(faces, np.int64).reshape(-1, 3)
        if slot not in self.slots:
            self.slots.append(slot)
        self._v.append(verts)
        self._f.append(faces + self._n)
        self._slot.append(np.full(len(faces), self.slots.index(slot)))
        self._smooth.append(np.full(len(faces), smooth))
        self._n += len(verts)
        return self

    def build(self) -> Mesh:
        if not self._v:
            return Mesh(np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, int), np.zeros(0, bool), [])
        return Mesh(np.concatenate(self._v), np.concatenate(self._f), np.concatenate(self._slot),
                    np.concatenate(self._smooth), list(self.slots))

    # ------------------------------------------------------------------ primitives
    def box(self, lo, hi, slot: str) -> "MeshBuilder":
        """An axis-aligned box from corner ``lo`` to corner ``hi``."""
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        bits = np.array([[(i >> 0) & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)], float)
        return self.add(lo + bits * (hi - lo), _BOX_FACES, slot)

    def cbox(self, centre, size, slot: str) -> "MeshBuilder":
        """A box of extents ``size`` centred on ``centre``."""
        c, h = np.asarray(centre, float), np.asarray(size, float) / 2.0
        return self.box(c - h, c + h, slot)

    def chamfer_box(self, lo, hi, r: float, slot: str) -> "MeshBuilder":
        """A box whose edges are bevelled by ``r`` (one flat chamfer): reads as a soft cushion
        or a finished board rather than a CG cube."""
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        r = float(min(r, 0.49 * np.min(hi - lo)))
        if r <= 1e-4:
            return self.box(lo, hi, slot)
        return self.add(*_chamfer_box(lo, hi, r), slot)

    def cylinder(self, base, radius: float, height: float, slot: str, n: int = 16,
                 top_radius: float | None = None, caps: bool = True) -> "MeshBuilder":
        """A vertical cylinder (a frustum with ``top_radius``; a cone when it is 0) standing on ``base``."""
        base = np.asarray(base, float)
        r1 = radius if top_radius is None else top_radius
        a = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
        ring = np.stack([np.cos(a), np.sin(a), np.zeros(n)], axis=1)
        bottom, top = base + ring * radius, base + ring * r1 + [0.0, 0.0, height]
        idx = np.arange(n)
        j = (idx + 1) % n
        side = np.concatenate([np.stack([idx, j, n + j], 1), np.stack([idx, n + j, n + idx], 1)])
        self.add(np.concatenate([bottom, top]), side, slot, smooth=True)
        if caps:
            fan = np.stack([np.zeros(n - 2, int), idx[2:], idx[1:-1]], 1)
            self.add(bottom, fan, slot)
            if r1 > 1e-6:
                self.add(top, fan[:, [0, 2, 1]], slot)
        return self

    def rod(self, p0, p1, radius: float, slot: str, n: int = 8) -> "MeshBuilder":
        """A cylinder of ``radius`` from point ``p0`` to point ``p1`` (legs, rails, branches)."""
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        axis = p1 - p0
        length = float(np.linalg.norm(axis))
        if length < 1e-6:
            return self
        z = axis / length
        x = np.cross(z, [0.0, 0.0, 1.0] if abs(z[2]) < 0.9 else [1.0, 0.0, 0.0])
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        a = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
        ring = np.cos(a)[:, None] * x + np.sin(a)[:, None] * y
        idx = np.arange(n)
        j = (idx + 1) % n
        side = np.concatenate([np.stack([idx, j, n + j], 1), np.stack([idx, n + j, n + idx], 1)])
        fan = np.stack([np.zeros(n - 2, int), idx[2:], idx[1:-1]], 1)
        self.add(np.concatenate([p0 + radius * ring, p1 + radius * ring]), side, slot, smooth=True)
        self.add(p0 + radius * ring, fan, slot)
        return self.add(p1 + radius * ring, fan[:, [0, 2, 1]], slot)

    def ellipsoid(self, centre, radii, slot: str, nu: int = 16, nv: int = 8) -> "MeshBuilder":
        """A UV ellipsoid (poles included) centred on ``centre`` with semi-axes ``radii``."""
        v, f = _uv_sphere(nu, nv)
        return self.add(np.asarray(centre, float) + v * np.asarray(radii, float), f, slot, smooth=True)

    def blob(self, centre, radii, slot: str, seed: int, bumpiness: float = 0.2, level: int = 2) -> "MeshBuilder":
        """An icosphere ellipsoid with its vertices pushed in and out by a deterministic noise
        (rocks, foliage clumps, bushes)."""
        v, f = icosphere(level)
        n = v.copy()
        from .detrng import DetRng
        rng = DetRng(seed)
        # low-frequency bumps: a few random lobes summed
        lobes = rng.normal(6 * 3).reshape(6, 3)
        lobes /= np.linalg.norm(lobes, axis=1, keepdims=True)
        amp = rng.uniform(0.5, 1.0, 6)
        bump = (np.maximum(n @ lobes.T, 0.0) ** 3 * amp).sum(axis=1)
        bump = (bump - bump.mean()) / max(float(np.abs(bump).max()), 1e-6)
        fine = rng.uniform(-0.3, 0.3, len(v))
        scale = 1.0 + bumpiness * (bump + fine)
        return self.add(np.asarray(centre, float) + v * scale[:, None] * np.asarray(radii, float), f, slot,
                        smooth=True)

    def prism(self, profile, length: float, slot: str, axis: str = "y") -> "MeshBuilder":
        """A convex 2D ``profile`` (M, 2) in the (x, z) plane (``axis`` "y") or the (y, z) plane
        (``axis`` "x") extruded symmetrically by ``length`` along that axis (roofs, ramps)."""
        prof = np.asarray(profile, float)
        m = len(prof)
        h = length / 2.0
        if axis == "y":
            a = np.stack([prof[:, 0], np.full(m, -h), prof[:, 1]], 1)
            b = np.stack([prof[:, 0], np.full(m, h), prof[:, 1]], 1)
        else:
            a = np.stack([np.full(m, h), prof[:, 0], prof[:, 1]], 1)
            b = np.stack([np.full(m, -h), prof[:, 0], prof[:, 1]], 1)
        idx = np.arange(m)
        j = (idx + 1) % m
        side = np.concatenate([np.stack([idx, j, m + j], 1), np.stack([idx, m + j, m + idx], 1)])
        fan = np.stack([np.zeros(m - 2, int), idx[1:-1], idx[2:]], 1)
        verts = np.concatenate([a, b])
        faces = np.concatenate([side, fan, fan[:, [0, 2, 1]] + m])
        return self.add(verts, _outward(verts, faces), slot)


# --------------------------------------------------------------------------- helpers
def _outward(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Faces of a convex solid wound so their normals point away from its centroid."""
    c = verts.mean(axis=0)
    t = verts[faces]
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    flip = ((t.mean(axis=1) - c) * n).sum(axis=1) < 0
    out = faces.copy()
    out[flip] = out[flip][:, [0, 2, 1]]
    return out


def _chamfer_box(lo: np.ndarray, hi: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of a box with its edges chamfered by ``r``: per corner three points,
    each on one of the corner's faces (inset by ``r`` along the two other axes); six face
    quads, twelve edge quads and eight corner triangles."""
    global _CHAMFER_FACES
    pts = []
    for i in range(8):                                  # corner bits (x, y, z)
        corner = np.array([(hi if (i >> k) & 1 else lo)[k] for k in range(3)])
        sign = np.array([1.0 if (i >> k) & 1 else -1.0 for k in range(3)])
        for axis in range(3):                           # the point on this corner's ``axis`` face
            p = corner - sign * r
            p[axis] = corner[axis]
            pts.append(p)
    verts = np.array(pts)
    if _CHAMFER_FACES is None:
        _CHAMFER_FACES = _outward(verts, _chamfer_topology())
    return verts, _CHAMFER_FACES


_CHAMFER_FACES: np.ndarray | None = None


def _chamfer_topology() -> np.ndarray:
    def v(corner: int, axis: int) -> int:
        return 3 * corner + axis

    quads = []
    for axis in range(3):
        others = [a for a in range(3) if a != axis]
        for side in (0, 1):                             # the two faces normal to ``axis``
            cs = [c for c in range(8) if (c >> axis) & 1 == side]
            cs.sort(key=lambda c: (((c >> others[0]) & 1), ((c >> others[1]) & 1) ^ ((c >> others[0]) & 1)))
            quads.append([v(c, axis) for c in cs])
        for bits in range(4):                           # the four edges along ``axis``
            a = [c for c in range(8) if ((c >> others[0]) & 1) == (bits & 1) and ((c >> others[1]) & 1) == (bits >> 1)]
            c0, c1 = sorted(a, key=lambda c: (c >> axis) & 1)
            quads.append([v(c0, others[0]), v(c1, others[0]), v(c1, others[1]), v(c0, others[1])])
    tris = [[q[0], q[1], q[2]] for q in quads] + [[q[0], q[2], q[3]] for q in quads]
    tris += [[v(c, 0), v(c, 1), v(c, 2)] for c in range(8)]
    return np.array(tris)


def _uv_sphere(nu: int, nv: int) -> tuple[np.ndarray, np.ndarray]:
    th = np.linspace(0.0, math.pi, nv + 1)
    ph = np.linspace(0.0, 2 * math.pi, nu, endpoint=False)
    T, P = np.meshgrid(th, ph, indexing="ij")
    v = np.stack([np.sin(T) * np.cos(P), np.sin(T) * np.sin(P), np.cos(T)], -1).reshape(-1, 3)
    faces = []
    for i in range(nv):
        for j in range(nu):
            a, b = i * nu + j, i * nu + (j + 1) % nu
            c, d = a + nu, b + nu
            if i > 0:
                faces.append([a, c, b])
            if i < nv - 1:
                faces.append([b, c, d])
    return v, np.array(faces)


_ICO: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def icosphere(level: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit icosphere subdivided ``level`` times (outward triangles), cached."""
    if level in _ICO:
        return _ICO[level]
    t = (1.0 + math.sqrt(5.0)) / 2.0
    v = np.array([[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t],
                  [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]], float)
    f = np.array([[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4],
                  [11, 10, 2], [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8],
                  [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]])
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    for _ in range(level):
        edges: dict[tuple[int, int], int] = {}
        verts = list(v)
        out = []

        def mid(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in edges:
                m = (verts[a] + verts[b]) / 2.0
                verts.append(m / np.linalg.norm(m))
                edges[key] = len(verts) - 1
            return edges[key]

        for a, b, c in f:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            out += [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
        v, f = np.array(verts), np.array(out)
    _ICO[level] = (v, f)
    return v, f
