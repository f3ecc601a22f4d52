"""Training samples: windows, resizing, cameras, mixed datasets, collate and DataLoader."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from synthgen_reader import geometry, iter_samples, load_sample, open_dataset
from synthgen_reader.sampling import Options, sample_rng, window_starts


def test_window_starts_are_deterministic_and_in_range():
    opts = Options(frames=5, seed=3)
    a = [window_starts(20, opts, sample_rng(3, f"clip-{i}"))[0] for i in range(40)]
    b = [window_starts(20, opts, sample_rng(3, f"clip-{i}"))[0] for i in range(40)]
    c = [window_starts(20, opts, sample_rng(4, f"clip-{i}"))[0] for i in range(40)]
    assert a == b and a != c and min(a) >= 0 and max(a) <= 15 and len(set(a)) > 5
    assert window_starts(20, Options(frames=5, start="strided", stride=4), None) == [0, 4, 8, 12]
    assert window_starts(20, Options(frames=5, start="strided"), None) == [0, 5, 10, 15]
    assert window_starts(20, Options(frames=5, start="center"), None) == [7]
    assert window_starts(4, Options(frames=5), sample_rng(0, "x")) == []
    with pytest.raises(ValueError):
        Options(frames=1)


def test_window_slices_members_and_cameras(mixed):
    folder, clips = mixed
    got = list(open_dataset(folder, frames=4, start="strided", stride=3, members=None))
    keys = [s["__key__"] for s in got]
    assert keys == ["clipa-000000"] * 2 + ["clipb-000001"] * 3 + ["clipc-000002"] * 3
    for s in got:
        clip = dict((k, c) for k, c, _ in clips)[s["__key__"]]
        t = s["start"]
        assert s["flow"].tobytes() == clip["flow"][t:t + 3].tobytes()
        assert s["valid"].tobytes() == clip["valid"][t:t + 3].tobytes()
        assert s["depth"].tobytes() == clip["depth"][t:t + 4].tobytes()       # NaN, inf kept
        np.testing.assert_allclose(s["c2w"], clip["c2w"][t:t + 4], atol=1e-6)
        np.testing.assert_allclose(s["K"], clip["K"][t:t + 4], atol=1e-4)
        assert s["frame_ids"].tolist() == list(range(t + 1, t + 5))
        H, W = clip["depth"].shape[1:]
        pw, ph = clip["plucker_size"]
        want = geometry.plucker(clip["K"][t:t + 4], clip["c2w"][t:t + 4], W, H, pw, ph)
        assert s["plucker"].tobytes() == want.tobytes()                       # window-relative
        if t > 0:
            assert not np.array_equal(s["plucker"], clip["plucker"][t:t + 4])
        assert isinstance(s["json"], str) and json.loads(s["json"])["n_frames"] == len(clip["K"])
        assert s["txt"].startswith("<synthetic>")


def test_resized_sample_matches_geometry(mixed):
    folder, clips = mixed
    s = next(iter(open_dataset(folder, frames=3, start="first", size=(20, 16), fit="stretch")))
    clip = clips[0][1]
    r = geometry.Resize(40, 24, 20, 16, 0.5, 16 / 24)
    assert s["flow"].shape == (2, 16, 20, 2) and s["flow"].dtype == np.float16
    assert s["flow"].tobytes() == geometry.resize_flow(clip["flow"][:2], r).tobytes()
    assert s["seg"].tobytes() == geometry.resize_nearest(clip["seg"][:3], r, (1, 2)).tobytes()
    np.testing.assert_allclose(s["K"][0], geometry.adjust_K(clip["K"][0], r), rtol=1e-6)
    np.testing.assert_allclose(s["scale"], [0.5, 16 / 24])
    assert s["plucker"].shape == (3, 6, 2, 2)        # output size / 8
    u = s["flow"][0, 8, 10, 0].astype(float)         # u of the affine field, in output px
    X, Y = (10.5) / 0.5, 8.5 / (16 / 24)
    assert u == pytest.approx(0.5 * (1.0 + 0.05 * X + 0.02 * Y), abs=0.02)


def test_mixed_dataset_decodes_alike(mixed, tmp_path):
    from reader_fixtures import make_clip, write_dataset
    clip = make_clip("m", 6, 20, 28, 5)
    folder = write_dataset(tmp_path / "ds", [("zst-000000", clip, True), ("raw-000000", clip, False)], 2)
    a, b = list(iter_samples(folder))
    for name in ("flow", "flow_bwd", "valid", "depth", "seg", "plucker", "inst_flow"):
        assert a[name].tobytes() == b[name].tobytes() == clip[name].tobytes()
    assert a["json"]["assets"] == [{"sha256": None}]         # inspection keeps the json as it is
    assert load_sample(folder, "raw-000000")["flow"].tobytes() == clip["flow"].tobytes()


def test_default_collate_batches_clips_of_different_lengths_and_sizes(mixed):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate
    folder, _ = mixed
    samples = list(open_dataset(folder, frames=6, size=(32, 24), crop="random", seed=1))
    assert len(samples) == 3
    batch = default_collate(samples)
    assert batch["flow"].shape == (3, 5, 24, 32, 2) and batch["flow"].dtype == torch.float16
    assert batch["K"].shape == (3, 6, 3, 3) and batch["depth"].shape == (3, 6, 24, 32)
    assert len(batch["json"]) == 3 and isinstance(batch["json"][0], str)
    again = list(open_dataset(folder, frames=6, size=(32, 24), crop="random", seed=1))
    assert [s["start"] for s in again] == [s["start"] for s in samples]
    assert all(np.array_equal(x["crop"], y["crop"]) for x, y in zip(again, samples))


def test_readme_dataloader_snippet_runs_verbatim(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from reader_fixtures import make_clip, write_dataset
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "DataLoader(" in b)
    clips = [(f"clip-{i:06d}", make_clip(str(i), 7 + i, 24 + 2 * i, 32 + 4 * i, i), i % 2 == 0)
             for i in range(5)]
    write_dataset(tmp_path / "dataset", clips, per_shard=2)       # 3 shards for 2 workers
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    assert scope["flow"].shape[1:] == (4, 24, 32, 2) and len(scope["captions"]) in (1, 2)
    seen = []
    for batch in scope["loader"]:
        seen += batch["__key__"]
    assert sorted(seen) == [k for k, _, _ in clips]           # every clip once, no duplicates
    assert os.getcwd() == str(tmp_path)
