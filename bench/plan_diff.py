"""Job files of two checkouts, side by side: same presets, seed and manifests, byte for byte.

    python bench/plan_diff.py --base /tmp/plan-base [--count 200] [--seed 7] [--out /tmp/plan-diff]
                              [--preset dynavid-human --preset dynavid-camera --preset tiny]

Plans ``count`` clips per preset with the checkout at ``--base`` and with this one (each in
its own interpreter, ``PYTHONPATH`` pointing at the checkout), then compares every job file
and ``index.jsonl``. Prints, per preset, how many files are byte-identical and, for every
file that differs, the JSON paths that differ with both values (first few per file), then a
tally of differing paths over all files. A base run already planned into ``--out`` is reused
(``--fresh`` plans it again). Exit status 1 when anything differs.

``--renamed-scene-types`` reads the base's scene types with their current names (``env`` ->
``hdri``, ``basic`` -> ``room``, in ``environment.type`` and ``params.scene_type``) and skips
the index's job hashes, which that rename changes: what is left is every other difference.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PRESETS = ("dynavid-human", "dynavid-camera", "tiny")
MANIFESTS = ("assets_manifest/default.json", "assets_manifest/people.json")     # the default set


def plan_with(checkout: Path, preset: str, count: int, seed: int, out: Path,
              manifests: tuple[str, ...] = MANIFESTS) -> None:
    assets = [str(checkout / m) for m in manifests]
    code = ("import sys; from synthgen.planner import plan; "
            f"plan({preset!r}, {count}, {seed}, sys.argv[1], {assets!r})")
    env = dict(os.environ, PYTHONPATH=str(checkout))
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=str(checkout))


def differing_paths(a, b, path: str = "") -> list[tuple[str, object, object]]:
    """Every JSON path where ``a`` and ``b`` differ (leaves, or whole subtrees of other shape)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += differing_paths(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}" if path else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differing_paths(x, y, f"{path}[{i}]")
        return out
    return [] if a == b and type(a) is type(b) else [(path, a, b)]


RENAMED = {"env": "hdri", "basic": "room"}


def renamed(job: dict) -> dict:
    """A base job file (or index row) with its scene type spelled as this checkout does."""
    env, params = job.get("environment"), job.get("plan", {}).get("params", job.get("params", {}))
    if env is not None:
        env["type"] = RENAMED.get(env["type"], env["type"])
    if "scene_type" in params:
        params["scene_type"] = RENAMED.get(params["scene_type"], params["scene_type"])
    if "hash" in job:
        job["hash"] = "<skipped>"
    return job


def general(path: str) -> str:
    """``camera.c2w[3][1][2]`` -> ``camera.c2w[]``: a path with its indices folded."""
    import re
    return re.sub(r"(\[\d+\])+", "[]", path)


def compare(base: Path, mine: Path, show: int, rename: bool) -> tuple[int, int, Counter]:
    names = sorted({p.name for p in base.glob("*.json")} | {p.name for p in mine.glob("*.json")})
    same, tally = 0, Counter()
    for name in names + ["index.jsonl"]:
        a, b = base / name, mine / name
        if a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes():
            same += 1
            continue
        if not (a.is_file() and b.is_file()):
            print(f"  {name}: only in {'base' if a.is_file() else 'this checkout'}")
            tally["<file missing>"] += 1
            continue
        fix = renamed if rename else (lambda job: job)
        if name == "index.jsonl":
            rows = zip(a.read_text().splitlines(), b.read_text().splitlines())
            mine_rows = [json.loads(y) for y in b.read_text().splitlines()]
            for y in mine_rows if rename else []:
                y["hash"] = "<skipped>"
            diffs = [d for (x, _), y in zip(rows, mine_rows) for d in differing_paths(fix(json.loads(x)), y)]
        else:
            diffs = differing_paths(fix(json.loads(a.read_text())), json.loads(b.read_text()))
        if not diffs:
            same += 1
            continue
        tally.update({general(p) for p, _, _ in diffs})
        moves = "" if name == "index.jsonl" else "  (movement_type {} -> {})".format(
            *(json.loads(f.read_text())["camera"]["movement_type"] for f in (a, b)))
        print(f"  {name}: {len(diffs)} differing values{moves}")
        for p, x, y in diffs[:show]:
            print(f"    {p}: {json.dumps(x)[:90]}  ->  {json.dumps(y)[:90]}")
    return same, len(names) + 1, tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. a worktree of main)")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("/tmp/plan-diff"))
    ap.add_argument("--preset", action="append", dest="presets")
    ap.add_argument("--manifest", action="append", dest="manifests",
                    help=f"manifest path relative to each checkout (repeatable; default: {', '.join(MANIFESTS)})")
    ap.add_argument("--show", type=int, default=6, help="differing values printed per file")
    ap.add_argument("--fresh", action="store_true", help="plan the base run again even if present")
    ap.add_argument("--renamed-scene-types", action="store_true",
                    help="compare up to the scene-type rename (env -> hdri, basic -> room)")
    a = ap.parse_args()
    failed, manifests = False, tuple(a.manifests or MANIFESTS)
    for preset in a.presets or PRESETS:
        base_out, mine_out = a.out / "base" / preset, a.out / "mine" / preset
        if a.fresh or not (base_out / "index.jsonl").is_file():
            plan_with(a.base.resolve(), preset, a.count, a.seed, base_out, manifests)
        plan_with(HERE, preset, a.count, a.seed, mine_out, manifests)
        print(f"{preset}: comparing {a.count} clips (seed {a.seed})")
        same, total, tally = compare(base_out, mine_out, a.show, a.renamed_scene_types)
        up_to = " up to the scene-type rename" if a.renamed_scene_types else ""
        print(f"{preset}: {same}/{total} files identical{up_to}")
        for path, n in tally.most_common():
            print(f"    {n:4d} files differ at {path}")
        failed |= same != total
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
