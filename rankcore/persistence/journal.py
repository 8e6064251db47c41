"""The write-ahead journal: an append-only file of checksummed records, one per mutation.

The file is UTF-8 text, one record per line; each line is the CRC-32 of its JSON (8 lower-case
hex digits), a space, and the JSON::

    1c291ca3 {"after":0,"format":"rankcore.journal","version":1}
    5e1f30b4 {"args":{...},"n":1,"op":"award","t":"2024-06-01T10:00:00+00:00"}

The first line is the header: ``after`` is the sequence number of the last mutation that the
matching snapshot already holds; records are numbered ``after + 1``, ``after + 2``, ... with no
gap. A crash can tear only the end of the file: :func:`scan_journal` reports a last line
that is incomplete or fails its checksum (or anything after it) as a torn tail, which the
caller drops; damage followed by a good record is :class:`JournalCorrupted`.

fsync policies (:class:`FsyncPolicy`): every record is handed to the operating system before
:meth:`Journal.append` returns, so none is lost when the *process* dies. ``always`` also
fsyncs each record before returning (nothing acknowledged is lost when the *machine* dies);
``interval`` fsyncs from a background thread at most ``interval`` seconds after a write (a
machine crash loses at most that much); ``never`` leaves it to the operating system.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

import attrs

from rankcore.persistence.errors import JournalCorrupted, JournalError, JournalLocked
from rankcore.persistence.snapshot import canonical, write_atomic
from rankcore.validate import Choice

__all__ = [
    "FORMAT",
    "VERSION",
    "FsyncPolicy",
    "Journal",
    "JournalLock",
    "JournalScan",
    "RecoveryReport",
    "encode_record",
    "scan_journal",
]

FORMAT: Final = "rankcore.journal"
VERSION: Final = 1


class FsyncPolicy(Choice):
    """When the journal forces records to stable storage (:meth:`parse` takes any case)."""

    ALWAYS = "always"
    """fsync every record before the mutation returns."""
    INTERVAL = "interval"
    """fsync in the background, at most ``fsync_interval`` seconds after a write."""
    NEVER = "never"
    """Never fsync; the operating system writes back when it likes."""


def encode_record(record: dict[str, Any]) -> bytes:
    """One journal line (checksum, space, canonical JSON, newline) for ``record``. O(size).

    Raises ``ValueError`` (``UnicodeEncodeError`` included) or ``RecursionError`` for a
    record JSON cannot hold: callers encode before they change anything.
    """
    body = canonical(record)
    return b"%08x %s\n" % (zlib.crc32(body), body)


def _parse(line: bytes) -> dict[str, Any] | None:
    """The record in one line (without its newline), or ``None`` if it fails its checksum."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


@attrs.frozen
class RecoveryReport:
    """What opening an engine with a journal did.

    ``snapshot`` says whether a checkpoint snapshot was restored; ``replayed`` counts the
    journal records applied after it; ``dropped_bytes`` and ``problem`` describe a torn or
    corrupted tail that was dropped (0 and ``None`` if the journal was clean), or a journal
    that fell behind its snapshot and was started afresh. ``events`` holds the events the
    replay caused, only when the engine was opened with ``replay_events=True`` (by default
    replay publishes nothing and keeps nothing). ``mutations`` counts what the replayed
    records held: one per record, except a batch record, which counts its activities.
    """

    snapshot: bool
    replayed: int
    dropped_bytes: int = 0
    problem: str | None = None
    events: tuple[object, ...] = ()
    mutations: int = 0


