"""``--format videox-fun``: a folder VideoX-Fun's and CameraCtrl's training code read as it is.

::

    DATASET/videos/<key>.mp4          flow control video (``--flow-video``; T frames)
    DATASET/videos/<key>_rgb.mp4      RGB, full-mode clips only
    DATASET/poses/<key>.txt           camera poses, RealEstate10K format (:mod:`.poses`)
    DATASET/meta/<key>.json           the sample json (K, c2w, encoding scale, QA, ...)
    DATASET/metadata.json             VideoX-Fun: flow video + camera poses, one entry per clip
    DATASET/metadata_rgb_camera.json  VideoX-Fun: RGB + camera poses (full-mode clips)
    DATASET/metadata_rgb_flow.json    VideoX-Fun: RGB + flow video as the control video
    DATASET/cameractrl.json           CameraCtrl's RealEstate10KPose: flow video + poses
    DATASET/cameractrl_rgb.json       CameraCtrl: RGB + poses (full-mode clips)
    DATASET/index.jsonl, stats.json, filtered.jsonl

VideoX-Fun entries are ``{"file_path", "control_file_path", "text", "type": "video", "width",
"height"}`` with paths relative to DATASET (pass ``--train_data_dir DATASET
--train_data_meta DATASET/metadata.json``); a ``control_file_path`` ending in ``.txt`` is
read as camera poses. CameraCtrl entries are ``{"clip_name", "clip_path", "pose_file",
"caption"}`` relative to its ``root_path``. The metadata lists are rewritten from the index
after each batch of clips, so they name exactly the exported clips.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ...fsutil import atomic_write_text
from .base import FileLayoutWriter, caption_of, put, sample_meta
from .flow_video import FlowVideoFormat

#: Aspect ratio VideoX-Fun's dataset assumes for pose files (``process_pose_file``'s default
#: ``original_pose_width=1280, original_pose_height=720``).
VIDEOX_POSE_ASPECT = 1280 / 720


@dataclass
class VideoXFunFormat(FlowVideoFormat):
    name: ClassVar[str] = "videox-fun"
    default_target: ClassVar[str | None] = "wan2.2-ti2v-5b"

    def members(self, requested: tuple[str, ...] | None) -> tuple[str, ...]:
        """The layout is fixed: caption, sample json and (full mode) RGB; no arrays."""
        return ("rgb", "txt", "json")

    def open_writer(self, out: Path, index: list[dict], on_flush, shard_bytes: int):
        return VideoXFunWriter(out, index, on_flush)

    def warnings(self, entries: list[dict]) -> list[str]:
        lines = super().warnings(entries)
        off = [e for e in entries if e.get("height")
               and abs(e["width"] / e["height"] / VIDEOX_POSE_ASPECT - 1) > 0.005]
        if off:
            e = off[0]
            ratio = e["width"] / e["height"]
            off_by = max(ratio / VIDEOX_POSE_ASPECT, VIDEOX_POSE_ASPECT / ratio) - 1
            lines.append(
                f"{len(off)} clips are not 16:9 (e.g. {e['key']}: {e['width']}x{e['height']}, "
                f"{ratio:.3f}:1): VideoX-Fun's dataset reads pose files as 16:9 "
                "(process_pose_file's original_pose_width=1280, original_pose_height=720), so "
                f"its fx or fy comes out up to {off_by:.1%} off; pass "
                "the clip's own width and height there (CameraCtrl with rescale_fxy reads them "
                "from the video)")
        return lines


class VideoXFunWriter(FileLayoutWriter):
    def place(self, key: str, members: list, entry: dict) -> tuple[dict, list[Path]]:
        data = dict(members)
        video = next(s for s in data if s.startswith("flow_") and s.endswith(".mp4"))
        files = {"video": f"videos/{key}.mp4", "pose": f"poses/{key}.txt",
                 "meta": f"meta/{key}.json"}
        if "rgb.mp4" in data:
            files["rgb"] = f"videos/{key}_rgb.mp4"
        put(self.out / files["video"], data[video])
        put(self.out / files["pose"], data["pose.txt"])
        if "rgb" in files:
            put(self.out / files["rgb"], data["rgb.mp4"])
        put(self.out / files["meta"], sample_meta(members, entry, files))    # last: the clip is whole
        paths = [self.out / p for p in files.values()]
        return {"files": files, "caption": caption_of(members)}, paths

    def after_flush(self) -> None:
        entries = [e for e in self.index if isinstance(e.get("files"), dict)]
        rgb = [e for e in entries if "rgb" in e["files"]]
        lists = {
            "metadata.json": [_videox(e, "video", "pose") for e in entries],
            "metadata_rgb_camera.json": [_videox(e, "rgb", "pose") for e in rgb],
            "metadata_rgb_flow.json": [_videox(e, "rgb", "video") for e in rgb],
            "cameractrl.json": [_cameractrl(e, "video") for e in entries],
            "cameractrl_rgb.json": [_cameractrl(e, "rgb") for e in rgb],
        }
        for name, items in lists.items():
            if items or (self.out / name).exists():
                atomic_write_text(self.out / name, json.dumps(items, indent=1, ensure_ascii=False) + "\n")


def _videox(e: dict, video: str, control: str) -> dict:
    return {"file_path": e["files"][video], "control_file_path": e["files"][control],
            "text": e.get("caption", ""), "type": "video", "width": e.get("width"),
            "height": e.get("height")}


def _cameractrl(e: dict, video: str) -> dict:
    return {"clip_name": e["key"], "clip_path": e["files"][video], "pose_file": e["files"]["pose"],
            "caption": e.get("caption", "")}
