"""Hand-made test jobs with known analytic flow (no planner needed).

Every builder returns a valid :class:`synthgen.job.Job` (``job.validate() == []``) rendering
frames ``1..n_frames`` at a tiny resolution. The analytic answer is stored in
``job.plan.params`` (plain JSON) and documented per builder:

* ``expected_flow_px``: ``[du, dv]`` forward flow (pixels, u right, v down) of the moving
  surface, exact for every pixel fully inside it (docs/CONVENTIONS.md §4);
* ``expected_depth_m``: planar depth of that surface;
* ``moving_id``: its instance id.

Shared scene: the camera sits at the world origin looking along world +Y (OpenCV axes:
x = world +X, y = world -Z, z = world +Y), so image u grows with world X and v grows with
world -Z; props are ``procedural:plane`` squares facing the camera.

Public helpers for other tests: :func:`moving_prop_job`, :func:`moving_props_job`,
:func:`translating_camera_job`, :func:`rotating_camera_hdri_job`, :func:`marker_job`,
:func:`human_job` (an embedded procedural character, for subject/vertices tests),
:func:`front_camera`, :func:`background_flow` (the rotation-only flow of points at infinity),
:func:`read_frame`, :func:`forward_flow`, :func:`backward_flow` (EXR reading for tests).
"""
from __future__ import annotations

import math

import numpy as np

from synthgen.camera import intrinsics, project
from synthgen.job import (AssetRef, CameraSpec, EnvironmentSpec, Job, LightSpec, PlanInfo,
                          PropSpec, RenderSpec, SubjectSpec)

#: Camera rotation (OpenCV axes in world) looking along world +Y with world +Z up.
FRONT_R = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
#: Rotation (w, x, y, z) turning a ``procedural:plane`` (normal +Z) to face a FRONT_R camera.
PLANE_FACING_CAMERA = [math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0]
HDRI = "blender-datafiles:studiolights/world/forest.exr"


def pose(R, t) -> list[list[float]]:
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = R, t
    return m.tolist()


def front_camera(n_baked: int, width: int, height: int, *, focal_mm: float = 35.0,
                 positions=None, rotations=None, sensor_fit: str = "AUTO",
                 shift_x: float = 0.0, shift_y: float = 0.0) -> CameraSpec:
    """A camera spec with ``n_baked`` poses (default: at the origin looking along +Y)."""
    positions = np.zeros((n_baked, 3)) if positions is None else np.asarray(positions, float)
    rotations = [FRONT_R] * n_baked if rotations is None else rotations
    K = intrinsics(focal_mm, 36.0, width, height, sensor_height_mm=24.0, sensor_fit=sensor_fit,
                   shift_x=shift_x, shift_y=shift_y).tolist()
    return CameraSpec(c2w=[pose(R, t) for R, t in zip(rotations, positions)],
                      focal_mm=[focal_mm] * n_baked, K=[K] * n_baked, sensor_fit=sensor_fit,
                      shift_x=shift_x, shift_y=shift_y)


def _job(clip_id: str, width: int, height: int, n_frames: int, camera: CameraSpec, *,
         props=(), environment: EnvironmentSpec | None = None, mode: str = "flow",
         params: dict | None = None, lights=None) -> Job:
    env = environment or EnvironmentSpec(type="empty", background_color=[0.1, 0.1, 0.1, 1.0],
                                         ambient_intensity=0.5)
    lights = [LightSpec(kind="point", position=[0.0, 0.0, 2.0], intensity_w=300.0)] if lights is None else lights
    job = Job(clip_id=clip_id, kind="camera", seed=0, width=width, height=height, fps=24.0,
              frame_start=1, frame_end=n_frames, camera=camera,
              render=RenderSpec(mode=mode, samples_rgb=4, threads=1),
              environment=env, lights=list(lights), props=list(props),
              plan=PlanInfo(preset="tests", params=params or {}))
    problems = job.validate()
    assert not problems, problems
    return job


def _plane(iid: int, side: float, locations, color=(0.8, 0.3, 0.2)) -> PropSpec:
    return PropSpec(instance_id=iid, asset=AssetRef(id="plane", kind="prop", location="procedural:plane"),
                    name=f"plane{iid}", scale=[side, side, 1.0], color=list(color),
                    location=[list(map(float, p)) for p in locations],
                    rotation_quat=[PLANE_FACING_CAMERA])


