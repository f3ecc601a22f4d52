"""export_dataset end to end on render folders with analytic passes (real EXR files, real
webdataset reader): flow signs and background fill, validity, members, json, idempotence."""
from __future__ import annotations

import json
import tarfile

import numpy as np
import OpenEXR
import pytest

from synthgen import layout
from synthgen.dataset import open_dataset
from synthgen.export import export_dataset
from synthgen.export.flow import rotation_flow
from synthgen.export.hsv import decode_hsv
from synthgen.export.plucker import plucker_clip
from synthgen.export.synthetic import box_mask, make_job, write_clip

ALL = "flow,flow_bwd,valid,flow_hsv,plucker,depth,seg,inst_flow,rgb,txt,json"
BOX = (3.0, 2.0)


def _exr(path) -> dict:
    with OpenEXR.File(str(path), separate_channels=True) as f:
        out = {}
        for part in f.parts:
            out.update({k: np.array(v.pixels) for k, v in part.channels.items()})
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("exp")
    job = make_job("pan-000001", width=64, height=48, n_frames=5, pan_deg_per_frame=2.0,
                   mode="full")
    clip = write_clip(job, root / "renders" / job.clip_id, box_motion=BOX)
    summary = export_dataset([root / "renders"], root / "ds", members=ALL, progress=False)
    samples = list(open_dataset(root / "ds"))
    return job, clip, summary, samples[0], root


def test_summary_and_files(exported):
    job, _, summary, sample, root = exported
    assert summary.exported == [job.clip_id] and summary.ok and summary.shards == ["shard-000000.tar"]
    ds = root / "ds"
    assert sorted(p.name for p in ds.iterdir()) == ["index.jsonl", "shard-000000.tar", "stats.json"]
    entry = json.loads((ds / "index.jsonl").read_text())
    assert entry["key"] == job.clip_id and entry["shard"] == "shard-000000.tar"
    assert entry["qa"]["peak_angular_speed_deg_s"] == pytest.approx(48.0, rel=1e-4)
    names = tarfile.open(ds / "shard-000000.tar").getnames()
    assert all(n.startswith(job.clip_id + ".") and "/" not in n and ".." not in n for n in names)
    assert len(names) == 11


def test_forward_flow_signs_box_and_background(exported):
    job, clip, _, sample, _ = exported
    flow = sample["flow"]
    assert flow.dtype == np.float16 and flow.shape == (4, 48, 64, 2)
    for t in range(4):
        ch = _exr(clip / layout.frame_name(job.frame_start + t))
        box = ch[layout.DEPTH_CHANNEL] < 1e9
        np.testing.assert_array_equal(box, box_mask(64, 48, t, BOX))
        # box: forward = (-Z, +W) = (+3, +2) px
        np.testing.assert_allclose(flow[t][box], np.broadcast_to(BOX, (box.sum(), 2)), atol=1e-3)
        np.testing.assert_allclose(flow[t][box][:, 0], -ch["flow.Vector.Z"][box], atol=1e-3)
        # background: rotation-only flow of points at infinity to the next frame
        f0, f1 = job.frame_start + t, job.frame_start + t + 1
        rot, _ = rotation_flow(job.K(f0), job.c2w(f0), job.K(f1), job.c2w(f1), 64, 48)
        np.testing.assert_allclose(flow[t][~box].astype(np.float32), rot[~box], atol=0.01)
        assert (flow[t][~box][:, 0] < -1.0).all()       # the camera pans right


def test_backward_flow(exported):
    job, clip, _, sample, _ = exported
    bwd = sample["flow_bwd"]
    for t in range(4):
        box = box_mask(64, 48, t + 1, BOX)
        np.testing.assert_allclose(bwd[t][box], np.broadcast_to((-3.0, -2.0), (box.sum(), 2)), atol=1e-3)
        f1, f0 = job.frame_start + t + 1, job.frame_start + t
        rot, _ = rotation_flow(job.K(f1), job.c2w(f1), job.K(f0), job.c2w(f0), 64, 48)
        np.testing.assert_allclose(bwd[t][~box].astype(np.float32), rot[~box], atol=0.01)
        assert (bwd[t][~box][:, 0] > 1.0).all()


