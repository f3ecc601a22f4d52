"""The planner: presets + asset manifests -> one fully baked job file per clip. No bpy here.

Public surface::

    plan(preset, count, seed, out, assets=None, *, start=0, kind=None, progress=False,
         params_out=None) -> list[Path]
    plan_clip(preset, assets, seed, index) -> Job
    load_preset(name_or_path, *, kind=None) -> Preset
    summarize(params_list) -> list[tuple[str, str]]

Clip ``k`` (global index ``start + i``) depends only on the preset, the manifests, the run
seed and ``k``: its streams are ``SeedSequence(seed, spawn_key=(k, ...))``.

Layout: a clip kind (:mod:`.clips`: human, camera) draws and solves a clip into a typed
:class:`~synthgen.planner.clip_plan.ClipPlan`, using the registries of camera movements
(:mod:`.movements`), path families (:mod:`.paths`) and scene types (:mod:`.worlds`); this
module bakes the plan into a job, its caption and its params log.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .. import __version__
from ..errors import InfeasibleDrawError, PlanError
from ..fsutil import atomic_write_text, sha256_file
from ..job import CaptionSpec, Job, dumps, plain
from ..manifest import AssetSet, load_manifests
from . import captions
from .clip_plan import ClipPlan
from .clips import CLIP_KINDS
from .context import ClipContext, clip_seed_sequence
from .presets import Preset, load_preset
from .scene import build_render, sample_scene
from .worlds import WORLDS

log = logging.getLogger(__name__)

__all__ = ["plan", "plan_clip", "load_preset", "summarize", "Preset", "INDEX_FILE"]

INDEX_FILE = "index.jsonl"
MAX_RESAMPLES = 8


def clip_kind(preset: Preset, seed: int, index: int) -> str:
    """human or camera; a mixed preset draws it from the clip's own stream."""
    if preset.kind != "mixed":
        return preset.kind
    rng = np.random.default_rng(clip_seed_sequence(seed, index, 3))
    return "human" if rng.random() < preset["preset"]["human_fraction"] else "camera"


def plan_clip(preset: Preset, assets: AssetSet, seed: int, index: int) -> Job:
    """Plan clip ``index`` of a run: sample, solve under the hard constraints, bake, validate.

    When the drawn parameters admit no solution (:class:`InfeasibleDrawError`: e.g. a
    backflip in a room template too low for it), the whole clip is redrawn from fresh
    streams (reject and resample); ``params.resampled`` counts how often. Any other error
    (missing characters, an invalid job) is raised at once."""
    kind = clip_kind(preset, seed, index)
    reasons = []
    for r in range(MAX_RESAMPLES):
        try:
            return bake_job(ClipContext(preset, assets, seed, index, kind, resample=r))
        except InfeasibleDrawError as exc:
            reasons.append(exc.reason)
            log.debug("clip %d: redrawing (%s)", index, exc.reason)
    raise PlanError(f"no feasible clip after {MAX_RESAMPLES} redraws (last: {reasons[-1]})",
                    source=f"{kind}-{index:06d}")


def bake_job(ctx: ClipContext) -> Job:
    """One draw of the clip: its kind's typed plan, baked into a validated job."""
    preset = ctx.preset
    scene = sample_scene(preset, ctx.assets, ctx.rng)
    clip = CLIP_KINDS.get(ctx.kind).plan(ctx, scene)
    v = preset["video"]
    job = Job(clip_id=ctx.clip_id, kind=clip.kind, seed=ctx.render_seed, width=v["width"], height=v["height"],
              fps=float(v["fps"]), frame_start=v["frame_start"], frame_end=v["frame_start"] + v["frames"] - 1,
              camera=clip.camera, render=build_render(preset, scene, ctx.render_seed), environment=clip.world,
              lights=clip.lights, subjects=clip.subjects, props=clip.props, caption=caption(preset, clip),
              outputs=list(preset["render"]["outputs"]))
    job.plan.preset, job.plan.synthgen_version = preset.name, __version__
    job.plan.run_seed, job.plan.clip_index = ctx.run_seed, ctx.index
    job.plan.params = {"kind": clip.kind, "resampled": ctx.resample, **clip.params()}
    problems = job.validate()
    if problems:
        raise PlanError(f"planned job is invalid: {problems[0][0]}: {problems[0][1]}", source=ctx.clip_id)
    return job


