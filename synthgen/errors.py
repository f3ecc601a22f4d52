"""Exception types. Every user-facing error names the file, the field and the reason.

The CLI turns any :class:`SynthgenError` into one line on stderr and its ``exit_code``;
anything else is a bug and keeps its traceback. Standard library only (runs in Blender).
"""
from __future__ import annotations


class SynthgenError(Exception):
    """Base class of errors caused by input (files, arguments, environment), not by bugs."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        self.reason = message
        parts = [p for p in (source, field) if p]
        super().__init__(": ".join([*parts, message]))


class UsageError(SynthgenError):
    """A command-line option has a value that cannot work (the field names the option)."""


class NothingToDoError(SynthgenError):
    """The input names no work at all (an empty jobs or renders folder): most likely a
    wrong path, so it is an error, not a silent success."""


class JobError(SynthgenError):
    """A job file is malformed or violates the contract of synthgen.job."""


class ManifestError(SynthgenError):
    """An asset manifest is malformed, or an asset is missing or fails its checksum."""


class PresetError(SynthgenError):
    """A planner preset (TOML) is malformed or names unknown values."""


class PlanError(SynthgenError):
    """The planner could not plan a clip (missing assets, or no solution under the hard constraints)."""


class InfeasibleDrawError(PlanError):
    """The parameters drawn for a clip admit no solution (no geometry satisfies the hard
    constraints, or the drawn scene type needs an asset the manifests lack); a fresh draw may.
    The planner redraws the whole clip on this error and on no other."""


class UnknownNameError(SynthgenError):
    """A name (camera movement, path family, scene type, clip kind, ...) no registry entry has."""


class RenderError(SynthgenError):
    """A render could not be set up or run (bad device, unreadable asset, unwritable output)."""

    exit_code = 1


class ExportError(SynthgenError):
    """A render folder is incomplete or corrupt, or the dataset folder is unusable."""

    exit_code = 1


class VerifyError(SynthgenError):
    """A clip could not be verified (missing inputs)."""

    exit_code = 1


class CorrespondenceError(SynthgenError):
    """A correspondence member (flow_k, occ_k, tracks, scene_flow) cannot be computed for a
    clip: bad frame gap, or the clip was rendered without the scene geometry it needs."""

    exit_code = 1
