"""The planner: presets + asset manifests -> one fully baked job file per clip. No bpy here.

Public surface::

    plan(preset, count, seed, out, assets=None, *, start=0, kind=None) -> list[Path]
    plan_clip(preset, assets, seed, index, kind=None) -> Job
    load_preset(name_or_path, kind=None) -> Preset
    summarize(params_list) -> list[tuple[str, str]]

Clip ``k`` (global index ``start + i``) depends only on the preset, the manifests, the run
seed and ``k``: its streams are ``SeedSequence(seed, spawn_key=(k, ...))``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .. import __version__
from ..errors import PlanError
from ..fsutil import atomic_write_text
from ..job import Job, dumps
from ..manifest import AssetSet, load_manifests
from . import captions
from .camera_clip import plan_camera_clip
from .context import ClipContext, clip_seed_sequence
from .human import plan_human_clip
from .presets import Preset, load_preset
from .scene import build_environment, build_render, sample_scene

log = logging.getLogger(__name__)

__all__ = ["plan", "plan_clip", "load_preset", "summarize", "Preset", "INDEX_FILE"]

INDEX_FILE = "index.jsonl"


def clip_kind(preset: Preset, seed: int, index: int) -> str:
    """human or camera; a mixed preset draws it from the clip's own stream."""
    if preset.kind != "mixed":
        return preset.kind
    rng = np.random.default_rng(clip_seed_sequence(seed, index, 3))
    return "human" if rng.random() < preset["preset"]["human_fraction"] else "camera"


MAX_RESAMPLES = 8


def plan_clip(preset: Preset, assets: AssetSet, seed: int, index: int) -> Job:
    """Plan clip ``index`` of a run: sample, solve under the hard constraints, bake, validate.

    When no geometry satisfies the hard constraints for the drawn parameters (e.g. a
    backflip in a room template too low for it), the whole clip is redrawn from fresh
    streams (reject and resample); ``params.resampled`` counts how often."""
    kind = clip_kind(preset, seed, index)
    reasons = []
    for r in range(MAX_RESAMPLES):
        try:
            return _plan_once(ClipContext(preset, assets, seed, index, kind, resample=r))
        except PlanError as exc:
            if "at least one character" in exc.reason:
                raise
            reasons.append(exc.reason)
            log.debug("clip %d: redrawing (%s)", index, exc.reason)
    raise PlanError(f"no feasible clip after {MAX_RESAMPLES} redraws (last: {reasons[-1]})",
                    source=f"{kind}-{index:06d}")


def _plan_once(ctx: ClipContext) -> Job:
    preset, assets, kind = ctx.preset, ctx.assets, ctx.kind
    seed, index = ctx.run_seed, ctx.index
    params: dict = {"kind": kind, "resampled": ctx.resample}
    draw = sample_scene(preset, assets, ctx.rng, params)
    if kind == "human":
        sd, subj, cam, lights, sol, direction = plan_human_clip(ctx, draw, params)
        subjects, props, room = [subj], sol["props"], sol["room"]
        params["movement_direction"] = direction
    else:
        sd, subj, cam, lights, props, path = plan_camera_clip(ctx, draw, params)
        subjects, room = ([subj] if subj else []), params.get("room_size")
    env = build_environment(draw, assets, room if room else list(draw.room_size))
    caption = _caption(preset, kind, params, env, subjects, props, cam)
    v = preset["video"]
    job = Job(clip_id=ctx.clip_id, kind=kind, seed=ctx.render_seed, width=v["width"], height=v["height"],
              fps=float(v["fps"]), frame_start=v["frame_start"], frame_end=v["frame_start"] + v["frames"] - 1,
              camera=cam, render=build_render(preset, draw, ctx.render_seed), environment=env, lights=lights,
              subjects=subjects, props=props, caption=caption, outputs=list(preset["render"]["outputs"]))
    job.plan.preset, job.plan.synthgen_version = preset.name, __version__
    job.plan.run_seed, job.plan.clip_index, job.plan.params = seed, index, params
    problems = job.validate()
    if problems:
        raise PlanError(f"planned job is invalid: {problems[0][0]}: {problems[0][1]}", source=ctx.clip_id)
    return job