def caption(preset: Preset, clip: ClipPlan) -> CaptionSpec:
    """The caption composed from the plan's elements: subject, motion, environment, camera."""
    c = preset["caption"]
    elements = {"environment": WORLDS.get(clip.world.type).phrase(clip.world)}
    if clip.subjects:
        subj = clip.subjects[0]
        elements["subject"], elements["motion"] = _who_what(subj)
        elements["moves"] = ", ".join(subj.action.params.get("move_names", []))
    if clip.kind == "group":
        elements["people"] = captions.group_phrase([_who_what(s) for s in clip.subjects], *clip.sampled.phrasing(),
                                                   takeovers=_takeovers(clip.subjects))
    elements["camera"] = clip.camera_phrase
    return captions.compose(elements, c["tags"], c["tag_position"], clip.kind)


def _who_what(subj, action=None) -> tuple[str, str]:
    """A subject's appearance and motion phrase (from its character and action refs; the
    subject's own action unless ``action``)."""
    action = action or subj.action
    moves = list(action.params.get("move_names", []))
    return (subj.character.params.get("appearance", "a person"),
            captions.motion_phrase(action.params.get("sentence", "moves"), moves))


def _takeovers(subjects) -> list[tuple[str, str]]:
    """Who takes the floor after the first performer, in turn order: every later subject
    whose first segment starts a move of its own (appearance, motion phrase)."""
    later = sorted((s for s in subjects[1:] if s.segments), key=lambda s: s.segments[0].first)
    return [_who_what(s, s.segments[0].action) for s in later]


def job_text(job: Job) -> str:
    """Exactly ``job.to_json()`` (tested to be byte-identical)."""
    return dumps(plain(job))


MAX_CLIPS = 10_000_000
#: Identity of the plan that wrote a jobs folder (preset, manifests, seed, kind, version).
PLAN_FILE = ".synthgen-plan"          # JSON; no .json suffix: it is not a job
_JOB_NAME = re.compile(r"^[a-z]+-\d{6}\.json$")


