"""Test shards written with webdataset's TarWriter and the reader's own encoder: the reader's
tests need neither synthgen nor Blender, so they run on every Python the reader supports."""
from __future__ import annotations

import io
import json

import numpy as np

from synthgen_reader import codec, geometry


def camera(T: int, W: int, H: int, pan_px: float = 3.0):
    """Per-frame K (unshifted, f = W) and c2w (OpenCV axes) of a camera trucking along +x."""
    K = np.array([[W, 0, W / 2], [0, W, H / 2], [0, 0, 1.0]])
    c2w = np.repeat(np.eye(4)[None], T, 0)
    c2w[:, 0, 3] = np.arange(T) * pan_px / W
    return np.repeat(K[None], T, 0), c2w


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def make_clip(key: str, T: int, H: int, W: int, seed: int = 0) -> dict:
    """Arrays of one clip: smooth flow (a known affine field plus a frame ramp), valid mask,
    depth with +inf background and a NaN, seg ids, Plücker of the cameras."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W] + 0.5
    t = np.arange(T - 1)[:, None, None]
    u = 1.0 + 0.05 * x + 0.02 * y + 0.5 * t
    v = -2.0 + 0.01 * x - 0.03 * y - 0.25 * t
    flow = np.stack([u, v], -1).astype(np.float16)
    depth = (5 + rng.random((T, H, W))).astype(np.float32)
    depth[:, : H // 3] = np.inf
    depth[0, -1, -1] = np.nan
    seg = (x[None] > W / 2).astype(np.uint8).repeat(T, 0) + (depth > 5.5)
    Ks, c2ws = camera(T, W, H)
    pw, ph = max(1, W // 8), max(1, H // 8)
    return {"flow": flow, "flow_bwd": -flow, "valid": (rng.random((T - 1, H, W)) > 0.1).astype(np.uint8),
            "depth": depth, "seg": seg.astype(np.uint8),
            "plucker": geometry.plucker(Ks, c2ws, W, H, pw, ph),
            "inst_flow": flow[0].copy(), "K": Ks, "c2w": c2ws, "plucker_size": (pw, ph)}


def sample_members(key: str, clip: dict, compressed: bool) -> dict:
    T, H, W = clip["depth"].shape
    out = {"__key__": key}
    for name in ("flow", "flow_bwd", "valid", "depth", "seg", "plucker", "inst_flow"):
        if compressed:
            out[f"{name}.npy.zst"] = codec.encode_array(clip[name], member=name, rows=2)
        else:
            out[f"{name}.npy"] = npy_bytes(clip[name])
    pw, ph = clip["plucker_size"]
    meta = {"key": key, "n_frames": T, "width": W, "height": H, "frames": list(range(1, T + 1)),
            "fps": 24.0, "s_f": 7.5, "K": clip["K"].tolist(), "c2w": clip["c2w"].tolist(),
            "plucker": {"width": pw, "height": ph}, "assets": [{"sha256": None}]}
    out["json"] = json.dumps(meta).encode()
    out["txt"] = f"<synthetic> clip {key}".encode()
    return out


def write_dataset(folder, clips: list[tuple[str, dict, bool]], per_shard: int = 1):
    import webdataset as wds
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(0, len(clips), per_shard):
        with wds.TarWriter(str(folder / f"shard-{i // per_shard:06d}.tar")) as tw:
            for key, clip, compressed in clips[i:i + per_shard]:
                tw.write(sample_members(key, clip, compressed))
    return folder
