"""The job's baked camera as a keyframed Blender camera. Needs bpy."""
from __future__ import annotations

import logging

import bpy
import mathutils
import numpy as np

from ..camera import c2w_cv_to_blender
from ..job import Job
from .anim import continuous_quaternions, keyframe_series

log = logging.getLogger(__name__)


def blender_pose(c2w_cv) -> tuple[np.ndarray, np.ndarray]:
    """Location (3,) and rotation quaternion (w, x, y, z) (4,) of a Blender camera whose
    OpenCV camera-to-world is ``c2w_cv`` (4x4)."""
    m = c2w_cv_to_blender(c2w_cv)
    q = mathutils.Matrix(m[:3, :3].tolist()).to_quaternion()
    return m[:3, 3].copy(), np.array([q.w, q.x, q.y, q.z])


def build_camera(job: Job, collection) -> bpy.types.Object:
    """A camera keyed at every baked frame (boundary frames included) with the job's pose,
    focal length, sensor, sensor fit, shift and clipping; made the scene camera."""
    spec = job.camera
    data = bpy.data.cameras.new("camera")
    data.type = "PERSP"
    data.sensor_width = spec.sensor_width_mm
    data.sensor_height = spec.sensor_height_mm
    data.sensor_fit = spec.sensor_fit
    data.shift_x, data.shift_y = spec.shift_x, spec.shift_y
    data.clip_start, data.clip_end = spec.clip_start, spec.clip_end
    data.lens = spec.focal_mm[0]
    obj = bpy.data.objects.new("camera", data)
    obj.rotation_mode = "QUATERNION"
    collection.objects.link(obj)
    frames = list(job.baked_frames())
    poses = [blender_pose(job.c2w(f)) for f in frames]
    locs = np.array([p[0] for p in poses])
    quats = continuous_quaternions([p[1] for p in poses])
    obj.location, obj.rotation_quaternion = locs[0].tolist(), quats[0].tolist()
    keyframe_series(obj, "location", frames, locs)
    keyframe_series(obj, "rotation_quaternion", frames, quats)
    if len(set(spec.focal_mm)) > 1:
        keyframe_series(data, "lens", frames, np.asarray(spec.focal_mm))
    return obj