def test_validity(exported):
    _, _, _, sample, _ = exported
    valid, flow = sample["valid"].astype(bool), sample["flow"].astype(np.float32)
    H, W = valid.shape[1:]
    for t in range(4):
        x = np.arange(W) + 0.5 + flow[t][..., 0]
        y = np.arange(H)[:, None] + 0.5 + flow[t][..., 1]
        leaving = (x < 0) | (x >= W) | (y < 0) | (y >= H)
        assert leaving.any() and not valid[t][leaving].any()
        box = box_mask(W, H, t, BOX)
        assert valid[t][box & ~leaving].all()       # the box moves consistently
        # background whose target x + F lies well inside the next frame's box is occluded
        nxt = box_mask(W, H, t + 1, BOX)
        inner = nxt[1:-1, 1:-1] & nxt[:-2, 1:-1] & nxt[2:, 1:-1] & nxt[1:-1, :-2] & nxt[1:-1, 2:]
        inner = np.pad(inner, 1)
        xi = np.clip(np.floor(x - 0.5).astype(int), 0, W - 1)
        yi = np.clip(np.floor(y - 0.5).astype(int), 0, H - 1)
        lands = inner[yi, xi] & inner[yi, np.minimum(xi + 1, W - 1)] & \
            inner[np.minimum(yi + 1, H - 1), xi] & inner[np.minimum(yi + 1, H - 1), np.minimum(xi + 1, W - 1)]
        covered = ~box & ~leaving & lands
        assert covered.sum() > 10 and not valid[t][covered].any()


def test_depth_seg_inst_flow(exported):
    job, _, _, sample, _ = exported
    depth, seg = sample["depth"], sample["seg"]
    assert depth.dtype == np.float32 and depth.shape == (5, 48, 64)
    for t in range(5):
        box = box_mask(64, 48, t, BOX)
        assert (depth[t][box] == 5.0).all() and np.isposinf(depth[t][~box]).all()
        np.testing.assert_array_equal(seg[t], box.astype(np.uint8))
    inst = sample["inst_flow"].astype(np.float32)
    box0 = box_mask(64, 48, 0, BOX)
    np.testing.assert_allclose(inst[box0], np.broadcast_to(BOX, (box0.sum(), 2)), atol=1e-3)
    meta = sample["json"]
    assert meta["instances"]["1"]["mean_flow"] == pytest.approx(list(BOX), abs=1e-3)
    bg_mean = sample["flow"][:, ..., 0].astype(np.float32)[sample["seg"][:4] == 0].mean()
    assert meta["instances"]["0"]["mean_flow"][0] == pytest.approx(bg_mean, abs=0.05)


def test_plucker_json_caption(exported):
    job, _, _, sample, _ = exported
    frames = range(job.frame_start, job.frame_end + 1)
    want = plucker_clip([job.K(f) for f in frames], [job.c2w(f) for f in frames], 64, 48, 8, 6)
    np.testing.assert_array_equal(sample["plucker"], want)
    meta = sample["json"]
    np.testing.assert_allclose(meta["c2w"], [job.c2w(f) for f in frames])
    np.testing.assert_allclose(meta["K"], [job.K(f) for f in frames])
    assert meta["fps"] == job.fps and meta["job_hash"] == job.hash()
    assert meta["plucker"] == {"width": 8, "height": 6}
    assert sample["txt"] == "<synthetic> a camera pans across a box."
    assert meta["caption"]["tags"] == ["<synthetic>"]
    assert meta["assets"][0]["licence"] == "CC0"
    mag = np.linalg.norm(sample["flow"].astype(np.float32), axis=-1)
    assert meta["s_f"] == pytest.approx(np.percentile(mag, 99, method="inverted_cdf"), rel=2e-3)


def test_hsv_and_rgb_videos(exported):
    _, _, _, sample, _ = exported
    hsv, flow, s_f = sample["flow_hsv"], sample["flow"].astype(np.float32), sample["json"]["s_f"]
    assert hsv.shape == (4, 48, 64, 3)
    ok = np.linalg.norm(flow, axis=-1) <= s_f
    err = np.linalg.norm(decode_hsv(hsv, s_f) - flow, axis=-1)[ok]
    assert np.percentile(err, 95) < 0.05 * s_f
    rgb = sample["rgb"]
    assert rgb.shape == (5, 48, 64, 3)
    box = box_mask(64, 48, 0, BOX)
    assert rgb[0][box][:, 1].mean() > 200 and rgb[0][~box][:, 1].mean() < 30


def test_rerun_is_idempotent(exported):
    job, _, _, _, root = exported
    before = (root / "ds" / "index.jsonl").read_bytes()
    again = export_dataset([root / "renders"], root / "ds", members=ALL, progress=False)
    assert again.skipped_existing == [job.clip_id] and not again.exported and not again.shards
    assert (root / "ds" / "index.jsonl").read_bytes() == before
    assert not (root / "ds" / "shard-000001.tar").exists()


