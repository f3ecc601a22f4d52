"""Asset manifests: what characters, actions, HDRIs, rooms and props the planner may use.

A manifest is a JSON file (format in ``assets_manifest/README.md``): an object with an
``assets`` list (a bare list is accepted too). Several manifests combine into one
:class:`AssetSet`; ids must be unique across all of them. Every entry is checked against
the schema of its kind; errors are :class:`ManifestError` naming the manifest file, the
entry and the field.

Locations:

* a file path relative to the manifest's folder (must not escape it; ``sha256`` required
  and checked), resolved to an absolute path in :meth:`AssetSet.ref`;
* ``blender-datafiles:<path>``: a file shipped with Blender (checked against ``sha256``
  when the PyPI ``bpy`` package is installed; never imports bpy);
* ``procedural:<generator>[/<variant>]``: built by the worker;
* ``people:person/<id>``, ``people:motion/<clip>``: a person or a captured clip of the
  people pack (``synthgen/data/people``; ``sha256``, when given, is that of the pack file
  and is checked, as is the pack itself).
"""
from __future__ import annotations

import importlib.util
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import ManifestError
from .fsutil import is_inside, sha256_file
from .job import ASSET_KINDS, AssetRef

log = logging.getLogger(__name__)

FORMAT = "synthgen-assets/1"
DATAFILES_PREFIX = "blender-datafiles:"
PROCEDURAL_PREFIX = "procedural:"
PEOPLE_PREFIX = "people:"
_PEOPLE_RE = re.compile(r"^people:(person|motion)/[A-Za-z0-9_.-]+$")
PROP_GENERATORS = ("cube", "sphere", "cylinder", "torus", "cone")
#: What an action is for: ``performance`` (the default: a move worth filming) or
#: ``interplay`` (what the others of a group do while one performs: groove, watch, clap).
ACTION_ROLES = ("performance", "interplay")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_PROC_RE = re.compile(r"^procedural:[a-z][a-z0-9_]*(/[A-Za-z0-9_.-]+)*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")

#: Fields every entry may have, and which of them are required.
_COMMON_REQUIRED = ("id", "kind", "location")
_COMMON_OPTIONAL = ("sha256", "licence", "source", "notes")

#: Per kind: required fields (other than the common ones) and optional fields.
_KIND_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "character": (("licence", "skeleton", "appearance", "height_m", "bbox"), ()),
    "action": (("licence", "skeleton", "move_names", "sentence", "fps", "frame_count",
                "dynamic_score", "reference_height_m", "root_trajectory", "envelope",
                "motion_energy", "loopable"), ("role",)),
    "hdri": (("licence", "setting", "indoor"), ()),
    "room": (("setting", "size_range"), ()),
    "prop": (("licence", "description"), ()),
    "scene": (("licence", "setting", "up_axis", "unit_scale", "transform", "bounds", "triangles", "free_space",
               "free_space_sha256"), ("preview", "objects", "clearance_m", "description")),
}

#: Fields copied into ``AssetRef.params`` (small scalars the worker and captions use).
_REF_PARAMS = {
    "character": ("skeleton", "appearance", "height_m", "bbox"),
    "action": ("skeleton", "move_names", "sentence", "fps", "frame_count", "dynamic_score",
               "reference_height_m", "loopable", "role"),
    "hdri": ("setting", "indoor"),
    "room": ("setting", "size_range"),
    "prop": ("description",),
    "scene": ("setting", "up_axis", "unit_scale", "triangles"),
}


