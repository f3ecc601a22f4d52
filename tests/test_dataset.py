"""synthgen.dataset (the reader, synthgen_reader): exported shards read back equal the EXRs,
compressed and plain members decode alike, corrupt members give one line, renders are pruned
only when their samples are indexed, and the README's DataLoader snippet runs verbatim."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
import webdataset as wds

from synthgen import layout
from synthgen.dataset import decode_sample, iter_samples, load_sample, open_dataset, shard_urls
from synthgen.export import export_dataset
from synthgen.export.plucker import plucker_clip
from synthetic import make_job, write_clip

ALL = "flow,flow_bwd,valid,plucker,depth,seg,inst_flow,json,txt"
ARRAYS = ("flow", "flow_bwd", "valid", "plucker", "depth", "seg", "inst_flow")


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("dsread")
    jobs = []
    for i in range(2):     # odd sizes: 41 x 29
        job = make_job(f"read-{i:06d}", width=41, height=29, n_frames=4, pan_deg_per_frame=1.0 * i)
        write_clip(job, root / "r" / job.clip_id, box_motion=(2.0 + i, -1.0))
        jobs.append(job)
    export_dataset([root / "r"], root / "ds", members=ALL, shard_bytes=1, progress=False)
    export_dataset([root / "r"], root / "plain", members=ALL, shard_bytes=1, progress=False,
                   compression="none")
    return root, jobs


def _exr(path):
    with OpenEXR.File(str(path), separate_channels=True) as f:
        ch = {}
        for part in f.parts:
            ch.update({k: np.array(v.pixels) for k, v in part.channels.items()})
    return ch


def test_raw_webdataset_matches_exrs(ds):
    root, jobs = ds
    raw = list(wds.WebDataset(shard_urls(root / "ds"), shardshuffle=False))
    assert [r["__key__"] for r in raw] == [j.clip_id for j in jobs]
    assert all(f"{m}.npy.zst" in raw[0] for m in ARRAYS)
    for r, job in zip(raw, jobs):
        s = decode_sample(r)
        for t in range(job.n_frames):
            ch = _exr(root / "r" / job.clip_id / layout.frame_name(job.frame_start + t))
            fg = ch[layout.DEPTH_CHANNEL] < 1e9
            np.testing.assert_array_equal(s["depth"][t][fg], ch[layout.DEPTH_CHANNEL][fg])
            assert np.isposinf(s["depth"][t][~fg]).all() and (~fg).any()
            np.testing.assert_array_equal(s["seg"][t], ch[layout.INDEX_CHANNEL].astype(np.uint8))
            if t < job.n_frames - 1 and job.clip_id.endswith("0"):   # static camera: bg 0
                want = np.stack([-ch["flow.Vector.Z"], ch["flow.Vector.W"]], -1).astype(np.float16)
                np.testing.assert_array_equal(s["flow"][t], want)
        assert s["txt"] == job.caption.full() and s["json"]["key"] == job.clip_id


def test_compressed_and_plain_exports_hold_the_same_bits(ds):
    root, jobs = ds
    packed = {s["__key__"]: s for s in iter_samples(root / "ds")}
    plain = {s["__key__"]: s for s in iter_samples(root / "plain")}
    names = tarfile.open(next((root / "plain").glob("*.tar"))).getnames()
    assert {n.split(".", 1)[1] for n in names} == {f"{m}.npy" for m in ARRAYS} | {"json", "txt"}
    for key in packed:
        for m in ARRAYS:
            assert packed[key][m].dtype == plain[key][m].dtype
            assert packed[key][m].tobytes() == plain[key][m].tobytes(), m
        codecs = packed[key]["json"]["compression"]
        assert set(codecs) == set(ARRAYS) and plain[key]["json"]["compression"] == {}
        assert codecs["flow"]["filters"] == [{"id": "delta", "axis": 1}, {"id": "shuffle"}]
        assert codecs["flow"]["codec"] == "zstd" and codecs["flow"]["level"] == 1
        assert codecs["valid"]["filters"] == [] and codecs["flow"]["bytes"] < codecs["flow"]["raw_bytes"]


def test_reader_plucker_equals_the_exporters(ds):
    """The reader recomputes Plücker for windows; at frame 0 and full size it must give the
    exporter's member bit for bit (same conventions)."""
    root, jobs = ds
    job = jobs[1]
    frames = range(job.frame_start, job.frame_end + 1)
    Ks, c2ws = [job.K(f) for f in frames], [job.c2w(f) for f in frames]
    from synthgen_reader import geometry
    mine = geometry.plucker(np.array(Ks), np.array(c2ws), job.width, job.height, 5, 3)
    np.testing.assert_array_equal(mine, plucker_clip(Ks, c2ws, job.width, job.height, 5, 3))
    s = next(s for s in open_dataset(root / "ds", frames=3, start="center") if s["__key__"] == job.clip_id)
    want = geometry.plucker(np.array(Ks)[s["start"]:s["start"] + 3], np.array(c2ws)[s["start"]:s["start"] + 3],
                            job.width, job.height, 5, 3)
    np.testing.assert_array_equal(s["plucker"], want)


