"""Dataset-wide statistics from ``index.jsonl``: ``stats.json``, a printed table and a PNG.

``synthgen stats DATASET --out stats.png`` draws histograms of flow magnitude, camera
angular speed, move names and environment types.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import ExportError
from ..fsutil import atomic_write_bytes, atomic_write_text
from . import shards as shardmod

log = logging.getLogger(__name__)

NUMERIC = ("flow_mag_p50", "flow_mag_p99", "flow_mag_max", "fb_err_p90", "valid_fraction",
           "background_fraction", "subject_in_frame_ratio", "peak_angular_speed_deg_s")
CATEGORIES = ("kind", "movement_type", "path_family", "env_type", "action")


def _qa_values(index: list[dict], name: str) -> np.ndarray:
    vals = [e.get("qa", {}).get(name) for e in index]
    return np.array([v for v in vals if v is not None], np.float64)


def summarise(index: list[dict]) -> dict:
    """Distributions over the index entries: per QA figure count/mean/min/p5/p50/p95/max, and
    counts of each category value."""
    out: dict = {"clips": len(index), "frames": int(sum(e.get("n_frames", 0) for e in index)),
                 "qa": {}, "counts": {}}
    for name in NUMERIC:
        v = _qa_values(index, name)
        if len(v):
            p5, p50, p95 = np.percentile(v, [5, 50, 95])
            out["qa"][name] = {"count": int(len(v)), "mean": float(v.mean()), "min": float(v.min()),
                               "p5": float(p5), "p50": float(p50), "p95": float(p95),
                               "max": float(v.max())}
    for cat in CATEGORIES:
        c = Counter(str(e.get(cat) or "-") for e in index)
        out["counts"][cat] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def write_stats(out: Path, index: list[dict], filtered: list[dict] | None = None) -> Path:
    """``stats.json``: :func:`summarise` of the index, plus the clips the quality gate left
    out (``filtered``: count and each key with its reason)."""
    import json
    stats = summarise(index)
    if filtered is not None:
        stats["filtered"] = {"clips": len(filtered),
                             "list": [{"key": e["key"], "reason": e.get("reason", "")} for e in filtered]}
    return atomic_write_text(Path(out) / shardmod.STATS_FILE,
                             json.dumps(stats, indent=1, sort_keys=True) + "\n")


def table(stats: dict) -> str:
    """A plain-text table of :func:`summarise`'s result."""
    lines = [f"clips {stats['clips']}   frames {stats['frames']}", "",
             f"{'figure':<28}{'n':>6}{'mean':>10}{'p5':>10}{'p50':>10}{'p95':>10}{'max':>10}"]
    for name, s in stats["qa"].items():
        lines.append(f"{name:<28}{s['count']:>6}{s['mean']:>10.3f}{s['p5']:>10.3f}"
                     f"{s['p50']:>10.3f}{s['p95']:>10.3f}{s['max']:>10.3f}")
    for cat, counts in stats["counts"].items():
        lines.append("")
        lines.append(f"{cat}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "\n".join(lines)


def load_dataset_index(dataset: Path) -> list[dict]:
    dataset = Path(dataset)
    if not (dataset / shardmod.INDEX_FILE).is_file():
        raise ExportError("no index.jsonl: not an exported dataset", source=str(dataset))
    return shardmod.read_index(dataset)


def plot_stats(index: list[dict], out: Path) -> Path:
    """Histograms (flow magnitude p50/p99, peak angular speed, moves, environments) as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    ax = axes[0, 0]
    for name, colour in (("flow_mag_p50", "tab:blue"), ("flow_mag_p99", "tab:orange")):
        v = _qa_values(index, name)
        if len(v):
            ax.hist(v, bins=min(40, max(5, len(v))), alpha=0.6, color=colour, label=name)
    ax.set(title="flow magnitude per clip", xlabel="px / frame", ylabel="clips")
    ax.legend()
    ax = axes[0, 1]
    v = _qa_values(index, "peak_angular_speed_deg_s")
    if len(v):
        ax.hist(v, bins=min(40, max(5, len(v))), color="tab:green")
    ax.set(title="peak camera angular speed", xlabel="deg / s", ylabel="clips")
    for ax, cat, title in ((axes[1, 0], "action", "moves (action / path family)"),
                           (axes[1, 1], "env_type", "environment types")):
        labels = [str(e.get(cat) or e.get("path_family") or e.get("movement_type") or "-")
                  for e in index]
        c = Counter(labels).most_common(20)
        ax.barh([k for k, _ in c][::-1], [n for _, n in c][::-1], color="tab:purple")
        ax.set(title=title, xlabel="clips")
    fig.suptitle(f"{len(index)} clips")
    fig.tight_layout()
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return atomic_write_bytes(out, buf.getvalue())