@dataclass
class Asset:
    """One manifest entry. ``data`` is the entry as written; ``manifest`` its file."""

    id: str
    kind: str
    location: str
    manifest: Path
    data: dict = field(repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def is_file(self) -> bool:
        return not self.location.startswith((DATAFILES_PREFIX, PROCEDURAL_PREFIX, PEOPLE_PREFIX))

    def resolved_location(self) -> str:
        """Absolute path for file locations; built-in references unchanged."""
        if self.is_file:
            return str((self.manifest.parent / self.location).resolve())
        return self.location


class AssetSet:
    """Assets of one or more manifests, by id (insertion order = manifest order)."""

    def __init__(self, assets: list[Asset], manifests: list[Path]):
        self._by_id = {a.id: a for a in assets}
        self.manifests = list(manifests)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def __contains__(self, asset_id: str) -> bool:
        return asset_id in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def get(self, asset_id: str) -> Asset:
        try:
            return self._by_id[asset_id]
        except KeyError:
            raise ManifestError(f"no asset with id {asset_id!r} in {len(self.manifests)} manifest(s)",
                                source=", ".join(str(m) for m in self.manifests) or None) from None

    def of_kind(self, kind: str) -> list[Asset]:
        """Entries of ``kind`` sorted by id (stable order for sampling)."""
        if kind not in ASSET_KINDS:
            raise ManifestError(f"unknown asset kind {kind!r} (one of {', '.join(ASSET_KINDS)})")
        return sorted((a for a in self._by_id.values() if a.kind == kind), key=lambda a: a.id)

    def ref(self, asset_id: str) -> AssetRef:
        """The job-file reference of an asset: location resolved, checksum and licence kept."""
        a = self.get(asset_id)
        params = {k: a.data[k] for k in _REF_PARAMS[a.kind] if k in a.data}
        return AssetRef(id=a.id, kind=a.kind, location=a.resolved_location(),
                        sha256=a.get("sha256"), licence=a.get("licence", ""), params=params)


# --------------------------------------------------------------------------- loading
def default_manifest_paths() -> list[Path]:
    """Every ``*.json`` in ``<PROJECT_ROOT>/assets_manifest/``, sorted by name."""
    from . import PROJECT_ROOT
    return sorted((PROJECT_ROOT / "assets_manifest").glob("*.json"))


def load_manifests(paths: list[Path] | None = None, *, verify: bool = True) -> AssetSet:
    """Load and check manifests (None = the default set). ``verify`` checks files and checksums.

    Raises :class:`ManifestError` (file: entry.field: reason) on the first problem.
    """
    paths = default_manifest_paths() if paths is None else [Path(p) for p in paths]
    if not paths:
        raise ManifestError("no asset manifests given or found in assets_manifest/")
    assets: list[Asset] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for asset in load_manifest(path, verify=verify):
            if asset.id in seen:
                raise ManifestError(f"duplicate id (already defined in {seen[asset.id]})",
                                    source=str(path), field=f"{asset.id}.id")
            seen[asset.id] = path
            assets.append(asset)
    return AssetSet(assets, paths)


def load_manifest(path: Path, *, verify: bool = True) -> list[Asset]:
    """Entries of one manifest file, each checked against its kind's schema."""
    path = Path(path)
    entries = _read_entries(path)
    out, ids = [], set()
    for i, entry in enumerate(entries):
        asset = _check_entry(entry, i, path, verify)
        if asset.id in ids:
            raise ManifestError("duplicate id in this manifest", source=str(path), field=f"{asset.id}.id")
        ids.add(asset.id)
        out.append(asset)
    return out


def _read_entries(path: Path) -> list:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError("manifest file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest ({exc.__class__.__name__})", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"not valid JSON ({exc.msg} at line {exc.lineno})", source=str(path)) from None
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"format", "description", "assets"})
        if unknown:
            raise ManifestError(f"unknown top-level field {unknown[0]!r}", source=str(path), field=unknown[0])
        if data.get("format", FORMAT) != FORMAT:
            raise ManifestError(f"format is {data['format']!r}, this synthgen reads {FORMAT!r}",
                                source=str(path), field="format")
        data = data.get("assets")
    if not isinstance(data, list):
        raise ManifestError("expected a list of assets (or an object with an 'assets' list)",
                            source=str(path), field="assets")
    return data


def _check_entry(entry: Any, index: int, path: Path, verify: bool) -> Asset:
    src = str(path)
    if not isinstance(entry, dict):
        raise ManifestError(f"expected an object, got {type(entry).__name__}", source=src, field=f"assets[{index}]")
    label = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else f"assets[{index}]"

    def fail(fld: str, reason: str) -> ManifestError:
        return ManifestError(reason, source=src, field=f"{label}.{fld}")

    for name in _COMMON_REQUIRED:
        if name not in entry:
            raise fail(name, "required field is missing")
    if not isinstance(entry["id"], str) or not _ID_RE.match(entry["id"]):
        raise fail("id", f"{entry['id']!r} must be a string of letters, digits, '_', '-', '.', ':'")
    kind = entry["kind"]
    if kind not in _KIND_FIELDS:
        raise fail("kind", f"unknown kind {kind!r} (one of {', '.join(ASSET_KINDS)})")
    required, optional = _KIND_FIELDS[kind]
    allowed = set(_COMMON_REQUIRED) | set(_COMMON_OPTIONAL) | set(required) | set(optional)
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise fail(unknown[0], f"unknown field for a {kind} entry")
    for name in required:
        if name not in entry:
            raise fail(name, "required field is missing")
    for name in ("licence", "source", "notes"):
        if name in entry and not isinstance(entry[name], str):
            raise fail(name, "must be a string")
    asset = Asset(id=entry["id"], kind=kind, location=entry["location"], manifest=path, data=entry)
    _check_location(asset, fail, verify)
    _KIND_CHECKS[kind](entry, fail)
    return asset