def test_flow_mode_without_rgb_and_default_members(tmp_path):
    job = make_job("flowonly-000002", n_frames=3)
    write_clip(job, tmp_path / "r" / job.clip_id)
    summary = export_dataset([tmp_path / "r"], tmp_path / "ds", progress=False)
    assert summary.exported == [job.clip_id]
    names = tarfile.open(tmp_path / "ds" / "shard-000000.tar").getnames()
    assert [n.split(".", 1)[1] for n in names] == ["flow.npy", "valid.npy", "flow_hsv.mp4",
                                                   "plucker.npy", "txt", "json"]


def test_shards_roll_over_and_filter(tmp_path):
    for i in range(3):
        job = make_job(f"clip-{i:06d}", n_frames=3)
        write_clip(job, tmp_path / "r" / job.clip_id)
    summary = export_dataset([tmp_path / "r"], tmp_path / "ds", shard_bytes=1, progress=False)
    assert summary.shards == ["shard-000000.tar", "shard-000001.tar", "shard-000002.tar"]
    keys = [s["__key__"] for s in open_dataset(tmp_path / "ds", decode_video=False)]
    assert keys == ["clip-000000", "clip-000001", "clip-000002"]
    index = [json.loads(line) for line in (tmp_path / "ds" / "index.jsonl").read_text().splitlines()]
    assert [e["shard"] for e in index] == summary.shards
    stats = json.loads((tmp_path / "ds" / "stats.json").read_text())
    assert stats["clips"] == 3 and stats["frames"] == 9
    strict = export_dataset([tmp_path / "r"], tmp_path / "ds2", max_fb_p90=0.0, progress=False)
    assert len(strict.filtered) == 3 and not strict.exported
    assert all(reason.startswith("fb-consistency p90 ") and reason.endswith(" px > 0")
               for _, reason, _ in strict.filtered)


def test_interrupted_run_is_recovered_and_lock_is_exclusive(tmp_path):
    import os
    from synthgen.errors import ExportError
    from synthgen.export.shards import DatasetLock
    for i in range(2):
        job = make_job(f"int-{i:06d}", n_frames=2)
        write_clip(job, tmp_path / "r" / job.clip_id)
    first = export_dataset([tmp_path / "r" / "int-000000"], tmp_path / "ds", progress=False)
    assert first.exported == ["int-000000"]
    # a run killed after renaming its shard but before rewriting the index,
    # leaving its scratch folder and lock behind
    (tmp_path / "ds" / "index.jsonl").write_text("")
    (tmp_path / "ds" / ".tmp-int-000001-x").mkdir()
    (tmp_path / "ds" / ".export.lock").write_text("999999999")
    again = export_dataset([tmp_path / "r"], tmp_path / "ds", progress=False)
    assert again.skipped_existing == ["int-000000"] and again.exported == ["int-000001"]
    keys = [json.loads(line)["key"] for line in (tmp_path / "ds" / "index.jsonl").read_text().splitlines()]
    assert keys == ["int-000000", "int-000001"]
    assert json.loads((tmp_path / "ds" / "index.jsonl").read_text().splitlines()[0])["qa"]["fb_err_p90"] is not None
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == [
        "index.jsonl", "shard-000000.tar", "shard-000001.tar", "stats.json"]
    (tmp_path / "ds" / ".export.lock").write_text(str(os.getpid()))   # a live exporter
    with pytest.raises(ExportError, match="another export"):
        export_dataset([tmp_path / "r"], tmp_path / "ds", progress=False)
    (tmp_path / "ds" / ".export.lock").unlink()
    with DatasetLock(tmp_path / "ds"):
        assert (tmp_path / "ds" / ".export.lock").read_text() == str(os.getpid())


def test_tags_override_and_versions(tmp_path):
    job = make_job("tags-000001", n_frames=2)
    write_clip(job, tmp_path / "r" / job.clip_id)
    export_dataset([tmp_path / "r"], tmp_path / "ds", tags=["<dynavid>", "<syn>"], progress=False)
    s = next(iter(open_dataset(tmp_path / "ds")))
    assert s["txt"] == "<dynavid> <syn> a camera pans across a box."
    assert s["json"]["caption"]["tags"] == ["<dynavid>", "<syn>"]
    assert s["json"]["caption"]["text"] == "a camera pans across a box."
    assert s["json"]["versions"]["blender"] == "synthetic"


@pytest.mark.parametrize("name", ["../x.flow.npy", "/abs.json", "a/b.json", "key", "k..json",
                                  "k.", "sp ace.json"])
def test_unsafe_member_names_are_refused(name):
    from synthgen.errors import ExportError
    from synthgen.export.shards import check_member_name
    with pytest.raises(ExportError):
        check_member_name(name)
    assert check_member_name("human-000123.flow_hsv.mp4") == "human-000123.flow_hsv.mp4"