def moving_props_job(motions, *, width: int = 64, height: int = 48, n_frames: int = 3,
                     depth: float = 5.0, focal_mm: float = 35.0, mode: str = "flow",
                     clip_id: str = "props") -> Job:
    """Fronto-parallel square planes at ``depth`` m, one per ``(du, dv)`` in ``motions``,
    side by side along u, each moving by exactly ``(du, dv)`` px per frame.

    Instance ids are 1, 2, ... in the order of ``motions``. ``plan.params``:
    ``expected_flow_px`` (list of [du, dv], one per prop), ``expected_depth_m``,
    ``prop_centers_px`` (the props' centres in frame ``1``, [[u, v], ...]).
    """
    n_baked = n_frames + 2
    cam = front_camera(n_baked, width, height, focal_mm=focal_mm)
    f = cam.K[0][0][0]
    k = len(motions)
    side = depth * (0.8 * width / k) / f / 1.6          # each plane ~half its slot
    props, centres = [], []
    for i, (du, dv) in enumerate(motions):
        u0 = width * (i + 0.5) / k
        x0 = (u0 - width / 2) * depth / f
        step = np.array([du * depth / f, 0.0, -dv * depth / f])
        base = np.array([x0, depth, 0.0]) - step          # baked index 0 is frame 0
        props.append(_plane(i + 1, side, [base + j * step for j in range(n_baked)],
                            color=(0.8, 0.3 + 0.4 * i / max(1, k - 1), 0.2)))
        centres.append([u0, height / 2])
    params = {"expected_flow_px": [list(map(float, m)) for m in motions],
              "expected_depth_m": depth, "prop_centers_px": centres}
    return _job(clip_id, width, height, n_frames, cam, props=props, mode=mode, params=params)


def moving_prop_job(du_px: float, dv_px: float, **kw) -> Job:
    """One plane (instance 1) moving ``(du_px, dv_px)`` px per frame; see
    :func:`moving_props_job`. ``plan.params["expected_flow_px"] == [[du, dv]]``."""
    kw.setdefault("clip_id", "prop")
    return moving_props_job([(du_px, dv_px)], **kw)


def translating_camera_job(axis: str, px_per_frame: float, *, width: int = 64, height: int = 48,
                           n_frames: int = 3, depth: float = 5.0, focal_mm: float = 35.0,
                           mode: str = "flow", clip_id: str = "camtrans") -> Job:
    """A static backdrop plane (instance 1) filling the view at ``depth`` m; the camera
    translates parallel to the image plane so the backdrop's forward flow is exactly
    ``+px_per_frame`` along ``axis`` ("u" or "v") - i.e. the camera moves the other way.
    ``plan.params["expected_flow_px"] == [[du, dv]]``."""
    if axis not in ("u", "v"):
        raise ValueError("axis must be 'u' or 'v'")
    n_baked = n_frames + 2
    f = intrinsics(focal_mm, 36.0, width, height)[0, 0]
    shift = px_per_frame * depth / f
    step = np.array([-shift, 0, 0]) if axis == "u" else np.array([0, 0, shift])
    positions = [(j - 1) * step for j in range(n_baked)]
    cam = front_camera(n_baked, width, height, focal_mm=focal_mm, positions=positions)
    side = 4.0 * depth * max(width, height) / f
    flow = [px_per_frame, 0.0] if axis == "u" else [0.0, px_per_frame]
    params = {"expected_flow_px": [flow], "expected_depth_m": depth}
    return _job(clip_id, width, height, n_frames, cam, props=[_plane(1, side, [[0.0, depth, 0.0]])],
                mode=mode, params=params)


def rotating_camera_hdri_job(deg_per_frame: float, *, width: int = 64, height: int = 48,
                             n_frames: int = 3, focal_mm: float = 35.0, mode: str = "flow",
                             clip_id: str = "camrot") -> Job:
    """An HDRI (``env``, no ground) seen by a camera panning about world +Z by
    ``deg_per_frame`` per frame (positive = turning left). Cycles writes zero Vector there;
    the true forward flow is :func:`background_flow` (points at infinity)."""
    n_baked = n_frames + 2
    rots = []
    for j in range(n_baked):
        a = math.radians(deg_per_frame * (j - 1))
        Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        rots.append(Rz @ FRONT_R)
    cam = front_camera(n_baked, width, height, focal_mm=focal_mm, rotations=rots)
    env = EnvironmentSpec(type="env", hdri=AssetRef(id="forest", kind="hdri", location=HDRI),
                          shadow_catcher=False)
    return _job(clip_id, width, height, n_frames, cam, environment=env, lights=[], mode=mode,
                params={"deg_per_frame": deg_per_frame})