# --------------------------------------------------------------------------- locations
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _check_location(asset: Asset, fail: Callable[[str, str], ManifestError], verify: bool) -> None:
    loc, sha = asset.location, asset.data.get("sha256")
    if not isinstance(loc, str) or not loc:
        raise fail("location", "must be a non-empty string")
    if sha is not None and (not isinstance(sha, str) or not _SHA_RE.match(sha)):
        raise fail("sha256", "must be 64 lowercase hexadecimal digits")
    if loc.startswith(PROCEDURAL_PREFIX):
        if not _PROC_RE.match(loc):
            raise fail("location", f"{loc!r} is not procedural:<generator>[/<variant>]")
        if asset.kind == "prop" and loc[len(PROCEDURAL_PREFIX):].split("/")[0] not in PROP_GENERATORS:
            raise fail("location", f"{loc!r}: prop generators are {', '.join(PROP_GENERATORS)}")
        return
    if loc.startswith(PEOPLE_PREFIX):
        _check_people(asset, fail, verify)
        return
    if loc.startswith(DATAFILES_PREFIX):
        rel = loc[len(DATAFILES_PREFIX):]
        if not rel or rel.startswith("/") or ".." in Path(rel).parts:
            raise fail("location", f"{loc!r} must be a relative path inside Blender's datafiles")
        if verify and sha is not None:
            root = blender_datafiles_dir()
            if root is not None:
                _verify_file(root / rel, sha, fail)
        return
    if ":" in loc.split("/")[0] and not Path(loc).drive:
        raise fail("location", f"{loc!r}: unknown location scheme (use a relative path, "
                               f"{DATAFILES_PREFIX}<path> or {PROCEDURAL_PREFIX}<generator>)")
    if Path(loc).is_absolute():
        raise fail("location", f"{loc!r} must be relative to the manifest's folder")
    target = asset.manifest.parent / loc
    if not is_inside(target, asset.manifest.parent):
        raise fail("location", f"{loc!r} escapes the manifest's folder")
    if sha is None:
        raise fail("sha256", "required for file locations")
    if verify:
        _verify_file(target, sha, fail)


def _check_people(asset: Asset, fail, verify: bool) -> None:
    """A people-pack location: its form, its kind, and (``verify``) that the pack holds it
    and its file matches ``sha256`` (a broken pack raises PackError: file and fix)."""
    loc, sha = asset.location, asset.data.get("sha256")
    m = _PEOPLE_RE.match(loc)
    if not m:
        raise fail("location", f"{loc!r} is not people:person/<id> or people:motion/<clip>")
    want = {"character": "person", "action": "motion"}.get(asset.kind)
    if m.group(1) != want:
        raise fail("location", f"{loc!r}: a {asset.kind} entry cannot use a people {m.group(1)}")
    if not verify:
        return
    from .characters.people.pack import load
    pack = load()
    name = loc.split("/", 1)[1]
    table, npz = (pack.meta["people"], "bodies.npz") if want == "person" else (pack.meta["clips"], "motions.npz")
    if name not in table:
        raise fail("location", f"the people pack has no {want} {name!r}")
    if sha is not None and sha != pack.meta["files"][npz]:
        raise fail("sha256", f"does not match the people pack's {npz} (regenerate the manifest: "
                             f"python -m synthgen.characters.people.manifest assets_manifest/people.json)")


def _verify_file(path: Path, sha: str, fail) -> None:
    try:
        st = path.stat()
    except OSError:
        raise fail("location", f"file not found: {path}") from None
    if not path.is_file():
        raise fail("location", f"not a file: {path}")
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    digest = _VERIFIED.get(key)
    if digest is None:
        digest = _VERIFIED[key] = sha256_file(path)
    if digest != sha:
        raise fail("sha256", f"checksum mismatch for {path} (file has {digest[:12]}…)")


