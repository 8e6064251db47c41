"""What persistence refuses: unreadable snapshots and journals, and journal I/O failures."""

from __future__ import annotations

from rankcore.errors import RankcoreError

__all__ = [
    "JournalCorrupted",
    "JournalError",
    "JournalLocked",
    "LogUnavailable",
    "PersistenceError",
    "SnapshotCorrupted",
    "SnapshotError",
    "SnapshotVersionError",
]


class PersistenceError(RankcoreError):
    """Base class of the errors raised while saving, loading or journalling."""


class SnapshotError(PersistenceError, ValueError):
    """A snapshot cannot be loaded; nothing was loaded."""


class SnapshotVersionError(SnapshotError):
    """The snapshot was written in a format version this rankcore does not read."""


class SnapshotCorrupted(SnapshotError):
    """The snapshot is truncated, altered or not a rankcore snapshot at all."""


class JournalError(PersistenceError):
    """The journal cannot be read or written. After a failed append the engine refuses
    further mutations: what it holds in memory is no longer what the journal holds."""


class JournalCorrupted(JournalError, ValueError):
    """The journal is damaged somewhere other than its last record (which a crash may
    legitimately tear); nothing was loaded."""


class JournalLocked(JournalError):
    """Another engine, in this process or another, has the journal open: one journal has
    one writer. Nothing was opened; the engine that holds the journal keeps working."""


class LogUnavailable(PersistenceError):
    """The replicated log (Redis) cannot be reached. A write that raises it was not applied
    here; if it was raised after the command reached the log, the command is applied by the
    next :meth:`~rankcore.Engine.sync` (retry it with the same event id: it counts once)."""