class JournalScan:
    """A journal file read as a stream: iterate it for its good records, in order.

    The header is read on construction (``after``); iterating reads one line at a time, so
    memory stays that of one record whatever the journal's size. Once iterated, ``last`` is
    the sequence number of the last good record (``after`` if none), ``valid_bytes`` how
    many bytes are good, and ``dropped_bytes``/``problem`` describe a torn tail. Iteration
    raises :class:`JournalCorrupted` for a record out of sequence or a bad record followed
    by a good one (damage a crash cannot cause).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.name = os.fspath(path)
        try:
            with open(path, "rb") as file:
                first = file.readline()
        except OSError as exc:
            raise JournalError(f"cannot read journal {self.name!r}: {exc.strerror}") from None
        header = _parse(first[:-1]) if first.endswith(b"\n") else None
        if header is None or header.get("format") != FORMAT or type(header.get("after")) is not int:
            raise JournalCorrupted(f"journal {self.name!r} has no valid header")
        if header.get("version") != VERSION:
            raise JournalCorrupted(
                f"journal {self.name!r} has format version {header.get('version')!r}; this"
                f" rankcore reads version {VERSION}"
            )
        self.after: int = header["after"]
        self.last = self.after
        self.valid_bytes = len(first)
        self.dropped_bytes = 0
        self.problem: str | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        offset = self.valid_bytes
        expected = self.after + 1
        try:
            file = open(self.name, "rb")  # noqa: SIM115 - closed below, after the last line
        except OSError as exc:
            raise JournalError(f"cannot read journal {self.name!r}: {exc.strerror}") from None
        with file:
            file.seek(offset)
            for line in file:
                if not line.endswith(b"\n"):
                    self.problem = self.problem or f"record {expected} is incomplete (torn write)"
                    offset += len(line)
                    break
                record = _parse(line[:-1])
                if record is None:
                    self.problem = self.problem or f"record {expected} fails its checksum"
                elif self.problem is not None:
                    raise JournalCorrupted(
                        f"journal {self.name!r} is damaged before its end ({self.problem}, yet"
                        f" a good record follows at byte {offset}); refusing to guess"
                    )
                elif record.get("n") != expected:
                    raise JournalCorrupted(
                        f"journal {self.name!r}: record {record.get('n')!r} where {expected}"
                        " was expected"
                    )
                else:
                    yield record
                    self.last = expected
                    expected += 1
                    self.valid_bytes = offset + len(line)
                offset += len(line)
        self.dropped_bytes = offset - self.valid_bytes


def scan_journal(path: str | os.PathLike[str]) -> JournalScan:
    """Open the journal at ``path`` for a streaming read (see :class:`JournalScan`).

    O(1) memory; iterating it is O(size). Raises :class:`JournalCorrupted` for a bad header.
    """
    return JournalScan(path)


class JournalLock:
    """An exclusive lock on a journal: the file ``<journal>.lock`` held with ``flock``.

    ``flock`` locks belong to an open file, so a second opener is refused in the same process
    as in another one; the operating system releases the lock when the holder dies. On
    platforms without ``fcntl`` the lock is a no-op.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path) + ".lock"
        try:
            self._descriptor: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalError(f"cannot lock journal {os.fspath(path)!r}: {exc.strerror}") from None
        if fcntl is None:  # pragma: no cover - not POSIX
            return
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            raise JournalLocked(
                f"journal {os.fspath(path)!r} is open in another engine (in this process or"
                " another); one journal has one writer"
            ) from None

    def release(self) -> None:
        """Give the lock up. Idempotent."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


class Journal:
    """An open journal file, appended to under the engine's lock.

    Use :meth:`create` for a new journal and :meth:`resume` for one that was scanned; both
    take the :class:`JournalLock` the caller acquired before it read anything, and the
    journal releases it when closed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fsync: FsyncPolicy,
        interval: float = 1.0,
        lock: JournalLock | None = None,
    ) -> None:
        self.path = Path(path)
        self.policy = fsync
        self.interval = interval
        self._lock = lock
        self._file: Any = None
        self._dirty = False
        self._io = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        after: int,
        fsync: FsyncPolicy,
        interval: float = 1.0,
        lock: JournalLock | None = None,
    ) -> Journal:
        """Atomically write a fresh journal whose records follow mutation ``after``."""
        journal = cls(path, fsync, interval, lock)
        journal._start(after)
        return journal

    @classmethod
    def resume(
        cls,
        path: str | os.PathLike[str],
        scan: JournalScan,
        fsync: FsyncPolicy,
        interval: float = 1.0,
        lock: JournalLock | None = None,
    ) -> Journal:
        """Open a scanned journal for appending, cutting off its torn tail first."""
        journal = cls(path, fsync, interval, lock)
        try:
            if scan.dropped_bytes:
                os.truncate(journal.path, scan.valid_bytes)
            journal._open()
            if scan.dropped_bytes:
                os.fsync(journal._file.fileno())
        except OSError as exc:
            raise journal._failure("open", exc) from None
        return journal

    def _failure(self, action: str, exc: OSError) -> JournalError:
        return JournalError(f"cannot {action} journal {os.fspath(self.path)!r}: {exc.strerror}")

    def _start(self, after: int) -> None:
        header = encode_record({"format": FORMAT, "version": VERSION, "after": after})
        write_atomic(self.path, header)
        try:
            self._open()
        except OSError as exc:
            raise self._failure("open", exc) from None

    def _open(self) -> None:
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open
        if self.policy is FsyncPolicy.INTERVAL and self._flusher is None:
            self._stop.clear()
            self._flusher = threading.Thread(
                target=self._flush_loop, name="rankcore-journal-fsync", daemon=True
            )
            self._flusher.start()

    def append(self, line: bytes) -> None:
        """Write one line made by :func:`encode_record` (and, under ``always``, fsync it).

        Raises :class:`JournalError` if it cannot be written. O(size of the line).
        """
        with self._io:
            if self._file is None:
                raise JournalError(f"journal {os.fspath(self.path)!r} is closed")
            try:
                written = self._file.write(line)
                if written != len(line):
                    raise OSError(f"short write ({written} of {len(line)} bytes)")
                if self.policy is FsyncPolicy.ALWAYS:
                    os.fsync(self._file.fileno())
                else:
                    self._dirty = True
            except OSError as exc:
                raise JournalError(
                    f"cannot append to journal {os.fspath(self.path)!r}: {exc}"
                ) from exc

    def sync(self) -> None:
        """fsync whatever was written, whatever the policy. O(1) plus the device's time."""
        with self._io:
            if self._file is not None and self._dirty:
                os.fsync(self._file.fileno())
                self._dirty = False

    def reset(self, after: int) -> None:
        """Atomically replace the journal by an empty one that follows mutation ``after``.

        If the new journal cannot be written the old one stays open and in use.
        """
        with self._io:
            header = encode_record({"format": FORMAT, "version": VERSION, "after": after})
            write_atomic(self.path, header)
            try:
                fresh = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open
            except OSError as exc:  # the old file is replaced: appending to it would be lost
                if self._file is not None:
                    self._file.close()
                    self._file = None
                raise self._failure("reopen", exc) from None
            if self._file is not None:
                self._file.close()
            self._file, self._dirty = fresh, False

    def close(self) -> None:
        """fsync and close the file, and stop the background fsync. Idempotent."""
        self._stop.set()
        flusher, self._flusher = self._flusher, None
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join()
        with self._io:
            if self._file is not None:
                if self._dirty:
                    os.fsync(self._file.fileno())
                self._file.close()
                self._file = None
                self._dirty = False
            if self._lock is not None:
                self._lock.release()

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError):  # the next append reports a failing device
                self.sync()
