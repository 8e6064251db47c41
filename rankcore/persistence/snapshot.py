"""Snapshot files: a versioned, checksummed JSON document, written atomically.

A snapshot is two lines of UTF-8 text::

    {"format":"rankcore.snapshot","length":1234,"sha256":"9f2c...","version":1}
    {...the state, canonical JSON...}

The header names the format and its version, the body's length in bytes and its SHA-256.
The body is canonical JSON (sorted keys, no spaces, no NaN), so saving the same state twice
gives byte-identical files. A reader refuses a newer version, a body of the wrong length
(truncated) or with the wrong digest (corrupted) before it looks at any state.

:func:`write_atomic` writes to a temporary file in the same directory, flushes and fsyncs
it, renames it over the target and fsyncs the directory: a crash at any moment leaves
either the previous file or the new one, never a mix.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Final

from rankcore.persistence.codec import State
from rankcore.persistence.errors import PersistenceError, SnapshotCorrupted, SnapshotVersionError

__all__ = [
    "FORMAT",
    "VERSION",
    "decode_snapshot",
    "encode_snapshot",
    "read_snapshot",
    "write_atomic",
    "write_snapshot",
]

FORMAT: Final = "rankcore.snapshot"
VERSION: Final = 1
"""The snapshot format version this rankcore writes and the newest it reads."""


def canonical(value: State) -> bytes:
    """``value`` as canonical JSON bytes: sorted keys, no spaces, UTF-8. O(size)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def encode_snapshot(state: State) -> bytes:
    """The bytes of a snapshot of ``state`` (a plain JSON value). O(size)."""
    body = canonical(state)
    header = canonical(
        {
            "format": FORMAT,
            "version": VERSION,
            "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    )
    return header + b"\n" + body + b"\n"


def decode_snapshot(data: bytes, source: str = "snapshot") -> State:
    """The state in snapshot bytes; :class:`SnapshotCorrupted` or
    :class:`SnapshotVersionError` if they cannot be trusted. O(size)."""
    line, newline, rest = data.partition(b"\n")
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, ValueError):
        header = None
    if not newline or not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotCorrupted(f"{source} is not a rankcore snapshot (bad header)")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SnapshotCorrupted(f"{source} has an invalid format version {version!r}")
    if version > VERSION:
        raise SnapshotVersionError(
            f"{source} has format version {version}; this rankcore reads versions up to"
            f" {VERSION}: upgrade rankcore to load it"
        )
    length = header.get("length")
    if not isinstance(length, int) or not rest.endswith(b"\n") or len(rest) - 1 != length:
        raise SnapshotCorrupted(
            f"{source} is truncated or has trailing data: its header announces {length!r} bytes"
            f" of state, the file holds {max(len(rest) - 1, 0)}"
        )
    body = rest[:-1]
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise SnapshotCorrupted(f"{source} is corrupted: its SHA-256 does not match its header")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:  # pragma: no cover - the digest matched
        raise SnapshotCorrupted(f"{source} holds invalid JSON: {exc}") from None


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at ``path`` by ``data`` atomically and durably. O(size).

    The temporary file has a unique name (``.<name>.<pid>.<random>.tmp``), so that two
    writers of one process never share one; temporary files that dead processes left behind
    are removed. A failure of the file system raises
    :class:`~rankcore.persistence.errors.PersistenceError` naming ``path``; the previous
    file is then intact.
    """
    target = Path(path)
    _remove_stale_temporaries(target)
    try:
        descriptor, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _failure("write", path, exc) from None
    temporary = Path(name)
    try:
        with open(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _failure("write", path, exc) from None
        raise
    sync_directory(target.parent)


def _failure(action: str, path: str | os.PathLike[str], exc: OSError) -> PersistenceError:
    """A file-system failure in the caller's terms: the user's path, not a temporary's."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return PersistenceError(f"cannot {action} {os.fspath(path)!r}: {reason}")


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files of ``target`` whose writing process is gone."""
    try:
        leftovers = list(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    except OSError:  # pragma: no cover - an unreadable directory fails at mkstemp instead
        return
    for leftover in leftovers:
        pid = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # someone else's process, or no such pid
        pass
    return True


def sync_directory(directory: Path) -> None:
    """fsync a directory so that a rename in it is durable (a no-op where unsupported)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(descriptor)


def write_snapshot(path: str | os.PathLike[str], state: State) -> bytes:
    """Write a snapshot of ``state`` to ``path`` atomically; returns the bytes written."""
    data = encode_snapshot(state)
    write_atomic(path, data)
    return data


def read_snapshot(path: str | os.PathLike[str]) -> State:
    """The state in the snapshot file at ``path`` (see :func:`decode_snapshot`)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise _failure("read snapshot", path, exc) from None
    return decode_snapshot(data, f"snapshot {os.fspath(path)!r}")
