"""SGZ arrays: bit-exact round trips, partial decodes, and corruption reported in one line."""
from __future__ import annotations

import struct

import numpy as np
import pytest
import webdataset as wds

from synthgen_reader import CorruptMemberError, codec, decode_sample, webdataset_decoder

SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-7, -65504.0, 3.0])


def _arrays():
    rng = np.random.default_rng(0)
    for dtype in (np.float16, np.float32, np.float64):
        a = (rng.standard_normal((5, 7, 9, 2)) * 50).astype(dtype)
        a.reshape(-1)[: len(SPECIAL)] = SPECIAL.astype(dtype)
        yield "flow", a
        yield "depth", a[..., 0].copy()
        yield "plucker", rng.standard_normal((3, 6, 5, 7)).astype(dtype)
    for dtype in (np.uint8, np.uint16, np.int32, np.int64, np.bool_):
        yield "seg", rng.integers(0, 2 if dtype == np.bool_ else 100, (4, 3, 11)).astype(dtype)
    yield "odd", np.arange(1, dtype=np.float32).reshape(1, 1)
    yield "vec", np.linspace(0, 1, 13, dtype=np.float16)
    nan_payload = np.array([0x7E01, 0xFE33, 0x7C01], np.uint16).view(np.float16)
    yield "flow", np.broadcast_to(nan_payload, (2, 3, 3)).copy()


@pytest.mark.parametrize("member,arr", list(_arrays()), ids=lambda v: getattr(v, "dtype", v))
@pytest.mark.parametrize("rows", [None, 1, 2])
def test_round_trip_is_bit_exact(member, arr, rows):
    blob = codec.encode_array(arr, member=member, rows=rows)
    back = codec.decode_array(blob)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.tobytes() == arr.tobytes()            # NaN payloads, -0.0 and inf included
    header, spans = codec.read_header(blob)
    assert len(spans) == -(-arr.shape[0] // header["rows"])
    for sl in (slice(1, 3), slice(0, 1), slice(arr.shape[0] - 1, None), slice(2, 2)):
        assert codec.decode_array(blob, rows=sl).tobytes() == arr[sl].tobytes()


def test_filters_follow_the_member_and_shrink_smooth_fields():
    y, x = np.mgrid[0:64, 0:96]
    flow = np.stack([0.1 * x + 0.03 * y, 0.02 * x - 0.05 * y], -1)[None].repeat(6, 0).astype(np.float16)
    blob = codec.encode_array(flow, member="flow")
    assert codec.read_header(blob)[0]["filters"] == [{"id": "delta", "axis": 1}, {"id": "shuffle"}]
    plain = codec.encode_array(flow, filters=[])
    assert len(blob) * 2 < len(plain)                 # the filters are what compress it
    assert codec.read_header(codec.encode_array(flow[..., 0], member="depth"))[0]["filters"][0]["axis"] == 2
    assert codec.read_header(codec.encode_array(flow.astype(np.uint8), member="valid"))[0]["filters"] == []


def _corrupt(blob: bytes, how: str) -> bytes:
    b = bytearray(blob)
    (n,) = struct.unpack_from("<I", b, 4)
    if how == "payload":
        b[8 + n + 8 + 20] ^= 0xFF
    elif how == "truncated":
        b = b[:-5]
    elif how == "magic":
        b[0:4] = b"XXXX"
    elif how == "header":
        b[9] = ord("!")
    return bytes(b)


@pytest.mark.parametrize("how", ["payload", "truncated", "magic", "header"])
def test_corrupted_member_is_one_line_naming_sample_and_member(how):
    arr = np.random.default_rng(1).standard_normal((4, 16, 16, 2)).astype(np.float16)
    raw = {"__key__": "human-000007", "__url__": "dataset/shard-000003.tar",
           "flow.npy.zst": _corrupt(codec.encode_array(arr, member="flow"), how)}
    with pytest.raises(CorruptMemberError) as err:
        decode_sample(raw)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("dataset/shard-000003.tar: human-000007: flow.npy.zst: corrupt")
    raw["flow.npy.zst"] = codec.encode_array(arr, member="flow")     # control: intact bytes
    assert decode_sample(raw)["flow"].tobytes() == arr.tobytes()


def test_plain_webdataset_decoder(mixed):
    folder, clips = mixed
    ds = wds.WebDataset(str(folder / "shard-{000000..000002}.tar"), shardshuffle=False).decode(webdataset_decoder)
    got = list(ds)
    assert [s["__key__"] for s in got] == [k for k, _, _ in clips]
    for s, (_, clip, compressed) in zip(got, clips):
        key = "flow.npy.zst" if compressed else "flow.npy"
        assert s[key].tobytes() == clip["flow"].tobytes()
        assert s["depth.npy.zst" if compressed else "depth.npy"].tobytes() == clip["depth"].tobytes()
