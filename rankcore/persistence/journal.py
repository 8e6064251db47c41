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
import enum
import json
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Final

import attrs

from rankcore.persistence.errors import JournalCorrupted, JournalError
from rankcore.persistence.snapshot import canonical, write_atomic

__all__ = ["FORMAT", "VERSION", "FsyncPolicy", "Journal", "JournalScan", "scan_journal"]

FORMAT: Final = "rankcore.journal"
VERSION: Final = 1


class FsyncPolicy(enum.Enum):
    """When the journal forces records to stable storage."""

    ALWAYS = "always"
    """fsync every record before the mutation returns."""
    INTERVAL = "interval"
    """fsync in the background, at most ``fsync_interval`` seconds after a write."""
    NEVER = "never"
    """Never fsync; the operating system writes back when it likes."""

    @classmethod
    def parse(cls, value: FsyncPolicy | str) -> FsyncPolicy:
        """``value`` as a policy; accepts the member or its string value. O(1)."""
        if isinstance(value, FsyncPolicy):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        raise ValueError(f"fsync must be 'always', 'interval' or 'never', got {value!r}")


def _line(value: dict[str, Any]) -> bytes:
    body = canonical(value)
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
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


@attrs.frozen
class JournalScan:
    """What :func:`scan_journal` found: the header's ``after``, the good records in order,
    how many bytes are good, and the torn tail (``dropped_bytes``, ``problem``) if any."""

    after: int
    records: tuple[dict[str, Any], ...]
    valid_bytes: int
    dropped_bytes: int = 0
    problem: str | None = None


def scan_journal(path: str | os.PathLike[str]) -> JournalScan:
    """Read and check a whole journal file. O(size).

    Raises :class:`JournalCorrupted` for a bad header, a record out of sequence, or a bad
    record followed by a good one.
    """
    with open(path, "rb") as file:
        data = file.read()
    name = os.fspath(path)
    end = data.find(b"\n")
    header = _parse(data[:end]) if end >= 0 else None
    if header is None or header.get("format") != FORMAT or not isinstance(header.get("after"), int):
        raise JournalCorrupted(f"journal {name!r} has no valid header")
    if header.get("version") != VERSION:
        raise JournalCorrupted(
            f"journal {name!r} has format version {header.get('version')!r}; this rankcore"
            f" reads version {VERSION}"
        )
    after: int = header["after"]
    records: list[dict[str, Any]] = []
    offset = end + 1
    valid = offset
    problem: str | None = None
    expected = after + 1
    while offset < len(data):
        stop = data.find(b"\n", offset)
        if stop < 0:
            problem = problem or f"record {expected} is incomplete (torn write)"
            break
        record = _parse(data[offset:stop])
        if record is None:
            problem = problem or f"record {expected} fails its checksum"
        elif problem is not None:
            raise JournalCorrupted(
                f"journal {name!r} is damaged before its end ({problem}, yet a good record"
                f" follows at byte {offset}); refusing to guess"
            )
        elif record.get("n") != expected:
            raise JournalCorrupted(
                f"journal {name!r}: record {record.get('n')!r} where {expected} was expected"
            )
        else:
            records.append(record)
            expected += 1
            valid = stop + 1
        offset = stop + 1
    return JournalScan(after, tuple(records), valid, len(data) - valid, problem)


class Journal:
    """An open journal file, appended to under the engine's lock.

    Use :meth:`create` for a new journal and :meth:`resume` for one that was scanned.
    """

    def __init__(
        self, path: str | os.PathLike[str], fsync: FsyncPolicy, interval: float = 1.0
    ) -> None:
        self.path = Path(path)
        self.policy = fsync
        self.interval = interval
        self._file: Any = None
        self._dirty = False
        self._io = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], after: int, fsync: FsyncPolicy, interval: float = 1.0
    ) -> Journal:
        """Atomically write a fresh journal whose records follow mutation ``after``."""
        journal = cls(path, fsync, interval)
        journal._start(after)
        return journal

    @classmethod
    def resume(
        cls,
        path: str | os.PathLike[str],
        scan: JournalScan,
        fsync: FsyncPolicy,
        interval: float = 1.0,
    ) -> Journal:
        """Open a scanned journal for appending, cutting off its torn tail first."""
        journal = cls(path, fsync, interval)
        if scan.dropped_bytes:
            os.truncate(journal.path, scan.valid_bytes)
        journal._open()
        if scan.dropped_bytes:
            os.fsync(journal._file.fileno())
        return journal

    def _start(self, after: int) -> None:
        header = _line({"format": FORMAT, "version": VERSION, "after": after})
        write_atomic(self.path, header)
        self._open()

    def _open(self) -> None:
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open
        if self.policy is FsyncPolicy.INTERVAL and self._flusher is None:
            self._stop.clear()
            self._flusher = threading.Thread(
                target=self._flush_loop, name="rankcore-journal-fsync", daemon=True
            )
            self._flusher.start()

    def append(self, record: dict[str, Any]) -> None:
        """Write one record (and, under ``always``, fsync it). Raises :class:`JournalError`
        if it cannot be written. O(size of the record)."""
        line = _line(record)
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
        """Atomically replace the journal by an empty one that follows mutation ``after``."""
        with self._io:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._dirty = False
            header = _line({"format": FORMAT, "version": VERSION, "after": after})
            write_atomic(self.path, header)
            self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open

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

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError):  # the next append reports a failing device
                self.sync()
