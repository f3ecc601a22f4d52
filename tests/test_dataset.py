"""synthgen.dataset: shards read back through webdataset.WebDataset equal the EXRs."""
from __future__ import annotations

import numpy as np
import OpenEXR
import pytest
import webdataset as wds

from synthgen import layout
from synthgen.dataset import decode_sample, load_sample, open_dataset, shard_urls
from synthgen.export import export_dataset
from synthetic import make_job, write_clip


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("dsread")
    jobs = []
    for i in range(2):
        job = make_job(f"read-{i:06d}", width=40, height=30, n_frames=3, pan_deg_per_frame=0.0)
        write_clip(job, root / "r" / job.clip_id, box_motion=(2.0 + i, -1.0))
        jobs.append(job)
    export_dataset([root / "r"], root / "ds", members="flow,flow_bwd,valid,depth,seg,json,txt",
                   shard_bytes=1, progress=False)
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
    for r, job in zip(raw, jobs):
        s = decode_sample(r)
        for t in range(job.n_frames):
            ch = _exr(root / "r" / job.clip_id / layout.frame_name(job.frame_start + t))
            fg = ch[layout.DEPTH_CHANNEL] < 1e9
            np.testing.assert_array_equal(s["depth"][t][fg], ch[layout.DEPTH_CHANNEL][fg])
            np.testing.assert_array_equal(s["seg"][t], ch[layout.INDEX_CHANNEL].astype(np.uint8))
            if t < job.n_frames - 1:     # flow[t] = (-Z, +W) of frame t (static camera: bg 0)
                want = np.stack([-ch["flow.Vector.Z"], ch["flow.Vector.W"]], -1).astype(np.float16)
                np.testing.assert_array_equal(s["flow"][t], want)
            if t > 0:                    # flow_bwd[t-1] = (+X, -Y) of frame t
                want = np.stack([ch["flow.Vector.X"], -ch["flow.Vector.Y"]], -1).astype(np.float16)
                np.testing.assert_array_equal(s["flow_bwd"][t - 1], want)
        assert s["txt"] == job.caption.full() and s["json"]["key"] == job.clip_id


def test_open_dataset_member_filter_and_load_sample(ds):
    root, jobs = ds
    samples = list(open_dataset(root / "ds", members=["flow", "json"]))
    assert len(samples) == 2
    assert {k for k in samples[0] if not k.startswith("__")} == {"flow", "json"}
    assert samples[1]["flow"].shape == (2, 30, 40, 2)
    s = load_sample(root / "ds" / "shard-000001.tar")
    assert s["__key__"] == jobs[1].clip_id
    with pytest.raises(KeyError):
        load_sample(root / "ds", "nope")
    with pytest.raises(FileNotFoundError):
        shard_urls(root / "r")
