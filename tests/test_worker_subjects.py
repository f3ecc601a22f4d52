"""Subjects (characters from synthgen.blender.characters) through the worker: instance ids,
vertices.npz, and the Vector pass agreeing with the subject's own vertex motion."""
from __future__ import annotations

import numpy as np

import scenes
from synthgen import layout
from synthgen.blender.worker import render_job
from synthgen.camera import project


def test_subject_ids_vertices_and_flow_agree(tmp_path):
    job = scenes.human_job(n_frames=3, width=96, height=72)
    folder = render_job(job, tmp_path)
    with np.load(folder / layout.VERTICES_FILE) as data:
        frames, verts = data["frames"], data["inst_1"]
    assert frames.dtype == np.int32 and frames.tolist() == list(job.baked_frames())
    assert verts.dtype == np.float32 and verts.shape[0] == job.n_baked and verts.shape[2] == 3
    assert np.abs(np.diff(verts, axis=0)).max() > 1e-3            # the action moves
    errors, motion = [], []
    for frame in range(job.frame_start, job.frame_end + 1):
        ch = scenes.read_frame(folder / layout.frame_name(frame))
        ids, depth = ch[layout.INDEX_CHANNEL], ch[layout.DEPTH_CHANNEL]
        assert (ids == 1).sum() > 50 and set(np.unique(ids)) == {0.0, 1.0}
        i = job.index_of(frame)
        uv0, z0 = project(verts[i], job.K(frame), job.c2w(frame))
        uv1, _ = project(verts[i + 1], job.K(frame + 1), job.c2w(frame + 1))
        px = np.floor(uv0).astype(int)
        inside = (px[:, 0] >= 0) & (px[:, 0] < job.width) & (px[:, 1] >= 0) & (px[:, 1] < job.height)
        px, uv0, uv1, z0 = px[inside], uv0[inside], uv1[inside], z0[inside]
        visible = np.abs(depth[px[:, 1], px[:, 0]] - z0) < 0.01      # vertex is the surface seen
        visible &= ids[px[:, 1], px[:, 0]] == 1
        fwd = scenes.forward_flow(ch)[px[visible, 1], px[visible, 0]]
        errors.append(np.linalg.norm(fwd - (uv1 - uv0)[visible], axis=1))
        motion.append(np.linalg.norm((uv1 - uv0)[visible], axis=1))
    err = np.concatenate(errors)
    assert len(err) > 100
    assert np.median(np.concatenate(motion)) > 0.3              # enough motion to tell a sign flip
    print("vertex-flow error median %.4f p95 %.4f px, n=%d, motion median %.2f px" % (
        np.median(err), np.percentile(err, 95), len(err), np.median(np.abs(np.concatenate(motion)))))
    assert np.median(err) < 0.25 and np.percentile(err, 95) < 1.0, (np.median(err), np.percentile(err, 95))
