"""Correspondence members in training samples: flow_k / occ_k windows of F - K rows,
scene_flow per pair, tracks windowed along their frame axis and mapped into the output
image (visibility cleared where a track leaves it)."""
from __future__ import annotations

import json

import numpy as np

from reader_fixtures import camera, npy_bytes
from synthgen_reader import codec, geometry, open_dataset

T, H, W, N = 7, 24, 40, 30


def corr_clip(seed=0) -> dict:
    rng = np.random.default_rng(seed)
    t = np.arange(T)[:, None, None, None]
    y, x = np.mgrid[0:H, 0:W] + 0.5
    base = np.stack([0.1 * x, -0.05 * y], -1)[None]
    return {"flow_k2": (base + 2 * t[:T - 2]).astype(np.float16),
            "occ_k2": (rng.random((T - 2, H, W)) > 0.3).astype(np.uint8),
            "scene_flow": rng.normal(size=(T - 1, H, W, 3)).astype(np.float16),
            "tracks": np.stack([rng.uniform(0, W, (N, T)), rng.uniform(0, H, (N, T))], -1).astype(np.float32),
            "track_vis": (rng.random((N, T)) > 0.2).astype(np.uint8)}


def write(folder, clip, compressed=True):
    import webdataset as wds
    folder.mkdir(parents=True, exist_ok=True)
    Ks, c2ws = camera(T, W, H)
    sample = {"__key__": "corr-000000"}
    for name, a in clip.items():
        if compressed:
            sample[f"{name}.npy.zst"] = codec.encode_array(a, member=name, rows=2)
        else:
            sample[f"{name}.npy"] = npy_bytes(a)
    sample["json"] = json.dumps({"key": "corr-000000", "n_frames": T, "width": W, "height": H,
                                 "frames": list(range(1, T + 1)), "fps": 24.0, "s_f": 1.0,
                                 "K": Ks.tolist(), "c2w": c2ws.tolist()}).encode()
    with wds.TarWriter(str(folder / "shard-000000.tar")) as tw:
        tw.write(sample)
    return folder


def test_windows_of_gap_pair_and_track_members(tmp_path):
    clip = corr_clip()
    folder = write(tmp_path / "ds", clip)
    got = list(open_dataset(folder, frames=4, start="strided", stride=3, members=list(clip)))
    assert [s["start"] for s in got] == [0, 3]
    for s in got:
        a = s["start"]
        assert s["flow_k2"].tobytes() == clip["flow_k2"][a:a + 2].tobytes()       # F - K rows
        assert s["occ_k2"].tobytes() == clip["occ_k2"][a:a + 2].tobytes()
        assert s["scene_flow"].tobytes() == clip["scene_flow"][a:a + 3].tobytes()
        assert s["tracks"].shape == (N, 4, 2)
        assert s["tracks"].tobytes() == clip["tracks"][:, a:a + 4].tobytes()
        assert s["track_vis"].tobytes() == clip["track_vis"][:, a:a + 4].tobytes()
    short = next(iter(open_dataset(folder, frames=2, start="first", members=["flow_k2"])))
    assert short["flow_k2"].shape == (0, H, W, 2)                                # F <= K


def test_resize_maps_tracks_and_clears_visibility_outside(tmp_path):
    clip = corr_clip(1)
    folder = write(tmp_path / "ds", clip, compressed=False)
    s = next(iter(open_dataset(folder, frames=T, start="first", size=(16, 16), fit="cover",
                               members=list(clip))))
    r = geometry.plan_resize(W, H, (16, 16), "cover", "center")
    assert (r.sx, r.x0) == (16 / 24, 5.0)                                        # a crop in x
    xy = clip["tracks"].astype(np.float64) * [r.sx, r.sy] - [r.x0, r.y0]
    np.testing.assert_allclose(s["tracks"], xy, rtol=1e-6)
    inside = (xy[..., 0] >= 0) & (xy[..., 0] < 16) & (xy[..., 1] >= 0) & (xy[..., 1] < 16)
    assert np.array_equal(s["track_vis"], clip["track_vis"] * inside)
    assert (clip["track_vis"] * ~inside).any()                                   # some cleared
    assert s["flow_k2"].tobytes() == geometry.resize_flow(clip["flow_k2"], r).tobytes()
    assert s["occ_k2"].tobytes() == geometry.resize_nearest(clip["occ_k2"], r, (1, 2)).tobytes()
    assert s["scene_flow"].shape == (T - 1, 16, 16, 3)
    assert s["scene_flow"].tobytes() == geometry.resize_nearest(clip["scene_flow"], r, (1, 2)).tobytes()
    vis_only = next(iter(open_dataset(folder, frames=T, start="first", size=(16, 16),
                                      members=["track_vis"])))
    assert np.array_equal(vis_only["track_vis"], s["track_vis"])                 # without tracks
