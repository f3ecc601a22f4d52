"""synthgen.exrfile: completeness checks and lossless part merging, against files
written by the real OpenEXR library."""
from __future__ import annotations

import numpy as np
import OpenEXR
import pytest

from synthgen import exrfile


def _write(path, channels: dict, compression=OpenEXR.ZIP_COMPRESSION, name=None):
    header = {"compression": compression, "type": OpenEXR.scanlineimage}
    if name:
        header["name"] = name
    OpenEXR.File(header, {k: v for k, v in channels.items()}).write(str(path))
    return path


def _read(path) -> dict:
    f = OpenEXR.File(str(path), separate_channels=True)
    return {k: np.asarray(c.pixels) for p in f.parts for k, c in p.channels.items()}


@pytest.fixture
def arrays():
    rng = np.random.default_rng(3)
    return {f"flow.Vector.{c}": rng.normal(size=(37, 29)).astype(np.float32) for c in "XYZW"}


@pytest.mark.parametrize("compression", [OpenEXR.ZIP_COMPRESSION, OpenEXR.ZIPS_COMPRESSION,
                                         OpenEXR.NO_COMPRESSION, OpenEXR.PIZ_COMPRESSION])
def test_complete_file_passes_and_truncations_fail(tmp_path, arrays, compression):
    path = _write(tmp_path / "a.exr", arrays, compression)
    assert exrfile.check(path, 29, 37, list(arrays)) is None
    data = path.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 40, 3):
        bad = tmp_path / f"cut{cut}.exr"
        bad.write_bytes(data[:cut])
        assert exrfile.check(bad, 29, 37, list(arrays)) is not None, cut


def test_wrong_size_missing_channel_half_channel_and_corrupt_zip(tmp_path, arrays):
    path = _write(tmp_path / "a.exr", arrays)
    assert exrfile.check(path, 30, 37, list(arrays)).startswith("size is 29x37")
    assert exrfile.check(path, 29, 37, ["flow.Depth.Z"]) == "missing channel 'flow.Depth.Z'"
    half = _write(tmp_path / "h.exr", {"flow.Depth.Z": np.ones((37, 29), np.float16)})
    assert "not float32" in exrfile.check(half, 29, 37, ["flow.Depth.Z"])
    smooth = {"flow.Depth.Z": np.tile(np.arange(29, dtype=np.float32), (37, 1))}
    data = bytearray(_write(tmp_path / "s.exr", smooth).read_bytes())
    assert exrfile.check(tmp_path / "s.exr", 29, 37, list(smooth)) is None
    data[-12:-8] = bytes(255 - b for b in data[-12:-8])   # corrupt the last zlib chunk
    (tmp_path / "c.exr").write_bytes(bytes(data))
    assert exrfile.check(tmp_path / "c.exr", 29, 37, list(smooth)).startswith("chunk 2 ")
    (tmp_path / "n.exr").write_bytes(b"not an exr at all")
    assert exrfile.check(tmp_path / "n.exr", 29, 37, []) == "not an OpenEXR file"


def test_merge_single_and_multi_part_files_losslessly(tmp_path, arrays):
    rgb = {f"rgb.Combined.{c}": np.full((37, 29), i, np.float32) for i, c in enumerate("RGBA")}
    depth = {"flow.Depth.Z": np.linspace(0, 1, 37 * 29, dtype=np.float32).reshape(37, 29)}
    multi = tmp_path / "multi.exr"
    OpenEXR.File([OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION}, dict(arrays), name="flow.Vector"),
                  OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION}, dict(depth), name="flow.Depth")]
                 ).write(str(multi))
    single = _write(tmp_path / "single.exr", rgb, OpenEXR.PIZ_COMPRESSION)
    out = exrfile.merge([multi, single], tmp_path / "merged.exr")
    got = _read(out)
    assert set(got) == set(arrays) | set(rgb) | set(depth)
    for name, arr in {**arrays, **rgb, **depth}.items():
        np.testing.assert_array_equal(got[name], arr)
    names = [p.name() for p in OpenEXR.File(str(out)).parts]
    assert names == ["flow.Vector", "flow.Depth", "rgb.Combined"]
    assert exrfile.check(out, 29, 37, list(got)) is None
    with pytest.raises(exrfile.ExrFormatError, match="duplicate part names"):
        exrfile.merge([multi, multi], tmp_path / "dup.exr")