def _check_args(count: int, seed: int, start: int) -> None:
    for name, value, low in (("count", count, 1), ("seed", seed, 0), ("start", start, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise PlanError(f"must be an integer >= {low}, got {value!r}", field=name)
    if count > MAX_CLIPS:
        raise PlanError(f"{count} clips in one run is more than {MAX_CLIPS:,}; plan in parts "
                        "with --start", field="count")


def plan(preset: str | Path, count: int, seed: int, out: Path, assets: list[Path] | None = None, *,
         start: int = 0, kind: str | None = None, progress: bool = False,
         params_out: list | None = None, overwrite: bool = False) -> list[Path]:
    """Plan ``count`` clips (global indices ``start .. start+count-1``) into ``out``.

    Writes ``out/<clip_id>.json`` per clip (atomically), ``out/index.jsonl`` (one JSON line
    per clip: clip_id, kind, job file, job hash, caption with tags, sampled params; lines of
    the same plan's other clips are kept, so a run can be planned in parts with ``start``)
    and the plan's identity in ``out/.synthgen-plan``. A folder holding another plan's
    jobs is refused unless ``overwrite``, which first removes those jobs (so no stale job
    rides along). ``kind`` (human | camera | group | mixed) overrides the preset's kind. Presets,
    manifests and arguments are all checked before anything is written; when planning or
    writing fails, the job files this call created are removed again. ``params_out``, when
    given, receives every clip's params dict.
    """
    _check_args(count, seed, start)
    pre = load_preset(preset, kind=kind)
    aset = load_manifests(assets)
    if pre.kind in ("human", "group", "mixed") and not (aset.of_kind("character") and aset.of_kind("action")):
        raise PlanError(f"preset {pre.name!r} plans human clips: the manifests need at least "
                        "one character and one action (the default set's assets_manifest/people.json, "
                        "or assets_manifest/procedural/procedural_humans.json)",
                        source=", ".join(str(m) for m in aset.manifests))
    out = Path(out)
    identity = _identity(pre, aset, seed)
    kept = _claim_jobs_folder(out, identity, overwrite)
    created: list[Path] = []
    try:
        lines = _plan_into(out, pre, aset, seed, range(start, start + count), progress, params_out, created)
        _write_index(out, kept, lines, identity)
    except OSError as exc:
        _remove(created)
        raise PlanError(f"cannot write ({exc.strerror or exc})", source=str(exc.filename or out)) from None
    except BaseException:
        _remove(created)
        raise
    log.info("planned %d clips into %s", len(lines), out)
    return [out / f"{cid}.json" for cid in lines]


def _plan_into(out: Path, pre: Preset, aset: AssetSet, seed: int, indices: range, progress: bool,
               params_out: list | None, created: list[Path]) -> dict[str, str]:
    """Plan and write each clip; returns clip id -> its index.jsonl line."""
    lines: dict[str, str] = {}
    with tqdm(indices, desc=f"plan {pre.name}", unit="clip",
              disable=not progress or len(indices) < 20, leave=False) as bar:
        for index in bar:
            lines.update(_plan_one(out, pre, aset, seed, index, params_out, created))
    return lines


def _plan_one(out: Path, pre: Preset, aset: AssetSet, seed: int, index: int,
              params_out: list | None, created: list[Path]) -> dict[str, str]:
    job = plan_clip(pre, aset, seed, index)
    text = job_text(job)
    path = out / f"{job.clip_id}.json"
    if not path.exists():
        created.append(path)
    atomic_write_text(path, text)
    if params_out is not None:
        params_out.append(job.plan.params)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()      # == job.hash()
    return {job.clip_id: json.dumps({"clip_id": job.clip_id, "kind": job.kind, "job": path.name,
                                     "hash": digest, "caption": job.caption.full(),
                                     "params": job.plan.params}, sort_keys=True)}


def _identity(pre: Preset, aset: AssetSet, seed: int) -> dict:
    """What makes two plans the same plan: preset values, manifests, seed, synthgen."""
    preset_text = repr(sorted((k, repr(v)) for k, v in pre.values.items()))
    return {"preset": pre.name, "kind": pre.kind, "seed": seed, "synthgen_version": __version__,
            "preset_sha256": hashlib.sha256(preset_text.encode()).hexdigest(),
            "manifests_sha256": sorted(sha256_file(m) for m in aset.manifests)}


def _claim_jobs_folder(out: Path, identity: dict, overwrite: bool) -> dict[str, str]:
    """Check ``out`` may take this plan's jobs; returns the index lines to keep (clip id ->
    line) of the same plan's other clips. With ``overwrite``, another plan's jobs go first."""
    if out.exists() and not out.is_dir():
        raise PlanError("exists and is not a folder", source=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlanError(f"cannot create the jobs folder ({exc.strerror or exc})", source=str(out)) from None
    jobs = sorted(p for p in out.iterdir() if _JOB_NAME.match(p.name))
    old = _read_identity(out)
    if not jobs or old == identity:
        return _index_lines(out) if old == identity else {}
    if not overwrite:
        what = "another plan's" if old else "job files of an unknown plan"
        raise PlanError(f"holds {what} {len(jobs)} jobs (e.g. {jobs[0].name}); plan into an empty "
                        "folder, or pass --overwrite to replace them", source=str(out))
    _remove(jobs + [out / INDEX_FILE, out / PLAN_FILE])
    return {}


def _read_identity(out: Path) -> dict | None:
    try:
        data = json.loads((out / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _index_lines(out: Path) -> dict[str, str]:
    lines: dict[str, str] = {}
    try:
        text = (out / INDEX_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for line in text.splitlines():
        try:
            lines[json.loads(line)["clip_id"]] = line
        except (ValueError, KeyError, TypeError):
            continue
    return lines


def _write_index(out: Path, kept: dict[str, str], lines: dict[str, str], identity: dict) -> None:
    merged = {**kept, **lines}
    order = sorted(merged, key=lambda cid: (int(cid.rsplit("-", 1)[-1]), cid))   # clip index order
    atomic_write_text(out / INDEX_FILE, "\n".join(merged[k] for k in order) + "\n")
    atomic_write_text(out / PLAN_FILE, json.dumps(identity, indent=1, sort_keys=True) + "\n")


def _remove(paths: list[Path]) -> None:
    for p in paths:
        try:
            Path(p).unlink(missing_ok=True)
        except OSError:
            pass


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