def test_member_filter_and_load_sample(ds):
    root, jobs = ds
    samples = list(iter_samples(root / "ds", members=["flow", "json"]))
    assert {k for k in samples[0] if not k.startswith("__")} == {"flow", "json"}
    assert samples[1]["flow"].shape == (3, 29, 41, 2)
    s = load_sample(root / "ds" / "shard-000001.tar")
    assert s["__key__"] == jobs[1].clip_id
    with pytest.raises(KeyError):
        load_sample(root / "ds", "nope")
    with pytest.raises(FileNotFoundError):
        shard_urls(root / "r")


def test_mixed_dataset_and_corrupt_member_one_line(tmp_path):
    """One dataset folder holding a plain and a compressed sample: preview, verify --sample
    and the reader read both; a flipped byte in a compressed member is one line."""
    from synthgen.verify.clip import load_exported
    jobs = []
    for i, comp in enumerate(("none", "zstd")):
        job = make_job(f"mix-{i:06d}", width=32, height=24, n_frames=3)
        write_clip(job, tmp_path / "r" / job.clip_id)
        export_dataset([tmp_path / "r" / job.clip_id], tmp_path / "ds", compression=comp, progress=False)
        jobs.append(job)
    a, b = list(iter_samples(tmp_path / "ds", members=["flow", "valid"]))
    assert a["flow"].shape == b["flow"].shape == (2, 24, 32, 2)
    for job in jobs:
        flow, _ = load_exported(tmp_path / "ds", job)
        assert flow.shape == (2, 24, 32, 2)
    run = [sys.executable, "-c", "from synthgen.cli import main; main()"]
    for key in ("mix-000000", "mix-000001"):
        res = subprocess.run([*run, "preview", str(tmp_path / "ds"), "--key", key, "--out",
                              str(tmp_path / f"{key}.png")], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    shard = tmp_path / "ds" / "shard-000001.tar"
    data = bytearray(shard.read_bytes())
    with tarfile.open(shard) as tar:
        m = tar.getmember("mix-000001.flow.npy.zst")
    data[m.offset_data + m.size - 40] ^= 0xFF
    shard.write_bytes(bytes(data))
    res = subprocess.run([*run, "preview", str(shard), "--out", str(tmp_path / "bad.png")],
                         capture_output=True, text=True)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "mix-000001" in lines[0] and "flow.npy.zst" in lines[0], res.stderr


def test_prune_renders_only_after_the_sample_is_indexed(tmp_path):
    jobs = []
    for i in range(3):
        job = make_job(f"prune-{i:06d}", width=24, height=16, n_frames=2)
        write_clip(job, tmp_path / "r" / job.clip_id)
        jobs.append(job)
    (tmp_path / "r" / "prune-000002" / layout.DONE_FILE).write_text("0" * 64)   # another job's DONE
    s = export_dataset([tmp_path / "r"], tmp_path / "ds", shard_bytes=1, prune_renders=True,
                       progress=False, max_fb_p90=None)
    assert s.exported == ["prune-000000", "prune-000001"] and len(s.bad) == 1
    assert sorted(Path(p).name for p in s.pruned) == ["prune-000000", "prune-000001"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["prune-000002"]
    index = [json.loads(x) for x in (tmp_path / "ds" / "index.jsonl").read_text().splitlines()]
    assert [e["key"] for e in index] == ["prune-000000", "prune-000001"]
    # without the flag nothing is removed; a later pruning run removes already-indexed clips
    write_clip(jobs[0], tmp_path / "r2" / jobs[0].clip_id)
    kept = export_dataset([tmp_path / "r2"], tmp_path / "ds2", progress=False)
    assert kept.pruned == [] and (tmp_path / "r2" / jobs[0].clip_id).is_dir()
    again = export_dataset([tmp_path / "r2"], tmp_path / "ds2", prune_renders=True, progress=False)
    assert again.skipped_existing == [jobs[0].clip_id] and not (tmp_path / "r2" / jobs[0].clip_id).exists()


def test_readme_dataloader_snippet_runs_verbatim(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "DataLoader(" in b)
    for i in range(3):
        job = make_job(f"dl-{i:06d}", width=32 + 8 * i, height=24 + 4 * i, n_frames=5 + i)
        write_clip(job, tmp_path / "r" / job.clip_id)
    export_dataset([tmp_path / "r"], tmp_path / "dataset", shard_bytes=1, progress=False, max_fb_p90=None)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    assert tuple(scope["flow"].shape[1:]) == (4, 24, 32, 2)
    keys = [k for batch in scope["loader"] for k in batch["__key__"]]
    assert sorted(keys) == ["dl-000000", "dl-000001", "dl-000002"]


def test_training_window_with_videos(tmp_path):
    """mp4 members are decoded, windowed (pairs: frames - 1) and resized like the flow."""
    job = make_job("vid-000000", width=40, height=24, n_frames=6, mode="full")
    write_clip(job, tmp_path / "r" / job.clip_id, box_motion=(2.0, 1.0))
    export_dataset([tmp_path / "r"], tmp_path / "ds", members="flow,flow_hsv,rgb,json",
                   progress=False, max_fb_p90=None)
    whole = load_sample(tmp_path / "ds")
    s = next(iter(open_dataset(tmp_path / "ds", frames=4, start="center", size=(20, 12))))
    assert s["flow_hsv"].shape == (3, 12, 20, 3) and s["rgb"].shape == (4, 12, 20, 3)
    assert s["flow_hsv"].dtype == np.uint8 and s["start"] == 1
    full = next(iter(open_dataset(tmp_path / "ds", frames=4, start="center")))
    np.testing.assert_array_equal(full["flow_hsv"], whole["flow_hsv"][1:4])
    np.testing.assert_array_equal(full["rgb"], whole["rgb"][1:5])


def test_cli_compression_and_prune_options(tmp_path):
    job = make_job("cli-000000", width=24, height=16, n_frames=2)
    write_clip(job, tmp_path / "r" / job.clip_id)
    run = [sys.executable, "-c", "from synthgen.cli import main; main()", "export", str(tmp_path / "r"),
           "--out", str(tmp_path / "ds"), "--max-fb-p90", "-1"]
    bad = subprocess.run([*run, "--compression", "lz4"], capture_output=True, text=True)
    assert bad.returncode == 2 and "lz4" in bad.stderr and "Traceback" not in bad.stderr
    assert (tmp_path / "r" / job.clip_id).is_dir()
    res = subprocess.run([*run, "--compression", "none", "--prune-renders"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "pruned 1 render folders" in res.stdout and not (tmp_path / "r" / job.clip_id).exists()
    names = tarfile.open(tmp_path / "ds" / "shard-000000.tar").getnames()
    assert f"{job.clip_id}.flow.npy" in names and not any(n.endswith(".zst") for n in names)