def marker_job(point, *, width: int = 48, height: int = 64, sensor_fit: str = "AUTO",
               shift_x: float = 0.0, shift_y: float = 0.0, focal_mm: float = 40.0,
               side: float = 0.5, clip_id: str = "marker") -> Job:
    """A static fronto-parallel square (instance 1, ``side`` m) centred on world ``point``,
    seen by the front camera with the given sensor fit and shifts (portrait by default).

    A plane parallel to the image projects to an exact axis-aligned square, so the pixels
    whose centres it covers follow from the job's K alone. ``plan.params``:
    ``expected_uv_px`` (projection of ``point``), ``corners_uv_px`` ([[u0, v0], [u1, v1]],
    the square's image extent).
    """
    n_baked = 3
    cam = front_camera(n_baked, width, height, focal_mm=focal_mm, sensor_fit=sensor_fit,
                       shift_x=shift_x, shift_y=shift_y)
    p = np.asarray(point, float)
    h = side / 2
    pts = np.array([p, p + [-h, 0, h], p + [h, 0, -h]])        # centre, top-left, bottom-right
    uv, _ = project(pts, np.asarray(cam.K[0]), np.asarray(cam.c2w[0]))
    square = _plane(1, side, [p])
    return _job(clip_id, width, height, 1, cam, props=[square],
                params={"expected_uv_px": uv[0].tolist(), "corners_uv_px": uv[1:].tolist(),
                        "point": p.tolist()})


def human_job(*, action: str = "jumping-jacks", character: str = "slim-yellow-tracksuit",
              width: int = 64, height: int = 48, n_frames: int = 3, distance: float = 4.0,
              outputs=("flow", "vertices"), mode: str = "flow", clip_id: str = "human") -> Job:
    """An embedded procedural humanoid (instance 1) performing a procedural action 1 s in,
    standing ``distance`` m in front of the static front camera (raised to 0.9 m), on an
    ``empty`` world. ``"vertices"`` in ``outputs`` makes the worker write vertices.npz."""
    n_baked = n_frames + 2
    cam = front_camera(n_baked, width, height, focal_mm=30.0, positions=[[0.0, 0.0, 0.9]] * n_baked)
    subject = SubjectSpec(
        instance_id=1,
        character=AssetRef(id=f"proc-human-{character}", kind="character",
                           location=f"procedural:humanoid/{character}"),
        action=AssetRef(id=f"proc-{action}", kind="action", location=f"procedural:action/{action}"),
        source_time_s=[1.0 + i / 24.0 for i in range(n_baked)],
        location=[0.0, distance, 0.0], heading_deg=0.0)
    job = _job(clip_id, width, height, n_frames, cam, mode=mode)
    job.kind, job.subjects, job.outputs = "human", [subject], list(outputs)
    problems = job.validate()
    assert not problems, problems
    return job


def read_frame(path) -> dict:
    """Every channel of a frame EXR (all parts) as float32 (H, W) arrays, keyed by full
    channel name (``flow.Vector.Z`` ...)."""
    import OpenEXR
    f = OpenEXR.File(str(path), separate_channels=True)
    return {k: np.asarray(c.pixels) for part in f.parts for k, c in part.channels.items()}


def forward_flow(channels: dict) -> np.ndarray:
    """(H, W, 2) forward flow (u, v) px from a frame's channels: (-Z, +W) (docs/CONVENTIONS.md §4)."""
    return np.stack([-channels["flow.Vector.Z"], channels["flow.Vector.W"]], -1)


def backward_flow(channels: dict) -> np.ndarray:
    """(H, W, 2) backward flow (u, v) px: (+X, -Y)."""
    return np.stack([channels["flow.Vector.X"], -channels["flow.Vector.Y"]], -1)


def background_flow(job: Job, frame: int) -> np.ndarray:
    """Forward flow (H, W, 2) float64 of points at infinity from ``frame`` to ``frame + 1``:
    ``x' ~ K(t+1) R_w2c(t+1) R_c2w(t) K(t)^-1 x`` (docs/CONVENTIONS.md §4)."""
    K0, K1 = job.K(frame), job.K(frame + 1)
    R0, R1 = job.c2w(frame)[:3, :3], job.c2w(frame + 1)[:3, :3]
    H = K1 @ R1.T @ R0 @ np.linalg.inv(K0)
    u, v = np.meshgrid(np.arange(job.width) + 0.5, np.arange(job.height) + 0.5)
    x = np.stack([u, v, np.ones_like(u)], -1) @ H.T
    return x[..., :2] / x[..., 2:3] - np.stack([u, v], -1)
