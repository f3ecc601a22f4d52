"""Errors of the reader: one line naming the shard, the sample and the member."""
from __future__ import annotations


class ReaderError(ValueError):
    """A dataset, sample or member cannot be read."""


class CorruptMemberError(ReaderError):
    """A member's bytes do not decode (truncated, flipped bits, unknown codec)."""
