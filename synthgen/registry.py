"""Named registries: one entry per vocabulary word (a camera movement, a path family, a scene type).

A :class:`Registry` maps names to entries in registration order and resolves older spellings
(aliases) to the current name. Looking up a name no entry has raises
:class:`~synthgen.errors.UnknownNameError` listing the known names, so an unknown word never
falls through to some default. Standard library only: the Blender worker uses registries too.
"""
from __future__ import annotations

import importlib
from typing import Generic, Iterator, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries of one vocabulary, by name. ``what`` names the vocabulary in error messages
    (e.g. ``"camera movement"``); ``aliases`` maps older spellings to current names."""

    def __init__(self, what: str, aliases: dict[str, str] | None = None):
        self.what = what
        self.aliases = dict(aliases or {})
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Add ``entry`` under ``name``; a name (or alias) registered twice is a bug."""
        if name in self._entries or name in self.aliases:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def canonical(self, name: str, *, source: str | None = None, field: str | None = None) -> str:
        """The current name for ``name`` (itself, or what its alias stands for)."""
        name = self.aliases.get(name, name)
        if name not in self._entries:
            raise UnknownNameError(f"unknown {self.what} {name!r} (known: {', '.join(self._entries)})",
                                   source=source, field=field)
        return name

    def get(self, name: str, *, source: str | None = None, field: str | None = None) -> T:
        """The entry of ``name`` (or of the name its alias stands for)."""
        return self._entries[self.canonical(name, source=source, field=field)]

    def names(self) -> tuple[str, ...]:
        """Current names, in registration order (aliases not included)."""
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self.aliases

    def __iter__(self) -> Iterator[tuple[str, T]]:
        return iter(self._entries.items())

    def __len__(self) -> int:
        return len(self._entries)

    def expect(self, names: tuple[str, ...]) -> None:
        """Fail loudly (a bug, not a user error) unless exactly ``names`` are registered."""
        if tuple(sorted(names)) != tuple(sorted(self._entries)):
            raise RuntimeError(f"{self.what} registry holds {sorted(self._entries)}, "
                               f"the vocabulary names {sorted(names)}")


def register_modules(registry: Registry, package: str, names: tuple[str, ...], attr: str) -> None:
    """Fill ``registry`` with one module per name: ``<package>.<name>`` defines ``attr``, an
    entry whose ``name`` is that name (a missing module or a mismatch is a bug: it raises)."""
    for name in names:
        entry = getattr(importlib.import_module(f"{package}.{name}"), attr)
        if getattr(entry, "name", name) != name:
            raise RuntimeError(f"{package}.{name}.{attr} is named {entry.name!r}, not {name!r}")
        registry.register(name, entry)
