"""``synthgen report DATASET --out report.html``: one static page about an exported dataset.

Public surface::

    write_report(dataset, out, *, max_clips=48, panel_width=320, progress=True) -> Path

The page (:mod:`.page`) holds a grid of clips (a side-by-side RGB | flow | HSV video, a
contact sheet, the per-frame flow magnitude and the clip's QA), a plot of every sampled
parameter and QA figure over all clips, filters by kind, movement and world, and the clips
the quality gate left out. Pictures go to a side folder ``<out stem>_files/`` next to the
page; both are written under temporary names and renamed, so an interrupted run leaves the
previous report whole. Any exported format reads (:mod:`.sources`).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..errors import ExportError, NothingToDoError
from ..fsutil import atomic_write_text, unwritable_folder
from . import media, page
from .records import clip_record
from .sources import Source, open_source

log = logging.getLogger(__name__)

__all__ = ["write_report"]


def pick_clips(entries: list[dict], n: int) -> list[dict]:
    """``n`` clips spread evenly over the index (all when there are fewer)."""
    if len(entries) <= n:
        return list(entries)
    return [entries[i] for i in np.unique(np.linspace(0, len(entries) - 1, n).round().astype(int))]


def clip_pictures(sample: dict, folder: Path, key: str, panel_width: int) -> dict:
    """Write one clip's side-by-side video and contact sheet into ``folder``; returns their
    names and the per-frame flow magnitude."""
    fv = (sample.get("json") or {}).get("flow_video") or {}
    labels = {"flow_hsv": fv["encoding"]} if fv.get("encoding", "hsv") != "hsv" else None
    media.write_side_by_side(sample, folder / f"{key}.mp4", width=panel_width, labels=labels)
    media.write_contact_sheet(sample, folder / f"{key}.png")
    flow = sample.get("flow")
    return {"video": f"{key}.mp4", "sheet": f"{key}.png",
            "magnitude": media.flow_magnitude_by_frame(flow) if flow is not None else {}}


def write_report(dataset: str | Path, out: str | Path, *, max_clips: int = 48,
                 panel_width: int = 320, progress: bool = True) -> Path:
    """Write the report page of ``dataset`` to ``out`` (module doc); returns ``out``."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ExportError("the report must end in .html", source=str(out))
    problem = unwritable_folder(out.parent)
    if problem:
        raise ExportError(f"cannot write the report there ({problem})", source=str(out))
    source = open_source(dataset)
    if not source.entries:
        raise NothingToDoError("no exported clips in this dataset", source=str(dataset))
    metas = source.metas()
    records = [clip_record(e, metas.get(e["key"], {})) for e in source.entries]
    assets = out.with_name(f"{out.stem}_files")
    tmp = Path(tempfile.mkdtemp(prefix=f".{assets.name}.", dir=out.parent))
    try:
        cards = _cards(source, records, tmp, assets.name, max_clips, panel_width, progress)
        info = {"dataset": Path(dataset).resolve(), "format": source.format,
                "clips": len(records), "frames": sum(int(e.get("n_frames", 0)) for e in source.entries),
                "pictured": len(cards), "left out by the gate": len(source.filtered)}
        text = page.render(f"synthgen report: {Path(dataset).name}", info, records, cards,
                           source.filtered)
        os.chmod(tmp, 0o755)
        if assets.exists():
            shutil.rmtree(assets)
        os.replace(tmp, assets)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return atomic_write_text(out, text)


def _cards(source: Source, records: list[dict], folder: Path, prefix: str, max_clips: int,
           panel_width: int, progress: bool) -> list[str]:
    by_key = {r["key"]: r for r in records}
    cards = []
    picks = pick_clips(source.entries, max_clips)
    for entry in tqdm(picks, desc="report", unit="clip", disable=not progress, leave=False):
        pics = clip_pictures(source.sample(entry), folder, entry["key"], panel_width)
        pics["video"], pics["sheet"] = f"{prefix}/{pics['video']}", f"{prefix}/{pics['sheet']}"
        cards.append(page.card(by_key[entry["key"]], pics))
    return cards