def blender_datafiles_dir() -> Path | None:
    """The PyPI bpy package's datafiles folder, located without importing bpy (or None)."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        for d in sorted(Path(base).glob("[0-9]*.[0-9]*/datafiles")):
            return d
    return None


# --------------------------------------------------------------------------- per-kind schema
def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _text(entry: dict, name: str, fail) -> None:
    if not isinstance(entry[name], str) or not entry[name].strip():
        raise fail(name, "must be a non-empty string")


def _positive(entry: dict, name: str, fail) -> None:
    if not _is_num(entry[name]) or entry[name] <= 0:
        raise fail(name, f"must be a positive number, got {entry[name]!r}")


def _box(v: Any, name: str, fail) -> None:
    if not (isinstance(v, list) and len(v) == 6 and all(_is_num(c) for c in v)):
        raise fail(name, "must be [xmin, ymin, zmin, xmax, ymax, zmax] (6 finite numbers)")
    if any(v[i] > v[i + 3] for i in range(3)):
        raise fail(name, "a minimum is larger than its maximum")


def _check_character(e: dict, fail) -> None:
    _text(e, "skeleton", fail)
    _text(e, "appearance", fail)
    _positive(e, "height_m", fail)
    _box(e["bbox"], "bbox", fail)


def _check_action(e: dict, fail) -> None:
    _text(e, "skeleton", fail)
    _text(e, "sentence", fail)
    names = e["move_names"]
    if not (isinstance(names, list) and names and all(isinstance(n, str) and n.strip() for n in names)):
        raise fail("move_names", "must be a non-empty list of non-empty strings")
    _positive(e, "fps", fail)
    _positive(e, "reference_height_m", fail)
    n = e["frame_count"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise fail("frame_count", f"must be a positive integer, got {n!r}")
    if not _is_num(e["dynamic_score"]) or not 0.0 <= e["dynamic_score"] <= 1.0:
        raise fail("dynamic_score", f"must be a number in 0..1, got {e['dynamic_score']!r}")
    if not isinstance(e["loopable"], bool):
        raise fail("loopable", "must be true or false")
    if e.get("role", "performance") not in ACTION_ROLES:
        raise fail("role", f"{e['role']!r} is not one of {', '.join(ACTION_ROLES)}")
    for name, width in (("root_trajectory", 3), ("envelope", 6), ("motion_energy", 0)):
        seq = e[name]
        if not isinstance(seq, list) or len(seq) != n:
            raise fail(name, f"must have frame_count = {n} entries, has "
                             f"{len(seq) if isinstance(seq, list) else type(seq).__name__}")
        for k, v in enumerate(seq):
            if width == 0:
                if not _is_num(v) or v < 0:
                    raise fail(f"{name}[{k}]", "must be a non-negative number")
            elif width == 6:
                _box(v, f"{name}[{k}]", fail)
            elif not (isinstance(v, list) and len(v) == width and all(_is_num(c) for c in v)):
                raise fail(f"{name}[{k}]", f"must be {width} finite numbers")


def _check_hdri(e: dict, fail) -> None:
    _text(e, "setting", fail)
    if not isinstance(e["indoor"], bool):
        raise fail("indoor", "must be true or false")


def _check_room(e: dict, fail) -> None:
    _text(e, "setting", fail)
    loc = e["location"]
    if not (loc == "procedural:room" or loc.startswith("procedural:room/") or loc.endswith(".blend")):
        raise fail("location", f"{loc!r}: a room is procedural:room or a .blend file")
    rng = e["size_range"]
    if not (isinstance(rng, list) and len(rng) == 3 and
            all(isinstance(r, list) and len(r) == 2 and all(_is_num(c) and c > 0 for c in r) for r in rng)):
        raise fail("size_range", "must be [[wmin,wmax],[dmin,dmax],[hmin,hmax]] of positive metres")
    if any(r[0] > r[1] for r in rng):
        raise fail("size_range", "a minimum is larger than its maximum")


def _check_prop(e: dict, fail) -> None:
    _text(e, "description", fail)


def _check_scene(e: dict, fail) -> None:
    _text(e, "setting", fail)
    if e["up_axis"] not in ("Y", "Z"):
        raise fail("up_axis", f"must be \"Y\" or \"Z\", got {e['up_axis']!r}")
    _positive(e, "unit_scale", fail)
    t = e["transform"]
    if not (isinstance(t, list) and len(t) == 4 and all(isinstance(r, list) and len(r) == 4 and all(_is_num(c) for c in r)
                                                        for r in t)):
        raise fail("transform", "must be a 4x4 matrix of finite numbers")
    _box(e["bounds"], "bounds", fail)
    n = e["triangles"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise fail("triangles", f"must be a positive integer, got {n!r}")
    for name in ("free_space", "preview"):
        if name in e and (not isinstance(e[name], str) or not e[name] or Path(e[name]).is_absolute()
                          or ".." in Path(e[name]).parts):
            raise fail(name, "must be a file name relative to the manifest's folder")
    if not isinstance(e["free_space_sha256"], str) or not _SHA_RE.match(e["free_space_sha256"]):
        raise fail("free_space_sha256", "must be 64 lowercase hexadecimal digits")
    objs = e.get("objects", [])
    if not isinstance(objs, list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str) and o["name"]
                                             and isinstance(o.get("description", ""), str) for o in objs):
        raise fail("objects", "must be a list of {name, description, bounds, triangles}")
    for k, o in enumerate(objs):
        if "bounds" in o:
            _box(o["bounds"], f"objects[{k}].bounds", fail)


_KIND_CHECKS = {"character": _check_character, "action": _check_action, "hdri": _check_hdri,
                "room": _check_room, "prop": _check_prop, "scene": _check_scene}
