"""Camera poses as RealEstate10K text files, the way CameraCtrl and VideoX-Fun read them.

Line 1 is a header (RealEstate10K puts the video's URL there; readers skip it). Then one line
per rendered frame, 19 numbers separated by single spaces (the readers split on ``' '``)::

    timestamp_us fx/W fy/H cx/W cy/H 0 0 r11 r12 r13 t1 r21 r22 r23 t2 r31 r32 r33 t3

``timestamp_us`` is the frame's time in microseconds (RealEstate10K's first column; readers
ignore it), the intrinsics are normalised by the video's width and height, the two zeros
are unused distortion slots, and the last twelve numbers are the world-to-camera matrix
``inv(c2w)``, 3x4 row-major, in OpenCV camera axes (x right, y down, z forward), the
convention of synthgen's ``c2w``. Readers rebuild ``c2w = inv(w2c)`` and scale the
intrinsics back by the size they sample at. Numbers are written with ``repr`` (shortest
exact round trip).
"""
from __future__ import annotations

import numpy as np

from ...job import Job


def header_line(job: Job) -> str:
    """A URL-like first line naming the clip and its video format (no spaces)."""
    return (f"synthgen://{job.clip_id}?width={job.width}&height={job.height}"
            f"&fps={job.fps:g}&frames={job.n_frames}")


def pose_row(K: np.ndarray, c2w: np.ndarray, width: int, height: int, time_us: int) -> str:
    """One frame's line: normalised intrinsics and the 3x4 world-to-camera matrix."""
    w2c = np.linalg.inv(np.asarray(c2w, np.float64))
    values = [K[0, 0] / width, K[1, 1] / height, K[0, 2] / width, K[1, 2] / height, 0.0, 0.0,
              *w2c[:3, :4].reshape(-1)]
    return " ".join([str(int(time_us))] + [repr(float(v)) for v in values])


def pose_text(job: Job) -> str:
    """The whole pose file of ``job``'s rendered frames (one line each, after the header)."""
    frames = range(job.frame_start, job.frame_end + 1)
    rows = [pose_row(job.K(f), job.c2w(f), job.width, job.height, round(k * 1e6 / job.fps))
            for k, f in enumerate(frames)]
    return "\n".join([header_line(job), *rows]) + "\n"
