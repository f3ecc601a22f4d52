"""Character stage timing and render cost: people vs procedural mannequins, side by side.

    python bench/characters.py [--frames 121] [--render-frames 12] [--mixamo ../shared/assets/mixamo]

For a 121-frame clip at 30 fps (123 baked frames with the two boundary frames) it prints
the time of each step of ``synthgen.blender.characters.build_subject`` (build the
character, load the action, retarget, resample, bake), the whole call, the vertex count and
the retargeting error for

* a default person (MakeHuman body of the people pack) doing a captured DeepMimic clip,
* a procedural mannequin doing a procedural action,
* the Samba animation (no skin, cm, 24 fps) onto a person and onto Mixamo's ``model_T``
  (skipped when the Mixamo folder is absent),

then the flow-mode render time per frame at 832×480 of the same scene (bench/render.py's
HDRI + ground + props + following camera) with the person and with the mannequin, and their
ratio (goal ≤ 1.5×).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RENDER_S_PER_FRAME = 0.2
PERSON = ("people:person/dancer-man-tracksuit", "people:motion/deepmimic-dance-b")
MANNEQUIN = ("procedural:humanoid/dancer-black-outfit", "procedural:action/uprock")


def _job(subject, n_frames: int, fps: float):
    from synthgen.camera import intrinsics, look_at_cv
    from synthgen.job import (CameraSpec, EnvironmentSpec, Job, LightSpec, PlanInfo, RenderSpec)

    n = n_frames + 2
    c2w = look_at_cv([0.0, -6.0, 1.0], [0.0, 0.0, 1.0]).tolist()
    K = intrinsics(35.0, 36.0, 64, 48, sensor_height_mm=24.0).tolist()
    cam = CameraSpec(c2w=[c2w] * n, focal_mm=[35.0] * n, K=[K] * n)
    job = Job(clip_id="bench", kind="human", seed=0, width=64, height=48, fps=fps,
              frame_start=1, frame_end=n_frames, camera=cam, render=RenderSpec(),
              environment=EnvironmentSpec(), lights=[LightSpec()], subjects=[subject],
              plan=PlanInfo(preset="bench"))
    problems = job.validate()
    if problems:
        raise SystemExit(f"bench job invalid: {problems[0]}")
    return job


def _subject(character: str, action: str, times):
    from synthgen.job import AssetRef, SubjectSpec
    return SubjectSpec(instance_id=1, character=AssetRef("c", "character", character),
                       action=AssetRef("a", "action", action),
                       source_time_s=[float(t) for t in times])


def _timed(label: str, fn, rows: list):
    t0 = time.perf_counter()
    out = fn()
    rows.append((label, time.perf_counter() - t0))
    return out


def steps(character: str, action: str, n_frames: int, fps: float) -> list[tuple[str, float]]:
    """Time each build step separately, then the whole build_subject, in a fresh scene."""
    import bpy

    from synthgen.blender import characters as ch
    from synthgen.characters.retarget import retarget_motion
    from synthgen.characters.skeleton import interpolate_rigid

    rows: list[tuple[str, float]] = []
    bpy.ops.wm.read_factory_settings(use_empty=True)
    times = np.arange(-1, n_frames + 1) / fps
    spec = _subject(character, action, times)
    job = _job(spec, n_frames, fps)
    char = _timed("load character", lambda: ch.load_character(spec.character, "bench"), rows)
    motion = _timed("import action", lambda: ch.load_motion(spec.action), rows)
    pose, err = _timed("retarget (all source frames)",
                       lambda: retarget_motion(motion, char.skeleton), rows)
    baked = _timed("resample to clip times", lambda: interpolate_rigid(
        char.skeleton, pose, motion.fps, times, loop=motion.loopable), rows)
    _timed(f"bake {len(times)} frames", lambda: ch.bake(char, baked, list(job.baked_frames())), rows)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    handle = _timed("build_subject (whole)", lambda: ch.build_subject(spec, job), rows)
    verts = _timed(f"evaluate mesh at {len(times)} frames",
                   lambda: [handle.evaluated_vertices(f) for f in job.baked_frames()], rows)
    rows.append(("  vertices", float(len(verts[0])), float(len({len(v) for v in verts}))))
    rows.append(("  source frames / fps", float(motion.pose.rot.shape[0]), motion.fps))
    rows.append(("  numpy retarget error mean / p95 (deg)", float(err.mean()), float(np.percentile(err, 95))))
    baked_err = handle.direction_error_deg(list(job.baked_frames()))
    rows.append(("  baked (Blender) error mean / p95 (deg)", float(baked_err.mean()),
                 float(np.percentile(baked_err, 95))))
    return rows


def flow_render(character: str, action: str, n_frames: int, root: Path) -> float:
    """Median flow-mode seconds per frame at 832x480 of bench/render.py's scene with this subject."""
    import dataclasses
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from render import bench_job, measure

    from synthgen.job import AssetRef

    job = bench_job(832, 480, n_frames, "flow-" + character.split("/")[-1], "env", True)
    s = job.subjects[0]
    s = dataclasses.replace(s, character=AssetRef("c", "character", character), action=AssetRef("a", "action", action))
    return measure(dataclasses.replace(job, subjects=[s]), root)["median_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=121)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--render-frames", type=int, default=12, help="flow-mode frames rendered per subject")
    ap.add_argument("--mixamo", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "assets" / "mixamo")
    args = ap.parse_args()
    print(f"cpus {os.cpu_count()}, load average at start {os.getloadavg()}")
    cases = [(*PERSON, "person + DeepMimic dance"), (*MANNEQUIN, "mannequin + procedural uprock")]
    samba = args.mixamo / "anim_samba_dancing_noskin.fbx"
    if samba.is_file():
        cases += [(PERSON[0], str(samba), "person + Mixamo Samba"),
                  (str(args.mixamo / "character_jumping.fbx"), str(samba), "Mixamo model_T + Samba")]
    budget = RENDER_S_PER_FRAME * args.frames
    for character, action, label in cases:
        rows = steps(character, action, args.frames, args.fps)
        print(f"\n== {label}: {args.frames} frames at {args.fps:g} fps")
        for row in rows:
            if row[0].startswith("  "):
                print(f"{row[0]:<40s} {row[1]:10.3f} {row[2]:10.3f}")
            else:
                print(f"{row[0]:<40s} {row[1]:10.3f} s")
        whole = next(r[1] for r in rows if r[0] == "build_subject (whole)")
        print(f"{'build / flow-render budget':<40s} {whole / budget:10.3f}  "
              f"({whole:.2f} s vs {budget:.1f} s = {args.frames} x {RENDER_S_PER_FRAME} s)")
    with tempfile.TemporaryDirectory() as tmp:
        person = flow_render(*PERSON, args.render_frames, Path(tmp))
        mannequin = flow_render(*MANNEQUIN, args.render_frames, Path(tmp))
    print(f"\n== flow mode at 832x480, {args.render_frames} frames, median s/frame")
    print(f"{'person':<40s} {person:10.3f} s")
    print(f"{'mannequin':<40s} {mannequin:10.3f} s")
    print(f"{'person / mannequin (goal <= 1.5)':<40s} {person / mannequin:10.3f}")


if __name__ == "__main__":
    main()