def _caption(preset: Preset, kind: str, params: dict, env, subjects, props, cam):
    c = preset["caption"]
    elements = {"environment": captions.environment_phrase(env.setting, env.type, env.background_color)}
    subj = subjects[0] if subjects else None
    if subj is not None:
        elements["subject"] = subj.character.params.get("appearance", "a person")
        elements["motion"] = captions.motion_phrase(subj.action.params.get("sentence", "moves"),
                                                    list(subj.action.params.get("move_names", [])))
        elements["moves"] = ", ".join(subj.action.params.get("move_names", []))
    if kind == "human":
        elements["camera"] = captions.human_camera_phrase(cam.movement_type, params.get("movement_direction", ""),
                                                          cam.focus_type, cam.focus_position,
                                                          params["coverage"], params["placement"])
    else:
        focus = captions.focus_phrase(elements.get("subject"), [p.asset.params.get("description", "an object")
                                                                for p in props])
        elements["camera"] = captions.path_camera_phrase(cam.path_family, params["movement_direction"], focus,
                                                         cam.stats, cam.movement_value)
    return captions.compose(elements, c["tags"], c["tag_position"], kind)


def _plain(obj):
    """``dataclasses.asdict`` without its deep copies (the job is not mutated afterwards)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def job_text(job: Job) -> str:
    """Exactly ``job.to_json()``, about twice as fast (tested to be byte-identical)."""
    return dumps(_plain(job))


def _check_args(count: int, seed: int, start: int) -> None:
    for name, value, low in (("count", count, 1), ("seed", seed, 0), ("start", start, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise PlanError(f"must be an integer >= {low}, got {value!r}", field=name)


def plan(preset: str | Path, count: int, seed: int, out: Path, assets: list[Path] | None = None, *,
         start: int = 0, kind: str | None = None, progress: bool = False,
         params_out: list | None = None) -> list[Path]:
    """Plan ``count`` clips (global indices ``start .. start+count-1``) into ``out``.

    Writes ``out/<clip_id>.json`` per clip (atomically) and ``out/index.jsonl`` (one JSON line
    per clip: clip_id, kind, job file, job hash, caption with tags, sampled params). ``kind``
    (human | camera | mixed) overrides the preset's kind, e.g. ``plan("tiny", 1, 0, out,
    kind="human")``. Presets, manifests and arguments are all checked before anything is
    written. ``params_out``, when given, receives every clip's params dict.
    """
    _check_args(count, seed, start)
    pre = load_preset(preset, kind=kind)
    aset = load_manifests(assets)
    if pre.kind in ("human", "mixed") and not (aset.of_kind("character") and aset.of_kind("action")):
        raise PlanError(f"preset {pre.name!r} plans human clips: the manifests need at least one "
                        "character and one action (e.g. assets_manifest/procedural_humans.json)",
                        source=", ".join(str(m) for m in aset.manifests))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PlanError("exists and is not a folder", source=str(out))
    paths, lines = [], []
    bar = tqdm(range(start, start + count), desc=f"plan {pre.name}", unit="clip",
               disable=not progress or count < 20, leave=False)
    for index in bar:
        job = plan_clip(pre, aset, seed, index)
        text = job_text(job)
        path = atomic_write_text(out / f"{job.clip_id}.json", text)
        paths.append(path)
        if params_out is not None:
            params_out.append(job.plan.params)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()      # == job.hash()
        lines.append(json.dumps({"clip_id": job.clip_id, "kind": job.kind, "job": path.name, "hash": digest,
                                 "caption": job.caption.full(), "params": job.plan.params}, sort_keys=True))
    atomic_write_text(out / INDEX_FILE, "\n".join(lines) + "\n")
    log.info("planned %d clips into %s", len(paths), out)
    return paths


def summarize(params_list: list[dict]) -> list[tuple[str, str]]:
    """(parameter, distribution summary) rows: shares for categories, min/mean/max for numbers."""
    keys: list[str] = []
    for p in params_list:
        keys.extend(k for k in p if k not in keys)
    rows = []
    for k in keys:
        vals = [p[k] for p in params_list if k in p and p[k] is not None]
        if not vals:
            continue
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            a = np.asarray(vals, float)
            rows.append((k, f"min {a.min():.3g}  mean {a.mean():.3g}  max {a.max():.3g}  (n={len(a)})"))
        elif all(isinstance(v, (str, bool)) for v in vals):
            cnt = Counter(vals)
            top = ", ".join(f"{v} {c / len(vals):.0%}" for v, c in cnt.most_common(8))
            more = f" (+{len(cnt) - 8} more)" if len(cnt) > 8 else ""
            rows.append((k, top + more))
        elif all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v) for v in vals):
            a = np.asarray([np.mean(v) for v in vals], float)
            rows.append((k, f"vector, component mean {a.mean():.3g}  (n={len(a)})"))
    return rows
